"""Any year of the history (2013-14 onward): populations, benchmarks and the SN model exist for it, and the
windows before the first returns say 'not received' rather than failing or showing 0."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipeline.lib import benchmarks, comparison, indicators
from pipeline.lib.paths import REFERENCE_DIR
from pipeline.lib.periods import FinancialYear, Quarter
from pipeline.lib.returns.spec import load_specs
from pipeline.lib.returns.store import ensure_tables
from tests.indicators.conftest import D, given

ONS = "E08000028"


@pytest.fixture(scope="module")
def warehouse():
    con = duckdb.connect()
    config = benchmarks.read_config()
    benchmarks.load_reference(con, REFERENCE_DIR, config)
    benchmarks.build_comparators(con, config)
    ensure_tables(con, load_specs())
    yield con
    con.close()


@pytest.mark.parametrize("label", ["2013-14", "2016-17", "2020-21", "2024-25", "2025-26"])
def test_every_year_has_a_population_for_its_rates(warehouse, label):
    year = FinancialYear.from_label(label)
    population, mid_year = indicators.population(warehouse, ONS, year)
    assert population > 70_000
    assert mid_year == min(year.start_year, 2024)          # ONS mid-years run to 2024: later years use the latest


def test_the_first_quarter_of_the_history_computes_with_nothing_received(warehouse):
    values = indicators.compute_quarter(warehouse, Quarter(2013, 1), ONS)
    assert set(values["status"]) == {"not_received"}
    rolling = values[(values.indicator_code == "referrals_total") & (values.period_type == "rolling_12m")].iloc[0]
    assert rolling.period_label == "12 months to Jun 2013"
    assert rolling.missing_quarters.startswith("2012-13 Q2")    # before the history: not received, not an error


def test_a_2013_14_year_is_set_against_dfes_2013_14_figures_with_the_2021_neighbours(warehouse):
    for quarter in FinancialYear(2013).quarters:
        given(warehouse, "stg_referrals", [
            {"child_id": f"c{quarter.number}", "gender": "F", "ethnicity": "WBRI", "referral_source": "6",
             "referral_nfa": "N", "referrals_last_12_months": 0, "referral_date": quarter.start}],
            period_key=quarter.partition_key)
    values = indicators.compute_quarter(warehouse, Quarter(2013, 4), ONS)
    indicators.store_quarter(warehouse, Quarter(2013, 4), values)
    frame = comparison.compare_quarter(warehouse, Quarter(2013, 4))
    row = frame[(frame.indicator_code == "rereferrals_pct") & (frame.period_type == "year")].iloc[0]
    assert row.status == "complete" and row.value == 0
    assert (row.benchmark_year, row.sn_model) == ("2013-14", "april_2021")
    assert row.england == pytest.approx(23.4, abs=2) and pd.notna(row.sn_mean)
    assert D(2014, 3, 31) == row.period_end.date()
