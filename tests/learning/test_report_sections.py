"""The report's three learning sections rendered from a real warehouse: the demo's learning returns through the
intake and indicators (tests/learning/demo_warehouse.py), read back as the 2022-23 annual report states them.

Internal: every figure of the seed report (2 LCSPRs, 1 ratified in February 2023; 1 spotlight review and 4
referrals; 128 Black Country deaths, 62 JARs, 10 in Sandwell, 1 referred; Section 11 across 19 agencies; 5 of 6
cases requires improvement). Public: every count of children from 1 to 5 is "fewer than 6" or "c".
"""

from __future__ import annotations

import duckdb
import pytest

from pipeline.lib.learning.facts import LearningFacts
from pipeline.lib.learning.figures import build_all
from pipeline.lib.learning.report import render_sections
from pipeline.lib.periods import FinancialYear
from pipeline.lib.returns.spec import load_specs
from pipeline.lib.returns.store import ensure_tables

YEAR = FinancialYear(2022)


@pytest.fixture(scope="module")
def internal(learning_warehouse):
    with duckdb.connect(str(learning_warehouse), read_only=True) as con:
        return render_sections(con, YEAR, public=False)


@pytest.fixture(scope="module")
def public(learning_warehouse):
    with duckdb.connect(str(learning_warehouse), read_only=True) as con:
        return render_sections(con, YEAR, public=True)


def test_learning_from_reviews_in_the_reports_words_with_its_figures(internal):
    text = internal["learning_from_reviews"]
    for sentence in [
        "## Learning from Practice Reviews",
        ("In the year 1st April 2022 to 31st March 2023, the Sandwell Learning from Practice Reviews subgroup (SLPR) has "
        "undertaken the following:"),
        "- 3 notifications were made to the National Child Safeguarding Practice Review Panel (NCSPRP) in 2022-23.",
        "- 5 cases were directed to the SLPR by partners for consideration.",
        ("- Of the 3 notifications, 2 were progressed to a Local Child Safeguarding Practice Review (LCSPR) following a "
        "Rapid Review meeting."),
        ("- 2 children's cases progressed to a Local Child Safeguarding Practice Review (1 ratified in February 2023, 1 "
        "remains in progress)."),
        ("- Completed 1 Spotlight Review and received 4 other referrals, 1 of which did not require any further action "
        "and 3 which are being progressed as learning briefings."),
        ("- Rapid Review meetings are held within 15 working days of the notification: 3 of the 3 held in 2022-23 "
        "(100%) met within that timescale."),
        "- Reviews are expected to complete within 6 months of their start: 2 of the 3 completed in 2022-23 (67%) did so.",
        "- 2 reviews were published during the year.",
        ("- At 31st March 2023, 18 actions from reviews and audits were open, 8 of them overdue (44%): Sandwell and West "
        "Birmingham NHS Trust (2), Education (schools and colleges) (2),"),
        "the longest overdue, Adult Social Care's action from SD, was 182 days past its due date.",
        "- 12 of the 28 recommendations (43%) had every one of their actions closed.",
    ]:
        assert sentence in text, sentence


def test_qppa_section_with_audit_grades_section_11_and_late_returns(internal):
    text = internal["qppa_assurance"]
    for sentence in [
        ("- During 2022-23 QPPA completed 3 multi-agency case file audits, 2 single-agency audits, 1 Section 175 audit "
        "(schools) and 1 Section 11 audit."),
        ("- Multi-agency case file audit, Transitions to adulthood (February 2023): 5 of the 6 cases were graded "
        "requires improvement, with 1 graded good."),
        "- Multi-agency case file audit, Child sexual abuse (November 2022): all 4 cases were graded requires improvement.",
        "- Across the 15 cases audited, 12 requires improvement and 3 good: 20% were graded good or better.",
        ("- Completed the Section 11 biennial audit, which showed assurance of 'Good' practice across the 19 "
        "participating agencies."),
        "1 due during the year had not been presented by 31st March 2023 (Black Country Integrated Care Board (GPs)).",
        ("- Agencies returned 42 of the 43 audit returns due in the year (98%), 84% by the due date; 7 were late or not "
        "returned:"),
    ]:
        assert sentence in text, sentence


