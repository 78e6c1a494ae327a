"""A quarter's figures are read from the returns filed for it and before it, never from a later quarter's.

A later return's six-month look-back restates the plans of the quarter before (a category changed, a plan
recorded late, a plan ended); the earlier quarter's snapshot must not move when it is filed, or a dashboard
already sent to the subgroup would disagree with the same quarter rebuilt.
"""

from __future__ import annotations

import datetime as dt

from pipeline.lib import indicators
from pipeline.lib.periods import Quarter
from tests.indicators.conftest import given
from tests.indicators.test_counting_rules import plan

D = dt.date
Q3 = Quarter(2022, 3)


def cp_q3(con):
    con.execute("create table if not exists ref_population (ons_code varchar, mid_year integer, population_0_17 bigint)")
    frame = indicators.compute_quarter(con, Q3, "E08000028")
    rows = frame[(frame.period_type == "quarter") & frame.indicator_code.isin(["cpp_at_end", "cpp_by_category"])]
    return {(r.indicator_code, r.breakdown_value): r.numerator for r in rows.itertuples()}


def test_a_later_quarters_return_does_not_change_an_earlier_quarters_snapshot(con):
    # Q3's own return: two plans open at 31 December 2022, both neglect
    given(con, "stg_child_protection", [plan("a", D(2022, 6, 1)), plan("b", D(2022, 9, 1))], period_key="2022-23-Q3")
    before = cp_q3(con)
    assert before[("cpp_at_end", "All")] == 2
    # Q4's return restates Q3: a's category is now emotional abuse, b is shown ended in November, and c, a plan
    # from October that Q3's return missed, appears
    later = [{**plan("a", D(2022, 6, 1)), "latest_category": "EMO"}, plan("b", D(2022, 9, 1), D(2022, 11, 1)),
             plan("c", D(2022, 10, 1))]
    given(con, "stg_child_protection", later, period_key="2022-23-Q4", file_name="q4.xlsx")
    assert cp_q3(con) == before
    # the view without a quarter set is still the latest state (what the Q4 figures read)
    assert con.execute("select count(*) from stg_child_protection where cpp_end_date is null").fetchone()[0] == 2


def test_the_as_of_view_is_reset_after_a_quarter_even_when_it_fails(con):
    given(con, "stg_child_protection", [plan("a", D(2022, 6, 1))], period_key="2022-23-Q4")
    try:
        with indicators.as_of(con, Q3):
            assert con.execute("select count(*) from stg_child_protection").fetchone()[0] == 0
            raise RuntimeError("stop")
    except RuntimeError:
        pass
    assert con.execute("select count(*) from stg_child_protection").fetchone()[0] == 1


def test_the_quarters_views_are_computed_once_into_temporary_tables_and_dropped_after(con):
    given(con, "stg_child_protection", [plan("a", D(2022, 6, 1))], period_key="2022-23-Q3")
    temporary = "select table_name from duckdb_tables() where temporary and table_name like 'stg%'"
    with indicators.as_of(con, Q3), indicators.stg_views_computed_once(con):
        snapshot = {r[0] for r in con.execute(temporary).fetchall()}
        assert "stg_child_protection" in snapshot
        assert con.execute("select count(*) from stg_child_protection").fetchone()[0] == 1
    assert con.execute(temporary).fetchall() == []
