"""Read the generated 2022-23 returns back, apply the counting rules, and get the report's figures exactly.

Given the demo returns written by the generator (generated once per session),
expect every figure of the SCSP 2022-23 annual report's data section that the returns can give.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.lib.working_days import working_days_between

from .readback import CODES, dates, latest, load

FY = "2022-23"
START, END = pd.Timestamp("2022-04-01"), pd.Timestamp("2023-03-31")
QUARTERS = [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in
            [("2022-04-01", "2022-06-30"), ("2022-07-01", "2022-09-30"), ("2022-10-01", "2022-12-31"),
             ("2023-01-01", "2023-03-31")]]


def in_year(s: pd.Series) -> pd.Series:
    d = dates(s).dt.normalize()  # a date and time on 31 March is in the year
    return (d >= START) & (d <= END)


def open_at(start: pd.Series, end: pd.Series, day: pd.Timestamp) -> pd.Series:
    start, end = dates(start), dates(end)
    return (start <= day) & (end.isna() | (end > day))


@pytest.fixture(scope="module")
def lists(demo_out):
    keys = ["contacts", "early_help", "referrals", "assessments", "s47", "cin", "child_protection", "children_in_care"]
    return {k: load(demo_out, FY, k) for k in keys}


def test_contacts(lists):
    c = lists["contacts"]
    day = dates(c["contact_date"])
    assert [int(((day >= a) & (day <= b)).sum()) for a, b in QUARTERS] == [7496, 7072, 7233, 7762]
    c = c[in_year(c["contact_date"])]
    assert len(c) == 29563
    assert (c["contact_source"] == "6").sum() == 10581
    assert c["contact_source"].isin(["2A", "2B"]).sum() == 4489
    assert (c["contact_outcome"] == "SCT").sum() == 7010
    assert (c["domestic_abuse"] == "Y").sum() == 4798
    assert ((c["domestic_abuse"] == "Y") & (c["contact_source"] == "6")).sum() == 4783
    met = [int(((day >= a) & (day <= b) & (lists["contacts"]["met_early_help_threshold"] == "Y")).sum())
           for a, b in QUARTERS]
    assert met == [2338, 2330, 2060, 1872]


def test_referrals(lists):
    r = lists["referrals"]
    r = r[in_year(r["referral_date"])]
    assert len(r) == 4194
    assert r["referral_source"].isin(["2A", "2B"]).sum() == 850
    assert (r["referral_source"] == "6").sum() == 1436
    assert (r["referrals_last_12_months"] >= 1).sum() == 967
    assert (r["progressed_to_assessment"] == "Y").sum() == 3613


def test_assessments(lists):
    a = latest(lists["assessments"], ["child_id", "assessment_start_date"])
    a = a[in_year(a["assessment_authorised_date"])]
    assert len(a) == 4244
    within = working_days_between(a["assessment_start_date"], a["assessment_authorised_date"]) <= 45
    assert within.sum() == 3034
    new = (a["first_assessment"] == "Y").to_numpy()
    assert new.sum() == 3221
    assert (new & within).sum() == 2467
    assert (working_days_between(a["assessment_start_date"], a["initial_visit_date"]) <= 5).sum() == 2377
    assert a["assessment_outcome"].isin(["NFA", "EH", "OTHER_AGENCY"]).sum() == 2583


def test_icpcs(lists):
    s = latest(lists["s47"], ["child_id", "s47_start_date"])
    s = s[in_year(s["icpc_date"])]
    assert len(s) == 422
    assert (working_days_between(s["s47_start_date"], s["icpc_date"]) <= 15).sum() == 329
    assert (s["icpc_resulted_in_plan"] == "Y").sum() == 348


def test_children_in_need(lists):
    c = latest(lists["cin"], ["child_id", "cin_start_date"])
    on_plan = c[open_at(c["cin_start_date"], c["cin_closure_date"], END) & (c["case_status"] == "CINP")]
    assert len(on_plan) == 641
    assert on_plan["gender"].value_counts().to_dict() == {"M": 341, "F": 285, "U": 15}
    assert (on_plan["disability"] == "Y").sum() == 67
    long = dates(on_plan["cin_start_date"]) <= END - pd.DateOffset(months=9)
    assert long.sum() == 106  # 16.5%
    groups = on_plan["ethnicity"].map(_ethnic_group).value_counts(normalize=True)
    for group, share in {"WBRI": 0.50, "Mixed": 0.18, "Asian": 0.19, "Black": 0.09, "Other": 0.05}.items():
        assert abs(groups[group] - share) < 0.011


REPORT_GROUPS = {"Mixed": "Mixed", "Asian or Asian British": "Asian", "Black or Black British": "Black",
                 "Other ethnic group": "Other"}


def _ethnic_group(code: str) -> str:
    """The report's grouping: White British, Mixed, Asian, Black, Other."""
    return "WBRI" if code == "WBRI" else REPORT_GROUPS.get(CODES.entry("ethnicity", code).get("group"), "rest")


