"""mart_comparison and mart_reconciliation SQL on literal rows: direction of travel, benchmark year, RAG."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from pipeline.lib import comparison, indicators, warehouse
from pipeline.lib.periods import Quarter

D = dt.date
Q4_2022 = Quarter(2022, 4)


def indicator(code, unit="percent", polarity="higher_is_better", rule="starting_in_period", benchmark=None, rag=None,
              decimals=1):
    return indicators.Indicator(code=code, title=code.replace("_", " "), section="test", definition="", numerator="",
                                denominator=None, counting_rule=rule, unit=unit, polarity=polarity, decimals=decimals,
                                sql="ind_test", benchmark=benchmark, rag=rag)


CATALOGUE = (
    indicator("up_good", benchmark="bm_up", rag={"against": "sn_mean", "tolerance": 2.0}),
    indicator("down_good", polarity="lower_is_better", benchmark="bm_down", rag={"against": "sn_mean", "tolerance": 1.0}),
    indicator("near_england", polarity="lower_is_better", benchmark="bm_down", rag={"against": "england", "tolerance": 1.0}),
    indicator("target_up", rag={"against": "target", "target": 80, "tolerance": 5}),
    indicator("target_down", polarity="lower_is_better", rag={"against": "target", "target": 10, "tolerance": 2}),
    indicator("flow_rate", unit="rate_per_10k", polarity="lower_is_better", benchmark="bm_rate",
              rag={"against": "england", "tolerance": 10}),
    indicator("snapshot_count", unit="count", polarity="neutral", rule="open_at_period_end", benchmark="bm_count",
              decimals=0),
)


def ind_row(code, period_type, label, start, end, quarter_key, value, numerator=50.0, denominator=100.0, unit="percent",
            status="complete", coverage=None, missing=""):
    return {"indicator_code": code, "period_type": period_type, "period_label": label, "period_start": start,
            "period_end": end, "quarter_key": quarter_key, "breakdown": "total", "breakdown_value": "All",
            "numerator": numerator, "denominator": denominator, "value": value, "unit": unit, "population_year": 2022,
            "status": status, "coverage": coverage or label, "missing_quarters": missing, "sources": "annex_a:test",
            "disclosure": "children"}


def quarter_rows(code, q4_value, q3_value, year_value=None, prev_year_value=None, unit="percent", numerator=50.0):
    rows = [ind_row(code, "quarter", "2022-23 Q4", D(2023, 1, 1), D(2023, 3, 31), "2022-23-Q4", q4_value, numerator, unit=unit),
            ind_row(code, "quarter", "2022-23 Q3", D(2022, 10, 1), D(2022, 12, 31), "2022-23-Q3", q3_value, unit=unit)]
    if year_value is not None:
        rows.append(ind_row(code, "year", "2022-23", D(2022, 4, 1), D(2023, 3, 31), "2022-23-Q4", year_value, unit=unit))
    if prev_year_value is not None:
        rows.append(ind_row(code, "year", "2021-22", D(2021, 4, 1), D(2022, 3, 31), "2022-01-01", prev_year_value, unit=unit))
    return rows


def bm(code, year_label, time_period, la_value, england, sn_mean, region_value=None):
    return {"indicator_code": code, "year_label": year_label, "time_period": time_period, "year_type": "financial",
            "release": "EES 2025", "la_value": la_value, "england": england, "region_name": "West Midlands",
            "region_value": region_value, "sn_model": "april_2021", "sn_mean": sn_mean, "sn_median": sn_mean,
            "sn_count": 10, "national_rank": 5, "ranked_of": 150, "quartile": "A"}


@pytest.fixture
def mart():
    con = duckdb.connect()
    rows = (quarter_rows("up_good", 65.3, 70.0, year_value=66.04, prev_year_value=60.0)
            + quarter_rows("down_good", 23.0, 25.0, year_value=22.9)
            + quarter_rows("near_england", 21.8, 21.84)
            + quarter_rows("target_up", 78.0, 85.0) + quarter_rows("target_down", 13.0, 9.0)
            + quarter_rows("flow_rate", 120.0, 110.0, year_value=480.0, unit="rate_per_10k")
            + quarter_rows("snapshot_count", 339, 350, unit="count", numerator=3))
    values = pd.DataFrame(rows)
    con.register("_v", values)
    con.execute("create table ind_values as select * from _v")
    comparators = pd.DataFrame([
        bm("bm_up", "2021-22", 2022, 58.0, 80.0, 55.0), bm("bm_up", "2022-23", 2023, 65.3, 82.0, 60.0, 85.0),
        bm("bm_up", "2023-24", 2024, 70.0, 84.0, 70.0),           # a later year: never used for 2022-23
        bm("bm_down", "2022-23", 2023, 22.9, 21.5, 20.4, 19.1),
        bm("bm_rate", "2022-23", 2023, 470.0, 540.0, 600.0), bm("bm_count", "2022-23", 2023, 333, 50000, 300),
    ])
    con.register("_b", comparators)
    con.execute("create table bm_comparators as select * from _b")
    indicators.load_catalogue_table(con, CATALOGUE)
    frame = run_mart(con)
    yield {(r.indicator_code, r.period_label): r for r in frame.itertuples()}, con
    con.close()


def add_values(con, rows):
    con.register("_more", pd.DataFrame(rows))
    con.execute("insert into ind_values by name select * from _more")
    con.unregister("_more")


def run_mart(con):
    return warehouse.query(con, "mart_comparison", {"quarter_key": "2022-23-Q4"})


def test_higher_is_better_green_against_sn_and_worsening_travel(mart):
    rows, _ = mart
    r = rows[("up_good", "2022-23 Q4")]
    assert (r.previous_label, r.previous_value, r.direction, r.travel) == ("2022-23 Q3", 70.0, "down", "worsening")
    assert (r.benchmark_year, r.sn_mean, r.england) == ("2022-23", 60.0, 82.0)   # not 2023-24's
    assert (r.rag, r.rag_label) == ("green", "Better than statistical neighbours")
    assert r.gap_to_sn == pytest.approx(5.3) and r.gap_to_england == pytest.approx(-16.7)
    assert pd.isna(r.reconciliation_diff)                  # a quarter's percentage is not DfE's year figure
    y = rows[("up_good", "2022-23")]
    assert (y.previous_label, y.direction, y.travel) == ("2021-22", "up", "improving")  # same window a year earlier
    assert y.reconciliation_diff == pytest.approx(66.04 - 65.3)


def test_lower_is_better_red_when_worse_than_sn_and_improving_when_down(mart):
    rows, _ = mart
    r = rows[("down_good", "2022-23 Q4")]
    assert (r.direction, r.travel) == ("down", "improving")
    assert (r.rag, r.rag_label) == ("red", "Worse than statistical neighbours")
    assert "lower is better" in r.rag_basis and "20.4" in r.rag_basis


def test_within_tolerance_is_amber_and_equal_when_rounded_is_no_change(mart):
    rows, _ = mart
    r = rows[("near_england", "2022-23 Q4")]
    assert (r.direction, r.travel) == ("same", "no change")       # 21.8 and 21.84 both show as 21.8
    assert (r.rag, r.rag_label) == ("amber", "In line with England")


def test_targets_both_polarities(mart):
    rows, _ = mart
    up, down = rows[("target_up", "2022-23 Q4")], rows[("target_down", "2022-23 Q4")]
    assert (up.rag, up.rag_label, up.travel) == ("amber", "Just short of the target of 80.0", "worsening")
    assert (down.rag, down.rag_label, down.direction, down.travel) == ("red", "Short of the target of 10.0", "up", "worsening")
    assert pd.isna(up.benchmark_year)


def test_a_quarters_flow_rate_is_not_rated_against_dfe_annual_figures(mart):
    rows, _ = mart
    q, y = rows[("flow_rate", "2022-23 Q4")], rows[("flow_rate", "2022-23")]
    assert pd.isna(q.rag) and pd.isna(q.gap_to_england) and "not comparable" in q.rag_basis
    assert q.england == 540.0                                      # the benchmark is still shown
    assert (y.rag, y.rag_label) == ("green", "Better than England")   # 480 vs 540, lower is better
    assert y.reconciliation_diff == pytest.approx(10.0)


def test_neutral_counts_have_no_rag_no_gaps_and_are_suppressed_when_small(mart):
    rows, _ = mart
    r = rows[("snapshot_count", "2022-23 Q4")]
    assert pd.isna(r.rag) and r.travel == "not applicable" and r.direction == "down"
    assert pd.isna(r.gap_to_england)
    assert r.reconciliation_diff == 6                             # snapshot at 31 March: 339 - 333
    assert r.suppressed                                           # numerator 3


def test_one_row_per_indicator_and_period(mart):
    _rows, con = mart
    frame = run_mart(con)
    assert not frame.duplicated(["indicator_code", "period_type", "period_label"]).any()
    assert set(frame["quarter_key"]) == {"2022-23-Q4"}
    assert frame.loc[frame.rag.notna(), "rag_label"].notna().all()


def test_reconciliation_flags_beyond_tolerance_and_one_side_missing(mart):
    _, con = mart
    comparison.ensure_tables(con)
    frame = run_mart(con)
    frame["benchmark_code"] = frame["benchmark_code"].astype(object)
    con.register("_c", frame[comparison.COMPARISON_COLUMNS])
    con.execute("insert into mart_comparison by name select * from _c")
    con.execute("create table stg_missing_episodes (child_id varchar, missing_start timestamp, looked_after varchar, missing_type varchar)")
    con.execute("create table stg_children_in_care (child_id varchar, cla_start_date date, cla_end_date date, missing_episodes_12m bigint)")
    con.execute("""insert into stg_missing_episodes values ('a', '2022-05-01 22:00', 'Y', 'M'), ('a', '2022-06-01 22:00', 'Y', 'M'),
                   ('b', '2022-07-01 22:00', 'Y', 'A'), ('c', '2022-08-01 22:00', 'N', 'M')""")
    con.execute("insert into stg_children_in_care values ('a', '2021-01-01', null, 2), ('b', '2021-01-01', null, 0)")
    year = ("year", "2022-23", D(2022, 4, 1), D(2023, 3, 31), "2022-23-Q4")
    add_values(con, [ind_row("police_da_notifications", *year, 4000, 4000, None, unit="count"),
                     ind_row("missing_episodes", *year, 3, 3, None, unit="count"),
                     ind_row("cla_at_end", *year, 2, 2, None, unit="count")])
    recon = comparison.reconcile_quarter(con, Q4_2022)
    by = {(r.check_code, r.indicator_code, r.period_label): r for r in recon.itertuples()}
    up = by[("dfe_published", "up_good", "2022-23")]
    assert (up.pipeline_value, up.compared_value, up.status, up.beyond_tolerance) == (66.04, 65.3, "agrees", False)
    count = by[("dfe_published", "snapshot_count", "2022-23 Q4")]       # 339 vs 333: within 2 %
    assert (count.status, count.tolerance_relative) == ("agrees", True)
    missing = by[("missing_episodes_vs_annex_a", "missing_episodes", "2022-23")]
    assert (missing.pipeline_value, missing.compared_value, missing.status) == (2, 2, "agrees")
    police = by[("police_da_notifications_vs_contacts", "police_da_notifications", "2022-23")]
    assert (police.status, police.beyond_tolerance) == ("one side missing", False)
    assert ("missing_episodes_vs_annex_a", "missing_episodes", "2022-23 Q4") not in by   # 12-month windows only


# ---- received, partial, not received -------------------------------------------------------------

def test_a_partial_or_not_received_window_is_never_set_against_dfe(mart):
    """A year resting on Q4 only is shown with its coverage, never rated, reconciled or given a direction."""
    _, con = mart
    con.execute("delete from ind_values where indicator_code in ('up_good', 'down_good')")
    year = ("year", "2022-23", D(2022, 4, 1), D(2023, 3, 31), "2022-23-Q4")
    add_values(con, [
        ind_row("up_good", *year, 66.04, status="partial", coverage="2022-23 Q4",
                missing="2022-23 Q1, 2022-23 Q2, 2022-23 Q3"),
        ind_row("up_good", "year", "2021-22", D(2021, 4, 1), D(2022, 3, 31), "2021-22-Q4", 60.0),
        ind_row("down_good", *year, None, None, None, status="not_received", coverage="",
                missing="2022-23 Q1, 2022-23 Q2, 2022-23 Q3, 2022-23 Q4"),
    ])
    rows = {(r.indicator_code, r.period_label): r for r in run_mart(con).itertuples()}
    partial, absent = rows[("up_good", "2022-23")], rows[("down_good", "2022-23")]
    assert (partial.status, partial.coverage, partial.value) == ("partial", "2022-23 Q4", 66.04)
    assert partial.missing_quarters == "2022-23 Q1, 2022-23 Q2, 2022-23 Q3"
    assert not partial.benchmark_comparable and pd.isna(partial.rag) and pd.isna(partial.gap_to_sn)
    assert pd.isna(partial.reconciliation_diff) and pd.isna(partial.direction)
    assert partial.rag_basis.startswith("Partial: rests on 2022-23 Q4 only")
    assert partial.sn_mean == 60.0                                  # shown, not compared
    assert (absent.status, absent.benchmark_comparable) == ("not_received", False)
    assert pd.isna(absent.rag) and pd.isna(absent.value) and absent.rag_basis.startswith("Not received: no return for 2022-23 Q1")


def test_reconciliation_of_a_partial_window_is_not_a_disagreement(mart):
    _, con = mart
    comparison.ensure_tables(con)
    con.execute("create table stg_missing_episodes (child_id varchar, missing_start timestamp, looked_after varchar, missing_type varchar)")
    con.execute("create table stg_children_in_care (child_id varchar, cla_start_date date, cla_end_date date, missing_episodes_12m bigint)")
    con.execute("insert into stg_children_in_care values ('a', '2021-01-01', null, 40)")
    year = ("year", "2022-23", D(2022, 4, 1), D(2023, 3, 31), "2022-23-Q4")
    add_values(con, [ind_row("missing_episodes", *year, 0, 0, None, unit="count", status="partial",
                             coverage="2022-23 Q4", missing="2022-23 Q1, 2022-23 Q2, 2022-23 Q3"),
                     ind_row("cla_at_end", *year, 1, 1, None, unit="count")])
    recon = comparison.reconcile_quarter(con, Q4_2022)
    missing = recon[(recon.check_code == "missing_episodes_vs_annex_a") & (recon.period_label == "2022-23")].iloc[0]
    assert (missing.pipeline_value, missing.compared_value) == (0, 40)
    assert (missing.status, missing.beyond_tolerance) == ("partial period", False)
