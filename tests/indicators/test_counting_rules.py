"""SQL tests: literal rows in an in-memory DuckDB, the real .sql file, expected values (given/expect)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from pipeline.lib import warehouse

D = dt.date
YEAR = {"period_start": D(2022, 4, 1), "period_end": D(2023, 3, 31)}


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute("create table ref_codes (code_list varchar, code varchar, label varchar, code_group varchar)")
    c.execute("""insert into ref_codes values ('source','6','Police','Police'), ('source','2A','Schools','Education'),
                 ('source','2B','Education services','Education'), ('abuse_category','NEG','Neglect','Neglect'),
                 ('gender','M','Male','Male')""")
    return c


def values(con, sql, params=YEAR) -> dict[str, tuple]:
    rows = warehouse.query(con, sql, params)
    total = rows[rows["breakdown"] == "total"]
    return {r.indicator_code: (r.numerator, None if pd.isna(r.denominator) else r.denominator) for r in total.itertuples()}


def plans(con, rows):
    con.execute("create table stg_child_protection (child_id varchar, gender varchar, latest_category varchar, "
                "cpp_start_date date, cpp_end_date date, previous_plans int)")
    con.executemany("insert into stg_child_protection values (?, 'M', 'NEG', ?, ?, ?)", rows)


def test_cp_plan_open_at_period_end_started_ended_and_repeat(con):
    plans(con, [
        ("a", D(2022, 1, 10), None, 0),            # open at 31 March 2023, started last year
        ("b", D(2022, 5, 1), D(2022, 12, 1), 1),   # started and ended in year: repeat plan
        ("c", D(2022, 6, 1), D(2023, 3, 31), 0),   # ended ON the period end: not open at the end
        ("d", D(2023, 3, 31), None, 2),            # started on the last day: open and a repeat
        ("e", D(2021, 3, 1), None, 0),             # open 2+ years (761 days)
        ("f", D(2023, 4, 1), None, 0),             # starts after the period: nowhere
    ])
    v = values(con, "ind_child_protection")
    assert v["cpp_at_end"][0] == 3                         # a, d, e
    assert v["cpp_started"][0] == 3                        # b, c, d
    assert v["cpp_ended"][0] == 2                          # b, c
    assert v["cpp_second_subsequent_pct"] == (2, 3)        # b, d of b, c, d
    assert v["cpp_2yrs_open_pct"] == (1, 3)                # e
    assert v["cpp_open_previous_plan_pct"] == (1, 3)       # d


def test_two_years_means_730_days(con):
    plans(con, [("a", D(2021, 3, 31), None, 0), ("b", D(2021, 4, 1), None, 0)])  # 730 and 729 days at 31/3/23
    assert values(con, "ind_child_protection")["cpp_2yrs_open_pct"] == (1, 2)


def test_referrals_count_every_referral_and_rereferrals_from_annex_a_column(con):
    con.execute("create table stg_referrals (child_id varchar, referral_date date, referral_source varchar, "
                "referral_nfa varchar, referrals_last_12_months int, progressed_to_assessment varchar)")
    con.executemany("insert into stg_referrals values (?, ?, ?, ?, ?, ?)", [
        ("a", D(2022, 4, 1), "6", "N", 0, "Y"),
        ("a", D(2022, 9, 1), "6", "N", 1, "Y"),      # same child again: counted again, and a re-referral
        ("b", D(2022, 7, 1), "2A", "Y", 0, "N"),
        ("c", D(2022, 8, 1), "2B", "N", 3, None),    # outcome not recorded: out of the conversion denominator
        ("d", D(2023, 4, 1), "6", "N", 0, "Y"),      # next year
    ])
    v = values(con, "ind_referrals")
    assert v["referrals_total"][0] == 4
    assert v["rereferrals_pct"] == (2, 4)
    assert v["referrals_nfa_pct"] == (1, 4)
    assert v["referrals_to_assessment_pct"] == (2, 3)
    assert v["referrals_police_pct"] == (2, 4)
    assert v["referrals_education_pct"] == (2, 4)


def test_missing_episodes_children_and_rhi_within_72_hours(con):
    con.execute("create table stg_missing_episodes (child_id varchar, missing_start timestamp, missing_end timestamp, "
                "rhi_offered varchar, rhi_completed timestamp)")
    ts = dt.datetime
    con.executemany("insert into stg_missing_episodes values (?, ?, ?, ?, ?)", [
        ("a", ts(2022, 5, 1, 22), ts(2022, 5, 2, 8), "Y", ts(2022, 5, 5, 8)),      # exactly 72 h: within
        ("a", ts(2022, 6, 1, 22), ts(2022, 6, 2, 8), "Y", ts(2022, 6, 5, 9)),  # 73 hours: late
        ("b", ts(2022, 7, 1, 22), ts(2022, 7, 2, 8), "N", None),
        ("c", ts(2022, 3, 31, 23), ts(2022, 4, 1, 2), "Y", ts(2022, 4, 1, 10)),  # started last year
    ])
    v = values(con, "ind_missing")
    assert v["missing_episodes"][0] == 3
    assert v["missing_children"][0] == 2
    assert v["missing_children_rhi_offered_pct"] == (1, 2)
    assert v["missing_rhi_72h_pct"] == (1, 2)