def test_child_protection(lists):
    p = latest(lists["child_protection"], ["child_id", "cpp_start_date"])
    open_end = p[open_at(p["cpp_start_date"], p["cpp_end_date"], END)]
    assert len(open_end) == 339
    assert in_year(p["cpp_start_date"]).sum() == 344
    assert in_year(p["cpp_end_date"]).sum() == 399
    assert (open_end["previous_plans"] >= 1).sum() == 106
    started = p[in_year(p["cpp_start_date"])]
    assert (started["previous_plans"] >= 1).sum() == 107
    assert (dates(open_end["cpp_start_date"]) <= END - pd.DateOffset(years=2)).sum() == 16
    assert round(100 * (dates(open_end["cpp_start_date"]) > END - pd.DateOffset(months=9)).mean()) == 70
    # Reviews in timescale: of the plans open 3 months or more, latest review conference in the last 6 months.
    due = open_end[dates(open_end["cpp_start_date"]) <= END - pd.DateOffset(months=3)]
    reviewed = (dates(due["last_review_date"]) > END - pd.DateOffset(months=6)).sum()
    assert round(100 * reviewed / len(due)) == 82
    gender = open_end["gender"].value_counts().to_dict()
    assert gender == {"M": 183, "F": 146, "U": 10}  # 54% / 43% / 3% unborn
    visits = lists["child_protection"]  # every return: visits are counted per quarter
    assert round(100 * visits["visits_in_timescale"].sum() / visits["visits_in_period"].sum()) == 93


def test_children_in_care(lists):
    c = latest(lists["children_in_care"], ["child_id", "cla_start_date"])
    open_end = c[open_at(c["cla_start_date"], c["cla_end_date"], END)]
    assert len(open_end) == 802
    # Health assessment up to date: in the 12 months before the year end (6 months for a child under 5).
    window = open_end["age_years"].map(lambda a: pd.DateOffset(months=6 if a < 5 else 12))
    since = pd.Series([END - w for w in window], index=open_end.index)
    assert (dates(open_end["last_health_assessment_date"]) > since).sum() == 776  # 96.7%
    assert (open_end["category_of_need"] == "N1").sum() == 650  # 81%
    assert (open_end["gender"] == "M").sum() == 425  # 53%
    ages = open_end["age_years"]
    assert abs(((ages >= 5) & (ages <= 15)).mean() - 0.63) < 0.01
    foster = open_end["placement_type"].isin(["U4", "U5", "U6"])
    external = (foster & (open_end["placement_provider"] == "PR4")).sum()
    internal = (foster & (open_end["placement_provider"] == "PR1")).sum()
    connected = open_end["placement_type"].isin(["U1", "U2", "U3"]).sum()
    parents = (open_end["placement_type"] == "P1").sum()
    assert [external, internal, connected, parents] == [307, 134, 149, 86]  # 39:17:19:11:16 of 802
    assert in_year(c["cla_start_date"]).sum() == 162
    assert in_year(c["cla_end_date"]).sum() == 200
    # "91% of them having a single or multiple track plan of permanence at their first LAC review": children
    # who started in the year with a review since (one per child, the latest start), a plan recorded.
    new = c[in_year(c["cla_start_date"]) & (dates(c["last_review_date"]) >= dates(c["cla_start_date"]))]
    new = new.sort_values("cla_start_date").drop_duplicates("child_id", keep="last")
    assert len(new) > 100
    assert round(100 * new["permanence_plan"].notna().mean()) == 91


def test_early_help(lists):
    eh = latest(lists["early_help"], ["child_id", "eh_start_date"])
    assert in_year(eh["eh_completion_date"]).sum() == 4048  # as the partner measure eh_assessments_completed
    open_end = eh[open_at(eh["eh_start_date"], eh["eh_closure_date"], END)]
    assert open_end["eh_service"].value_counts().to_dict() == {"Strengthening Families": 625,
                                                               "Multi-agency early help": 367}
    closed = eh[in_year(eh["eh_closure_date"])]
    assert round(100 * (closed["eh_outcome_achieved"] == "Y").mean(), 1) == 72.1
    assessed = open_end[dates(open_end["eh_completion_date"]) <= END]
    taf = (dates(assessed["last_taf_date"]) >= END - pd.Timedelta(days=83)).mean()
    visit = (dates(assessed["last_family_visit_date"]) >= END - pd.Timedelta(days=13)).mean()
    assert abs(taf - 0.97) < 0.02 and abs(visit - 0.94) < 0.025
    gender = open_end["gender"].value_counts(normalize=True).round(2).to_dict()
    assert gender == {"M": 0.53, "F": 0.46, "U": 0.01}
    groups = open_end["ethnicity"].map(_ethnic_group).value_counts(normalize=True).round(2).to_dict()
    assert {k: groups[k] for k in ("WBRI", "Asian", "Mixed", "Black", "Other")} == \
        {"WBRI": 0.58, "Asian": 0.11, "Mixed": 0.16, "Black": 0.08, "Other": 0.02}


