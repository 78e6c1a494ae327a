"""The indicators issue 9 and issue 12 added, on literal rows: distinct children contacted and referred,
assessments started, children in care missing in the 12 months, permanence plans, the report's age bands,
children missing per month, LADO referrals by month, training impact per course, and bounded breakdowns."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.lib import indicators
from pipeline.lib.periods import Quarter
from tests.indicators.conftest import Q4, YEAR, D, breakdown, given, totals
from tests.indicators.test_counting_rules import cla

ONS = "E08000028"


def test_children_contacted_and_referred_count_each_child_once(con):
    given(con, "stg_contacts", [
        {"child_id": c, "gender": "F", "ethnicity": "WBRI", "contact_date": d, "contact_source": "6"}
        for c, d in [("a", D(2022, 5, 1)), ("a", D(2022, 5, 1)), ("a", D(2022, 9, 1)), ("b", D(2023, 1, 1)),
                     ("c", D(2023, 4, 1))]])                         # c: next year
    given(con, "stg_referrals", [
        {"child_id": c, "gender": "F", "ethnicity": "WBRI", "referral_date": d, "referral_source": "6",
         "referral_nfa": "N", "referrals_last_12_months": 0}
        for c, d in [("a", D(2022, 5, 2)), ("a", D(2022, 11, 2)), ("b", D(2023, 1, 2))]])
    contacts, referrals = totals(con, "ind_contacts"), totals(con, "ind_referrals")
    assert contacts["contacts_total"] == (4, None) and contacts["contacts_children"] == (2, None)
    assert referrals["referrals_total"] == (3, None) and referrals["referrals_children"] == (2, None)
    assert totals(con, "ind_contacts", Q4)["contacts_children"] == (1, None)


def test_assessments_started_by_start_date_completed_or_not(con):
    base = {"gender": "F", "ethnicity": "WBRI", "disability": "N", "child_seen": "Y"}
    given(con, "stg_assessments", [
        {**base, "child_id": "a", "assessment_start_date": D(2022, 4, 1), "assessment_authorised_date": D(2022, 5, 1)},
        {**base, "child_id": "b", "assessment_start_date": D(2023, 3, 30), "assessment_authorised_date": None},
        {**base, "child_id": "c", "assessment_start_date": D(2022, 3, 31), "assessment_authorised_date": D(2022, 4, 5)},
    ])
    v = totals(con, "ind_assessments")
    assert v["assessments_started"] == (2, None)        # a, b; c started the year before
    assert v["assessments_completed"] == (2, None)      # a, c


def test_children_in_care_missing_in_the_12_months(con):
    given(con, "stg_children_in_care", [
        cla("a", D(2020, 1, 1), missing_episodes_12m=3),                       # in care all year, missing
        cla("b", D(2020, 1, 1), missing_episodes_12m=0, absent_episodes_12m=4),  # only 'absent': not missing
        cla("c", D(2021, 1, 1), D(2022, 6, 1), missing_episodes_12m=1),         # ceased in the year: counts
        cla("d", D(2021, 1, 1), D(2022, 3, 31), missing_episodes_12m=2),        # ceased before the 12 months
        cla("e", D(2022, 9, 1), missing_episodes_12m=1, legal_status="V3"),     # short breaks only: left out
        cla("f", D(2023, 2, 1), missing_episodes_12m=None),                     # count not given: not missing
    ])
    v = totals(con, "ind_children_in_care")
    assert v["cla_missing_children"] == (2, None)       # a, c
    assert v["cla_missing_pct"] == (2, 4)               # of a, b, c, f
    # the same 12 months whatever the window asked for
    assert totals(con, "ind_children_in_care", Q4)["cla_missing_pct"] == (2, 4)


def test_cla_missing_needs_the_four_quarters_to_the_period_end(con):
    con.execute("create table ref_population (ons_code varchar, mid_year integer, population_0_17 bigint)")
    for key in ("2022-23-Q1", "2022-23-Q2", "2022-23-Q4"):
        given(con, "stg_children_in_care", [cla("a", D(2020, 1, 1), missing_episodes_12m=1)], period_key=key)
    values = indicators.compute_quarter(con, Quarter(2022, 4), ONS)
    rows = values[(values.indicator_code == "cla_missing_pct") & (values.breakdown == "total")]
    assert set(rows["status"]) == {"partial"}                      # the quarter row too: it is 12 months
    assert set(rows["missing_quarters"]) == {"2022-23 Q3"}
    snapshot = values[(values.indicator_code == "cla_at_end") & (values.period_type == "quarter")].iloc[0]
    assert snapshot.status == "complete"


def test_permanence_plan_of_children_new_to_care_who_have_had_a_review(con):
    given(con, "stg_children_in_care", [
        cla("a", D(2022, 6, 1), last_review_date=D(2022, 6, 20), permanence_plan="LTF"),
        cla("b", D(2022, 7, 1), last_review_date=D(2022, 7, 25)),                      # no plan recorded
        cla("c", D(2023, 3, 20)),                                                     # no review yet
        cla("d", D(2020, 1, 1), last_review_date=D(2022, 12, 1), permanence_plan="ADO"),  # not new to care
    ])
    assert totals(con, "ind_children_in_care")["cla_permanence_plan_first_review_pct"] == (1, 2)


def test_the_reports_own_age_bands_alongside_dfes(con):
    at_end = D(2023, 3, 31)
    people = [("unborn", "U", None), ("0", "F", D(2023, 3, 1)), ("4", "F", D(2018, 4, 1)), ("5", "M", D(2018, 3, 31)),
              ("11", "M", D(2011, 4, 1)), ("12", "M", D(2011, 3, 31)), ("16", "F", D(2006, 4, 1)),
              ("17", "F", D(2006, 3, 31)), ("unknown", "F", None)]
    given(con, "stg_cin", [{"child_id": c, "gender": g, "ethnicity": "WBRI", "date_of_birth": dob, "disability": "N",
                            "cin_start_date": D(2023, 1, 5), "primary_need": "N1", "case_status": "CINP"}
                           for c, g, dob in people])
    assert at_end.year == 2023
    assert breakdown(con, "ind_cin", "cin_by_report_age_band") == {
        "Unborn": (1, 9), "0-4": (2, 9), "5-11": (2, 9), "12-16": (2, 9), "17+": (1, 9), "Unknown": (1, 9)}
    assert breakdown(con, "ind_cin", "cin_by_age_band")["Under 1"] == (1, 9)      # DfE's still there


def test_report_age_bands_must_meet(tmp_path):
    path = tmp_path / "indicators.yaml"
    path.write_text("report_age_bands:\n  - {label: a, from: 0, to: 4}\n  - {label: b, from: 6, to: null}\n")
    with pytest.raises(ValueError, match="must meet"):
        indicators.report_age_bands(path)


def test_children_missing_each_month_and_the_monthly_average(con):
    ep = {"looked_after": "N", "missing_type": "M"}
    given(con, "stg_missing_episodes", [
        {**ep, "child_id": c, "missing_start": s} for c, s in [
            ("a", pd.Timestamp("2023-01-03 20:00")), ("a", pd.Timestamp("2023-01-20 20:00")),
            ("b", pd.Timestamp("2023-01-21 20:00")), ("b", pd.Timestamp("2023-03-02 20:00"))]])
    assert breakdown(con, "ind_missing", "missing_children_per_month", Q4) == {
        "2023-01": (2, 1), "2023-02": (0, 1), "2023-03": (1, 1)}
    assert totals(con, "ind_missing", Q4)["missing_children_per_month"] == (3, 3)   # 1 a month on average


def test_lado_referrals_by_month(con):
    given(con, "stg_partner_measures", [
        {"agency": "LADO", "measure_code": "lado_referrals", "period_start": D(2023, m, 1), "value": v}
        for m, v in ((1, 4), (2, 0), (3, 6))] + [
        {"agency": "Police", "measure_code": "police_protection_orders", "period_start": D(2023, 1, 1), "value": 7}])
    assert breakdown(con, "ind_partners", "lado_referrals", Q4) == {"2023-01": (4, None), "2023-02": (0, None),
                                                                    "2023-03": (6, None)}
    assert totals(con, "ind_partners", Q4)["lado_referrals"] == (10, None)
    assert breakdown(con, "ind_partners", "police_protection_orders", Q4) == {}     # no month breakdown asked for


def test_training_impact_per_course(con):
    def session(course, day, pre, post, attended, rated=None):
        return {"course_title": course, "session_date": day, "spaces_available": 20, "places_allocated": attended + 2,
                "attended": attended, "no_shows": 2, "pre_score_pct": pre, "post_score_pct": post,
                "rated_4_or_5_pct": rated}
    given(con, "stg_training_sessions", [
        session("Hidden Men", D(2022, 6, 1), 20.0, 100.0, 10, 90.0),
        session("Hidden Men", D(2022, 11, 1), 30.0, 90.0, 30, 100.0),
        session("Thresholds", D(2022, 7, 1), 40.0, None, 10),
    ])
    pre = breakdown(con, "ind_training", "training_pre_score")
    post = breakdown(con, "ind_training", "training_post_score")
    assert pre["Hidden Men"] == (20 * 10 + 30 * 30, 40) and pre["Thresholds"] == (400, 10)
    assert post == {"Hidden Men": (100 * 10 + 90 * 30, 40)}                # Thresholds has no post score
    rated = breakdown(con, "ind_training", "training_rated_4_or_5_pct")
    assert rated == {"Hidden Men": (pytest.approx(0.9 * 10 + 1.0 * 30), 40)}
    assert breakdown(con, "ind_training", "training_no_shows") == {"Hidden Men": (4, None), "Thresholds": (2, None)}
    assert totals(con, "ind_training", YEAR)["training_spaces"] == (60, None)


def test_no_training_in_the_period_is_zero_places(con):
    given(con, "stg_training_sessions", [])
    v = totals(con, "ind_training")
    assert v["training_spaces"] == (0, None) and v["training_no_shows"] == (0, None)
    assert v["training_pre_score"] == (None, None)                           # no score: no value, not 0


# ---- bounded breakdowns ------------------------------------------------------------------------------

def test_a_module_per_row_keeps_the_top_categories_and_one_all_other_row(con):
    con.execute("create table ref_population (ons_code varchar, mid_year integer, population_0_17 bigint)")
    given(con, "stg_elearning", [{"module": f"Module {n:04d}", "completion_month": D(2023, 1, 1), "completions": n}
                                 for n in range(1, 1001)])
    values = indicators.compute_quarter(con, Quarter(2022, 4), ONS, limit=30)
    modules = values[(values.indicator_code == "elearning_completions") & (values.period_type == "quarter")]
    parts = modules[modules.breakdown == "module"]
    assert len(parts) == 31
    other = parts[parts.breakdown_value.str.startswith("All other")].iloc[0]
    assert other.breakdown_value == "All other modules (970)"
    assert other.numerator == sum(range(1, 971))
    assert parts.numerator.sum() == modules[modules.breakdown == "total"].numerator.iloc[0] == sum(range(1, 1001))
    assert "Module 1000" in set(parts.breakdown_value) and "Module 0970" not in set(parts.breakdown_value)


def test_the_course_table_keeps_the_same_courses_for_every_measure():
    by_code = indicators.catalogue_by_code()
    rows = pd.DataFrame(
        [{"indicator_code": "training_spaces", "breakdown": "course", "breakdown_value": f"C{n}", "numerator": n,
          "denominator": None} for n in range(1, 6)]
        + [{"indicator_code": "training_no_shows", "breakdown": "course", "breakdown_value": f"C{n}",
            "numerator": 6 - n, "denominator": None} for n in range(1, 6)]
        + [{"indicator_code": "training_pre_score", "breakdown": "course", "breakdown_value": f"C{n}",
            "numerator": 50.0 * n, "denominator": float(n)} for n in range(1, 6)])
    kept = indicators.limit_categories(rows, by_code, 2)
    for code in ("training_spaces", "training_no_shows", "training_pre_score"):
        values = set(kept.loc[kept.indicator_code == code, "breakdown_value"])
        assert values == {"C5", "C4", "All other courses (3)"}, code          # ranked by spaces, the lead count
    other = kept[(kept.indicator_code == "training_pre_score") & kept.breakdown_value.str.startswith("All")].iloc[0]
    assert (other.numerator, other.denominator) == (50.0 * 6, 6.0)           # weighted sums add up
    no_shows = kept[(kept.indicator_code == "training_no_shows") & kept.breakdown_value.str.startswith("All")]
    assert no_shows.numerator.iloc[0] == 5 + 4 + 3


def test_a_share_breakdown_keeps_its_total_as_denominator():
    by_code = indicators.catalogue_by_code()
    rows = pd.DataFrame([{"indicator_code": "contacts_by_source", "breakdown": "source_group",
                          "breakdown_value": f"S{n}", "numerator": n, "denominator": 15} for n in range(1, 6)])
    kept = indicators.limit_categories(rows, by_code, 3)
    other = kept[kept.breakdown_value.str.startswith("All other")].iloc[0]
    assert (other.breakdown_value, other.numerator, other.denominator) == ("All other sources (2)", 3, 15)


def test_a_million_row_elearning_sheet_stays_one_small_breakdown(con):
    """Issue 10: a 1,000,000-row e-learning sheet, every row its own module, gives limit + 1 module rows."""
    con.execute("create table ref_population (ons_code varchar, mid_year integer, population_0_17 bigint)")
    given(con, "stg_elearning", [{"module": "seed", "completion_month": D(2023, 1, 1), "completions": 1}])
    con.execute("""insert into raw_elearning (file_id, period_key, source_row, module, completion_month, completions)
                   select 'return.xlsx:2022-23-Q4', '2022-23-Q4', i + 3, 'Module ' || i, date '2023-02-01', 1 + i % 7
                   from range(1000000) as t(i)""")
    values = indicators.compute_quarter(con, Quarter(2022, 4), ONS)
    modules = values[values.indicator_code == "elearning_completions"]
    per_window = modules[modules.breakdown == "module"].groupby("period_type").size().to_dict()
    assert per_window == {"quarter": 31, "rolling_12m": 31, "year": 31}          # the default limit, 30, + 1
    assert len(values) < 2_000
    quarter = modules[modules.period_type == "quarter"]
    assert quarter[quarter.breakdown == "module"].numerator.sum() == quarter[quarter.breakdown == "total"].numerator.iloc[0]
