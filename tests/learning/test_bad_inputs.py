"""Bad learning returns: each made by code, each with its exact outcome, none costing anyone else's data.

Every test files one malformed learning return from 'Police' beside good returns of every kind for the same
quarter (an Annex A from Sandwell CSC, and a reviews register, actions tracker, audits and CDOP return), runs
the real intake, and asserts the issue the agency gets back (file, sheet, Excel row, column, rule, severity and
the message saying what to fix), what happened to the row, and that every good return still loaded in full.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from pipeline.lib.periods import Quarter
from pipeline.lib.returns.intake import intake_quarter
from tests.conftest import TEST_KEY, contact_row, headings, write_workbook
from tests.learning import rows
from tests.learning.rows import D

Q3 = Quarter(2022, 3)
TODAY = dt.date(2024, 1, 1)
BAD = "Police"
GOOD_COUNTS = {"stg_contacts": 2, "stg_reviews": 1, "stg_actions": 1, "stg_audits": 1, "stg_audit_cases": 2,
               "stg_audit_returns": 1, "stg_child_deaths": 1}


class Quarter3:
    """raw/2022-23/Q3/ with good returns of every kind filed; `bad(name, sheets)` files the bad one."""

    def __init__(self, root: Path):
        self.raw = root / "raw"
        self.folder = self.raw / Q3.folder
        write_workbook(self.folder / "Sandwell CSC" / "annex_a_q3.xlsx", {"List 1": [
            headings("annex_a", "contacts"), contact_row("GOOD1", dt.date(2022, 10, 3)),
            contact_row("GOOD2", dt.date(2022, 11, 14))]})
        self.good = rows.good_returns(self.folder)

    def bad(self, name: str, sheets: dict[str, list[list]]) -> Path:
        return rows.workbook(self.folder / BAD / name, sheets)

    def run(self):
        con = duckdb.connect()
        outcomes = {o.file_name: o for o in intake_quarter(con, self.raw, Q3, TEST_KEY, today=TODAY)}
        for name in ["annex_a_q3.xlsx", *self.good]:
            assert outcomes[name].status == "loaded", name
        for table, n in GOOD_COUNTS.items():
            assert con.execute(f"select count(*) from {table} where filed_by != ?", [BAD]).fetchone() == (n,), table
        # the good learning returns are clean (the Annex A file holds only List 1: its other lists are missing)
        assert con.execute("select count(*) from raw_issues where agency != ? and severity != 'info' "
                           "and file_name != 'annex_a_q3.xlsx'", [BAD]).fetchone() == (0,)
        return con, outcomes


@pytest.fixture
def q3(tmp_path) -> Quarter3:
    return Quarter3(tmp_path)


def issues(con, file_name: str) -> list[tuple]:
    """(sheet, Excel row, column, value, rule, severity, message) of a file's warnings and errors."""
    return con.execute("""
        select sheet_name, source_row, column_name, value, rule, severity, message from raw_issues
        where file_name = ? and severity != 'info' order by source_row nulls first, column_name, rule
    """, [file_name]).fetchall()


def quarantined(con, file_name: str) -> dict[int, str]:
    return dict(con.execute("""select q.source_row, q.rules from raw_quarantine q join raw_files f using (file_id, period_key)
                               where f.file_name = ? order by 1""", [file_name]).fetchall())


def every_stored_text(con) -> str:
    """Every value of every table and view in the warehouse, as one string (to prove something is nowhere)."""
    out = []
    for (table,) in con.execute("select table_name from information_schema.tables").fetchall():
        for row in con.execute(f'select * from "{table}"').fetchall():
            out.append(" | ".join("" if v is None else str(v) for v in row))
    return "\n".join(out)


# ---- case references: never a name, initials beyond the published reference, a date of birth or an ID ------

