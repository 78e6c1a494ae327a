"""The regional sensor: every partnership-quarter filed is asked for once, in time order within a partnership and
alternating between partnerships; a late return asks for its own partition only; a folder that is no partnership
is named."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipeline.regional import definitions as regional
from tests.regional.conftest import write_min_return


def _evaluate(data: Path, cursor: str | None = None) -> tuple[list, str | None]:
    with dg.build_sensor_context(cursor=cursor, resources={
            "regional": regional.RegionalWorkspace(data_dir=str(data))}) as context:
        out = list(regional.regional_returns_sensor(context))
        return out, context.cursor


def test_late_return_asks_for_its_own_partition_only(tmp_path):
    slugs = regional.HUB.slugs[:3]
    for slug in slugs:
        for q in ("Q1", "Q2"):
            write_min_return(tmp_path / "raw" / slug / "2022-23" / q / "annex_a.xlsx")
    first, cursor = _evaluate(tmp_path)
    keys = [r.partition_key for r in first]
    assert [(k.keys_by_dimension["partnership"], k.keys_by_dimension["quarter"]) for k in keys] == [
        (s, f"2022-23-{q}") for q in ("Q1", "Q2") for s in slugs]
    assert all(r.job_name in (None, "regional_quarter_job") for r in first)

    again, cursor = _evaluate(tmp_path, cursor)
    assert len(again) == 1 and isinstance(again[0], dg.SkipReason)

    # Dudley's Q1 return comes late (a second file in the folder): dudley's Q1, and its Q2 whose rolling 12 months
    # read Q1, in that order; nothing of the other partnerships.
    late = tmp_path / "raw" / slugs[1] / "2022-23" / "Q1" / "missing late.xlsx"
    write_min_return(late)
    after, cursor = _evaluate(tmp_path, cursor)
    assert [str(r.partition_key) for r in after] == [f"{slugs[1]}|2022-23-Q1", f"{slugs[1]}|2022-23-Q2"]

    # The same file written again (new modification time) counts as changed; its run keys are new.
    os.utime(late, ns=(late.stat().st_atime_ns, late.stat().st_mtime_ns + 10**9))
    refiled, cursor = _evaluate(tmp_path, cursor)
    assert [str(r.partition_key) for r in refiled] == [str(r.partition_key) for r in after]
    assert {r.run_key for r in refiled}.isdisjoint({r.run_key for r in after})

    # A late Q2 touches Q2 only: Q1 does not read it.
    write_min_return(tmp_path / "raw" / slugs[2] / "2022-23" / "Q2" / "late.xlsx")
    q2, _ = _evaluate(tmp_path, cursor)
    assert [str(r.partition_key) for r in q2] == [f"{slugs[2]}|2022-23-Q2"]


def test_a_change_reaches_the_next_four_filed_quarters_only():
    digests = {f"dudley|{q}": "d" for q in ("2021-22-Q4", "2022-23-Q1", "2022-23-Q2", "2022-23-Q3", "2022-23-Q4",
                                             "2023-24-Q1")}
    digests["sandwell|2022-23-Q1"] = "s"
    order = regional.rerun_order(["dudley|2021-22-Q4"], digests)
    assert [(s, q) for s, q, _ in order] == [("dudley", q) for q in ("2021-22-Q4", "2022-23-Q1", "2022-23-Q2",
                                                                     "2022-23-Q3", "2022-23-Q4")]


def test_a_folder_that_is_no_partnership_is_named(tmp_path):
    write_min_return(tmp_path / "raw" / "coventry" / "2022-23" / "Q1" / "annex_a.xlsx")
    write_min_return(tmp_path / "raw" / "sandwell" / "2022-23" / "Q1" / "annex_a.xlsx")
    digests, strangers = regional.fingerprints(tmp_path / "raw", regional.HUB.slugs)
    assert strangers == ["coventry"]
    assert list(digests) == ["sandwell|2022-23-Q1"]


def test_nothing_filed_asks_for_nothing(tmp_path):
    out, _ = _evaluate(tmp_path)
    assert len(out) == 1 and isinstance(out[0], dg.SkipReason)
