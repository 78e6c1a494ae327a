"""Why one warehouse per partnership: DuckDB admits one writing process per file. Two processes on one file: the
second is refused at once (named); on two partnerships' files: both write at the same time. The shared reference
is read by several processes at once while one of them copies it in."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

from pipeline.lib.paths import PROJECT_ROOT
from pipeline.regional import store

HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pipeline.regional.config import load_hub
    from pipeline.regional.store import PartnershipStore
    where = PartnershipStore(Path(sys.argv[1]), load_hub().get(sys.argv[2]))
    try:
        with where.writing() as con:
            con.execute("create or replace table t as select range as i from range(1000)")
            print("writing", flush=True)
            time.sleep(float(sys.argv[3]))
    except Exception as err:
        print(type(err).__name__, err, flush=True)
        sys.exit(3)
""")


def _start(data, slug, hold_s=3.0):
    return subprocess.Popen([sys.executable, "-c", HOLD, str(data), slug, str(hold_s)], cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, text=True)


def _wait_writing(p):
    assert p.stdout.readline().strip() == "writing"


def test_second_writer_on_one_partnership_is_refused_naming_the_holder(tmp_path):
    first = _start(tmp_path, "dudley", 120)   # holds it until stopped below
    try:
        _wait_writing(first)
        second = _start(tmp_path, "dudley", 0)
        out, _ = second.communicate(timeout=60)
        assert second.returncode == 3
        assert out.startswith("WarehouseBusy") and f"process {first.pid}" in out and "dudley" in out
    finally:
        first.terminate()
        first.wait(timeout=60)


def test_two_partnerships_write_at_the_same_time(tmp_path):
    a = _start(tmp_path, "dudley", 20)
    b = _start(tmp_path, "walsall", 20)
    t = time.monotonic()
    _wait_writing(a)
    _wait_writing(b)
    assert a.poll() is None, "both hold their warehouse for writing at once"
    assert a.wait(timeout=60) == 0 and b.wait(timeout=60) == 0
    assert time.monotonic() - t < 90
    for slug in ("dudley", "walsall"):
        with duckdb.connect(str(tmp_path / "partnerships" / slug / "warehouse.duckdb"), read_only=True) as con:
            assert con.execute("select count(*) from t").fetchall() == [(1000,)]


def test_reference_copied_once_per_build_and_refused_when_absent(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con, pytest.raises(FileNotFoundError, match="regional_reference"):
        store.sync_reference(con, tmp_path)
    ref = store.reference_path(tmp_path)
    with duckdb.connect(str(ref)) as con:
        con.execute("create table ref_build as select 'b1' as build_id")
        con.execute("create table ref_population as select 1 as x")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert store.sync_reference(con, tmp_path) == "b1"
        assert con.execute("select * from ref_population").fetchall() == [(1,)]
        con.execute("update ref_population set x = 2")        # a copy: not copied again while the build is the same
        assert store.sync_reference(con, tmp_path) == "b1"
        assert con.execute("select * from ref_population").fetchall() == [(2,)]
    with duckdb.connect(str(ref)) as con:
        con.execute("update ref_build set build_id = 'b2'")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert store.sync_reference(con, tmp_path) == "b2"
        assert con.execute("select * from ref_population").fetchall() == [(1,)]


def test_comparators_rebuilt_only_when_their_inputs_change(tmp_path, hub):
    """bm_comparators is the partnership's own, and rebuilt when the reference, its settings or the SQL change."""
    from pipeline.lib.paths import REFERENCE_DIR

    sandwell, dudley = hub.get("sandwell").config(), hub.get("dudley").config()
    build = store.build_reference(tmp_path, REFERENCE_DIR, sandwell)["build_id"]
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert store.sync_reference(con, tmp_path) == build
        assert store.ensure_comparators(con, sandwell, build) is True
        # the indicator, year, LA and the LA's own value (the averages may differ in the last bit between builds)
        rows = "select * from bm_comparators order by all"
        built = [r[:8] for r in con.execute(rows).fetchall()]
        assert built
        con.execute("delete from bm_comparators where indicator_code = (select min(indicator_code) from bm_comparators)")
        assert store.ensure_comparators(con, sandwell, build) is False     # same inputs: kept as it is
        assert len(con.execute("select * from bm_comparators").fetchall()) < len(built)
        assert store.ensure_comparators(con, dudley, build) is True       # another LA's comparators
        assert [r[:8] for r in con.execute(rows).fetchall()] != built
        assert store.ensure_comparators(con, sandwell, "another build") is True
        assert [r[:8] for r in con.execute(rows).fetchall()] == built
        # a warehouse from before the neighbours' table (same fingerprint inputs otherwise) gets it built
        assert con.execute("select count(*) from bm_neighbour_values").fetchone()[0] > 0
        con.execute("drop table bm_neighbour_values")
        assert store.ensure_comparators(con, sandwell, "another build") is True
        assert con.execute("select count(*) from bm_neighbour_values").fetchone()[0] > 0
