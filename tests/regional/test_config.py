"""The hub file: the example lists the Black Country, each partnership becomes the single-partnership config shape,
and every mistake is refused naming the entry and the fix."""

from __future__ import annotations

import pytest
import yaml

from pipeline.lib import benchmarks
from pipeline.regional.config import HubConfigError, load_hub
from pipeline.regional.store import PartnershipStore

GOOD = {"slug": "dudley", "name": "Dudley", "local_authority": "Dudley", "dfe_la_code": 332,
        "ons_la_code": "E08000027", "region": "West Midlands", "pseudonym_key_env": "DUDLEY_KEY"}


def _hub(tmp_path, *entries, defaults=None):
    path = tmp_path / "hub.yaml"
    path.write_text(yaml.safe_dump({"hub": {"name": "Test", "defaults": defaults or {}}, "partnerships": list(entries)}))
    return path


def test_example_hub_is_the_black_country(hub):
    assert hub.slugs == ["sandwell", "dudley", "walsall", "wolverhampton"]
    assert [p.dfe_la_code for p in hub.partnerships] == ["333", "332", "335", "336"]
    assert len({p.pseudonym_key_env for p in hub.partnerships}) == 4
    # Sandwell's entry gives what config/partnership.yaml gives the single partnership.
    single, regional = benchmarks.read_config(), hub.get("sandwell").config()
    for key in ("dfe_la_code", "ons_la_code", "region", "name", "local_authority"):
        assert regional["partnership"][key] == single["partnership"][key]
    # The same returns expected (the agencies' names are the hub's own: "Partnership business unit", not SCSP's).
    assert [r["return_type"] for r in regional["expected_returns"]] == [
        r["return_type"] for r in single["expected_returns"]]
    assert benchmarks.comparator_params(regional) == benchmarks.comparator_params(single)


def test_each_partnership_has_its_own_folders(tmp_path, hub):
    a, b = (PartnershipStore(tmp_path, hub.get(s)) for s in ("sandwell", "dudley"))
    assert a.raw_dir == tmp_path / "raw" / "sandwell" and b.raw_dir == tmp_path / "raw" / "dudley"
    assert a.db_path != b.db_path and a.output_dir != b.output_dir


@pytest.mark.parametrize(("change", "words"), [
    ({"slug": "Dudley MBC"}, "slug 'Dudley MBC' must be lower-case"),
    ({"slug": "a|b"}, "must be lower-case"),
    ({"dfe_la_code": "E08000027"}, "dfe_la_code must be DfE's 3-digit"),
    ({"ons_la_code": "332"}, "ons_la_code must be the ONS code"),
    ({"statistical_neighbour_model": "2021"}, "statistical_neighbour_model must be auto"),
    ({"statistical_neighbour_statistic": "mode"}, "mean or median"),
    ({"pseudonym_key_env": None}, "missing pseudonym_key_env"),
])
def test_mistakes_are_named(tmp_path, change, words):
    with pytest.raises(HubConfigError, match="partnership 1") as err:
        load_hub(_hub(tmp_path, {**GOOD, **change}))
    assert words in str(err.value)


def test_shared_slug_code_or_key_refused(tmp_path):
    other = {**GOOD, "name": "Dudley again"}
    with pytest.raises(HubConfigError) as err:
        load_hub(_hub(tmp_path, GOOD, other))
    for what in ("slug 'dudley'", "dfe_la_code '332'", "pseudonym_key_env 'DUDLEY_KEY'"):
        assert what in str(err.value)


def test_defaults_apply_and_an_entry_overrides(tmp_path):
    hub = load_hub(_hub(tmp_path, GOOD, {**GOOD, "slug": "b", "dfe_la_code": 333, "pseudonym_key_env": "B",
                                         "statistical_neighbour_model": "may_2025"},
                        defaults={"statistical_neighbour_model": "april_2021"}))
    assert [p.statistical_neighbour_model for p in hub.partnerships] == ["april_2021", "may_2025"]


def test_key_missing_or_short_is_refused_without_showing_it(tmp_path, monkeypatch):
    partnership = load_hub(_hub(tmp_path, GOOD)).get("dudley")
    monkeypatch.delenv("DUDLEY_KEY", raising=False)
    with pytest.raises(HubConfigError, match="DUDLEY_KEY is not set"):
        partnership.pseudonym_key()
    monkeypatch.setenv("DUDLEY_KEY", "short-secret")
    with pytest.raises(HubConfigError, match="12 characters") as err:
        partnership.pseudonym_key()
    assert "short-secret" not in str(err.value)
    monkeypatch.setenv("DUDLEY_KEY", "x" * 40)
    assert partnership.pseudonym_key() == "x" * 40


def test_empty_or_absent_hub_refused(tmp_path):
    with pytest.raises(HubConfigError, match="No hub file"):
        load_hub(tmp_path / "nope.yaml")
    with pytest.raises(HubConfigError, match="at least one partnership"):
        load_hub(_hub(tmp_path))
