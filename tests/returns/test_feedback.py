"""Feedback workbooks to agencies: every problem listed where the agency can find it, nothing executable."""

from __future__ import annotations

import datetime as dt
import zipfile

import dagster as dg
import duckdb
import openpyxl
import pytest

from pipeline.defs.resources import Workspace
from pipeline.defs.returns.assets import intake_feedback, quarterly_returns
from pipeline.lib.periods import Quarter
from pipeline.lib.returns.feedback import agency_file_name, safe_text, write_feedback
from pipeline.lib.returns.intake import intake_quarter
from tests.conftest import TEST_KEY, contact_row, headings, write_workbook

Q3 = Quarter(2022, 3)
EVIL = '=HYPERLINK("http://example.invalid","click")'   # a formula in the agency's cell
DDE = "+cmd|' /C calc'!A0"                              # text that Excel would run if written as it is


def file_returns(raw):
    write_workbook(raw / Q3.folder / "Sandwell CSC" / "annex_a.xlsx", {"List 1": [
        headings("annex_a", "contacts"),
        contact_row("SC1", dt.date(2022, 10, 5)),
        contact_row("SC2", dt.date(2022, 10, 6), source=DDE),
        contact_row("SC5", dt.date(2022, 10, 9), source=EVIL),
        contact_row("SC3", dt.date(2022, 10, 7), Gender="Female"),         # a mapping
        contact_row("SC4", dt.date(2022, 10, 8), **{"Age of Child (Years)": -3}),
    ]})
    (raw / Q3.folder / "Police").mkdir(parents=True)
    (raw / Q3.folder / "Police" / "police.xlsx").write_text("a,b\n1,2\n")


@pytest.fixture
def written(tmp_path):
    file_returns(tmp_path / "raw")
    con = duckdb.connect()
    intake_quarter(con, tmp_path / "raw", Q3, TEST_KEY, today=dt.date(2024, 1, 1))
    return write_feedback(con, Q3, tmp_path / "output" / "feedback", generated_at=dt.datetime(2024, 1, 2, 9, 0))


def test_one_workbook_per_agency_in_the_quarter_folder(written, tmp_path):
    folder = tmp_path / "output" / "feedback" / "2022-23-Q3"
    assert written == {"Police": folder / agency_file_name("Police"), "Sandwell CSC": folder / agency_file_name("Sandwell CSC")}
    assert all(p.exists() for p in written.values())


def test_problems_sheet_names_file_sheet_row_column_value_rule_and_fix(written):
    ws = openpyxl.load_workbook(written["Sandwell CSC"])["Problems"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == ["File", "Sheet", "Row", "Column", "Value", "Rule", "Severity", "What to fix"]
    errors = {(r[2], r[5]): r for r in rows[1:] if r[6] == "error"}
    assert errors[(3, "unknown_code")][:7] == ["annex_a.xlsx", "List 1", 3, "Contact Source", DDE, "unknown_code", "error"]
    assert errors[(6, "out_of_range")][:7] == ["annex_a.xlsx", "List 1", 6, "Age of Child (Years)", "-3", "out_of_range", "error"]
    assert errors[(4, "formula_no_value")][:7] == ["annex_a.xlsx", "List 1", 4, "Contact Source", EVIL, "formula_no_value",
                                                   "error"]
    assert errors[(6, "out_of_range")][7] == ("-3 in 'Age of Child (Years)' is outside the allowed range (min 0, max 25). "
                                              "Counts cannot be negative.")


def test_cells_starting_with_formula_characters_stay_text(written):
    with zipfile.ZipFile(written["Sandwell CSC"]) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in zf.read(n) for n in sheets)     # no formula anywhere in the workbook
    ws = openpyxl.load_workbook(written["Sandwell CSC"])["Problems"]
    cells = [c for row in ws.iter_rows() for c in row if c.value in (EVIL, DDE, "-3")]
    assert len(cells) == 3 and all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert safe_text("+44 121") == ("+44 121", True) and safe_text("Police") == ("Police", False)


