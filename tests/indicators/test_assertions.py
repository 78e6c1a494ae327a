"""Every indicator and mart check can fail: each assertion on literal rows that hold it and rows that break it."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from pipeline.lib import comparison, indicators, warehouse

D = dt.date
KEY = "2022-23-Q4"


def row(code="referrals_total", period_type="quarter", label="2022-23 Q4", breakdown="total", value="All",
        numerator=10.0, denominator=None, result=10.0, unit="count", status="complete", missing=""):
    return {"indicator_code": code, "period_type": period_type, "period_label": label, "period_start": D(2023, 1, 1),
            "period_end": D(2023, 3, 31), "quarter_key": KEY, "breakdown": breakdown, "breakdown_value": value,
            "numerator": numerator, "denominator": denominator, "value": result, "unit": unit,
            "population_year": 2022, "status": status, "coverage": "2022-23 Q4", "missing_quarters": missing,
            "sources": "annex_a:referrals", "disclosure": "children"}


def failing(rows: list[dict], assertion: str, catalogue: tuple = ()) -> pd.DataFrame:
    con = duckdb.connect()
    con.register("_v", pd.DataFrame(rows))
    con.execute("create table ind_values as select * from _v")
    if catalogue:
        indicators.load_catalogue_table(con, catalogue)
    return warehouse.query(con, assertion, {"quarter_key": KEY})


def test_no_value_without_a_return():
    good = [row(), row(status="not_received", numerator=None, result=None, missing="2022-23 Q4"),
            row(period_type="year", label="2022-23", status="partial", missing="2022-23 Q1")]
    assert failing(good, "assert_no_value_without_a_return").empty
    false_zero = row(status="not_received", numerator=0.0, result=0.0, missing="2022-23 Q4")
    breakdown = row(status="not_received", numerator=None, result=None, breakdown="gender", value="Male")
    unsaid = row(status="partial", missing="")
    unknown = row(status="received")
    bad = failing([false_zero, breakdown, unsaid, unknown], "assert_no_value_without_a_return")
    assert len(bad) == 4


def test_every_indicator_has_a_headline_row():
    catalogue = tuple(i for i in indicators.load_catalogue() if i.code in ("referrals_total", "rereferrals_pct"))
    both = [row(), row(code="rereferrals_pct", unit="percent")]
    assert failing(both, "assert_every_indicator_has_a_total_row", catalogue).empty
    only_breakdown = [row(), row(code="rereferrals_pct", breakdown="source_group", value="Police")]
    bad = failing(only_breakdown, "assert_every_indicator_has_a_total_row", catalogue)
    assert list(bad["indicator_code"]) == ["rereferrals_pct"]


@pytest.mark.parametrize(("assertion", "good", "bad"), [
    ("assert_percentages_within_range", row(unit="percent", result=100.0), row(unit="percent", result=100.5)),
    ("assert_denominators_positive", row(unit="percent", denominator=4.0, result=25.0),
     row(unit="percent", denominator=0.0, result=25.0)),
])
def test_value_assertions_pass_and_fail(assertion, good, bad):
    assert failing([good], assertion).empty
    assert len(failing([good, bad], assertion)) == 1


def test_one_row_per_indicator_key():
    assert failing([row(), row(period_type="rolling_12m")], "assert_one_row_per_indicator_key").empty
    assert len(failing([row(), row()], "assert_one_row_per_indicator_key")) == 1


def mart_failing(rows: list[dict], table: str, assertion: str) -> pd.DataFrame:
    con = duckdb.connect()
    comparison.ensure_tables(con)
    con.register("_m", pd.DataFrame(rows))
    con.execute(f"insert into {table} by name select * from _m")
    return warehouse.query(con, assertion, {"quarter_key": KEY})


def test_mart_assertions_pass_and_fail():
    base = {"indicator_code": "x", "period_type": "quarter", "period_label": "2022-23 Q4", "quarter_key": KEY}
    rated = {**base, "rag": "green", "rag_label": "Better than England", "rag_basis": "70 against England 65"}
    assert mart_failing([rated], "mart_comparison", "assert_rag_has_label").empty
    assert len(mart_failing([{**rated, "rag_label": None}], "mart_comparison", "assert_rag_has_label")) == 1
    assert len(mart_failing([{**rated, "rag": "purple"}], "mart_comparison", "assert_rag_has_label")) == 1
    assert mart_failing([base], "mart_comparison", "assert_one_comparison_row_per_key").empty
    assert len(mart_failing([base, base], "mart_comparison", "assert_one_comparison_row_per_key")) == 1
    check = {"check_code": "dfe_published", "indicator_code": "x", "period_label": "2022-23", "quarter_key": KEY}
    assert mart_failing([{**check, "beyond_tolerance": False}], "mart_reconciliation",
                        "assert_reconciliation_within_tolerance").empty
    assert len(mart_failing([{**check, "beyond_tolerance": True}], "mart_reconciliation",
                            "assert_reconciliation_within_tolerance")) == 1
