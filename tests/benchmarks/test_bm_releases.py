"""DfE releases of any year: the 2024 release (other column names and labels) loads value for value, and a
file that matches a pattern but yields nothing fails the blocking check, naming the file and its columns.

The by-hand side reads each CSV with the csv module and its own map of DfE's 2024 column names, written here
independently of config/benchmark_measures.yaml.
"""

from __future__ import annotations

import copy
import csv
import shutil

import duckdb
import pytest

from pipeline.lib import benchmarks
from pipeline.lib.paths import PROJECT_ROOT, REFERENCE_DIR

RELEASE_2024 = REFERENCE_DIR / "dfe-releases" / "2024"
# the shared folder is beside the checkout (CI) or beside the folder of worktrees
SHARED_2024 = next((root / "shared" / "reference" / "dfe-releases" / "2024"
                    for root in (PROJECT_ROOT.parent, PROJECT_ROOT.parent.parent)
                    if (root / "shared" / "reference").exists()), None)

# indicator -> (file prefix, the 2024 release's value column, its filter column and label)
MEASURES_2024 = {
    "referrals_total": ("c1_", "Referrals", "category", "Referrals and Re-referrals"),
    "referrals_children": ("c1_", "Referrals_child", "category", "Referrals and Re-referrals"),
    "rereferrals_total": ("c1_", "Re_referrals", "category", "Referrals and Re-referrals"),
    "rereferrals_pct": ("c1_", "Re_referrals_percent", "category", "Referrals and Re-referrals"),
    "referrals_nfa_pct": ("c1_", "No_Further_Action_percent", "category", "Referrals and Re-referrals"),
    "referrals_not_in_need_pct": ("c1_", "Not_in_Need_percent", "category", "Referrals and Re-referrals"),
    "cin_at_end": ("b1_", "At31_episodes", "category", "Children in Need"),
    "cin_started": ("b1_", "Started_episodes", "category", "Children in Need"),
    "cpp_at_end": ("d5_", "CPP_At31", "category", "Child Protection Plans by length of time"),
    "cpp_2yrs_open": ("d5_", "2_years_or_more", "category", "Child Protection Plans by length of time"),
    "cpp_2yrs_open_pct": ("d5_", "2_years_or_more_percent", "category", "Child Protection Plans by length of time"),
    "cpp_started": ("d3_", "CPP_start", "category", "Child Protection Plans which are a second or subsequent plan"),
    "cpp_second_subsequent": ("d3_", "CPP_subsequent", "category",
                              "Child Protection Plans which are a second or subsequent plan"),
    "cpp_second_subsequent_pct": ("d3_", "CPP_subsequent_percent", "category",
                                  "Child Protection Plans which are a second or subsequent plan"),
    "cla_at_end": ("cla_", "number", "population_count", "Children looked after at 31 March each year"),
    "cla_rate_10k": ("cla_", "rate_per_10000", "population_count", "Children looked after at 31 March each year"),
    "cla_started": ("cla_", "number", "population_count", "Children starting to be looked after each year"),
    "cla_started_rate_10k": ("cla_", "rate_per_10000", "population_count",
                             "Children starting to be looked after each year"),
    "cla_ceased": ("cla_", "number", "population_count", "Children ceasing to be looked after each year"),
    "cla_ceased_rate_10k": ("cla_", "rate_per_10000", "population_count",
                            "Children ceasing to be looked after each year"),
}


def read_2024(prefix: str) -> tuple[str, list[dict]]:
    (path,) = RELEASE_2024.glob(f"{prefix}*.csv")
    with path.open(encoding="utf-8-sig", newline="") as f:
        return f"dfe-releases/2024/{path.name}", list(csv.DictReader(f))


def test_every_ees_measure_is_checked_against_the_2024_files(config):
    mapped = {code for code, ind in config["benchmark_measures"]["indicators"].items() if ind.get("ees")}
    assert mapped == set(MEASURES_2024)


