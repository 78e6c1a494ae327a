"""Comparators on DfE's real files: SN means by hand, the neighbour lists, symbols, the lookup function."""

from __future__ import annotations

import copy
import datetime as dt

import duckdb
import pytest

from pipeline.lib import benchmarks
from pipeline.lib.paths import REFERENCE_DIR
from pipeline.lib.warehouse import query


def _hand_sn(raw_rows: list[dict], neighbours: list[str], column: str, time_period: str):
    """Plain mean of the neighbours' published values, skipping any that is not a number."""
    published = {r["old_la_code"]: r[column] for r in raw_rows
                 if r["time_period"] == time_period and r["geographic_level"] == "Local authority"}
    values, skipped = [], []
    for code in neighbours:
        try:
            values.append(float(published[code]))
        except (KeyError, ValueError):
            skipped.append((code, published.get(code)))
    return sum(values) / len(values), len(values), skipped


@pytest.mark.parametrize("fixture", ["ees_warehouse", "warehouse"])
def test_sn_mean_is_the_hand_computed_mean_of_the_10_april_2021_neighbours(request, fixture, raw_ees, la_groups):
    con = request.getfixturevalue(fixture)
    neighbours = la_groups["sandwell_sn_april_2021"]
    mean, count, skipped = _hand_sn(
        raw_ees("c1_children_in_need_referrals_and_rereferrals"), neighbours, "rereferral_percent", "2023")

    row = benchmarks.comparator(con, "rereferrals_pct", "2022-23")

    assert skipped == [] and count == 10
    assert row["sn_model"] == "april_2021"
    assert row["sn_count"] == 10
    assert row["sn_mean"] == pytest.approx(mean, abs=1e-9)


@pytest.mark.parametrize("fixture", ["ees_warehouse", "warehouse"])
def test_sn_mean_leaves_out_a_suppressed_neighbour(request, fixture, raw_ees, la_groups):
    """CP plans of 2+ years at 31 March 2023: three of Sandwell's neighbours are published as 'c'."""
    con = request.getfixturevalue(fixture)
    neighbours = la_groups["sandwell_sn_april_2021"]
    mean, count, skipped = _hand_sn(
        raw_ees("d5_cpps_at31march_by_duration"), neighbours, "2_years_or_more_percent", "2023")

    row = benchmarks.comparator(con, "cpp_2yrs_open_pct", "2022-23")

    assert {value for _, value in skipped} == {"c"} and count == 7
    assert row["sn_count"] == 7
    assert row["sn_mean"] == pytest.approx(mean, abs=1e-9)
    assert row["la_value"] == pytest.approx(4.8)


@pytest.mark.parametrize(("model", "group"), [("april_2021", "sandwell_sn_april_2021"),
                                              ("may_2025", "sandwell_sn_may_2025")])
def test_statistical_neighbours_match_la_groups(warehouse, la_groups, model, group):
    rows = warehouse.execute(
        "select neighbour_dfe_code from ref_statistical_neighbours "
        "where model = $model and dfe_la_code = '333' order by neighbour_order",
        {"model": model},
    ).fetchall()
    assert [code for (code,) in rows] == la_groups[group]


def test_every_la_has_ten_neighbours_in_both_models(warehouse):
    counts = warehouse.execute(
        "select model, count(distinct dfe_la_code), min(n), max(n) from ("
        "  select model, dfe_la_code, count(*) as n from ref_statistical_neighbours group by all"
        ") group by all order by model"
    ).fetchall()
    assert counts == [("april_2021", 156, 10, 10), ("may_2025", 153, 10, 10)]
    names = warehouse.execute(
        "select neighbour_name, closeness from ref_statistical_neighbours "
        "where model = 'april_2021' and dfe_la_code = '333' and neighbour_order = 1"
    ).fetchall()
    assert names == [("Wolverhampton", "Very Close")]


def test_sn_model_choice_from_config_changes_the_group(warehouse, config):
    params = benchmarks.comparator_params(config)
    auto = query(warehouse, "bm/bm_comparators", params)
    forced = query(warehouse, "bm/bm_comparators", {**params, "sn_model": "may_2025", "sn_statistic": "median"})

    pick = lambda f: f[(f.indicator_code == "rereferrals_pct") & (f.year_label == "2022-23")].iloc[0]
    assert pick(auto)["sn_model"] == "april_2021"
    assert pick(forced)["sn_model"] == "may_2025"
    assert pick(forced)["sn_mean"] != pytest.approx(pick(auto)["sn_mean"])
    assert pick(forced)["sn_value"] == pick(forced)["sn_median"]