@pytest.mark.parametrize("reference", ["Jayden Smith", "J.S. 14/03/2015", "SC1234567"])
def test_a_case_reference_that_could_identify_a_child_is_refused_and_stored_nowhere(q3, reference):
    q3.bad("reviews.xlsx", {"Reviews register": [rows.review(**{"Case Reference": "KT"}),
                                                 rows.review(**{"Case Reference": reference})]})
    con, _outcomes = q3.run()
    assert issues(con, "reviews.xlsx") == [(
        "Reviews register", 3, "Case Reference", "[not shown: it may identify a child]", "invalid_reference", "error",
        ("'Case Reference' does not hold a published case or audit reference (e.g. SD, SR1 or RR-2022-03). Use the "
        "reference the partnership publishes for the review or audit, never a child's name, initials beyond that "
        "reference, date of birth or case ID. The value is not shown here and was not stored."))]
    assert quarantined(con, "reviews.xlsx") == {3: "invalid_reference"}
    assert con.execute("select case_reference from stg_reviews where filed_by = ?", [BAD]).fetchall() == [("KT",)]
    assert reference not in every_stored_text(con)


def test_an_action_naming_a_review_by_a_childs_name_is_refused(q3):
    q3.bad("actions.xlsx", {"Actions tracker": [rows.action(**{"Review or Audit Reference": "Baby Amelia"})]})
    con, _ = q3.run()
    [(sheet, row, column, value, rule, severity, message)] = issues(con, "actions.xlsx")
    assert (sheet, row, column, value, rule, severity) == (
        "Actions tracker", 2, "Review or Audit Reference", "[not shown: it may identify a child]", "invalid_reference",
        "error")
    assert "(e.g. SD, SR1 or MACFA-2023-01)" in message
    assert "Amelia" not in every_stored_text(con)


# ---- free text: kept, identifying details masked and warned, the row still counts -------------------------------

def test_identifying_details_in_free_text_are_masked_before_storing_with_a_warning_naming_the_cell(q3):
    q3.bad("actions.xlsx", {"Actions tracker": [rows.action(**{
        "Review or Audit Reference": "KT",
        "Latest Progress Update": "Met mum at B66 1AB, called 07700 900123; NHS 943 476 5919; DOB 14/03/2015",
        "Evidence of Impact": "Feedback from j.bloggs@example.org about Mrs Jones"})]})
    con, _ = q3.run()
    assert issues(con, "actions.xlsx") == [
        ("Actions tracker", 2, "Evidence of Impact", "[not shown: it may identify a child]",
         "identifying_text_masked", "warning",
         ("'Evidence of Impact' held what looks like an e-mail address (now [e-mail address]) and a name (now [name]): "
         "it was masked before the row was stored. Take identifying details out of the register at source: it is "
         "shared across the partnership.")),
        ("Actions tracker", 2, "Latest Progress Update",
         "[not shown: it may identify a child]", "identifying_text_masked",
         "warning",
         ("'Latest Progress Update' held what looks like a date of birth (now [date of birth]), a postcode (now "
         "[postcode]), a phone number (now [phone number]) and an NHS number (now [NHS number]): it was masked before "
         "the row was stored. Take identifying details out of the register at source: it is shared across the "
         "partnership.")),
    ]
    assert quarantined(con, "actions.xlsx") == {}
    assert con.execute("select progress_update from stg_actions where filed_by = ?", [BAD]).fetchone() == (
        "Met mum at [postcode], called [phone number]; NHS [NHS number]; [date of birth]",)
    stored = every_stored_text(con)
    for secret in ("B66 1AB", "07700 900123", "943 476 5919", "14/03/2015", "j.bloggs", "Jones"):
        assert secret not in stored, secret


# ---- codes ------------------------------------------------------------------------------------------------------

def test_an_unknown_decision_quarantines_the_review_naming_the_value_and_the_choices(q3):
    q3.bad("reviews.xlsx", {"Reviews register": [rows.review(**{"Case Reference": "KT", "Decision": "Maybe a CSPR"})]})
    con, _ = q3.run()
    assert issues(con, "reviews.xlsx") == [(
        "Reviews register", 2, "Decision", "Maybe a CSPR", "unknown_code", "error",
        ("'Maybe a CSPR' is not an accepted value for 'Decision'. Use one of the codes in the template's drop-down "
        "(e.g. lcspr, national_review, spotlight)."))]
    assert quarantined(con, "reviews.xlsx") == {2: "unknown_code"}


