"""No data is not zero: received, partial and not-received windows, and the sources each indicator rests on.

Real in-memory DuckDB with the intake's own tables; the lists are logged as received the way the intake
logs them (raw_files current, raw_sheets 'loaded' / 'empty'), see tests/indicators/conftest.py `given`.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from pipeline.lib import indicators
from pipeline.lib.periods import Quarter
from tests.indicators.conftest import D, given

Q4 = Quarter(2022, 4)
ONS = "E08000028"
REFERRAL = {"gender": "F", "ethnicity": "WBRI", "referral_source": "6", "referral_nfa": "N",
            "referrals_last_12_months": 0}


@pytest.fixture
def con(con):
    con.execute("create table ref_population (ons_code varchar, mid_year integer, population_0_17 bigint)")
    con.execute(f"insert into ref_population values ('{ONS}', 2022, 80000)")
    return con


def rows_of(frame: pd.DataFrame, code: str, breakdown: str = "total") -> dict[str, pd.Series]:
    picked = frame[(frame.indicator_code == code) & (frame.breakdown == breakdown)]
    return {r.period_type: r for r in picked.itertuples()}


def test_only_q4_filed_gives_partial_year_and_rolling_rows_with_their_coverage(con):
    given(con, "stg_referrals", [{**REFERRAL, "child_id": "a", "referral_date": D(2023, 2, 1)},
                                 {**REFERRAL, "child_id": "b", "referral_date": D(2023, 3, 1),
                                  "referrals_last_12_months": 2}])
    values = indicators.compute_quarter(con, Q4, ONS)
    got = rows_of(values, "rereferrals_pct")
    assert (got["quarter"].status, got["quarter"].coverage, got["quarter"].missing_quarters) == (
        "complete", "2022-23 Q4", "")
    for period_type in ("rolling_12m", "year"):
        row = got[period_type]
        assert (row.status, row.coverage) == ("partial", "2022-23 Q4")
        assert row.missing_quarters == "2022-23 Q1, 2022-23 Q2, 2022-23 Q3"
        assert (row.numerator, row.denominator, row.value) == (1, 2, 50.0)   # computed from what was received
        assert row.sources == "annex_a:referrals"


def test_no_return_at_all_gives_not_received_rows_with_null_values_for_every_indicator(con):
    values = indicators.compute_quarter(con, Q4, ONS)
    catalogue = indicators.load_catalogue()
    assert set(values["status"]) == {"not_received"}
    assert set(values["breakdown"]) == {"total"}                   # no breakdown rows
    assert values[["numerator", "denominator", "value"]].isna().all().all()  # NULL, never 0
    per_window = values.groupby("period_type")["indicator_code"].nunique().to_dict()
    assert per_window == {"quarter": len(catalogue), "rolling_12m": len(catalogue), "year": len(catalogue)}
    contacts = rows_of(values, "contacts_total")["year"]
    assert contacts.missing_quarters == "2022-23 Q1, 2022-23 Q2, 2022-23 Q3, 2022-23 Q4" and contacts.coverage == ""


def test_an_empty_list_is_a_real_zero(con):
    given(con, "stg_referrals", [])                                # headings, no rows
    got = rows_of(indicators.compute_quarter(con, Q4, ONS), "referrals_total")["quarter"]
    assert (got.status, got.numerator, got.value) == ("complete", 0, 0)
    other = rows_of(indicators.compute_quarter(con, Q4, ONS), "contacts_total")["quarter"]
    assert other.status == "not_received" and pd.isna(other.value)   # list 1 was not in the file


def test_a_list_whose_every_row_was_quarantined_is_not_received(con):
    given(con, "stg_referrals", [])
    con.execute("update raw_sheets set status = 'loaded', rows_read = 40, rows_loaded = 0, rows_quarantined = 40")
    got = rows_of(indicators.compute_quarter(con, Q4, ONS), "referrals_total")["quarter"]
    assert got.status == "not_received" and pd.isna(got.numerator)


def test_a_file_that_is_not_current_is_not_received(con):
    given(con, "stg_referrals", [{**REFERRAL, "child_id": "a", "referral_date": D(2023, 2, 1)}])
    con.execute("update raw_files set is_current = false")
    assert rows_of(indicators.compute_quarter(con, Q4, ONS), "referrals_total")["quarter"].status == "not_received"


def test_a_snapshot_needs_the_return_for_the_quarter_holding_the_period_end(con):
    plan = {"gender": "M", "ethnicity": "WBRI", "disability": "N", "initial_category": "N", "latest_category": "N",
            "epo_or_police_protection": "N", "previous_plans": 0}
    given(con, "stg_child_protection", [{**plan, "child_id": "a", "cpp_start_date": D(2022, 11, 1)}],
          period_key="2022-23-Q3")
    q3 = rows_of(indicators.compute_quarter(con, Quarter(2022, 3), ONS), "cpp_at_end")
    assert (q3["quarter"].status, q3["quarter"].numerator) == ("complete", 1)
    q4 = rows_of(indicators.compute_quarter(con, Q4, ONS), "cpp_at_end")
    # the Q3 return still says the plan is open, but nobody has told us about 31 March
    assert all(r.status == "not_received" and pd.isna(r.numerator) for r in q4.values())
    started = rows_of(indicators.compute_quarter(con, Q4, ONS), "cpp_started")["year"]
    assert (started.status, started.coverage, started.numerator) == ("partial", "2022-23 Q3", 1)


def test_a_partner_measure_is_received_only_where_its_agency_reported_it(con):
    given(con, "stg_partner_measures", [
        {"agency": "LADO", "measure_code": "lado_referrals", "period_start": D(2023, m, 1), "value": v}
        for m, v in ((1, 4), (2, 0), (3, 6))])
    values = indicators.compute_quarter(con, Q4, ONS)
    lado = rows_of(values, "lado_referrals")["quarter"]
    assert (lado.status, lado.numerator, lado.sources) == ("complete", 10, "multi_agency:partner_measures")
    police = rows_of(values, "police_protection_orders")["quarter"]   # the dataset came, police's rows did not
    assert police.status == "not_received" and pd.isna(police.numerator)


# ---- sources, derived from the SQL ------------------------------------------------------------------

def test_every_indicator_rests_on_the_lists_its_sql_reads():
    by_code = indicators.catalogue_by_code()
    assert by_code["rereferrals_pct"].sources == ("annex_a:referrals",)
    assert by_code["cpp_visits_in_timescale_pct"].sources == ("annex_a:child_protection",)  # stg_ and raw_
    assert by_code["missing_rhi_72h_pct"].sources == ("missing_episodes:missing_episodes",)
    assert by_code["lado_referrals"].sources == ("multi_agency:partner_measures",)
    assert by_code["elearning_completions"].sources == ("training_uptake:elearning",)
    assert by_code["training_no_shows"].sources == ("training_uptake:training_sessions",)
    assert all(ind.sources for ind in by_code.values())


def test_sql_reading_a_table_no_return_provides_fails_loudly(tmp_path):
    (tmp_path / "ind_bogus.sql").write_text(
        "with x as (select * from stg_contacts) select * from x join stg_no_such_list using (child_id)")
    with pytest.raises(ValueError, match="stg_no_such_list"):
        indicators.sources_of("ind_bogus", tmp_path)
    catalogue = tmp_path / "indicators.yaml"
    catalogue.write_text(yaml.safe_dump({"indicators": [{
        "code": "bogus_total", "title": "x", "section": "s", "definition": "d", "numerator": "n",
        "denominator": None, "counting_rule": "in_period", "unit": "count", "polarity": "neutral", "decimals": 0,
        "sql": "ind_bogus"}]}))
    with pytest.raises(ValueError, match=r"bogus_total.*stg_no_such_list"):
        indicators.load_catalogue(catalogue, sql_dir=tmp_path)


def test_sources_are_not_written_by_hand(tmp_path):
    catalogue = tmp_path / "indicators.yaml"
    catalogue.write_text(yaml.safe_dump({"indicators": [{
        "code": "x", "title": "x", "section": "s", "definition": "d", "numerator": "n", "denominator": None,
        "counting_rule": "in_period", "unit": "count", "polarity": "neutral", "decimals": 0, "sql": "ind_contacts",
        "sources": ["annex_a:contacts"]}]}))
    with pytest.raises(ValueError, match="derived from the SQL"):
        indicators.load_catalogue(catalogue)


def test_a_missing_sql_file_fails_loudly(tmp_path):
    with pytest.raises(FileNotFoundError, match="ind_nowhere"):
        indicators.sql_tables("ind_nowhere", tmp_path)
