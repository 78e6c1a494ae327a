"""The bad-input corpus: every way an agency's return can go wrong, each made by code, each with its exact outcome.

Each test files one malformed return from 'Police' next to a good Annex A return from 'Sandwell CSC'
in the same quarter, runs the intake, and asserts two things: the bad return's exact rule and message
(file, sheet, Excel row and column named), and that the good return still loaded in full.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipeline.lib.periods import Quarter
from pipeline.lib.returns.intake import intake_quarter
from tests.conftest import TEST_KEY, contact_row, headings, write_workbook

Q3 = Quarter(2022, 3)
TODAY = dt.date(2024, 1, 1)
GOOD_AGENCY = "Sandwell CSC"
LEFT = (" The row was loaded with '{h}' left empty (no figure uses this column); correct the cell in your records "
        "for next time.")
BAD_AGENCY = "Police"


class Quarter3:
    """raw/2022-23/Q3/ with a good return already filed; `bad(name)` is where the bad one goes."""

    def __init__(self, root: Path):
        self.raw = root / "raw"
        self.folder = self.raw / Q3.folder
        write_workbook(self.folder / GOOD_AGENCY / "annex_a_q3.xlsx", {"List 1": [
            headings("annex_a", "contacts"),
            contact_row("GOOD1", dt.date(2022, 10, 3)),
            contact_row("GOOD2", dt.date(2022, 11, 14), "e) 2A: Schools"),
        ]})

    def bad(self, name: str) -> Path:
        path = self.folder / BAD_AGENCY / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def contacts(self, name: str, rows: list[list[object]], sheet: str = "List 1", heads: list[str] | None = None) -> Path:
        return write_workbook(self.bad(name), {sheet: [heads or headings("annex_a", "contacts"), *rows]})

    def run(self):
        con = duckdb.connect()
        outcomes = {o.file_name: o for o in intake_quarter(con, self.raw, Q3, TEST_KEY, today=TODAY)}
        good = outcomes["annex_a_q3.xlsx"]
        assert (good.status, good.agency) == ("loaded", GOOD_AGENCY)
        assert con.execute("select count(*) from stg_contacts where filed_by = ?", [GOOD_AGENCY]).fetchone() == (2,)
        return con, outcomes


@pytest.fixture
def q3(tmp_path) -> Quarter3:
    return Quarter3(tmp_path)


def issues(con, file_name: str, rule: str | None = None) -> list[tuple]:
    """(sheet, Excel row, column, value, rule, severity, message) of one file's issues."""
    return con.execute("""
        select sheet_name, source_row, column_name, value, rule, severity, message from raw_issues
        where file_name = ? and (? is null or rule = ?) order by source_row nulls first, column_name, rule
    """, [file_name, rule, rule]).fetchall()


def rejected(con, outcomes, file_name: str) -> tuple[str, str]:
    outcome = outcomes[file_name]
    assert outcome.status == "rejected"
    assert con.execute("select status, rule, message from raw_files where file_name = ?", [file_name]).fetchone() == (
        "rejected", outcome.rule, outcome.message)
    return outcome.rule, outcome.message


def quarantine(con, file_name: str) -> dict[int, str]:
    return dict(con.execute("""select q.source_row, q.rules from raw_quarantine q join raw_files f using (file_id, period_key)
                               where f.file_name = ? order by 1""", [file_name]).fetchall())


def sheet_counts(con, file_name: str, sheet_key: str = "contacts") -> tuple:
    return con.execute("""select s.header_row, s.rows_read, s.rows_loaded, s.rows_quarantined, s.status
                          from raw_sheets s join raw_files f using (file_id, period_key)
                          where f.file_name = ? and s.sheet_key = ?""", [file_name, sheet_key]).fetchone()


# ---- files that cannot be read at all: rejected with a reason, nothing else lost ----------------------------