def test_the_2024_files_are_dfes_files_unchanged():
    if SHARED_2024 is None:
        pytest.skip("the shared reference folder is not beside this checkout")
    for path in SHARED_2024.glob("*.csv"):
        assert (RELEASE_2024 / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize("indicator", sorted(MEASURES_2024))
def test_every_value_of_the_2024_release_loads_equal_to_its_file(warehouse, indicator):
    prefix, column, filter_column, label = MEASURES_2024[indicator]
    source_file, rows = read_2024(prefix)
    expected = sorted(
        (int(r["time_period"]), r["geographic_level"], r["old_la_code"] or r["region_code"] or r["country_code"],
         r[column])
        for r in rows if r[filter_column] == label)
    loaded = sorted(warehouse.execute(
        """
        select time_period, geographic_level,
               case geographic_level when 'Local authority' then dfe_la_code else ons_code end, value_text
        from bm_published where indicator_code = $code and source_file = $file
        """, {"code": indicator, "file": source_file}).fetchall())

    assert len(expected) > 100
    assert loaded == expected
    release = warehouse.execute("select distinct release from bm_published where source_file = $f",
                                {"f": source_file}).fetchall()
    assert release == [("EES 2024",)]


def test_every_2024_file_is_mapped_and_yields_rows(warehouse):
    files = warehouse.execute(
        "select source_file, count(*), min(rows_found) from ref_benchmark_files "
        "where source_file like 'dfe-releases/2024/%' group by all order by all").fetchall()
    assert [f for f, _, _ in files] == sorted(f"dfe-releases/2024/{p.name}" for p in RELEASE_2024.glob("*.csv"))
    assert all(n_rows > 0 for *_, n_rows in files)


def test_the_newest_release_wins_and_the_older_is_kept(ees_warehouse):
    """Two releases of 2022-23: the comparator is the 2025 release's; the 2024 figure stays, with its release."""
    row = benchmarks.comparator(ees_warehouse, "cla_rate_10k", "2022-23")
    kept = ees_warehouse.execute(
        "select release, value_text from bm_published where indicator_code = 'cla_rate_10k' "
        "and dfe_la_code = '333' and year_label = '2022-23' order by release").fetchall()

    assert row["release"] == "EES 2025" and row["releases_available"] == "EES 2025; EES 2024"
    assert [r for r, _ in kept] == ["EES 2024", "EES 2025"]
    # a year only the older release has would be answered by it
    assert benchmarks.comparator(ees_warehouse, "cla_rate_10k", "2024-25")["release"] == "EES 2025"


# ---- a silently empty reference file is impossible -------------------------------------------------------

@pytest.fixture
def reference(tmp_path):
    for path in REFERENCE_DIR.rglob("*"):
        if path.is_file():
            (tmp_path / path.relative_to(REFERENCE_DIR)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, tmp_path / path.relative_to(REFERENCE_DIR))
    return tmp_path


def failing_files(reference, config) -> list[dict]:
    con = duckdb.connect()
    benchmarks.load_reference(con, reference, config)
    return benchmarks.failing_rows(con, "assert_every_reference_file_yields_rows").to_dict("records")


def test_a_release_whose_column_has_no_alias_fails_naming_the_file_and_the_columns(reference, config):
    cfg = copy.deepcopy(config)
    del cfg["benchmark_measures"]["sources"]["ees"]["column_aliases"]["c1_children_in_need_referrals_and_rereferrals"]
    failing = failing_files(reference, cfg)
    c1_2024 = "dfe-releases/2024/c1_children_in_need_referrals_and_rereferrals_2013_to_2024.csv"

    assert {f["source_file"] for f in failing} == {c1_2024}
    rereferrals = next(f for f in failing if f["measure_key"] == "rereferrals_pct:ees:1")
    assert rereferrals["missing_columns"] == "rereferral_percent"
    assert "Re_referrals_percent" in rereferrals["file_columns"]
    assert "category = 'Referrals and Re-referrals'" in rereferrals["expected"]


def test_a_renamed_label_fails_too(reference, config):
    cfg = copy.deepcopy(config)
    cfg["benchmark_measures"]["sources"]["ees"]["value_aliases"] = {}
    failing = failing_files(reference, cfg)
    assert {(f["source_file"], f["measure_key"]) for f in failing} == {
        ("dfe-releases/2024/cla_number_and_rate_per_10k_children.csv", "cla_at_end:ees:1"),
        ("dfe-releases/2024/cla_number_and_rate_per_10k_children.csv", "cla_rate_10k:ees:1")}


def test_a_file_with_headings_and_no_rows_fails(reference, config):
    path = reference / "dfe" / "d3_cpps_subsequent_plan_2013_to_2025.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    failing = failing_files(reference, config)
    assert {f["source_file"] for f in failing} == {"dfe/d3_cpps_subsequent_plan_2013_to_2025.csv"}
    assert {f["missing_columns"] for f in failing} == {""}      # the columns are there, the rows are not


def test_a_file_that_is_not_an_ees_file_fails_and_the_others_still_load(reference, config):
    (reference / "dfe" / "b1_children_in_need_2014_to_2026.csv").write_text("note\nthis is not data\n",
                                                                            encoding="utf-8")
    con = duckdb.connect()
    benchmarks.load_reference(con, reference, config)
    failing = benchmarks.failing_rows(con, "assert_every_reference_file_yields_rows")

    assert set(failing["source_file"]) == {"dfe/b1_children_in_need_2014_to_2026.csv"}
    assert any("At31_episodes" in missing for missing in failing["missing_columns"])
    assert con.execute("select count(*) from bm_published where indicator_code = 'cin_at_end'").fetchall()[0][0] > 1000
