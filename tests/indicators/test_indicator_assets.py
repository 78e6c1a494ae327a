"""ind_values, mart_comparison and mart_reconciliation materialised with Dagster into a DuckDB file in tmp_path.

Returns are real .xlsx workbooks read by the quarterly_returns asset; benchmarks are DfE's real files.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import duckdb
import pytest

from pipeline.defs.benchmarks.assets import bm_comparators, bm_published
from pipeline.defs.indicators import checks
from pipeline.defs.indicators.assets import ind_values, mart_comparison, mart_reconciliation
from pipeline.defs.resources import Workspace
from pipeline.defs.returns.assets import quarterly_returns
from tests.conftest import TEST_KEY, headings, write_workbook

DT = dt.datetime
CHECKS = [checks.no_value_without_a_return, checks.every_indicator_has_a_headline_row,
          checks.percentages_within_0_and_100, checks.denominators_positive,
          checks.one_row_per_indicator_period_and_breakdown, checks.one_row_per_indicator_and_period,
          checks.rag_always_has_words, checks.reconciliation_within_tolerance]


def rows(sheet_key: str, records: list[dict]) -> list[list[object]]:
    cols = headings("annex_a", sheet_key)
    return [cols, *[[r.get(h) for h in cols] for r in records]]


CHILD = {"Gender": "b) Female", "Ethnicity": "a) WBRI", "Date of Birth": DT(2015, 5, 3)}


def referral(child, day, source="q) 6: Police", previous=0):
    return {**CHILD, "Child Unique ID": child, "Date of referral": day, "Referral Source": source,
            "Referral NFA?": "b) No", "Number of Referrals in Last 12 Months": previous}


def plan(child, start, previous=0):
    return {**CHILD, "Child Unique ID": child, "Does the Child have a Disability": "b) No",
            "Child Protection Plan Start Date": start, "Initial Category of Abuse": "a) Neglect",
            "Latest Category of Abuse": "a) Neglect", "Date of latest review conference": DT(2023, 2, 1),
            "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)": "b) No",
            "Number of Previous Child Protection Plans": previous}


def s47(child, start):
    return {**CHILD, "Child Unique ID": child, "Does the Child have a Disability": "b) No",
            "Strategy discussion initiating Section 47 Enquiry Start Date": start,
            "Number of Section 47 Enquiries in the last 12 months": 0, "Number of ICPCs in the last 12 months": 0}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    # Q1 and Q2: the lists filed with their headings and no rows (real zeros); List 5 is filed only in Q4
    for q in ("Q1", "Q2"):
        write_workbook(data_dir / "raw" / "2022-23" / q / "annex_a.xlsx", {
            "List 3": rows("referrals", []), "List 7": rows("child_protection", [])})
    write_workbook(data_dir / "raw" / "2022-23" / "Q3" / "annex_a.xlsx", {
        "List 3": rows("referrals", [referral("a", DT(2022, 11, 1)), referral("b", DT(2022, 12, 1), "e) 2A: Schools")]),
        "List 7": rows("child_protection", [plan("a", DT(2022, 11, 20))]),
    })
    write_workbook(data_dir / "raw" / "2022-23" / "Q4" / "annex_a.xlsx", {
        "List 3": rows("referrals", [referral("c", DT(2023, 1, 10), previous=1), referral("d", DT(2023, 2, 10)),
                                     referral("e", DT(2023, 3, 10), "e) 2A: Schools")]),
        "List 7": rows("child_protection", [plan("a", DT(2022, 11, 20)), plan("c", DT(2023, 2, 1), previous=1)]),
        "List 5": rows("s47", [s47("c", DT(2023, 1, 20))]),
    })
    workspace = Workspace(data_dir=str(data_dir), pseudonym_key=TEST_KEY)
    resources = {"workspace": workspace}
    assert dg.materialize([bm_published, bm_comparators], resources=resources).success
    for key in ("2022-23-Q1", "2022-23-Q2", "2022-23-Q3", "2022-23-Q4"):
        result = dg.materialize([quarterly_returns, ind_values, mart_comparison, mart_reconciliation, *CHECKS],
                                partition_key=key, resources=resources, raise_on_error=False)
    return result, workspace


def query(workspace: Workspace, sql: str, params: dict | None = None):
    with duckdb.connect(str(workspace.db_path), read_only=True) as con:
        return con.execute(sql, params or {}).fetchall()


def test_ind_values_has_the_quarter_rolling_and_year_rows(run):
    result, workspace = run
    assert result.success
    got = query(workspace, """select period_type, period_label, numerator from ind_values
                              where indicator_code = 'referrals_total' and quarter_key = '2022-23-Q4' order by period_type""")
    assert got == [("quarter", "2022-23 Q4", 3), ("rolling_12m", "12 months to Mar 2023", 5), ("year", "2022-23", 5)]
    assert query(workspace, """select numerator, denominator from ind_values where indicator_code = 'rereferrals_pct'
                               and period_type = 'year'""") == [(1, 5)]
    assert query(workspace, """select numerator from ind_values where indicator_code = 'cpp_at_end'
                               and period_label = '2022-23 Q4'""") == [(2,)]


def test_mart_comparison_sets_values_beside_dfe(run):
    _, workspace = run
    row = query(workspace, """select value, previous_label, benchmark_year, la_published, england, sn_mean, rag, rag_label,
                                     reconciliation_diff
                              from mart_comparison where indicator_code = 'rereferrals_pct' and period_type = 'year'""")
    value, previous, year, la, england, sn, rag, label, diff = row[0]
    assert (value, previous, year, la, england) == (20.0, None, "2022-23", 22.9, 22.4)
    assert sn == pytest.approx(20.71)                              # LAIT 2026-04 (the report quoted 20.4)
    assert (rag, label) == ("amber", "In line with statistical neighbours")  # 20.0 vs 20.71, lower is better, ±1
    assert diff == pytest.approx(20.0 - 22.9)
    quarter = query(workspace, """select previous_label, previous_value, direction from mart_comparison
                                  where indicator_code = 'referrals_total' and period_label = '2022-23 Q4'""")
    assert quarter == [("2022-23 Q3", 2.0, "up")]


def test_mart_reconciliation_flags_cp_plans_against_dfe(run):
    result, workspace = run
    got = query(workspace, """select pipeline_value, compared_value, status from mart_reconciliation
                              where check_code = 'cp_plans_at_year_end_vs_dfe' and period_type = 'year'""")
    assert got == [(2.0, 333.0, "beyond tolerance")]           # two test plans against Sandwell's published 333
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not evaluations["reconciliation_within_tolerance"].passed
    assert evaluations["reconciliation_within_tolerance"].severity == dg.AssetCheckSeverity.WARN
    assert all(e.passed for name, e in evaluations.items() if name != "reconciliation_within_tolerance")


def test_ind_values_says_received_partial_and_not_received(run):
    _, workspace = run
    got = query(workspace, """select period_type, status, coverage, missing_quarters, sources, numerator
                              from ind_values where indicator_code = 's47_total' and quarter_key = '2022-23-Q4'
                              and breakdown = 'total' order by period_type""")
    assert got == [("quarter", "complete", "2022-23 Q4", "", "annex_a:s47", 1),
                   ("rolling_12m", "partial", "2022-23 Q4", "2022-23 Q1, 2022-23 Q2, 2022-23 Q3", "annex_a:s47", 1),
                   ("year", "partial", "2022-23 Q4", "2022-23 Q1, 2022-23 Q2, 2022-23 Q3", "annex_a:s47", 1)]
    # no list 8 was ever filed: not received, NULL (never 0), and no breakdown rows
    cla = query(workspace, """select breakdown, status, numerator, value from ind_values
                              where indicator_code = 'cla_by_gender' and quarter_key = '2022-23-Q4'""")
    assert cla == [("total", "not_received", None, None)] * 3
    rag = query(workspace, """select rag, benchmark_comparable, rag_basis from mart_comparison
                              where indicator_code = 's47_rate_10k' and period_type = 'year'""")
    assert rag[0][:2] == (None, False) and rag[0][2].startswith("Partial: rests on 2022-23 Q4 only")