def test_summary_counts_rows_rules_and_mappings(written):
    ws = openpyxl.load_workbook(written["Sandwell CSC"])["Summary"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][0] == "Data quality feedback: Sandwell CSC, 2022-23 Q3"
    lists = next(i for i, r in enumerate(rows) if r[0] == "Rows by list")
    assert rows[lists + 1][:8] == ["File", "List", "Sheet", "Header row", "Rows read", "Loaded", "Quarantined", "Outside quarter"]
    # by title, so 'List 10: Adoption' sorts before 'List 1: Contacts' (feedback.py orders by sheet_title)
    contacts = next(r for r in rows[lists + 2:] if r[1] == "List 1: Contacts")
    assert contacts[:8] == ["annex_a.xlsx", "List 1: Contacts", "List 1", 1, 5, 2, 3, 0]
    by_rule = next(i for i, r in enumerate(rows) if r[0] == "Problems by rule")
    rules = {r[0]: r[2] for r in rows[by_rule + 2:] if r[0] and r[1] in ("error", "warning", "info")}
    assert rules["unknown_code"] == 1 and rules["out_of_range"] == 1 and rules["missing_sheet"] == 10   # lists 2-11
    mapped = next(i for i, r in enumerate(rows) if str(r[0]).startswith("Readings applied"))
    assert ["code:gender", 1] in [r[:2] for r in rows[mapped + 2:]]


def test_rejected_file_is_explained(written):
    ws = openpyxl.load_workbook(written["Police"])["Summary"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    files = next(i for i, r in enumerate(rows) if r[0] == "Files received")
    assert rows[files + 2][:3] == ["police.xlsx", "(not recognised)", "not read"]
    assert rows[files + 2][3].startswith("police.xlsx: the file is text (probably a CSV) saved with an .xlsx name.")


def test_sheets_are_styled_frozen_and_filtered(written):
    wb = openpyxl.load_workbook(written["Sandwell CSC"])
    problems = wb["Problems"]
    assert problems.freeze_panes == "A2"
    assert problems.auto_filter.ref.startswith("A1:H")
    assert problems["A1"].font.bold and problems["A1"].fill.fgColor.rgb.endswith("1F3864")
    assert problems.column_dimensions["H"].width >= 60
    assert wb["Mappings"].freeze_panes == "A2"


def test_agency_file_names_are_safe_readable_and_never_shared():
    import re

    assert re.fullmatch(r"West Midlands Police-[0-9a-f]{8}\.xlsx", agency_file_name("West Midlands Police"))
    assert re.fullmatch(r"etc_passwd-[0-9a-f]{8}\.xlsx", agency_file_name("../../etc/passwd"))
    assert agency_file_name("Health: Black Country ICB").startswith("Health_ Black Country ICB-")
    assert agency_file_name("Ærø").startswith("Ærø-")                      # not 'r.xlsx'
    names = [agency_file_name(a) for a in ("Police", "Police!", "Police?", "West Midlands Police.", "West Midlands Police",
                                           "police")]
    assert len({n.lower() for n in names}) == len(names)                  # distinct even where case is ignored
    assert agency_file_name("Police") == agency_file_name("Police")         # stable from run to run


def test_each_workbook_states_its_agency_and_folder(written):
    ws = openpyxl.load_workbook(written["Police"])["Summary"]
    assert ws["A3"].value == f"Agency: Police. Files from: raw/{Q3.folder}/Police/"


def test_intake_feedback_asset_writes_workbooks_with_metadata(tmp_path):
    file_returns(tmp_path / "raw")
    resources = {"workspace": Workspace(data_dir=str(tmp_path), pseudonym_key=TEST_KEY)}
    result = dg.materialize([quarterly_returns, intake_feedback], partition_key=Q3.partition_key, resources=resources)
    assert result.success
    folder = tmp_path / "output" / "feedback" / "2022-23-Q3"
    assert sorted(p.name for p in folder.iterdir()) == sorted(agency_file_name(a) for a in ("Police", "Sandwell CSC"))
    materialization = next(m for m in result.asset_materializations_for_node("intake_feedback"))
    metadata = materialization.metadata
    assert metadata["workbooks"].value == 2
    assert metadata["quarter"].value == "2022-23 Q3"
    assert "Sandwell CSC" in metadata["per_agency"].value