def test_an_unknown_theme_is_left_out_with_a_warning_and_the_others_kept(q3):
    q3.bad("reviews.xlsx", {"Reviews register": [rows.review(**{"Case Reference": "KT",
                                                                "Themes": "Neglect; Budget pressures; Early help"})]})
    con, _ = q3.run()
    assert issues(con, "reviews.xlsx") == [(
        "Reviews register", 2, "Themes", "Neglect; Budget pressures; Early help", "unknown_code_in_list", "warning",
        ("'Budget pressures' in 'Themes' is not an accepted value and was left out; the other values in the cell were "
        "kept. Use the values in the template's drop-down or Guidance sheet, separated by ';'."))]
    assert con.execute("select themes from stg_reviews where filed_by = ?", [BAD]).fetchone() == ("neglect; early_help",)


def test_an_audit_grade_that_is_not_on_the_scale_quarantines_that_case_only(q3):
    q3.bad("audits.xlsx", {"Audits": [rows.audit(**{"Audit Reference": "MACFA-2023-01"})],
                           "Case grades": [rows.case_grade(1, "Good", **{"Audit Reference": "MACFA-2023-01"}),
                                           rows.case_grade(2, "Amber", **{"Audit Reference": "MACFA-2023-01"})],
                           "Agency returns": [rows.agency_return(**{"Audit Reference": "MACFA-2023-01"})]})
    con, _ = q3.run()
    assert issues(con, "audits.xlsx") == [(
        "Case grades", 3, "Grade", "Amber", "unknown_code", "error",
        ("'Amber' is not an accepted value for 'Grade'. Use one of the codes in the template's drop-down "
        "(e.g. outstanding, good, requires_improvement)."))]
    assert con.execute("select count(*) from stg_audit_cases where filed_by = ?", [BAD]).fetchone() == (1,)
    assert con.execute("select count(*) from stg_audits where filed_by = ?", [BAD]).fetchone() == (1,)


# ---- dates ------------------------------------------------------------------------------------------------------

def test_a_rapid_review_before_its_notification_is_quarantined_naming_both_dates(q3):
    q3.bad("reviews.xlsx", {"Reviews register": [rows.review(**{"Case Reference": "KT",
                                                                "Rapid Review Date": D(2022, 9, 30)})]})
    con, _ = q3.run()
    assert issues(con, "reviews.xlsx") == [(
        "Reviews register", 2, "Rapid Review Date", "2022-09-30", "end_before_start", "error",
        "'Rapid Review Date' (2022-09-30) is before 'Serious Incident Notification Date' (2022-10-03). Check both dates.")]
    assert quarantined(con, "reviews.xlsx") == {2: "end_before_start"}


def test_an_action_without_a_due_date_is_quarantined(q3):
    q3.bad("actions.xlsx", {"Actions tracker": [rows.action(**{"Review or Audit Reference": "KT", "Due Date": None})]})
    con, _ = q3.run()
    assert issues(con, "actions.xlsx") == [(
        "Actions tracker", 2, "Due Date", None, "missing_required", "error",
        "'Due Date' is blank but must be filled in. Enter the value, or remove the row if it is not a real record.")]


def test_a_due_date_in_the_future_is_expected_but_a_progress_update_after_the_quarter_is_warned(q3):
    q3.bad("actions.xlsx", {"Actions tracker": [rows.action(**{
        "Review or Audit Reference": "KT", "Due Date": D(2030, 1, 31), "Progress Update Date": D(2023, 1, 9)})]})
    con, _ = q3.run()
    assert issues(con, "actions.xlsx") == [(
        "Actions tracker", 2, "Progress Update Date", "09/01/2023", "after_register_date", "warning",
        ("'Progress Update Date' (09/01/2023) is after the end of the quarter this register was filed for (01/10/2022 "
        "to 31/12/2022). A register is filed as it stood at the end of its quarter: check the date, or file the "
        "register under the later quarter."))]
    assert con.execute("select due_date, in_period from stg_actions where filed_by = ?", [BAD]).fetchone() == (
        dt.date(2030, 1, 31), False)


