"""Which sheet is which list: the list number decides, names match as words, headings score too, and every
sheet of a workbook is accounted for (read as a list, or not read with the reason)."""

from __future__ import annotations

import datetime as dt

import duckdb
import fastexcel
import pytest

from pipeline.lib.periods import Quarter
from pipeline.lib.returns.intake import intake_quarter
from pipeline.lib.returns.reader import read_sheet, recognise_sheets
from pipeline.lib.returns.spec import load_specs
from tests.conftest import TEST_KEY, headings, write_workbook
from tests.returns.annex_a_rows import TEMPLATE_NAMES, columns, row, sheet, sheet_spec

Q3 = Quarter(2022, 3)
LISTS_1_8 = ["contacts", "early_help", "referrals", "assessments", "s47", "cin", "child_protection", "children_in_care"]


def recognised(tmp_path, sheets: dict[str, list[list[object]]]):
    path = write_workbook(tmp_path / "wb.xlsx", sheets)
    reader = fastexcel.read_excel(str(path))
    return recognise_sheets(reader, load_specs()), reader


def fates(recognition) -> dict[str, tuple]:
    return {f.sheet: (f.fate, f.list_key, f.reason) for f in recognition.fates}


def test_ofsteds_template_names_read_each_list_as_itself(tmp_path):
    result, _ = recognised(tmp_path, {TEMPLATE_NAMES[k]: sheet(k, row(k)) for k in LISTS_1_8})
    assert result.spec.return_type == "annex_a"
    assert result.chosen == {k: TEMPLATE_NAMES[k] for k in LISTS_1_8}
    assert all(f.fate == "read" for f in result.fates)


def test_every_cp_plan_loads_when_list_5_is_named_s47_and_icpc(tmp_path):
    """The defect: 'CP' was found inside 'ICPC', List 5 was read as List 7 and every CP plan was lost."""
    write_workbook(tmp_path / "raw/2022-23/Q3/annex_a.xlsx", {
        "List 5 - S47 and ICPC": sheet("s47", row("s47"), row("s47", child_id="SC2")),
        "List 7 - Child Protection": sheet("child_protection", row("child_protection"),
                                           row("child_protection", child_id="SC2"), row("child_protection", child_id="SC3")),
    })
    con = duckdb.connect()
    outcomes = intake_quarter(con, tmp_path / "raw", Q3, TEST_KEY, today=dt.date(2024, 1, 1))
    assert outcomes[0].status == "loaded"
    assert con.execute("select count(*) from stg_child_protection").fetchone() == (3,)
    assert con.execute("select count(*) from stg_s47").fetchone() == (2,)
    assert con.execute("select count(*) from raw_issues where rule = 'duplicate_sheet'").fetchone() == (0,)
    sheets = dict(con.execute("select sheet_key, sheet_name from raw_sheets where status = 'loaded'").fetchall())
    assert sheets == {"s47": "List 5 - S47 and ICPC", "child_protection": "List 7 - Child Protection"}


@pytest.mark.parametrize(("name", "key"), [
    ("List 5 - S47 and ICPC", "s47"), ("list 5 -S47 ICPC", "s47"), ("LIST5", "s47"), ("S47 and ICPC", "s47"),
    ("Section 47 enquiries", "s47"), ("List 7 ", "child_protection"), ("CP plans", "child_protection"),
    ("Child Protection", "child_protection"), ("CP", "child_protection"), ("Contacts", "contacts"),
    ("List 1", "contacts"), ("LIST1 - Contacts", "contacts"), ("Annex A List 8", "children_in_care"),
    ("Looked after children", "children_in_care"), ("CIN", "cin"), ("Referrals Q3", "referrals"),
])
def test_sheet_name_variants(tmp_path, name, key):
    # The sheet holds only the headings every list shares: its name alone must decide.
    shared = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
    result, _ = recognised(tmp_path, {name: [shared]})
    assert result.chosen == {key: name}


@pytest.mark.parametrize("name", ["ICPC", "List 5 - ICPC", "Strategy and ICPC"])
def test_cp_is_a_word_not_a_substring(tmp_path, name):
    # headings of list 7 on a sheet named for list 5's ICPCs must still not be read as list 7 by name
    result, _ = recognised(tmp_path, {name: sheet("s47", row("s47"))})
    assert result.chosen == {"s47": name}