def test_missing_episodes_agree_with_list_8(lists, demo_out):
    """The pipeline's reconciliation: missing episodes of looked-after children in the year against the sum
    of list 8's 12-month counts over the children in care at the year end (within 10%)."""
    m = load(demo_out, FY, "missing_episodes")
    episodes = (in_year(m["missing_start"]) & (m["looked_after"] == "Y") & (m["missing_type"] == "M")).sum()
    q4 = lists["children_in_care"][lists["children_in_care"]["quarter"] == 4]
    in_care = q4[open_at(q4["cla_start_date"], q4["cla_end_date"], END)]
    assert abs(in_care["missing_episodes_12m"].sum() - episodes) <= 0.1 * episodes


def test_missing_episodes(demo_out):
    m = load(demo_out, FY, "missing_episodes")
    m = m[in_year(m["missing_start"])]
    assert len(m) == 1678
    assert m["child_id"].nunique() == 1053
    offered = m.groupby("child_id")["rhi_offered"].apply(lambda s: (s == "Y").any())
    assert offered.sum() == 916  # 87%
    # "on average 87 children missing each month": 1,053 / 12, as close as distinct children per month allow
    per_month = m.groupby(dates(m["missing_start"]).dt.to_period("M"))["child_id"].nunique()
    assert per_month.mean() == pytest.approx(1053 / 12)
    done = m[m["rhi_completed"].notna()]
    hours = (dates(done["rhi_completed"]) - dates(done["missing_end"])).dt.total_seconds() / 3600
    assert round(100 * (hours <= 72).mean()) == 82


def test_training_top_10_and_elearning(demo_out):
    s = load(demo_out, FY, "training_sessions")
    s = s[in_year(s["session_date"])]
    table = s.groupby("course_title")[["spaces_available", "places_allocated", "no_shows"]].sum()
    report = {
        "Core Working Together (CWT)": (371, 371, 42), "Thresholds": (150, 127, 21),
        "Managing Allegations": (112, 90, 19), "Neglect (GCP2)": (135, 121, 17), "Exploitation": (60, 39, 9),
        "Intro to Early Help": (135, 122, 20), "Early Help & the Role of the Lead Professional": (120, 113, 23),
        "Hidden Men": (120, 73, 4), "Disguise Compliance: Working with Resistance": (160, 12, 20),
        "Gender Identity": (120, 101, 12),
    }
    for title, figures in report.items():
        assert tuple(int(v) for v in table.loc[title]) == figures, title
    top = table.sort_values("places_allocated", ascending=False).head(10).index
    assert set(top) == set(report)
    top = table.sort_values("spaces_available", ascending=False).head(10).index
    assert set(top) == set(report)
    hidden = s[s["course_title"] == "Hidden Men"]
    assert hidden["pre_score_pct"].mean() == pytest.approx(23.91)
    assert hidden["post_score_pct"].mean() == pytest.approx(97.83)
    assert hidden["rated_4_or_5_pct"].mean() == pytest.approx(91.3)
    others = s[s["course_title"] != "Hidden Men"]
    assert 35 <= others["pre_score_pct"].mean() <= 45 and others["post_score_pct"].min() >= 90

    e = load(demo_out, FY, "elearning")
    totals = e[in_year(e["completion_month"])].groupby("module")["completions"].sum().to_dict()
    assert totals == {
        "ICON: 'Babies cry, you can cope'": 285, "SCSP Learning from Serious Cases - When Will We Learn?": 39,
        "SCSP Module 1 - Childhood Regained: Child Sexual Exploitation Awareness": 109,
        "SCSP Module 2 - Childhood Regained: County Lines Awareness": 152,
        "SCSP Module 3 - Childhood Regained: Gangs Awareness": 84,
        "SCSP Module 4 Childhood Regained: Knife Crime": 86, "SCSP Neglect Awareness": 270,
        "SCSP Private Fostering Module (under review)": 15,
        "SCSP Refresher Level 3 Core Working Together to Safeguard Children and Young People": 117,
    }