def test_an_action_marked_complete_without_a_date_closed_is_loaded_open_with_a_warning(q3):
    q3.bad("actions.xlsx", {"Actions tracker": [rows.action(**{"Review or Audit Reference": "KT", "Status": "Complete"})]})
    con, _ = q3.run()
    assert issues(con, "actions.xlsx") == [(
        "Actions tracker", 2, "Date Closed", None, "blank_when_expected", "warning",
        ("'Date Closed' is blank but 'Status' is 'Complete'. Fill in 'Date Closed'; until then the row is counted as "
        "not yet done (an action stays open)."))]
    assert con.execute("select status, date_closed from stg_actions where filed_by = ?", [BAD]).fetchone() == (
        "complete", None)


def test_an_agency_return_dated_before_it_was_requested_is_quarantined(q3):
    q3.bad("audits.xlsx", {"Audits": [rows.audit(**{"Audit Reference": "MACFA-2023-01"})],
                           "Agency returns": [rows.agency_return(**{"Audit Reference": "MACFA-2023-01",
                                                                    "Date Returned": D(2022, 9, 1)})]})
    con, _ = q3.run()
    found = issues(con, "audits.xlsx")
    assert found[0] == ("", None, "", "Case grades", "missing_sheet", "warning",
                        ("The workbook has no sheet for Case grades. If there was nothing to report, include the sheet "
                        "with headings only."))
    assert found[1:] == [(
        "Agency returns", 2, "Date Returned", "2022-09-01", "end_before_start", "error",
        "'Date Returned' (2022-09-01) is before 'Date Requested' (2022-10-03). Check both dates.")]


# ---- the impact indicator ---------------------------------------------------------------------------------------

def test_an_unknown_impact_indicator_is_warned_and_the_action_still_counts(q3):
    q3.bad("actions.xlsx", {"Actions tracker": [rows.action(**{"Review or Audit Reference": "KT",
                                                              "Impact Indicator": "referals_pct"})]})
    con, _ = q3.run()
    assert issues(con, "actions.xlsx") == [(
        "Actions tracker", 2, "Impact Indicator", "referals_pct", "unknown_indicator", "warning",
        ("'referals_pct' in 'Impact Indicator' is not an indicator code of the catalogue, so no before-and-after "
        "figures can be shown for this row. Use a code from config/indicators.yaml (e.g. rereferrals_pct), or leave it "
        "blank; the rest of the row was loaded."))]
    assert con.execute("select impact_indicator from stg_actions where filed_by = ?", [BAD]).fetchone() == (None,)


# ---- child deaths: aggregate only -------------------------------------------------------------------------------

def test_joint_agency_responses_more_than_the_deaths_are_quarantined(q3):
    q3.bad("cdop.xlsx", {"Child deaths": [rows.deaths(**{"Local Authority": "Dudley", "Deaths Notified": 2,
                                                         "Joint Agency Responses": 4})]})
    con, _ = q3.run()
    assert issues(con, "cdop.xlsx") == [(
        "Child deaths", 2, "Joint Agency Responses", "4", "more_than_column", "error",
        ("4 in 'Joint Agency Responses' is more than 'Deaths Notified' (2) on the same row: a part cannot be more "
        "than the whole. Check both counts."))]


def test_a_quarter_that_does_not_exist_is_quarantined(q3):
    q3.bad("cdop.xlsx", {"Child deaths": [rows.deaths(**{"Local Authority": "Dudley", "Quarter": "2022-23 Q5"})]})
    con, _ = q3.run()
    assert issues(con, "cdop.xlsx") == [(
        "Child deaths", 2, "Quarter", "2022-23 Q5", "invalid_quarter", "error",
        ("'2022-23 Q5' in 'Quarter' is not a financial quarter. Enter it as 2022-23 Q1 (Q1 is April to June) or as "
        "any date in the quarter."))]


