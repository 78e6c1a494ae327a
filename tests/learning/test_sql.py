"""SQL tests for the learning indicators: literal register rows, the real sql/ind/ind_learning_*.sql, expected values.

Rows go into the intake's raw_ tables under a current file, so the SQL reads the same stg_ views as in production.
The year is 2022-23 (YEAR) unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import duckdb

from pipeline.lib.render.learning import overdue_band, six_months_after
from tests.indicators.conftest import Q4, YEAR, D, breakdown, given, run, totals

Q3 = {"period_start": D(2022, 10, 1), "period_end": D(2022, 12, 31)}


def review(reference, received, decision="lcspr", **extra):
    return {"case_reference": reference, "route": "notification", "date_received": received, "decision": decision,
            **extra}


# ---- reviews ------------------------------------------------------------------------------------------------------

def test_rapid_reviews_within_15_working_days_count_england_bank_holidays(con):
    given(con, "stg_reviews", [
        # Fri 27 May to Mon 20 June 2022: 16 weekdays, 14 working days (Jubilee 2 and 3 June): in time
        review("AA", D(2022, 5, 27), notification_date=D(2022, 5, 27), rapid_review_date=D(2022, 6, 20)),
        # 5 to 27 September 2022: 15 working days with the State Funeral on 19 September: in time
        review("BB", D(2022, 9, 5), notification_date=D(2022, 9, 5), rapid_review_date=D(2022, 9, 27)),
        review("CC", D(2022, 9, 5), notification_date=D(2022, 9, 5), rapid_review_date=D(2022, 9, 28)),   # 16: late
        review("DD", D(2022, 11, 1), route="referral", rapid_review_date=D(2022, 11, 8)),    # no notification: not counted
        review("EE", D(2023, 3, 20), notification_date=D(2023, 3, 20), rapid_review_date=D(2023, 4, 3)),  # held next year
    ])
    v = totals(con, "ind_learning_reviews")
    assert v["rapid_reviews_15wd_pct"] == (2, 3)
    assert v["reviews_notified"] == (4, None)          # AA, BB, CC, EE notified in 2022-23
    assert v["reviews_referred"] == (1, None)
    assert v["reviews_considered"] == (5, 5)


def test_reviews_completed_within_6_months_of_their_start(con):
    given(con, "stg_reviews", [
        review("AA", D(2022, 5, 1), review_start_date=D(2022, 6, 1), ratified_date=D(2022, 12, 1)),   # exactly 6 months
        review("BB", D(2022, 5, 1), review_start_date=D(2022, 6, 1), ratified_date=D(2022, 12, 2)),   # a day over
        review("CC", D(2022, 5, 1), decision="spotlight", ratified_date=D(2023, 1, 10)),               # no start date
        review("DD", D(2021, 5, 1), review_start_date=D(2021, 6, 1), ratified_date=D(2022, 3, 1)),    # last year
    ])
    v = totals(con, "ind_learning_reviews")
    assert v["reviews_6_months_pct"] == (1, 2)
    assert v["reviews_ratified"] == (3, 3)
    assert breakdown(con, "ind_learning_reviews", "reviews_ratified") == {
        "Local child safeguarding practice review": (2, 3), "Spotlight review": (1, 3)}


def test_reviews_in_progress_at_the_period_end_against_their_timescale(con):
    given(con, "stg_reviews", [
        review("AA", D(2022, 5, 1), review_start_date=D(2022, 6, 1), ratified_date=D(2023, 2, 20)),  # ratified in Q4
        review("BB", D(2022, 10, 1), review_start_date=D(2022, 11, 1)),                               # 5 months at 31 Mar
        review("CC", D(2022, 5, 1), review_start_date=D(2022, 9, 30)),                                # 6 months on 30 Mar
        review("DD", D(2023, 3, 1), review_start_date=D(2023, 4, 2)),                                 # starts next year
    ])
    assert totals(con, "ind_learning_reviews")["reviews_in_progress"] == (2, 2)
    assert breakdown(con, "ind_learning_reviews", "reviews_in_progress") == {
        "Within 6 months": (1, 2), "Beyond 6 months": (1, 2)}
    # at 31 December 2022 the ratified review was still in progress, and within 6 months of its start at neither end
    assert breakdown(con, "ind_learning_reviews", "reviews_in_progress", Q3) == {
        "Beyond 6 months": (1, 3), "Within 6 months": (2, 3)}


def test_cases_considered_by_decision_and_published(con):
    given(con, "stg_reviews", [
        review("AA", D(2022, 5, 1)), review("BB", D(2022, 6, 1), decision="spotlight", route="referral"),
        review("CC", D(2022, 7, 1), decision="nfa", route="referral"),
        review("DD", D(2022, 8, 1), decision="learning_briefing", route="referral"),
        review("EE", D(2022, 9, 1), decision="learning_briefing", route="referral"),
        review("FF", D(2021, 9, 1), published_date=D(2023, 3, 20)),
    ])
    assert breakdown(con, "ind_learning_reviews", "reviews_considered") == {
        "Local child safeguarding practice review": (1, 5), "Spotlight review": (1, 5), "No further action": (1, 5),
        "Learning briefing": (2, 5)}
    v = totals(con, "ind_learning_reviews")
    assert (v["reviews_referred"], v["reviews_published"]) == ((4, None), (1, None))


# ---- actions -------------------------------------------------------------------------------------------------------

def action(ref, rec, number, agency, due, **extra):
    return {"source_reference": ref, "recommendation_number": rec, "action_number": number, "agency": agency,
            "action": "Do it", "due_date": due, "status": "in_progress", **extra}


def test_actions_open_overdue_by_agency_and_age_at_the_period_end(con):
    given(con, "stg_actions", [
        action("SD", 1, 1, "WMP", D(2023, 3, 1)),                                    # 30 days overdue at 31 March
        action("SD", 1, 2, "WMP", D(2022, 12, 31)),                                  # 90 days
        action("SD", 2, 1, "SCT", D(2022, 9, 30)),                                   # 182 days
        action("SD", 2, 2, "SCT", D(2023, 3, 31)),                                   # due on the last day: not overdue
        action("SD", 3, 1, "ICB", D(2022, 10, 1), status="complete"),                # complete, no date: still open
        action("SD", 3, 2, "ICB", D(2022, 10, 1), date_closed=D(2023, 4, 5)),        # closed after the year: open at it
        action("SD", None, 1, "ASC", D(2022, 6, 1), date_closed=D(2022, 5, 20), status="complete"),  # closed early
        action("KT", 1, 1, "SCT", D(2023, 2, 1), date_agreed=D(2023, 4, 10)),         # agreed next year: unknown yet
    ])
    v = totals(con, "ind_learning_actions")
    assert v["actions_open"] == (6, None)
    assert v["actions_overdue"] == (5, None)
    assert v["actions_overdue_pct"] == (5, 6)
    assert breakdown(con, "ind_learning_actions", "actions_overdue") == {
        "West Midlands Police": (2, None), "Sandwell Children's Trust": (1, None),
        "Black Country Integrated Care Board (GPs)": (2, None)}
    assert breakdown(con, "ind_learning_actions", "actions_overdue_by_age") == {
        "1-30 days": (1, None), "31-90 days": (1, None), "Over 180 days": (3, None)}
    assert v["actions_closed"] == (1, None)
    assert v["actions_closed_on_time_pct"] == (1, 1)
    # recommendations SD 1, SD 2, SD 3 each have an open action; the ASC action has no recommendation number
    assert v["recommendations_closed_pct"] == (0, 3)


def test_a_recommendation_is_closed_when_every_action_under_it_is(con):
    given(con, "stg_actions", [
        action("SD", 1, 1, "WMP", D(2022, 9, 1), date_closed=D(2022, 8, 30)),
        action("SD", 1, 2, "SCT", D(2022, 9, 1), date_closed=D(2022, 11, 2)),          # late
        action("SD", 2, 1, "SCT", D(2022, 9, 1), date_closed=D(2022, 9, 1)),
        action("SD", 2, 2, "SCT", D(2023, 6, 1)),                                      # open: recommendation 2 open
    ])
    v = totals(con, "ind_learning_actions")
    assert v["recommendations_closed_pct"] == (1, 2)
    assert v["actions_closed_on_time_pct"] == (2, 3)
    assert totals(con, "ind_learning_actions", Q3)["actions_closed"] == (1, None)


def test_the_dashboards_overdue_bands_are_the_sqls_at_every_day(con):
    """The dashboard's per-agency bands (Python) and the SQL's band totals are the same rule written twice: one
    overdue action for each day from 1 to 400 days past due, the SQL's count in each band equals Python's."""
    end = YEAR["period_end"]
    days = range(1, 401)
    given(con, "stg_actions", [action("SD", 1, d, "WMP", end - dt.timedelta(days=d))
                               for d in days])
    by_sql = {band: n for band, (n, _) in breakdown(con, "ind_learning_actions", "actions_overdue_by_age").items()}
    assert by_sql == dict(Counter(overdue_band(d) for d in days))
    assert by_sql == {"1-30 days": 30, "31-90 days": 60, "91-180 days": 90, "Over 180 days": 220}


def test_six_months_after_is_duckdbs_interval_on_every_day_of_a_decade():
    """The register's "beyond 6 months" (Python) against the SQL's `+ interval 6 month`, month ends and 29 February
    included: 31 August + 6 months is 28 (or 29) February in both."""
    rows = duckdb.sql("select d::date, (d + interval 6 month)::date from range(date '2019-01-01', date '2029-01-01', "
                      "interval 1 day) t(d)").fetchall()
    assert len(rows) == 3653
    differ = [(day, sql) for day, sql in rows if six_months_after(day) != sql]
    assert differ == []
    assert six_months_after(D(2023, 8, 31)) == D(2024, 2, 29)


# ---- audits --------------------------------------------------------------------------------------------------------

def test_audits_by_type_grades_and_agency_returns(con):
    given(con, "stg_audits", [
        {"audit_reference": "MACFA-2023-01", "audit_type": "macfa", "title": "Transitions", "audit_date": D(2023, 2, 8)},
        {"audit_reference": "S11-2022", "audit_type": "section_11", "title": "Section 11", "audit_date": D(2022, 11, 1)},
        {"audit_reference": "MACFA-2021-04", "audit_type": "macfa", "title": "Neglect", "audit_date": D(2021, 11, 1)},
    ])
    given(con, "stg_audit_cases", [
        *[{"audit_reference": "MACFA-2023-01", "case_number": n, "grade": "requires_improvement"} for n in range(1, 6)],
        {"audit_reference": "MACFA-2023-01", "case_number": 6, "grade": "good"},
        {"audit_reference": "MACFA-2021-04", "case_number": 1, "grade": "inadequate"},      # last year's audit
    ])
    given(con, "stg_audit_returns", [
        {"audit_reference": "S11-2022", "agency": "WMP", "date_due": D(2022, 10, 14), "date_returned": D(2022, 10, 14),
         "grade": "good"},
        {"audit_reference": "S11-2022", "agency": "ICB", "date_due": D(2022, 10, 14), "date_returned": D(2022, 11, 30),
         "grade": "good"},                                                                   # late
        {"audit_reference": "S11-2022", "agency": "SCT", "date_due": D(2022, 10, 14), "grade": None},   # never came
        {"audit_reference": "MACFA-2023-01", "agency": "WMP", "date_due": D(2023, 3, 31)},  # due on the last day
        {"audit_reference": "MACFA-2023-01", "agency": "SCT", "date_due": D(2023, 4, 28)},  # due next year
    ])
    v = totals(con, "ind_learning_audits")
    assert v["audits_completed"] == (2, None)
    assert breakdown(con, "ind_learning_audits", "audits_completed") == {
        "Multi-agency case file audit": (1, None), "Section 11 audit": (1, None)}
    assert breakdown(con, "ind_learning_audits", "audit_cases_by_grade") == {
        "Requires improvement": (5, 6), "Good": (1, 6)}
    assert v["audit_cases_good_pct"] == (1, 6)
    assert v["audit_return_rate_pct"] == (2, 4)
    assert v["audit_returns_on_time_pct"] == (1, 4)
    assert v["audit_returns_late"] == (2, None)            # ICB late, SCT missing; WMP not yet late on the due day
    assert breakdown(con, "ind_learning_audits", "audit_returns_late") == {
        "Black Country Integrated Care Board (GPs)": (1, None), "Sandwell Children's Trust": (1, None)}
    assert v["audit_agency_good_pct"] == (2, 2)


# ---- themes --------------------------------------------------------------------------------------------------------

def test_themes_counted_once_per_review_or_audit_across_both(con):
    given(con, "stg_reviews", [
        review("AA", D(2022, 5, 1), themes="neglect; information_sharing"),
        review("BB", D(2022, 6, 1), themes="neglect; neglect"),
        review("CC", D(2021, 6, 1), themes="neglect"),                      # last year
        review("DD", D(2022, 6, 1)),                                         # no themes
    ])
    given(con, "stg_audits", [{"audit_reference": "MACFA-2023-01", "audit_type": "macfa", "title": "x",
                               "audit_date": D(2023, 2, 8), "themes": "information_sharing; transitions"}])
    assert breakdown(con, "ind_learning_themes", "learning_themes") == {
        "Neglect": (2, 3), "Information sharing": (2, 3), "Transitions to adult services": (1, 3)}
    assert totals(con, "ind_learning_themes")["learning_themes"] == (3, 3)


# ---- child deaths --------------------------------------------------------------------------------------------------

def deaths(area, quarter, n, age="1-4", category="not_reviewed", jars=0, referred=0):
    return {"area": area, "quarter_start": quarter, "age_band": age, "category": category, "notifications": n,
            "joint_agency_responses": jars, "referred_for_review": referred}


def test_child_deaths_by_area_age_category_jars_and_referrals(con):
    given(con, "stg_child_deaths", [
        deaths("sandwell", D(2022, 4, 1), 3, age="0-27d", jars=1),
        deaths("sandwell", D(2022, 10, 1), 2, age="5-9", category="9", jars=2, referred=1),
        deaths("dudley", D(2023, 1, 1), 4, jars=3),
        deaths("sandwell", D(2021, 4, 1), 7),                               # last year
    ])
    v = totals(con, "ind_learning_child_deaths")
    assert v["child_deaths_by_area"] == (9, 9)
    assert v["child_deaths_local"] == (5, 5)
    assert v["child_deaths_jar"] == (6, 6)
    assert v["child_deaths_referred"] == (1, None)
    assert breakdown(con, "ind_learning_child_deaths", "child_deaths_by_area") == {
        "Sandwell": (5, 9), "Dudley": (4, 9), "Walsall": (0, 9), "Wolverhampton": (0, 9)}   # reported areas get 0
    assert breakdown(con, "ind_learning_child_deaths", "child_deaths_local") == {
        "Under 28 days": (3, 5), "5-9 years": (2, 5)}
    assert breakdown(con, "ind_learning_child_deaths", "child_deaths_by_category") == {
        "Not yet reviewed": (3, 5), "Infection": (2, 5)}
    assert breakdown(con, "ind_learning_child_deaths", "child_deaths_jar") == {
        "Sandwell": (3, 6), "Dudley": (3, 6), "Walsall": (0, 6), "Wolverhampton": (0, 6)}


def test_the_four_year_comparison_is_drawn_for_a_whole_year_only(con):
    given(con, "stg_child_deaths", [
        deaths("sandwell", D(2019, 4, 1), 30), deaths("sandwell", D(2020, 7, 1), 33), deaths("dudley", D(2020, 7, 1), 20),
        deaths("sandwell", D(2021, 10, 1), 38), deaths("sandwell", D(2023, 1, 1), 38), deaths("walsall", D(2023, 3, 1), 2),
        deaths("sandwell", D(2018, 4, 1), 99),                              # five years back: not in the comparison
    ])
    trend = breakdown(con, "ind_learning_child_deaths", "child_deaths_trend")
    assert trend["2019-20: Sandwell"] == (30, None) and trend["2019-20: Dudley"] == (0, None)
    assert trend["2020-21: Sandwell"] == (33, None) and trend["2020-21: Dudley"] == (20, None)
    assert trend["2021-22: Sandwell"] == (38, None) and trend["2022-23: Sandwell"] == (38, None)
    assert trend["2022-23: Walsall"] == (2, None)
    assert len(trend) == 16 and not any(k.startswith("2018-19") for k in trend)
    assert breakdown(con, "ind_learning_child_deaths", "child_deaths_trend", Q4) == {}


def test_no_cdop_rows_give_zero_totals_and_no_area_rows(con):
    """The totals exist (ind_values marks them not received when no CDOP return was filed); the areas do not."""
    v = totals(con, "ind_learning_child_deaths")
    assert v["child_deaths_by_area"] == (0, 0)
    assert breakdown(con, "ind_learning_child_deaths", "child_deaths_by_area") == {}
    assert run(con, "ind_learning_child_deaths", YEAR)["indicator_code"].nunique() == 6


def test_every_learning_indicator_has_its_sql_and_a_disclosure(con):
    from pipeline.lib.indicators import load_catalogue
    from pipeline.lib.paths import CONFIG_DIR
    from pipeline.lib.settings import read_yaml

    entries = {e["code"]: e for e in read_yaml(CONFIG_DIR / "indicators.yaml")["indicators"]}
    learning = [i for i in load_catalogue() if i.section in ("learning", "assurance", "child_deaths")]
    assert len(learning) == 30
    for ind in learning:
        assert entries[ind.code]["disclosure"] in ("children", "none"), ind.code
        produced = set(run(con, ind.sql, YEAR)["indicator_code"])
        assert ind.code in produced, ind.code
    children = {i.code for i in learning if entries[i.code]["disclosure"] == "children"}
    assert {c for c in children if c.startswith(("reviews_", "rapid_", "child_deaths"))} == {
        i.code for i in learning if i.code.startswith(("reviews_", "rapid_", "child_deaths"))}


# ---- registers are filed whole -------------------------------------------------------------------------------------

def test_a_review_taken_out_of_the_register_leaves_the_figures(con):
    """Q3's register listed AA and BB; Q4's (the latest) lists AA only, BB having been entered in error."""
    given(con, "stg_reviews", [review("AA", D(2022, 5, 1)), review("BB", D(2022, 6, 1))], period_key="2022-23-Q3",
          file_name="reviews_q3.xlsx")
    given(con, "stg_reviews", [review("AA", D(2022, 5, 1), decision="nfa")], period_key="2022-23-Q4",
          file_name="reviews_q4.xlsx")
    assert totals(con, "ind_learning_reviews")["reviews_considered"] == (1, 1)
    assert breakdown(con, "ind_learning_reviews", "reviews_considered") == {"No further action": (1, 1)}


def test_a_death_recategorised_in_a_later_filing_is_counted_once(con):
    """Q3's filing had 3 Sandwell deaths of 2022-23 Q2 not yet reviewed; Q4's reports them reviewed (category 5)
    and no longer has a 'not yet reviewed' row: the three deaths are counted once, in their new category."""
    given(con, "stg_child_deaths", [deaths("sandwell", D(2022, 7, 1), 3), deaths("dudley", D(2022, 4, 1), 2)],
          period_key="2022-23-Q3", file_name="cdop_q3.xlsx")
    given(con, "stg_child_deaths", [deaths("sandwell", D(2022, 7, 1), 3, category="5")], period_key="2022-23-Q4",
          file_name="cdop_q4.xlsx")
    assert totals(con, "ind_learning_child_deaths")["child_deaths_local"] == (3, 3)
    assert breakdown(con, "ind_learning_child_deaths", "child_deaths_by_category") == {
        "Acute medical or surgical condition": (3, 3)}
    # Dudley's Q1, reported only in the Q3 filing, still counts
    assert totals(con, "ind_learning_child_deaths")["child_deaths_by_area"] == (5, 5)