def test_the_list_number_beats_the_words_and_the_headings(tmp_path):
    # Named List 5, but with CP-plan headings and 'Child Protection' in the name: list 5 all the same (the
    # agency named the list); its missing columns are then reported by the sheet's validation.
    result, _ = recognised(tmp_path, {"List 5 Child Protection": sheet("child_protection", row("child_protection"))})
    assert result.chosen == {"s47": "List 5 Child Protection"}


def test_list_10_is_not_list_1(tmp_path):
    result, _ = recognised(tmp_path, {"List 1": sheet("contacts", row("contacts")), "List 10": [["Notes"]]})
    assert result.chosen["contacts"] == "List 1"
    assert fates(result)["List 10"][1] != "contacts"


def test_a_sheet_with_no_useful_name_is_read_by_its_headings_even_with_title_rows_and_moved_columns(tmp_path):
    heads = columns("referrals")
    moved = [heads[6], heads[0], *heads[1:6], *heads[7:]]                 # 'Referral Source' first
    values = row("referrals")
    moved_row = [values[6], values[0], *values[1:6], *values[7:]]
    result, reader = recognised(tmp_path, {"Sheet1": [["Sandwell Children's Trust"], ["Referrals, Q3 2022-23"], [],
                                                      moved, moved_row]})
    assert result.chosen == {"referrals": "Sheet1"}
    raw = read_sheet(reader, "Sheet1", sheet_spec("referrals"))
    assert raw.header_row == 4 and len(raw.frame) == 1


def test_every_sheet_is_accounted_for_with_a_reason(tmp_path):
    shared = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
    result, _ = recognised(tmp_path, {
        "Notes": [["This workbook is the Q3 return"], ["Lists 1 and 3"]],
        "List 1": sheet("contacts", row("contacts")),
        "List 1 (old)": sheet("contacts", row("contacts")),
        "List 3": sheet("referrals", row("referrals")),
        "List 12": [shared, ["SC1", "a) Male", "a) WBRI", None, 7]],
        "Sheet3": [shared, ["SC1", "a) Male", "a) WBRI", None, 7]],
        "Missing": [headings("missing_episodes", "missing_episodes")],
        "Blank": [],
        "Pivot": [["Row Labels", "Count"]],
        "Workings": [["x", "y"], [1, 2]],
    })
    got = fates(result)
    assert got["List 1"] == ("read", "contacts", None)
    assert got["List 3"] == ("read", "referrals", None)
    assert got["List 1 (old)"] == ("not_read", "contacts", "duplicate")
    assert got["Notes"] == ("not_read", None, "notes")
    assert got["Pivot"] == ("not_read", None, "notes")
    assert got["List 12"] == ("not_read", None, "unknown_list")
    assert got["Sheet3"] == ("not_read", None, "ambiguous")      # shared headings only: could be any list
    assert got["Missing"] == ("not_read", None, "other_return")
    assert got["Blank"] == ("not_read", None, "empty")
    assert got["Workings"] == ("not_read", None, "unrecognised")
    assert len(result.fates) == 10
    severity = {f.sheet: f.severity for f in result.fates}
    # a list present but not read is an error; a notes sheet is not
    assert severity["List 1 (old)"] == severity["List 12"] == severity["Sheet3"] == severity["Missing"] == "error"
    assert severity["Notes"] == severity["Blank"] == "info"
    duplicate = next(f for f in result.fates if f.sheet == "List 1 (old)")
    assert "the sheet read was 'List 1'" in duplicate.message


def test_of_two_sheets_for_one_list_the_one_with_its_headings_is_read(tmp_path):
    result, _ = recognised(tmp_path, {"List 7": [["Child protection - to follow"]],
                                      "List 7 (2)": sheet("child_protection", row("child_protection"))})
    assert result.chosen == {"child_protection": "List 7 (2)"}
    assert fates(result)["List 7"] == ("not_read", "child_protection", "duplicate")


def test_a_recognised_sheet_is_read_once(tmp_path, monkeypatch):
    """Recognition by headings loads each sheet; reading it then uses that load, not a second parse."""
    from pipeline.lib.returns import reader as module

    _, reader = recognised(tmp_path, {"List 1": sheet("contacts", row("contacts"))})
    calls = []
    monkeypatch.setattr(module, "_load", lambda *a: calls.append(a) or (_ for _ in ()).throw(AssertionError))
    raw = read_sheet(reader, "List 1", sheet_spec("contacts"))
    assert len(raw.frame) == 1 and calls == []
