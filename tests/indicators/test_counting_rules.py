"""SQL tests: literal rows in an in-memory DuckDB, the real .sql file, expected values (given/expect).

Every DfE counting rule the indicators use has a test here: starting in the period, open at the end,
ceased in the period, rolling 12 months, working days across the 2022 bank holidays, age bands,
unknown answers left out of denominators, and partner measures summed or taken at the period end.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipeline.lib import indicators
from pipeline.lib.periods import Quarter
from pipeline.lib.working_days import working_days_between
from tests.indicators.conftest import Q4, D, breakdown, given, totals

TS = dt.datetime


# ---- working days -------------------------------------------------------------------------------

def test_ref_working_days_numbers_give_working_days_between():
    days = indicators.working_days_frame(D(2022, 1, 1), D(2023, 12, 31)).set_index("day")["working_day_number"]
    pairs = [(D(2022, 6, 1), D(2022, 6, 6)), (D(2022, 9, 16), D(2022, 9, 20)), (D(2022, 5, 27), D(2022, 8, 2)),
             (D(2022, 12, 23), D(2023, 1, 3)), (D(2022, 7, 1), D(2022, 7, 1)), (D(2022, 7, 2), D(2022, 7, 4))]
    for start, end in pairs:
        assert days[pd.Timestamp(end)] - days[pd.Timestamp(start)] == working_days_between(start, end)[0]
    assert days[pd.Timestamp(D(2022, 6, 6))] - days[pd.Timestamp(D(2022, 6, 1))] == 1  # Jubilee: Thu 2, Fri 3 June
    assert days[pd.Timestamp(D(2022, 9, 20))] - days[pd.Timestamp(D(2022, 9, 16))] == 1  # State funeral: 19 Sept


def assessment(child, start, authorised, **extra):
    return {"child_id": child, "gender": "F", "ethnicity": "WBRI", "disability": "N", "child_seen": "Y",
            "assessment_start_date": start, "assessment_authorised_date": authorised, **extra}


def test_assessments_counted_by_authorisation_date_within_45_working_days_across_jubilee(con):
    given(con, "stg_assessments", [
        # 27 May 2022 + 45 working days = 2 Aug 2022 because 2 and 3 June were bank holidays (np.busday alone: 29 Jul)
        assessment("a", D(2022, 5, 27), D(2022, 8, 2), first_assessment="Y", assessment_outcome="NFA",
                   initial_visit_date=D(2022, 6, 7)),                      # visit: 5 working days (naive: 7)
        assessment("b", D(2022, 5, 27), D(2022, 8, 3), first_assessment="N", assessment_outcome="CIN",
                   initial_visit_date=D(2022, 6, 8)),                      # 46 working days: late; visit 6 WD
        assessment("c", D(2022, 7, 1), D(2022, 7, 1), first_assessment="Y", assessment_outcome="EH"),  # same day = 0
        assessment("d", D(2022, 3, 1), D(2022, 4, 1), assessment_outcome=None),   # started last year: counts
        assessment("e", D(2023, 3, 1), None),                                      # not authorised: not completed
        assessment("f", D(2023, 3, 20), D(2023, 4, 3)),                            # authorised next year
    ])
    v = totals(con, "ind_assessments")
    assert v["assessments_completed"] == (4, None)
    assert v["assessments_45wd_pct"] == (3, 4)                 # a (45), c (0), d; not b (46)
    assert v["assessments_new_45wd_pct"] == (2, 2)             # a, c
    assert v["assessments_initial_visit_5wd_pct"] == (1, 4)    # a; no visit date = not within 5
    assert v["assessments_nfa_stepdown_pct"] == (2, 3)         # NFA, EH of the 3 with an outcome
    bands = breakdown(con, "ind_assessments", "assessments_duration_band")
    assert bands == {"41-45": (1, 4), "46-50": (1, 4), "Same day": (1, 4), "21-30": (1, 4)}


def s47(child, strategy, icpc, plan="Y", **extra):
    return {"child_id": child, "gender": "M", "ethnicity": "WBRI", "disability": "N", "s47_start_date": strategy,
            "icpc_date": icpc, "icpc_resulted_in_plan": plan, "s47_last_12_months": 0, "icpc_last_12_months": 0, **extra}


def test_icpc_counted_by_conference_date_within_15_working_days_across_state_funeral(con):
    given(con, "stg_s47", [
        s47("a", D(2022, 9, 1), D(2022, 9, 23)),            # 15 WD with 19 Sept a holiday (naive count: 16)
        s47("b", D(2022, 9, 1), D(2022, 9, 26), plan="N"),  # 16 WD: late
        s47("c", D(2022, 3, 20), D(2022, 4, 5)),            # strategy last year, ICPC this year: an ICPC this year
        s47("d", D(2023, 3, 20), None, plan=None),          # S47 this year, no ICPC yet
        s47("e", D(2023, 3, 28), D(2023, 4, 12)),           # ICPC next year
    ])
    v = totals(con, "ind_s47")
    assert v["s47_total"] == (4, None)                        # a, b, d, e by strategy discussion date
    assert v["icpc_total"] == (3, None)                       # a, b, c by conference date
    assert v["icpc_15wd_pct"] == (2, 3)                       # a, c (12 WD)
    assert v["icpc_to_plan_pct"] == (2, 3)


# ---- child protection: open at the end, started, ceased, visits, reviews ------------------------

def plan(child, start, end=None, previous=0, **extra):
    return {"child_id": child, "gender": "M", "ethnicity": "WBRI", "disability": "N", "initial_category": "NEG",
            "latest_category": "NEG", "epo_or_police_protection": "N", "cpp_start_date": start, "cpp_end_date": end,
            "previous_plans": previous, **extra}


def test_cp_plan_open_at_period_end_started_ended_and_repeat(con):
    given(con, "stg_child_protection", [
        plan("a", D(2022, 1, 10)),                            # open at 31 March 2023, started last year
        plan("b", D(2022, 5, 1), D(2022, 12, 1), 1),          # started and ended in year: repeat plan
        plan("c", D(2022, 6, 1), D(2023, 3, 31)),             # ended ON the period end: not open at the end
        plan("d", D(2023, 3, 31), None, 2),                   # started on the last day: open and a repeat
        plan("e", D(2021, 3, 1)),                             # open 2+ years (761 days)
        plan("f", D(2023, 4, 1)),                             # starts after the period: nowhere
    ])
    v = totals(con, "ind_child_protection")
    assert v["cpp_at_end"] == (3, None)                     # a, d, e
    assert v["cpp_started"] == (3, None)                    # b, c, d
    assert v["cpp_ended"] == (2, None)                      # b, c
    assert v["cpp_second_subsequent_pct"] == (2, 3)         # b, d of b, c, d
    assert v["cpp_2yrs_open_pct"] == (1, 3)                 # e
    assert v["cpp_open_previous_plan_pct"] == (1, 3)        # d
    assert v["cpp_under_9months_pct"] == (1, 3)             # d
    assert breakdown(con, "ind_child_protection", "cpp_duration_band") == {
        "3 months or less": (1, 3), "1-2 years": (1, 3), "2 years or more": (1, 3)}


def test_two_years_means_730_days(con):
    given(con, "stg_child_protection", [plan("a", D(2021, 3, 31)), plan("b", D(2021, 4, 1)),   # 730, 729 days
                                        plan("c", D(2020, 6, 1), D(2022, 6, 1)), plan("d", D(2020, 6, 2), D(2022, 6, 1))])
    v = totals(con, "ind_child_protection")
    assert v["cpp_2yrs_open_pct"] == (1, 2)
    assert v["cpp_2yrs_ceased_pct"] == (1, 2)               # c lasted 730 days, d 729


def test_cp_visits_sum_over_the_periods_quarterly_returns(con):
    # The same plan on two quarterly returns: each quarter's visits count once, not only the latest.
    given(con, "stg_child_protection", [plan("a", D(2022, 1, 10), visits_in_period=6, visits_in_timescale=6)],
          period_key="2022-23-Q3")
    given(con, "stg_child_protection", [plan("a", D(2022, 1, 10), visits_in_period=4, visits_in_timescale=2)],
          period_key="2022-23-Q4")
    given(con, "stg_child_protection", [plan("a", D(2022, 1, 10), visits_in_period=9, visits_in_timescale=0)],
          period_key="2023-24-Q1")                                      # next year's return: not this year
    assert totals(con, "ind_child_protection")["cpp_visits_in_timescale_pct"] == (8, 10)
    assert totals(con, "ind_child_protection", Q4)["cpp_visits_in_timescale_pct"] == (2, 4)


def test_cp_reviews_in_timescale_among_plans_open_three_months(con):
    given(con, "stg_child_protection", [
        plan("a", D(2022, 6, 1), last_review_date=D(2022, 10, 1)),   # reviewed within 6 months of 31 March
        plan("b", D(2022, 6, 1), last_review_date=D(2022, 9, 30)),   # 6 months and a day: out of time
        plan("c", D(2022, 6, 1)),                                    # never reviewed: out of time
        plan("d", D(2023, 1, 15)),                                   # open under 3 months: not yet due
    ])
    assert totals(con, "ind_child_protection")["cpp_reviews_in_timescale_pct"] == (1, 3)


# ---- demographics: age bands, unborn, unknown kept out of denominators --------------------------

def test_age_bands_at_period_end_and_unborn(con):
    people = [("u1", "U", None), ("u2", "F", D(2023, 5, 1)),             # unborn: no DOB and gender U; DOB after end
              ("b0", "M", D(2022, 4, 1)),                                # 11 months on 31 March 2023: under 1
              ("b1", "M", D(2022, 3, 31)),                               # 1 on 31 March 2023: 1-4
              ("b4", "F", D(2018, 4, 1)),                                # 4 (5 on 1 April): 1-4
              ("b5", "F", D(2018, 3, 31)), ("b15", "M", D(2007, 4, 1)),  # 5-9 ; 15 = 10-15
              ("b16", "M", D(2007, 3, 31)), ("x", "M", None)]            # 16+ ; no DOB, not U: unknown
    given(con, "stg_cin", [{"child_id": c, "gender": g, "ethnicity": "WBRI", "date_of_birth": dob, "disability": "N",
                            "cin_start_date": D(2023, 1, 5), "primary_need": "N1", "case_status": "CINP"}
                           for c, g, dob in people])
    assert breakdown(con, "ind_cin", "cin_by_age_band") == {
        "Unborn": (2, 9), "Under 1": (1, 9), "1-4": (2, 9), "5-9": (1, 9), "10-15": (1, 9), "16+": (1, 9),
        "Unknown": (1, 9)}
    genders = breakdown(con, "ind_cin", "cin_by_gender")
    assert genders == {"Unborn": (2, 9), "Male": (5, 9), "Female": (2, 9)}


def cin(child, start, status="CINP", closed=None, disability="N", ethnicity="WBRI"):
    return {"child_id": child, "gender": "F", "ethnicity": ethnicity, "date_of_birth": D(2015, 1, 1),
            "disability": disability, "cin_start_date": start, "primary_need": "N1", "case_status": status,
            "cin_closure_date": closed}


def test_cin_on_a_plan_at_end_and_dfe_all_episodes(con):
    given(con, "stg_cin", [
        cin("a", D(2022, 1, 1)), cin("b", D(2022, 6, 30), disability="Y"),   # 9 months on 31 March
        cin("c", D(2022, 7, 1), disability="U", ethnicity="MWBC"),  # 9 months less a day: not 9 months
        cin("d", D(2022, 5, 1), status="CPP"),                       # open, but on a CP plan: DfE CIN only
        cin("e", D(2022, 5, 1), status="CLOSED", closed=D(2023, 3, 31)),  # closed on the last day
        cin("f", D(2023, 4, 1)),                                     # starts next year
    ])
    v = totals(con, "ind_cin")
    assert v["cin_at_end"] == (3, None)                     # a, b, c
    assert v["cin_all_at_end"] == (4, None)                 # a, b, c, d
    assert v["cin_started"] == (4, None)                    # b, c, d, e
    assert v["cin_9months_pct"] == (2, 3)                   # a, b
    # Unknown disability is left out of the Yes/No denominator, and shown against all children
    assert v["cin_disability_pct"] == (1, 2)
    assert breakdown(con, "ind_cin", "cin_by_disability") == {"Yes": (1, 2), "No": (1, 2), "Unknown": (1, 3)}
    assert breakdown(con, "ind_cin", "cin_by_ethnicity") == {"White": (2, 3), "Mixed": (1, 3)}


# ---- children in care: open at end, ceased, placement groups, health assessments -----------------

CLA_DOB = D(2012, 6, 1)


def cla(child, start, end=None, placement="U4", provider="PR4", dob=CLA_DOB, **extra):
    return {"child_id": child, "gender": "M", "ethnicity": "WBRI", "date_of_birth": dob, "uasc": "N",
            "disability": "N", "cla_start_date": start, "cla_end_date": end, "category_of_need": "N1",
            "second_period": "N", "legal_status_start_date": start, "legal_status": "C2",
            "placements_last_12_months": 1, "placement_start_date": start, "placement_type": placement,
            "placement_provider": provider, "missing_episodes_12m": 0, "absent_episodes_12m": 0, **extra}


def test_children_in_care_placements_and_health_assessments(con):
    given(con, "stg_children_in_care", [
        cla("ext", D(2021, 1, 1), last_health_assessment_date=D(2022, 4, 1)),      # 5+: within 12 months
        cla("int", D(2021, 1, 1), provider="PR1", last_health_assessment_date=D(2022, 3, 31)),  # 12 months + 1 day
        cla("kin", D(2022, 6, 1), placement="U2", provider="PR1", dob=D(2019, 1, 1),
            last_health_assessment_date=D(2022, 9, 30)),                          # under 5: 6 months + a day
        cla("home", D(2022, 6, 1), placement="P1", provider="PR0", dob=D(2020, 1, 1),
            last_health_assessment_date=D(2022, 10, 1)),                          # under 5: within 6 months
        cla("res", D(2022, 6, 1), placement="K2", provider="PR4", category_of_need="N4"),
        cla("ifa5", D(2022, 6, 1), provider="PR5", dob=D(2006, 1, 1)),             # voluntary provider: other; 17
        cla("gone", D(2021, 6, 1), D(2022, 9, 1)),                                 # ceased in the year
        cla("gone", D(2022, 10, 1), D(2023, 1, 1)),                                # the same child again
    ])
    v = totals(con, "ind_children_in_care")
    assert v["cla_at_end"] == (6, None)
    assert v["cla_started"] == (5, None)                     # kin, home, res, ifa5, gone (once)
    assert v["cla_ceased"] == (1, None)                      # gone, once
    assert v["cla_health_assessment_pct"] == (2, 6)          # ext, home
    assert v["cla_abuse_neglect_pct"] == (5, 6)
    assert v["cla_aged_5_15_pct"] == (3, 6)                  # ext, int, res (10); kin 4, home 3, ifa5 17
    assert breakdown(con, "ind_children_in_care", "cla_by_placement_group") == {
        "External foster care": (1, 6), "Internal foster care": (1, 6), "Connected carers": (1, 6),
        "Placed with parents": (1, 6), "Other": (2, 6)}


# ---- starting in the period: contacts, referrals, missing --------------------------------------

def test_referrals_count_every_referral_and_rereferrals_from_annex_a_column(con):
    base = {"gender": "F", "ethnicity": "WBRI"}
    given(con, "stg_referrals", [
        {**base, "child_id": "a", "referral_date": D(2022, 4, 1), "referral_source": "6", "referral_nfa": "N",
         "referrals_last_12_months": 0, "progressed_to_assessment": "Y"},
        {**base, "child_id": "a", "referral_date": D(2022, 9, 1), "referral_source": "6", "referral_nfa": "N",
         "referrals_last_12_months": 1, "progressed_to_assessment": "Y"},   # same child again: counted, a re-referral
        {**base, "child_id": "b", "referral_date": D(2022, 7, 1), "referral_source": "2A", "referral_nfa": "Y",
         "referrals_last_12_months": 0, "progressed_to_assessment": "N"},
        {**base, "child_id": "c", "referral_date": D(2022, 8, 1), "referral_source": "2B", "referral_nfa": "N",
         "referrals_last_12_months": 3, "progressed_to_assessment": None},  # not recorded: out of the denominator
        {**base, "child_id": "d", "referral_date": D(2023, 4, 1), "referral_source": "6", "referral_nfa": "N",
         "referrals_last_12_months": 0, "progressed_to_assessment": "Y"},   # next year
    ])
    v = totals(con, "ind_referrals")
    assert v["referrals_total"] == (4, None)
    assert v["rereferrals_pct"] == (2, 4)
    assert v["referrals_nfa_pct"] == (1, 4)
    assert v["referrals_to_assessment_pct"] == (2, 3)
    assert v["referrals_police_pct"] == (2, 4)
    assert v["referrals_education_pct"] == (2, 4)
    assert v["referrals_per_month"] == (4, 12)
    assert totals(con, "ind_referrals", Q4)["referrals_per_month"] == (0, 3)


def test_contacts_domestic_abuse_and_unrecorded_outcomes(con):
    def contact(child, day, source, da, outcome):
        return {"child_id": child, "gender": "F", "ethnicity": "WBRI", "contact_date": day, "contact_source": source,
                "domestic_abuse": da, "contact_outcome": outcome}
    given(con, "stg_contacts", [contact("a", D(2022, 5, 1), "6", "Y", "SCT"), contact("b", D(2022, 5, 2), "6", "N", None),
                                contact("c", D(2022, 6, 1), "2A", "Y", "NFA"), contact("d", D(2022, 6, 2), "3A", None, "SCT")])
    v = totals(con, "ind_contacts")
    assert v["contacts_total"] == (4, None)
    assert v["contacts_outcome_sct_pct"] == (2, 3)          # no outcome recorded: not in the denominator
    assert v["contacts_domestic_abuse_pct"] == (2, 3)       # flag not recorded: not in the denominator
    assert v["contacts_domestic_abuse_police_pct"] == (1, 2)
    assert v["contacts_police_domestic_abuse_pct"] == (1, 2)
    assert breakdown(con, "ind_contacts", "contacts_by_month") == {"2022-05": (2, None), "2022-06": (2, None)}


def test_missing_episodes_children_rhi_and_children_per_month(con):
    def episode(child, start, end, offered, completed):
        return {"child_id": child, "gender": "F", "ethnicity": "WBRI", "looked_after": "Y", "missing_type": "M",
                "missing_start": start, "missing_end": end, "rhi_offered": offered, "rhi_completed": completed}
    given(con, "stg_missing_episodes", [
        episode("a", TS(2022, 5, 1, 22), TS(2022, 5, 2, 8), "Y", TS(2022, 5, 5, 8)),    # exactly 72 h: within
        episode("a", TS(2022, 5, 20, 22), TS(2022, 5, 21, 8), "Y", TS(2022, 5, 24, 9)),  # 73 hours: late; same month
        episode("b", TS(2022, 7, 1, 22), TS(2022, 7, 2, 8), "N", None),
        episode("c", TS(2022, 3, 31, 23), TS(2022, 4, 1, 2), "Y", TS(2022, 4, 1, 10)),   # started last year
    ])
    v = totals(con, "ind_missing")
    assert v["missing_episodes"] == (3, None)
    assert v["missing_children"] == (2, None)
    assert v["missing_episodes_per_child"] == (3, 2)
    assert v["missing_children_rhi_offered_pct"] == (1, 2)
    assert v["missing_rhi_72h_pct"] == (1, 2)
    assert v["missing_children_per_month"] == (2, 12)      # a in May, b in July: 2 child-months over 12 months
    assert v["missing_children_rate_10k_per_month"] == (pytest.approx(2 / 12), None)


# ---- partner measures: sum over the period or the latest month --------------------------------

def test_partner_measures_sum_or_latest_and_ratios(con):
    def measure(code, month, value, agency="Police"):
        return {"agency": agency, "measure_code": code, "period_start": month, "value": value}
    given(con, "stg_partner_measures", [
        measure("police_protection_orders", D(2022, 4, 1), 7), measure("police_protection_orders", D(2022, 5, 1), 8),
        measure("police_protection_orders", D(2023, 4, 1), 100),                 # next year
        measure("exploitation_at_risk", D(2023, 1, 1), 40, "CSC"), measure("exploitation_at_risk", D(2023, 3, 1), 50, "CSC"),
        measure("exploitation_at_risk", D(2023, 2, 1), 45, "CSC"),
        measure("exploitation_risk_high", D(2023, 3, 1), 9, "CSC"), measure("exploitation_risk_high", D(2022, 12, 1), 30, "CSC"),
        measure("eh_closures", D(2022, 6, 1), 10, "EH"), measure("eh_closures_successful", D(2022, 6, 1), 7, "EH"),
    ])
    v = totals(con, "ind_partners")
    assert v["police_protection_orders"] == (15, None)     # sum over the year
    assert v["exploitation_at_risk"] == (50, None)         # latest month's value at the period end (March)
    assert v["exploitation_risk_high_pct"] == (9, 50)
    assert v["eh_closures_successful_pct"] == (7, 10)
    assert "police_da_notifications" not in v              # no values, no row
    assert totals(con, "ind_partners", {"period_start": D(2022, 10, 1), "period_end": D(2022, 12, 31)})[
        "exploitation_risk_high"] == (30, None)


def test_a_new_measure_in_the_csv_needs_no_code(tmp_path, con):
    csv = tmp_path / "partner_measures.csv"
    csv.write_text(indicators.PARTNER_MEASURES_FILE.read_text(encoding="utf-8")
                   + 'school_exclusions,Education,Permanent exclusions,count,sum,lower_is_better,partners,"Exclusions."\n',
                   encoding="utf-8")
    catalogue = indicators.load_catalogue(partner_file=csv)
    new = {i.code: i for i in catalogue}["school_exclusions"]
    assert (new.sql, new.unit, new.polarity, new.counting_rule) == ("ind_partners", "count", "lower_is_better", "in_period")
    con.execute("insert into ref_partner_measures values ('school_exclusions', 'Education', 'Exclusions', 'count', 'sum', "
                "'lower_is_better', '')")
    given(con, "stg_partner_measures", [{"agency": "Education", "measure_code": "school_exclusions",
                                         "period_start": D(2022, 4, 1), "value": 3}])
    assert totals(con, "ind_partners")["school_exclusions"] == (3, None)


# ---- windows: quarter, rolling 12 months, year ------------------------------------------------

def test_compute_quarter_gives_quarter_rolling_12_months_and_year_rows(con):
    con.execute("create table ref_population (ons_code varchar, mid_year integer, population_0_17 bigint)")
    con.execute("insert into ref_population values ('E08000028', 2022, 80000)")
    base = {"gender": "F", "ethnicity": "WBRI", "referral_source": "6", "referral_nfa": "N", "referrals_last_12_months": 0}
    # each quarter's own return; 2022-23 Q2 filed with headings and no rows (a real zero)
    for key, child, day in [("2021-22-Q4", "a", D(2022, 1, 15)), ("2022-23-Q1", "b", D(2022, 4, 15)),
                            ("2022-23-Q3", "c", D(2022, 12, 1)), ("2022-23-Q4", "d", D(2023, 2, 1))]:
        given(con, "stg_referrals", [{**base, "child_id": child, "referral_date": day}], period_key=key)
    given(con, "stg_referrals", [], period_key="2022-23-Q2")
    q3 = indicators.compute_quarter(con, Quarter(2022, 3), "E08000028")
    q4 = indicators.compute_quarter(con, Quarter(2022, 4), "E08000028")

    def value(frame, code, period_type):
        row = frame[(frame.indicator_code == code) & (frame.period_type == period_type) & (frame.breakdown == "total")]
        return row.iloc[0]
    assert value(q3, "referrals_total", "quarter").numerator == 1                       # Oct-Dec 2022: c
    rolling = value(q3, "referrals_total", "rolling_12m")
    assert (rolling.period_label, rolling.numerator) == ("12 months to Dec 2022", 3)    # Jan-Dec 2022: a, b, c
    assert set(q3.period_type) == {"quarter", "rolling_12m"}                            # year rows only at Q4
    year = value(q4, "referrals_total", "year")
    assert (year.period_label, year.numerator, year.quarter_key) == ("2022-23", 3, "2022-23-Q4")  # b, c, d
    rate = value(q4, "referrals_rate_10k", "year")
    assert (rate.denominator, rate.value, rate.population_year) == (80000, pytest.approx(3 / 8), 2022)
    assert value(q4, "referrals_per_month", "year").value == pytest.approx(3 / 12)
    assert set(q4.loc[q4.indicator_code == "referrals_total", "status"]) == {"complete"}


# ---- early help: open at the end, TAF and visits among assessed families, success at closure -----

def test_early_help_open_taf_visits_and_success(con):
    def eh(child, start, completed=None, closed=None, taf=None, visit=None, achieved=None):
        return {"child_id": child, "gender": "M", "ethnicity": "WBRI", "eh_start_date": start, "eh_organisation": "School",
                "eh_completion_date": completed, "eh_closure_date": closed, "last_taf_date": taf,
                "last_family_visit_date": visit, "eh_outcome_achieved": achieved}
    given(con, "stg_early_help", [
        eh("a", D(2022, 9, 1), D(2022, 10, 1), taf=D(2023, 1, 7), visit=D(2023, 3, 18)),  # 84th day; 14th day
        eh("b", D(2022, 9, 1), D(2022, 10, 1), taf=D(2023, 1, 6), visit=D(2023, 3, 17)),  # 85 days; 15 days
        eh("c", D(2023, 3, 1)),                                       # open, not yet assessed: not in TAF denominator
        eh("d", D(2022, 5, 1), D(2022, 6, 1), closed=D(2022, 12, 1), achieved="Y"),
        eh("e", D(2022, 5, 1), D(2022, 6, 1), closed=D(2023, 3, 31), achieved="N"),   # closed on the last day
        eh("f", D(2022, 5, 1), D(2022, 6, 1), closed=D(2023, 2, 1)),                  # outcome not recorded
    ])
    v = totals(con, "ind_early_help")
    assert v["eh_open_at_end"] == (3, None)                    # a, b, c
    assert v["eh_list2_assessments_completed"] == (5, None)
    assert v["eh_taf_12_weeks_pct"] == (1, 2)
    assert v["eh_family_visit_2_weeks_pct"] == (1, 2)
    assert v["eh_success_pct"] == (1, 2)                       # d of d, e
