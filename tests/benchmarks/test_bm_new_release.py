"""A new DfE release dropped in as a new file is picked up with no code change, and recorded."""

from __future__ import annotations

import csv
import shutil

import duckdb
import pytest

from pipeline.lib import benchmarks
from pipeline.lib.paths import REFERENCE_DIR

C1_2025 = "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
C1_2026 = "c1_children_in_need_referrals_and_rereferrals_2014_to_2026.csv"
# Symbols the 2025 files happen not to use; a new release might.
NEW_SYMBOLS = {"330": "low", "331": "k", "332": ":", "334": "~"}


def _copy_reference(target):
    """The reference folder, contents only (the originals are read-only; so would be a copytree)."""
    for path in REFERENCE_DIR.rglob("*"):
        if path.is_file():
            (target / path.relative_to(REFERENCE_DIR)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / path.relative_to(REFERENCE_DIR))
    return target


def _write_2026_release(dfe_dir):
    """C1 as DfE would publish it in 2026: 2014-2026, Sandwell's 2022-23 revised, a new 2025-26 year."""
    with (dfe_dir / C1_2025).open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, [r for r in reader if r["time_period"] != "2013"]
    new_year = []
    for row in rows:
        if row["old_la_code"] == "333" and row["time_period"] == "2023":
            row["rereferral_percent"] = "23.0"
        if row["time_period"] == "2025":
            extra = dict(row, time_period="2026")
            if extra["old_la_code"] == "333":
                extra["rereferral_percent"] = "19.9"
            if extra["old_la_code"] in NEW_SYMBOLS:
                extra["rereferral_percent"] = NEW_SYMBOLS[extra["old_la_code"]]
            new_year.append(extra)
    with (dfe_dir / C1_2026).open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(new_year + rows)


@pytest.fixture(scope="module")
def new_release(tmp_path_factory, config):
    reference = _copy_reference(tmp_path_factory.mktemp("reference"))
    _write_2026_release(reference / "dfe")
    con = duckdb.connect()
    summary = benchmarks.load_reference(con, reference, config)
    benchmarks.build_comparators(con, config)
    yield con, summary
    con.close()


def test_new_file_is_found_and_its_release_recorded(new_release):
    con, summary = new_release

    assert f"dfe/{C1_2026}" in summary["source_files"] and f"dfe/{C1_2025}" in summary["source_files"]
    assert summary["releases"] == ["EES 2024", "EES 2025", "EES 2026", "LAIT 2026-04"]
    releases = con.execute(
        "select distinct release, release_date from bm_published where source_file = $f", {"f": f"dfe/{C1_2026}"}
    ).fetchall()
    assert [(r, str(d)) for r, d in releases] == [("EES 2026", "2026-11-01")]


def test_every_release_stays_in_bm_published_and_the_newest_is_the_comparator(new_release):
    con, _ = new_release
    published = con.execute(
        "select release, value_text from bm_published where indicator_code = 'rereferrals_pct' "
        "and dfe_la_code = '333' and year_label = '2022-23' order by release"
    ).fetchall()

    row = benchmarks.comparator(con, "rereferrals_pct", "2022-23")

    assert published == [("EES 2024", "22.9"), ("EES 2025", "22.9"), ("EES 2026", "23.0"), ("LAIT 2026-04", "22.9")]
    assert row["release"] == "EES 2026" and row["source_file"] == f"dfe/{C1_2026}"
    assert row["la_value"] == pytest.approx(23.0)
    assert row["releases_available"] == "EES 2026; LAIT 2026-04; EES 2025; EES 2024"


def test_new_year_gets_a_comparator_with_the_may_2025_neighbours(new_release):
    con, _ = new_release

    row = benchmarks.comparator(con, "rereferrals_pct", "2025-26")

    assert row["release"] == "EES 2026"
    assert row["la_value"] == pytest.approx(19.9)
    assert row["sn_model"] == "may_2025"
    assert benchmarks.comparator(con, "referrals_total", "2025-26")["release"] == "EES 2026"


def test_symbols_in_the_new_release_are_kept(new_release):
    con, _ = new_release
    rows = con.execute(
        "select dfe_la_code, value_text, status, value_num from bm_published "
        "where source_file = $f and indicator_code = 'rereferrals_pct' and year_label = '2025-26' "
        "and list_contains($codes, dfe_la_code) order by dfe_la_code",
        {"f": f"dfe/{C1_2026}", "codes": list(NEW_SYMBOLS)},
    ).fetchall()

    assert rows == [(code, sym, sym, None) for code, sym in sorted(NEW_SYMBOLS.items())]
    assert benchmarks.failing_rows(con, "assert_every_published_value_parsed").empty