def test_suppression_symbols_are_kept_with_a_null_number(warehouse):
    # Sandwell's 2023-24 referrals ending in no further action are published as 'c'
    row = warehouse.execute(
        "select value_text, value_num, status from bm_published where source = 'ees' "
        "and indicator_code = 'referrals_nfa_pct' and dfe_la_code = '333' and year_label = '2023-24' "
        "and source_file like 'dfe/%'"
    ).fetchall()
    assert row == [("c", None, "c")]

    symbols = warehouse.execute(
        "select source, status, count(*) filter (where value_num is not null) as with_number, "
        "count(*) filter (where value_text = status) as kept_as_published "
        "from bm_published where status <> 'ok' group by all order by all"
    ).fetchall()
    assert {(source, status) for source, status, *_ in symbols} == {
        ("ees", "c"), ("ees", "u"), ("ees", "x"), ("ees", "z"), ("lait", "-")}
    assert all(with_number == 0 for _, _, with_number, _ in symbols)
    assert all(kept > 0 for *_, kept in symbols)


def test_comparator_returns_plain_values(warehouse):
    row = benchmarks.comparator(warehouse, "cla_rate_10k", "2022-23")

    assert row["la_value"] == 93 and row["england"] == 70 and row["region_value"] == 90
    assert row["region_name"] == "West Midlands"
    assert row["polarity"] == "neutral" and row["national_rank"] is None and row["quartile"] is None
    assert row["release"] == "LAIT 2026-04"
    assert row["releases_available"] == "LAIT 2026-04; EES 2025; EES 2024"
    assert isinstance(row["release_date"], dt.date)
    assert benchmarks.comparator(warehouse, "cla_rate_10k", "1999-00") is None
    assert benchmarks.comparator(warehouse, "no_such_indicator", "2022-23") is None


def test_ranked_indicator_has_rank_and_quartile(warehouse):
    row = benchmarks.comparator(warehouse, "rereferrals_pct", "2022-23")

    assert row["polarity"] == "lower_is_better"
    assert 1 <= row["national_rank"] <= row["ranked_of"] <= 153
    assert row["quartile"] in {"A", "B", "C", "D"}


def test_calendar_year_measure_answers_a_financial_year(warehouse):
    """First-time entrants are published for calendar years: 2022-23 gets January-December 2022."""
    row = benchmarks.comparator(warehouse, "yj_first_time_entrants_rate", "2022-23")

    assert row["year_type"] == "calendar"
    assert row["year_label"] == "2022"
    assert row["la_value"] == 117


def test_england_first_time_entrants_value_is_excluded_with_its_reason(warehouse):
    """LAIT's England row for FirstYJS is the sum of the nine regional rates (1,320 in 2023 against regions
    129-179): kept in bm_published as published, never used as England's figure."""
    row = benchmarks.comparator(warehouse, "yj_first_time_entrants_rate", "2023-24")
    published = warehouse.execute(
        "select value_text from bm_published where indicator_code = 'yj_first_time_entrants_rate' "
        "and geographic_level = 'National' and year_label = '2023'").fetchall()

    assert row["england"] is None and row["england_status"] == "excluded" and "sum of the regional" in row["england_note"]
    assert row["region_value"] == 130 and row["la_value"] == 148
    assert published == [("1320",)]


def test_without_the_exclusion_the_england_range_check_names_first_time_entrants(config):
    cfg = copy.deepcopy(config)
    del cfg["benchmark_measures"]["indicators"]["yj_first_time_entrants_rate"]["lait"]["england_excluded"]
    con = duckdb.connect()
    benchmarks.load_reference(con, REFERENCE_DIR, cfg)
    benchmarks.build_comparators(con, cfg)
    failing = benchmarks.failing_rows(con, "assert_england_within_la_range")

    assert set(failing["indicator_code"]) == {"yj_first_time_entrants_rate"}


@pytest.mark.parametrize("assertion", benchmarks.ASSERTIONS)
def test_real_files_pass_every_assertion(warehouse, assertion):
    assert benchmarks.failing_rows(warehouse, assertion).empty


def test_comparators_cover_2019_20_onwards_for_every_indicator(warehouse, config):
    years = warehouse.execute(
        "select indicator_code, list(year_label order by time_period) from bm_comparators "
        "where year_type = 'financial' group by all"
    ).fetchall()
    codes = set(config["benchmark_measures"]["indicators"])

    assert {code for code, _ in years} == codes - {"yj_first_time_entrants_rate"}
    for code, labels in years:
        assert {"2019-20", "2020-21", "2021-22", "2022-23", "2023-24", "2024-25"} <= set(labels), code
