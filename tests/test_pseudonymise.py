"""Pseudonyms: the keyed hash equals the standard library's HMAC-SHA256; quasi-identifiers are coarsened."""

import hashlib
import hmac

import pandas as pd
import pytest

from pipeline.lib.pseudonymise import postcode_district, pseudonymise_ids


@pytest.mark.parametrize("key", ["k", "test-pseudonym-key", "é" * 70])  # a key over 64 bytes is hashed first
def test_pseudonyms_are_hmac_sha256_of_the_id(key):
    ids = pd.Series(["SC1", None, "Zoë-7", "SC1", "123", "x" * 80, "a b/c"], dtype=object)
    expected = [None if v is None else hmac.new(key.encode(), v.encode(), hashlib.sha256).hexdigest()[:16] for v in ids]
    got = pseudonymise_ids(ids, key)
    assert [None if pd.isna(v) else v for v in got] == expected
    assert list(got.index) == list(ids.index)


def test_a_key_is_required():
    with pytest.raises(ValueError, match="SAFEGUARDING_PSEUDONYM_KEY"):
        pseudonymise_ids(pd.Series(["a"]), "")


def test_only_missing_ids():
    assert pseudonymise_ids(pd.Series([None, None]), "k").isna().all()


@pytest.mark.parametrize(("postcode", "district"), [("B70 9LD", "B70"), ("b709ld", "B70"), ("WV14 0AB", "WV14"),
                                                    ("nope", None), (None, None)])
def test_postcodes_keep_only_their_district(postcode, district):
    assert postcode_district(postcode) == district


def test_the_reused_connection_gives_each_call_and_thread_its_own_ids():
    # The hashing connection is kept per thread: calls in turn and threads at once must not see each other's IDs.
    from concurrent.futures import ThreadPoolExecutor

    def check(n: int) -> bool:
        ids = pd.Series([f"SC{n}-{i}" for i in range(2000)])
        expected = [hmac.new(b"k", v.encode(), hashlib.sha256).hexdigest()[:16] for v in ids]
        return list(pseudonymise_ids(ids, "k")) == expected

    assert check(0) and check(1)
    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(check, range(2, 10)))


@pytest.mark.parametrize("key", ["k", "é" * 70])
def test_python_and_duckdb_hashing_give_the_same_pseudonyms(key):
    # Few distinct IDs are hashed by Python's hmac, many by DuckDB: both sides of the threshold are the standard HMAC.
    from pipeline.lib import pseudonymise

    for n in (pseudonymise.PYTHON_HMAC_BELOW - 1, pseudonymise.PYTHON_HMAC_BELOW):
        ids = pd.Series([f"Zoë-{i}" for i in range(n)] + [None, "Zoë-0"], dtype=object)
        expected = [None if v is None else hmac.new(key.encode(), v.encode(), hashlib.sha256).hexdigest()[:16]
                    for v in ids]
        got = pseudonymise_ids(ids, key)
        assert str(got.dtype) == "string"
        assert [None if pd.isna(v) else v for v in got] == expected