def test_child_level_rows_are_refused_and_their_identifiers_stored_nowhere(q3):
    """A CDOP sends its case list instead of the counts: the headings it shares are found, the child-level
    columns are not read, the required counts are missing, so every row is quarantined with the reason."""
    path = q3.folder / BAD / "cdop_cases.xlsx"
    write_workbook(path, {"Child deaths": [
        ["Child Name", "NHS Number", "Date of Birth", "Local Authority", "Age Band"],
        ["Amelia Jones", "9434765919", D(2021, 6, 2), "Walsall", "1-4 years"]]})
    con, _ = q3.run()
    found = issues(con, "cdop_cases.xlsx")
    assert [(f[0], f[1], f[2], f[4]) for f in found] == [
        ("Child deaths", 1, "Category", "missing_column"), ("Child deaths", 1, "Deaths Notified", "missing_column"),
        ("Child deaths", 1, "Quarter", "missing_column")]
    assert found[1][6] == ("The sheet has no 'Deaths Notified' column, which is required. Add the column with this "
                           "exact heading (see the template).")
    notes = con.execute("select column_name, rule from raw_issues where file_name = 'cdop_cases.xlsx' and "
                        "severity = 'info' and rule <> 'rows_left_out' order by 1").fetchall()
    assert notes == [("Child Name", "extra_column"), ("Date of Birth", "extra_column"), ("NHS Number", "extra_column")]
    assert quarantined(con, "cdop_cases.xlsx") == {2: "missing_column"}
    stored = every_stored_text(con)
    assert "Amelia" not in stored and "9434765919" not in stored and "2021-06-02" not in stored


def test_a_review_listed_twice_keeps_the_first_and_quarantines_the_repeat(q3):
    q3.bad("reviews.xlsx", {"Reviews register": [rows.review(**{"Case Reference": "KT"}),
                                                 rows.review(**{"Case Reference": "KT", "Decision": "NFA"})]})
    con, _ = q3.run()
    assert issues(con, "reviews.xlsx") == [(
        "Reviews register", 3, "", None, "duplicate_row", "error",
        "This row repeats an earlier row with the same Case Reference as row 2. Remove the duplicate.")]
    assert con.execute("select decision from stg_reviews where filed_by = ?", [BAD]).fetchall() == [("lcspr",)]


def test_the_agency_gets_its_problems_back_in_its_feedback_workbook(q3):
    """The feedback workbook (the intake's, unchanged) lists the learning return's problems with file, sheet, row,
    column, the masked value and what to fix, and never the identifying text."""
    from pipeline.lib.returns.feedback import build_workbook, feedback_for_quarter

    q3.bad("actions.xlsx", {"Actions tracker": [rows.action(**{"Review or Audit Reference": "KT",
                                                              "Latest Progress Update": "Seen at B66 1AB"}),
                                                rows.action(**{"Review or Audit Reference": "Baby Amelia"})]})
    con, _ = q3.run()
    police = next(fb for fb in feedback_for_quarter(con, Q3) if fb.agency == BAD)
    wb = build_workbook(police)
    cells = [[c.value for c in row] for row in wb["Problems"].iter_rows()]
    header = next(r for r in cells if r and r[0] == "File")
    found = [dict(zip(header, r)) for r in cells[cells.index(header) + 1:] if r and r[0] == "actions.xlsx"
             and r[header.index("Rule")] != "rows_left_out"]    # the sheet's note of figures the rows miss
    assert [(f["Sheet"], f["Row"], f["Column"], f["Rule"]) for f in found] == [
        ("Actions tracker", 3, "Review or Audit Reference", "invalid_reference"),
        ("Actions tracker", 2, "Latest Progress Update", "identifying_text_masked")]
    assert found[1]["Value"] == "[not shown: it may identify a child]"
    text = " ".join(str(v) for r in cells for v in r if v is not None)
    assert "B66 1AB" not in text and "Amelia" not in text