def test_wrong_extension(q3):
    q3.bad("contacts.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    con, outcomes = q3.run()
    assert rejected(con, outcomes, "contacts.pdf") == (
        "wrong_extension",
        "contacts.pdf: returns must be Excel workbooks (.xlsx); '.pdf' files are not read. Save it as .xlsx and file it again.")


def test_not_a_workbook(q3):
    q3.bad("contacts.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    con, outcomes = q3.run()
    assert rejected(con, outcomes, "contacts.xlsx") == (
        "not_a_workbook",
        "contacts.xlsx: this is not an Excel workbook (.xlsx). Returns must be sent as Excel workbooks made from the template.")


def test_zip_that_is_not_a_workbook(q3):
    with zipfile.ZipFile(q3.bad("contacts.xlsx"), "w") as zf:   # e.g. a Word document renamed
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    con, outcomes = q3.run()
    assert rejected(con, outcomes, "contacts.xlsx") == (
        "not_a_workbook",
        "contacts.xlsx: this zip file is not an Excel workbook. Returns must be sent as Excel workbooks (.xlsx).")


def test_corrupt_zip(q3):
    path = q3.contacts("contacts.xlsx", [contact_row("P1", dt.date(2022, 10, 5))])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])   # an e-mail attachment cut short
    con, outcomes = q3.run()
    assert rejected(con, outcomes, "contacts.xlsx") == (
        "corrupt_file",
        ("contacts.xlsx: the workbook is damaged (not a complete .xlsx file). Ask the agency to save it again from Excel "
        "and resend it."))