def test_child_deaths_section_with_the_four_year_comparison(internal):
    text = internal["child_deaths"]
    for sentence in [
        "## Child Death during 2022-23",
        "During 2022-23 there were 128 child deaths notified across the Black Country, 38 of them in Sandwell.",
        "a 4-year comparison across the Black Country areas since April 2019.",
        ("In the 3 years preceding 2022-23, Sandwell saw a year on year increase in the number of child deaths; the total "
        "for 2022-23 has remained the same as the previous year."),
        ("deaths in babies aged under 28 days and babies aged 28 days to 1 year have remained the same as the previous "
        "year, whereas there has been a decrease in the number of deaths in the 1-4 years age range and the 10-14 years "
        "age range. Deaths in the 5-9 years age range have risen by 3 and deaths in the 15-17 years age range have "
        "risen by 1."),
        ("Of the 128 deaths notified across the Black Country in 2022-23, 62 have required further scrutiny via a Joint "
        "Agency Response (JAR) meeting, 10 of which were attributed to Sandwell child deaths. From these 10 JAR "
        "meetings, 1 was referred to the SLPR subgroup."),
    ]:
        assert sentence in text, sentence


def test_public_sections_never_print_a_small_count_of_children(public):
    reviews, deaths = public["learning_from_reviews"], public["child_deaths"]
    assert "- Fewer than 6 notifications were made to the National Child Safeguarding Practice Review Panel" in reviews
    assert "- Fewer than 6 children's cases progressed to a Local Child Safeguarding Practice Review." in reviews
    assert "ratified in February 2023" not in reviews and "KT" not in reviews     # no detail that gives a count away
    assert "the number held in 2022-23 is too small to publish their timeliness" in reviews
    assert "3 of the 3" not in reviews and "2 of the 3" not in reviews
    # actions are not counts of children: published as they are
    assert "18 actions from reviews and audits were open, 8 of them overdue (44%)" in reviews
    assert "From these 10 JAR meetings, fewer than 6 were referred to the SLPR subgroup." in deaths
    assert "128 child deaths" in deaths and "62 have required" in deaths
    assert "risen by" not in deaths                     # the age bands' changes are small numbers
    assert "5 of the 6 cases were graded requires improvement" in public["qppa_assurance"]


def test_public_figures_suppress_small_counts_of_children_and_keep_the_rest(learning_warehouse):
    with duckdb.connect(str(learning_warehouse), read_only=True) as con:
        public = {f.name: f for f in build_all(LearningFacts(con, YEAR, public=True))}
        internal = {f.name: f for f in build_all(LearningFacts(con, YEAR, public=False))}
    assert set(internal) == {"learning_reviews", "learning_actions_by_agency", "qppa_audit_grades",
                             "child_deaths_by_area", "child_deaths_four_years", "child_deaths_local_by_age"}
    four = internal["child_deaths_four_years"].data.set_index("Area")
    assert four.loc["Sandwell"].tolist() == ["30", "33", "38", "38"]
    assert four.loc["Black Country total"].tolist() == ["125", "123", "132", "128"]
    by_age = internal["child_deaths_local_by_age"].data.set_index("Age band")
    assert by_age.loc["5-9 years"].tolist() == ["2", "5"]
    public_age = public["child_deaths_local_by_age"].data.set_index("Age band")
    assert public_age.loc["5-9 years"].tolist() == ["c", "c"] and public_age.loc["Under 28 days"].tolist() == ["14", "14"]
    # public: only reviews already published are listed
    assert public["learning_reviews"].data["Reference"].tolist() == ["YS", "VS"]
    assert "KT" in internal["learning_reviews"].data["Reference"].tolist()
    grades = internal["qppa_audit_grades"].data.set_index("Audit")
    assert grades.loc["Transitions to adulthood (February 2023)"].tolist() == ["6", "1", "5"]
    assert "INTERNAL - QPPA" in internal["child_deaths_by_area"].fig.to_json()
    assert "INTERNAL - QPPA" not in public["child_deaths_by_area"].fig.to_json()


def test_a_register_not_received_is_said_not_reported_as_zero():
    con = duckdb.connect()
    ensure_tables(con, load_specs())
    sections = render_sections(con, YEAR, public=True)
    assert sections["learning_from_reviews"].strip().endswith(
        "- The reviews register was not received for 2022-23: nothing is reported from it.")
    assert "The audits return was not received for 2022-23" in sections["qppa_assurance"]
    assert "The CDOP's return was not received for 2022-23" in sections["child_deaths"]
    assert build_all(LearningFacts(con, YEAR)) == []


def test_an_authors_copy_of_a_template_replaces_the_words(learning_warehouse, tmp_path):
    (tmp_path / "narrative").mkdir()
    (tmp_path / "narrative" / "child_deaths.md.j2").write_text(
        "## Child deaths\n\n{{ learning.deaths.total.text }} deaths across the {{ learning.deaths.cdop_area }}.\n")
    with duckdb.connect(str(learning_warehouse), read_only=True) as con:
        sections = render_sections(con, YEAR, public=True, overrides=tmp_path)
    assert sections["child_deaths"] == "## Child deaths\n\n128 deaths across the Black Country.\n"
    assert sections["qppa_assurance"].startswith("## Quality of Practice")       # the others unchanged