def test_partner_measures(demo_out):
    m = load(demo_out, FY, "partner_measures")
    m = m[in_year(m["period_start"])]
    total = m.groupby("measure_code")["value"].sum()
    march = m[dates(m["period_start"]) == pd.Timestamp("2023-03-01")].set_index("measure_code")["value"]
    expected_sums = {"police_child_abuse_crimes": 1574, "police_protection_orders": 84, "police_protection_children": 130,
                     "ae_alcohol": 26, "ae_overdose": 186, "ae_self_harm": 42, "ae_assault": 50,
                     "yj_first_time_entrants": 68, "eh_assessments_completed": 4048}
    for code, value in expected_sums.items():
        assert total[code] == value, code
    expected_march = {"private_fostering_arrangements": 13, "exploitation_at_risk": 50, "exploitation_risk_low": 0,
                      "exploitation_risk_medium": 39, "exploitation_risk_high": 9, "exploitation_cse": 13,
                      "eh_open_strengthening_families": 625, "eh_open_multi_agency": 367}
    for code, value in expected_march.items():
        assert march[code] == value, code
    assert round(100 * total["health_iha_in_timescale"] / total["health_iha_due"]) == 47
    assert round(100 * total["eh_closures_successful"] / total["eh_closures"], 1) == 72.1
    assert round(100 * total["cla_care_plans_in_timescale"] / total["cla_care_plans_due"], 1) == 89.7
    assert abs(total["police_da_notifications"] - 4783) / 4783 < 0.01
    contacts = load(demo_out, FY, "contacts")
    da_police = ((contacts["domestic_abuse"] == "Y") & (contacts["contact_source"] == "6")).sum()
    assert abs(total["police_da_notifications"] - da_police) <= 0.1 * da_police  # the pipeline's reconciliation
    m21 = load(demo_out, "2021-22", "partner_measures")
    assert m21[dates(m21["period_start"]) == pd.Timestamp("2022-03-01")].set_index("measure_code")["value"][
        "private_fostering_arrangements"] == 9


def test_figures_not_in_the_report_follow_dfe(lists, demo_out):
    """2022-23 figures the report does not give, and 2021-22, are DfE's published Sandwell values."""
    r = lists["referrals"]
    assert (r[in_year(r["referral_date"])]["referral_nfa"] == "Y").sum() == 6  # C1 2023: 0.1%
    s = latest(lists["s47"], ["child_id", "s47_start_date"])
    assert in_year(s["s47_start_date"]).sum() == 1733  # LAIT Section_47 201.7 per 10,000
    p = latest(lists["child_protection"], ["child_id", "cpp_start_date"])
    ended = p[in_year(p["cpp_end_date"])]
    lasted = (dates(ended["cpp_end_date"]) - dates(ended["cpp_start_date"])).dt.days >= 730
    assert lasted.sum() == 28  # LAIT CPPlans2yrs 7.1%

    start, end = pd.Timestamp("2021-04-01"), pd.Timestamp("2022-03-31")

    def in_2021_22(series):
        d = dates(series)
        return (d >= start) & (d <= end)

    r = load(demo_out, "2021-22", "referrals")
    r = r[in_2021_22(r["referral_date"])]
    assert (len(r), (r["referrals_last_12_months"] >= 1).sum()) == (4454, 857)  # C1 2022
    p = latest(load(demo_out, "2021-22", "child_protection"), ["child_id", "cpp_start_date"])
    started = p[in_2021_22(p["cpp_start_date"])]
    assert (len(started), (started["previous_plans"] >= 1).sum()) == (472, 142)  # D3 2022
    open_end = p[open_at(p["cpp_start_date"], p["cpp_end_date"], end)]
    assert (dates(open_end["cpp_start_date"]) <= end - pd.DateOffset(years=2)).sum() == 10  # D5 2022
    c = latest(load(demo_out, "2021-22", "children_in_care"), ["child_id", "cla_start_date"])
    assert open_at(c["cla_start_date"], c["cla_end_date"], end).sum() == 840
    assert (c[in_2021_22(c["cla_start_date"])]["child_id"].nunique(),
            c[in_2021_22(c["cla_end_date"])]["child_id"].nunique()) == (157, 198)
    s = latest(load(demo_out, "2021-22", "s47"), ["child_id", "s47_start_date"])
    s = s[in_2021_22(s["icpc_date"])]
    assert (len(s), (working_days_between(s["s47_start_date"], s["icpc_date"]) <= 15).sum()) == (554, 455)
