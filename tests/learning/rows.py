"""Rows of the learning returns as an agency would type them (headings from the specifications), for tests.

Each builder gives a valid row; keyword arguments replace cells by heading, e.g.
`review(**{"Case Reference": "John Smith"})`. `workbook(path, return_type, rows_by_sheet)` writes a real .xlsx.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.conftest import headings, write_workbook

D = dt.datetime

SHEETS = {"reviews": ["Reviews register"], "actions": ["Actions tracker"],
          "audits": ["Audits", "Case grades", "Agency returns"], "child_deaths": ["Child deaths"]}
KEYS = {"Reviews register": ("reviews", "reviews"), "Actions tracker": ("actions", "actions"),
        "Audits": ("audits", "audits"), "Case grades": ("audits", "audit_cases"),
        "Agency returns": ("audits", "audit_returns"), "Child deaths": ("child_deaths", "child_deaths")}


def _row(sheet: str, cells: dict) -> list:
    heads = headings(*KEYS[sheet])
    unknown = set(cells) - set(heads)
    assert not unknown, f"{sheet} has no headings {unknown}"
    return [cells.get(h) for h in heads]


def review(**cells) -> list:
    return _row("Reviews register", {
        "Case Reference": "SD", "Route": "Serious incident notification", "Date Received": D(2022, 10, 3),
        "Serious Incident Notification Date": D(2022, 10, 3), "Rapid Review Date": D(2022, 10, 14),
        "Decision": "LCSPR", "National Panel Agreed": "Y", "Review Start Date": D(2022, 11, 1),
        "Themes": "Information sharing; Transitions", "Agencies Involved": "West Midlands Police; SCT",
        "Summary": "A young person seriously injured in an assault.", "Key Learning": "Real-time information sharing.",
        **cells})


def action(**cells) -> list:
    return _row("Actions tracker", {
        "Review or Audit Reference": "SD", "Recommendation Number": 1, "Recommendation Text": "Share case files.",
        "Action Number": 1, "Agency": "Sandwell Children's Trust", "Action to be Taken": "Agree read-only access.",
        "Owner Role": "Head of Service", "Date Agreed": D(2022, 11, 1), "Due Date": D(2023, 6, 30),
        "Status": "In progress", "Latest Progress Update": "Protocol drafted.", "Progress Update Date": D(2022, 12, 1),
        **cells})


def audit(**cells) -> list:
    return _row("Audits", {
        "Audit Reference": "MACFA-2022-02", "Audit Type": "MACFA", "Audit Title": "Transitions to adulthood",
        "Themes": "Transitions", "Audit Date": D(2022, 11, 2), "Cases Audited": 2, "Aim and Scope": "Young people near 18.",
        "Good Practice": "Relationships.", "Areas for Development": "Timeliness of referral.", "Next Steps": "Toolkit.",
        **cells})


def case_grade(number: int = 1, grade: str = "Requires improvement", **cells) -> list:
    return _row("Case grades", {"Audit Reference": "MACFA-2022-02", "Case Number": number, "Grade": grade, **cells})


def agency_return(**cells) -> list:
    return _row("Agency returns", {"Audit Reference": "MACFA-2022-02", "Agency": "West Midlands Police",
                                   "Date Requested": D(2022, 10, 3), "Date Due": D(2022, 10, 24),
                                   "Date Returned": D(2022, 10, 20), **cells})


def deaths(**cells) -> list:
    return _row("Child deaths", {"Local Authority": "Sandwell", "Quarter": "2022-23 Q3", "Age Band": "1-4 years",
                                 "Category": "Not yet reviewed", "Deaths Notified": 3, "Joint Agency Responses": 1,
                                 "Referred for Review": 0, **cells})


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook with the given learning sheets (sheet name -> data rows), headings on row 1."""
    return write_workbook(path, {name: [headings(*KEYS[name]), *rows] for name, rows in sheets.items()})


def good_returns(folder: Path) -> dict[str, Path]:
    """One valid file of each learning return, each under its agency's folder: file name -> path."""
    return {
        "reviews_q3.xlsx": workbook(folder / "SCSP Business Unit" / "reviews_q3.xlsx", {"Reviews register": [review()]}),
        "actions_q3.xlsx": workbook(folder / "SCSP Business Unit" / "actions_q3.xlsx", {"Actions tracker": [action()]}),
        "audits_q3.xlsx": workbook(folder / "QPPA" / "audits_q3.xlsx", {
            "Audits": [audit()], "Case grades": [case_grade(1), case_grade(2, "Good")],
            "Agency returns": [agency_return()]}),
        "cdop_q3.xlsx": workbook(folder / "Black Country CDOP" / "cdop_q3.xlsx", {"Child deaths": [deaths()]}),
    }