def test_password_protected(q3, tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_workbook(tmp_path / "plain.xlsx", {"List 1": [headings("annex_a", "contacts"),
                                                                 contact_row("P1", dt.date(2022, 10, 5))]})
    with plain.open("rb") as src, q3.bad("contacts.xlsx").open("wb") as out:
        OOXMLFile(src).encrypt("Sandwell2022", out)
    con, outcomes = q3.run()
    rule, message = rejected(con, outcomes, "contacts.xlsx")
    assert rule == "password_protected"
    assert message.startswith("contacts.xlsx: the workbook is password-protected, so it cannot be read. Ask the agency "
                              "to remove the password")


def test_empty_file(q3):
    q3.bad("contacts.xlsx").write_bytes(b"")
    con, outcomes = q3.run()
    assert rejected(con, outcomes, "contacts.xlsx") == (
        "empty_file", "contacts.xlsx: the file is empty (0 bytes). Ask the agency to send the return again.")


def test_csv_saved_with_an_xlsx_name(q3):
    q3.bad("contacts.xlsx").write_text("Child Unique ID,Gender,Date of Contact\nP1,b) Female,05/10/2022\n")
    con, outcomes = q3.run()
    assert rejected(con, outcomes, "contacts.xlsx") == (
        "csv_named_xlsx",
        ("contacts.xlsx: the file is text (probably a CSV) saved with an .xlsx name. Open it in Excel and use "
        "File > Save As > 'Excel Workbook (*.xlsx)', or send the returns template filled in."))


def test_non_utf8_csv_saved_with_an_xlsx_name(q3):
    text = "Child Unique ID,Allocated Team,Notes\r\nP1,Café Team,Cost £40 – ‘urgent’\r\n"
    q3.bad("contacts.xlsx").write_bytes(text.encode("cp1252"))   # Excel's 'CSV' on Windows
    con, outcomes = q3.run()
    assert rejected(con, outcomes, "contacts.xlsx") == (
        "csv_named_xlsx",
        ("contacts.xlsx: the file is text (probably a CSV, in the Windows-1252 encoding rather than UTF-8) saved with "
        "an .xlsx name. Open it in Excel and use File > Save As > 'Excel Workbook (*.xlsx)', or send the returns "
        "template filled in."))


def _xls(path: Path, rows: list[list[object]], sheet: str = "List 1") -> Path:
    import xlwt

    book = xlwt.Workbook()
    ws = book.add_sheet(sheet)
    date_style = xlwt.easyxf(num_format_str="dd/mm/yyyy")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                ws.write(r, c, value, date_style)
            elif value is not None:
                ws.write(r, c, value)
    book.save(str(path))
    return path


def test_legacy_xls_is_read_and_noted(q3):
    _xls(q3.bad("contacts.xls"), [headings("annex_a", "contacts"), contact_row("P1", dt.date(2022, 10, 5))])
    con, outcomes = q3.run()
    assert outcomes["contacts.xls"].status == "loaded"
    assert sheet_counts(con, "contacts.xls") == (1, 1, 1, 0, "loaded")
    assert issues(con, "contacts.xls", "legacy_xls") == [
        ("", None, "", "contacts.xls", "legacy_xls", "info",
         "The file is an old .xls workbook; it was read, but please send .xlsx (Excel Workbook) next time.")]


def test_legacy_xls_with_an_xlsx_name(q3, tmp_path):
    xls = _xls(tmp_path / "old.xls", [headings("annex_a", "contacts"), contact_row("P1", dt.date(2022, 10, 5))])
    q3.bad("contacts.xlsx").write_bytes(xls.read_bytes())
    con, outcomes = q3.run()
    assert rejected(con, outcomes, "contacts.xlsx") == (
        "not_a_workbook",
        ("contacts.xlsx: this is an old-format Excel file with the wrong extension. Open it in Excel and save it as "
        "'Excel Workbook (*.xlsx)'."))


def test_unrecognised_workbook(q3):
    write_workbook(q3.bad("contacts.xlsx"), {"Sheet1": [["Name", "Amount"], ["Budget", 100]]})
    con, outcomes = q3.run()
    rule, message = rejected(con, outcomes, "contacts.xlsx")
    assert rule == "unrecognised_return"
    assert message.startswith("contacts.xlsx: no sheet matches a known return. Expected one of: Children's social care "
                              "(Ofsted Annex A) (sheets such as 'List 1');")


# ---- workbooks with structural problems ----------------------------------------------------------------------

def test_empty_sheet_with_headings_only(q3):
    q3.contacts("contacts.xlsx", [])
    con, _ = q3.run()
    assert sheet_counts(con, "contacts.xlsx") == (1, 0, 0, 0, "empty")
    assert issues(con, "contacts.xlsx", "empty_sheet") == [
        ("List 1", None, "", "List 1", "empty_sheet", "info", "Sheet 'List 1' has headings but no rows.")]


def test_missing_list(q3):
    write_workbook(q3.bad("training.xlsx"), {"Course sessions": [
        headings("training_uptake", "training_sessions"),
        ["Safeguarding basics", "Level 1", dt.datetime(2022, 10, 4), "Virtual", 20, 18, 15, 3, 55, 85, 90, "Police"]]})
    con, outcomes = q3.run()
    assert outcomes["training.xlsx"].status == "loaded"
    assert issues(con, "training.xlsx", "missing_sheet") == [
        ("", None, "", "E-learning completions", "missing_sheet", "warning",
         ("The workbook has no sheet for E-learning completions. If there was nothing to report, include the sheet "
         "with headings only."))]
    assert sheet_counts(con, "training.xlsx", "elearning")[-1] == "missing"
    assert con.execute("select count(*) from stg_training_sessions").fetchone() == (1,)


def test_duplicated_sheet_second_copy_is_refused_by_name(q3):
    heads = headings("annex_a", "contacts")
    write_workbook(q3.bad("contacts.xlsx"), {
        "List 1": [heads, contact_row("P1", dt.date(2022, 10, 5))],
        "List 1 (old)": [heads, contact_row("P9", dt.date(2022, 7, 5)), contact_row("P8", dt.date(2022, 7, 6))],
    })
    con, _ = q3.run()
    assert sheet_counts(con, "contacts.xlsx") == (1, 1, 1, 0, "loaded")
    assert issues(con, "contacts.xlsx", "duplicate_sheet") == [
        ("List 1 (old)", None, "", "List 1 (old)", "duplicate_sheet", "warning",
         ("Sheet 'List 1 (old)' also looks like List 1: Contacts (the sheet read was 'List 1'); only the first such sheet "
         "was read, so its rows were not loaded. Put all the list's rows on one sheet and delete the copy."))]


def test_missing_required_column(q3):
    heads = headings("annex_a", "contacts")
    drop = heads.index("Date of Contact")
    rows = [contact_row("P1", dt.date(2022, 10, 5)), contact_row("P2", dt.date(2022, 10, 6))]
    q3.contacts("contacts.xlsx", [r[:drop] + r[drop + 1:] for r in rows], heads=heads[:drop] + heads[drop + 1:])
    con, _ = q3.run()
    assert sheet_counts(con, "contacts.xlsx") == (1, 2, 0, 2, "loaded")
    assert quarantine(con, "contacts.xlsx") == {2: "missing_column", 3: "missing_column"}
    assert issues(con, "contacts.xlsx", "missing_column") == [
        ("List 1", 1, "Date of Contact", None, "missing_column", "error",
         ("The sheet has no 'Date of Contact' column, which is required. Add the column with this exact heading "
         "(see the template)."))]


def test_extra_columns_are_noted_and_rows_still_load(q3):
    heads = [*headings("annex_a", "contacts"), "Case Notes"]
    q3.contacts("contacts.xlsx", [[*contact_row("P1", dt.date(2022, 10, 5)), "seen at school"]], heads=heads)
    con, _ = q3.run()
    assert sheet_counts(con, "contacts.xlsx") == (1, 1, 1, 0, "loaded")
    assert issues(con, "contacts.xlsx", "extra_column") == [
        ("List 1", 0, "Case Notes", "Case Notes", "extra_column", "info",
         ("Column 'Case Notes' is not part of the return and was not loaded. Remove it, or ask for it to be added to "
         "the specification."))]


def test_header_on_row_4_below_blank_rows(q3):
    path = q3.bad("contacts.xlsx")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "List 1"
    for c, heading in enumerate(headings("annex_a", "contacts"), start=1):
        ws.cell(row=4, column=c, value=heading)
    for c, value in enumerate(contact_row("P1", dt.date(2022, 10, 5), source="Nonsense"), start=1):
        ws.cell(row=5, column=c, value=value)
    wb.save(path)
    con, _ = q3.run()
    assert sheet_counts(con, "contacts.xlsx") == (4, 1, 0, 1, "loaded")
    assert [i[:5] for i in issues(con, "contacts.xlsx", "unknown_code")] == [
        ("List 1", 5, "Contact Source", "Nonsense", "unknown_code")]   # Excel's own row number, blank rows counted


def test_merged_header_cells(q3):
    path = q3.bad("contacts.xlsx")
    heads = [*headings("annex_a", "contacts"), "Comments", None]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "List 1"
    ws.append(["Contacts, October to December 2022"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(heads))
    ws.append(heads)
    ws.merge_cells(start_row=2, start_column=len(heads) - 1, end_row=2, end_column=len(heads))  # 'Comments' over K:L
    ws.append([*contact_row("P1", dt.date(2022, 10, 5)), "seen", "at school"])
    ws.append([*contact_row("P2", dt.date(2022, 10, 6)), "phone", "with mum"])
    wb.save(path)
    con, _ = q3.run()
    assert sheet_counts(con, "contacts.xlsx") == (2, 2, 2, 0, "loaded")
    assert issues(con, "contacts.xlsx", "unnamed_column") == [
        ("List 1", 2, "column L", "L", "unnamed_column", "warning",
         ("Column L has values (2 cells) but no heading, so they were not loaded. Give the column its heading from the "
         "template (a merged heading cell leaves the second column unnamed), or delete it."))]


def test_no_recognisable_header_row(q3):
    write_workbook(q3.bad("contacts.xlsx"), {"List 1": [["P1", "b) Female", "a) WBRI"], ["P2", "a) Male", "a) WBRI"]]})
    con, outcomes = q3.run()
    assert outcomes["contacts.xlsx"].status == "loaded"
    assert sheet_counts(con, "contacts.xlsx")[-1] == "no_header"
    assert issues(con, "contacts.xlsx", "no_header") == [
        ("List 1", None, "", "List 1", "no_header", "error",
         "Sheet 'List 1' has no recognisable header row. Keep the template's headings in one row above the data.")]


def test_totals_row(q3):
    q3.contacts("contacts.xlsx", [contact_row("P1", dt.date(2022, 10, 5)), contact_row("P2", dt.date(2022, 10, 6)),
                                  ["Grand Total", None, None, None, 14]])
    con, _ = q3.run()
    assert sheet_counts(con, "contacts.xlsx") == (1, 3, 2, 1, "loaded")
    assert quarantine(con, "contacts.xlsx") == {4: "totals_row"}
    assert issues(con, "contacts.xlsx", "totals_row") == [
        ("List 1", 4, "", "Grand Total", "totals_row", "error",
         "This looks like a totals row. Remove totals: the pipeline counts the rows itself.")]


# ---- cells -------------------------------------------------------------------------------------------------------

def _error_cell(path: Path, cell: str, error: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["List 1"]
    ws[cell] = error
    ws[cell].data_type = "e"   # a real Excel error value, not the text '#N/A'
    wb.save(path)


def test_na_error_cell_is_an_excel_error_not_a_blank(q3):
    path = q3.contacts("contacts.xlsx", [contact_row("P1", dt.date(2022, 10, 5)), contact_row("P2", dt.date(2022, 10, 6))])
    _error_cell(path, "C3", "#N/A")   # Ethnicity of P2, e.g. a failed VLOOKUP
    con, _ = q3.run()
    # No figure reads a contact's ethnicity (pipeline/lib/returns/needs.py): the cell is left empty, the row loads.
    assert quarantine(con, "contacts.xlsx") == {}
    assert issues(con, "contacts.xlsx", "excel_error") == [
        ("List 1", 3, "Ethnicity", "#N/A", "excel_error", "warning",
         "'Ethnicity' shows the Excel error #N/A. Replace the formula result with the actual value (copy, paste as values)."
         + LEFT.format(h="Ethnicity"))]
    assert issues(con, "contacts.xlsx", "missing_required") == []
    assert con.execute("select count(*), count(ethnicity) from stg_contacts where filed_by = ?", [BAD_AGENCY]).fetchone() == (2, 1)


def test_ref_error_cell_in_an_optional_column(q3):
    path = q3.contacts("contacts.xlsx", [contact_row("P1", dt.date(2022, 10, 5))])
    _error_cell(path, "E2", "#REF!")   # Age of Child (Years)
    con, _ = q3.run()
    assert quarantine(con, "contacts.xlsx") == {}
    assert issues(con, "contacts.xlsx", "excel_error") == [
        ("List 1", 2, "Age of Child (Years)", "#REF!", "excel_error", "warning",
         ("'Age of Child (Years)' shows the Excel error #REF!. Replace the formula result with the actual value "
         "(copy, paste as values)." + LEFT.format(h="Age of Child (Years)")))]


def _rewrite_part(path: Path, part: str, old: bytes, new: bytes) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    assert old in members[part]
    members[part] = members[part].replace(old, new)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def test_formula_with_a_saved_result_uses_the_result(q3):
    path = q3.contacts("contacts.xlsx", [contact_row("P1", dt.date(2022, 10, 5), **{"Age of Child (Years)": "=2022-2015"})])
    # openpyxl writes no result; Excel would. Put in the result Excel would have saved.
    _rewrite_part(path, "xl/worksheets/sheet1.xml", b"<f>2022-2015</f><v></v>", b"<f>2022-2015</f><v>7</v>")
    con, _ = q3.run()
    assert sheet_counts(con, "contacts.xlsx") == (1, 1, 1, 0, "loaded")
    assert con.execute("select age_years from stg_contacts where filed_by = ?", [BAD_AGENCY]).fetchone() == (7.0,)
    assert con.execute("select kind, from_value, to_value, rows from raw_mappings where file_name = 'contacts.xlsx' "
                       "and kind = 'formula_saved_result'").fetchall() == [
        ("formula_saved_result", "formula cells", "the result Excel saved with the file", 1)]


def test_formula_without_a_saved_result(q3):
    q3.contacts("contacts.xlsx", [contact_row("P1", dt.date(2022, 10, 5)),
                                  contact_row("P2", dt.date(2022, 10, 6), **{"Age of Child (Years)": "=YEAR(F3)-YEAR(D3)"})])
    con, _ = q3.run()
    assert quarantine(con, "contacts.xlsx") == {}
    assert issues(con, "contacts.xlsx", "formula_no_value") == [
        ("List 1", 3, "Age of Child (Years)", "=YEAR(F3)-YEAR(D3)", "formula_no_value", "warning",
         ("'Age of Child (Years)' holds the formula =YEAR(F3)-YEAR(D3) but no saved result, so its value cannot be read. "
         "Open the file in Excel, let it calculate and save it (or paste the column as values), then send it again."
         + LEFT.format(h="Age of Child (Years)")))]


def test_dates_as_text_in_three_formats(q3):
    q3.contacts("contacts.xlsx", [
        contact_row("P1", dt.date(2022, 10, 5), **{"Date of Contact": "04/11/2022"}),   # UK, day first
        contact_row("P2", dt.date(2022, 10, 5), **{"Date of Contact": "2022-11-05"}),   # ISO
        contact_row("P3", dt.date(2022, 10, 5), **{"Date of Contact": "6 Nov 2022"}),   # words
    ])
    con, _ = q3.run()
    assert con.execute("select contact_date from stg_contacts where filed_by = ? order by source_row",
                       [BAD_AGENCY]).fetchall() == [(dt.date(2022, 11, 4),), (dt.date(2022, 11, 5),), (dt.date(2022, 11, 6),)]
    assert con.execute("""select kind, column_name, from_value, to_value, rows from raw_mappings
                          where file_name = 'contacts.xlsx' and kind like 'date_%' order by kind""").fetchall() == [
        ("date_text_day_first", "Date of Contact", "e.g. 04/11/2022", "2022-11-04", 1),
        ("date_text_iso", "Date of Contact", "e.g. 2022-11-05", "2022-11-05", 1),
        ("date_text_words", "Date of Contact", "e.g. 6 Nov 2022", "2022-11-06", 1),
    ]


def test_impossible_and_non_dates(q3):
    q3.contacts("contacts.xlsx", [
        contact_row("P1", dt.date(2022, 10, 5), **{"Date of Contact": "31/02/2022"}),
        contact_row("P2", dt.date(2022, 10, 5), **{"Date of Contact": "TBC"}),
    ])
    con, _ = q3.run()
    assert quarantine(con, "contacts.xlsx") == {2: "impossible_date", 3: "invalid_date"}
    assert [i[1:] for i in issues(con, "contacts.xlsx") if i[1] is not None] == [
        (2, "Date of Contact", "31/02/2022", "impossible_date", "error",
         ("'31/02/2022' in 'Date of Contact' is not a real calendar date. Check the day and month (dates are read "
         "day-first, dd/mm/yyyy).")),
        (3, "Date of Contact", "TBC", "invalid_date", "error",
         "'TBC' in 'Date of Contact' is not a date. Enter it as a date (dd/mm/yyyy), not text such as 'TBC'."),
    ]


def test_future_date(q3):
    q3.contacts("contacts.xlsx", [contact_row("P1", dt.date(2022, 10, 5), **{"Date of Contact": dt.datetime(2032, 10, 5)})])
    con, _ = q3.run()
    assert quarantine(con, "contacts.xlsx") == {2: "future_date"}
    assert issues(con, "contacts.xlsx", "future_date") == [
        ("List 1", 2, "Date of Contact", "2032-10-05 00:00:00", "future_date", "error",
         ("'2032-10-05 00:00:00' in 'Date of Contact' is in the future. Check the year; dates are read day-first "
         "(dd/mm/yyyy)."))]


def test_end_before_start(q3):
    write_workbook(q3.bad("early_help.xlsx"), {"List 2": [
        headings("annex_a", "early_help", local=False),
        ["P1", "b) Female", "a) WBRI", dt.datetime(2015, 5, 3), 7, dt.datetime(2022, 10, 10), dt.datetime(2022, 10, 1),
         "Family Hub North"],
    ]})
    con, _ = q3.run()
    assert quarantine(con, "early_help.xlsx") == {2: "end_before_start"}
    assert issues(con, "early_help.xlsx", "end_before_start") == [
        ("List 2", 2, "Assessment completion date", "2022-10-01", "end_before_start", "error",
         "'Assessment completion date' (2022-10-01) is before 'Assessment start date' (2022-10-10). Check both dates.")]


def test_negative_count(q3):
    write_workbook(q3.bad("referrals.xlsx"), {"List 3": [
        headings("annex_a", "referrals", local=False),
        ["P1", "b) Female", "a) WBRI", dt.datetime(2015, 5, 3), 7, dt.datetime(2022, 10, 10), "q) 6: Police", "b) No", -1,
         "MASH", "A Worker"],
    ]})
    con, _ = q3.run()
    assert quarantine(con, "referrals.xlsx") == {2: "out_of_range"}
    assert issues(con, "referrals.xlsx", "out_of_range") == [
        ("List 3", 2, "Number of Referrals in Last 12 Months", "-1", "out_of_range", "error",
         "-1 in 'Number of Referrals in Last 12 Months' is outside the allowed range (min 0). Counts cannot be negative.")]


def _referral(child: str, day: dt.date) -> list[object]:
    row = {"Child Unique ID": child, "Gender": "a) Male", "Ethnicity": "a) WBRI", "Date of referral": dt.datetime.combine(day, dt.time()),
           "Referral Source": "q) 6: Police", "Referral NFA?": "b) No", "Number of Referrals in Last 12 Months": 0}
    return [row.get(h) for h in headings("annex_a", "referrals")]


def test_duplicate_rows_and_repeated_ids(q3):
    write_workbook(q3.bad("referrals.xlsx"), {"List 3": [headings("annex_a", "referrals"),
        _referral("P1", dt.date(2022, 10, 5)),
        _referral("P1", dt.date(2022, 10, 9)),     # same child, another referral: fine
        _referral("P1", dt.date(2022, 10, 5)),     # the first referral again
    ]})
    con, _ = q3.run()
    assert sheet_counts(con, "referrals.xlsx", "referrals") == (1, 3, 2, 1, "loaded")
    assert quarantine(con, "referrals.xlsx") == {4: "duplicate_row"}
    assert issues(con, "referrals.xlsx", "duplicate_row") == [
        ("List 3", 4, "", None, "duplicate_row", "error",
         ("This row repeats an earlier row with the same Child Unique ID, Date of referral as row 2. "
         "Remove the duplicate."))]


def test_repeated_contacts_about_one_child_on_one_day_are_kept(q3):
    """Annex A has no contact ID: two police contacts about a child on one day are two contacts."""
    q3.contacts("contacts.xlsx", [contact_row("P1", dt.date(2022, 10, 5)), contact_row("P1", dt.date(2022, 10, 5))])
    con, _ = q3.run()
    assert sheet_counts(con, "contacts.xlsx") == (1, 2, 2, 0, "loaded")
    assert quarantine(con, "contacts.xlsx") == {}


def test_float_ids(q3):
    q3.contacts("contacts.xlsx", [contact_row("123.0", dt.date(2022, 10, 5)), contact_row(123, dt.date(2022, 10, 6))])
    con, _ = q3.run()
    assert con.execute("select count(distinct child_id), count(*) from stg_contacts where filed_by = ?",
                       [BAD_AGENCY]).fetchone() == (1, 2)
    assert con.execute("select kind, column_name, rows from raw_mappings where file_name = 'contacts.xlsx' "
                       "and kind = 'child_id_float'").fetchall() == [("child_id_float", "Child Unique ID", 1)]


def test_unknown_codes(q3):
    q3.contacts("contacts.xlsx", [contact_row("P1", dt.date(2022, 10, 5), Ethnicity="Z) Martian")])
    con, _ = q3.run()
    assert quarantine(con, "contacts.xlsx") == {}      # no figure reads a contact's ethnicity
    assert issues(con, "contacts.xlsx", "unknown_code") == [
        ("List 1", 2, "Ethnicity", "Z) Martian", "unknown_code", "warning",
         ("'Z) Martian' is not an accepted value for 'Ethnicity'. Use one of the codes in the template's drop-down "
         "(e.g. a) WBRI, b) WIRI, c) WIRT)." + LEFT.format(h="Ethnicity")))]


def test_odd_characters_in_cells(q3):
    q3.contacts("contacts.xlsx", [
        contact_row("P\u200b1", dt.date(2022, 10, 5), Gender="b)\xa0Female",             # zero-width space, NBSP
                    Ethnicity="\ufeffa) WBRI", **{"Contact Source": "q) 6:  Police "}),   # BOM, double space
        contact_row("P1", dt.date(2022, 10, 6), Gender="Female"),
    ])
    con, _ = q3.run()
    assert sheet_counts(con, "contacts.xlsx") == (1, 2, 2, 0, "loaded")
    assert con.execute("select count(distinct child_id), min(gender), min(ethnicity), min(contact_source) "
                       "from stg_contacts where filed_by = ?", [BAD_AGENCY]).fetchone() == (1, "F", "WBRI", "6")


def _fast_xlsx(path: Path, sheet: str, rows) -> Path:
    """A minimal real .xlsx written as XML directly: 100,000 rows in ~1 s where openpyxl takes ~15 s.

    Strings are inline, datetimes are Excel serial numbers with the built-in date format (numFmtId 14).
    """
    from xml.sax.saxutils import escape

    def cell(ref: str, value) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            return f'<c r="{ref}" s="1"><v>{(value - dt.datetime(1899, 12, 30)).days}</v></c>'
        if isinstance(value, (int, float)):
            return f'<c r="{ref}"><v>{value}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'

    letters = [chr(65 + i) for i in range(26)]
    body = "".join(f'<row r="{r}">' + "".join(cell(f"{letters[c]}{r}", v) for c, v in enumerate(row)) + "</row>"
                   for r, row in enumerate(rows, start=1))
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            "</Types>"))
        zf.writestr("_rels/.rels", f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/officeDocument" '
                                   'Target="xl/workbook.xml"/></Relationships>')
        zf.writestr("xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
                                       f'<sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", (
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/></Relationships>'))
        zf.writestr("xl/styles.xml", (
            f'<styleSheet xmlns="{main}"><fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'))
        zf.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{main}"><sheetData>{body}</sheetData></worksheet>')
    return path


def test_100k_row_file_loads_whole(q3):
    """Every row of a 100,000-row sheet loads, with real date cells (its speed is `make bench`'s, not a test's)."""
    start = dt.datetime(2022, 10, 1)
    rows = ([f"P{i:06d}", "b) Female", "a) WBRI", dt.datetime(2012, 1, 1), 10, start + dt.timedelta(days=i % 92),
             "q) 6: Police", "NFA", "b) No", "b) No"] for i in range(100_000))
    _fast_xlsx(q3.bad("contacts_big.xlsx"), "List 1", [headings("annex_a", "contacts"), *rows])
    con, _ = q3.run()
    assert sheet_counts(con, "contacts_big.xlsx") == (1, 100_000, 100_000, 0, "loaded")
    assert con.execute("select count(*), min(contact_date), max(contact_date) from stg_contacts where filed_by = ?",
                       [BAD_AGENCY]).fetchone() == (100_000, dt.date(2022, 10, 1), dt.date(2022, 12, 31))
    assert con.execute("select count(*) from raw_mappings where file_name = 'contacts_big.xlsx' and kind like 'date_%'"
                       ).fetchone() == (0,)   # real date cells: nothing was mapped

