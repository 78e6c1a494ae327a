"""The hostile-input corpus: careless filing and files made to hurt, each made by code, each with its exact outcome.

Like tests/returns/bad_inputs, every case files its file next to a good Annex A return from 'Sandwell CSC' in
raw/2022-23/Q3/ and asserts both the clear message (file, sheet, what to do) and that the good return still
loaded in full.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipeline.lib.periods import Quarter
from pipeline.lib.returns import intake, limits
from pipeline.lib.returns.feedback import agency_file_name, write_feedback
from pipeline.lib.returns.intake import intake_quarter
from tests.conftest import TEST_KEY, contact_row, headings, write_workbook

Q3 = Quarter(2022, 3)
TODAY = dt.date(2024, 1, 1)
GOOD = "Sandwell CSC"


class Raw:
    def __init__(self, root: Path):
        self.root = root
        self.raw = root / "raw"
        self.q3 = self.raw / Q3.folder
        write_workbook(self.q3 / GOOD / "annex_a_q3.xlsx", {"List 1": [
            headings("annex_a", "contacts"), contact_row("GOOD1", dt.date(2022, 10, 3)),
            contact_row("GOOD2", dt.date(2022, 11, 14), "e) 2A: Schools")]})

    def contacts(self, relative: str, rows: list[list[object]] | None = None, **sheets_extra) -> Path:
        rows = rows if rows is not None else [contact_row("P1", dt.date(2022, 10, 5)), contact_row("P2", dt.date(2022, 12, 1))]
        return write_workbook(self.raw / relative, {"List 1": [headings("annex_a", "contacts"), *rows], **sheets_extra})

    def run(self, quarter: Quarter = Q3):
        con = duckdb.connect()
        outcomes = {o.relative_path: o for o in intake_quarter(con, self.raw, quarter, TEST_KEY, today=TODAY)}
        if quarter == Q3:
            good = outcomes[f"{Q3.folder}/{GOOD}/annex_a_q3.xlsx"]
            assert (good.status, good.agency) == ("loaded", GOOD)
            assert con.execute("select count(*) from stg_contacts where filed_by = ?", [GOOD]).fetchone() == (2,)
        return con, outcomes

    def file(self, con, relative: str) -> tuple:
        return con.execute("select status, rule, message from raw_files where relative_path = ? and present",
                           [relative]).fetchone()


@pytest.fixture
def raw(tmp_path) -> Raw:
    return Raw(tmp_path)


def rows_from(con, relative: str) -> int:
    return con.execute("select count(*) from raw_contacts r join raw_files f using (file_id, period_key) "
                       "where f.relative_path = ?", [relative]).fetchone()[0]


def issue(con, rule: str) -> list[tuple]:
    return con.execute("select file_name, sheet_name, source_row, column_name, value, severity, message from raw_issues "
                       "where rule = ? order by source_row nulls first", [rule]).fetchall()


# ---- filing mistakes -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("folder", ["2022-23/Q 3", "2022-23/Quarter 3", "22-23/Q3", "2022-2023/q3", "Q3 2022-23",
                                    "2022-23/q3"])
def test_near_miss_quarter_folder_is_listed_with_where_it_should_go(raw, folder):
    raw.contacts(f"{folder}/Police/police.xlsx")
    con, _ = raw.run()
    status, rule, message = raw.file(con, f"{folder}/Police/police.xlsx")
    assert (status, rule) == ("not_filed", "misfiled")
    assert message.startswith(f"{folder}/Police/police.xlsx: filed under '{folder}/', which is not a quarter folder")
    assert "move it to raw/2022-23/Q3/Police/police.xlsx" in message
    assert rows_from(con, f"{folder}/Police/police.xlsx") == 0
    assert con.execute("select agency from raw_files where rule = 'misfiled'").fetchone() == ("Police",)


def test_misfiled_return_is_listed_under_its_own_quarter_only(raw):
    raw.contacts("2022-23/Q 2/police.xlsx")
    con, _ = raw.run()
    assert raw.file(con, "2022-23/Q 2/police.xlsx") is None        # Q3's intake does not list Q2's mistake
    con, _ = raw.run(Quarter(2022, 2))
    assert raw.file(con, "2022-23/Q 2/police.xlsx")[1] == "misfiled"


def test_file_loose_in_the_year_folder_is_listed_for_every_quarter_of_the_year(raw):
    raw.contacts("2022-23/police.xlsx")
    for quarter in Q3.year.quarters:
        con, _ = raw.run(quarter) if quarter != Q3 else raw.run()
        status, rule, message = raw.file(con, "2022-23/police.xlsx")
        assert (status, rule) == ("not_filed", "not_in_quarter_folder")
        assert "not under a quarter folder" in message and "raw/2022-23/Q1/ (April-June) to raw/2022-23/Q4/" in message
    con, _ = raw.run(Quarter(2023, 1))
    assert raw.file(con, "2022-23/police.xlsx") is None             # not another year's


def test_file_at_the_top_of_raw_is_listed(raw):
    raw.contacts("police.xlsx")
    con, _ = raw.run()
    status, rule, message = raw.file(con, "police.xlsx")
    assert (status, rule) == ("not_filed", "not_in_quarter_folder")
    assert "raw/2022-23/Q3/ for October-December 2022" in message


def test_return_dated_in_another_quarter_gets_one_message_not_one_per_row(raw):
    rows = [contact_row(f"P{i}", dt.date(2022, 7, 1) + dt.timedelta(days=i)) for i in range(40)]
    raw.contacts(f"{Q3.folder}/Police/police.xlsx", rows)
    con, _ = raw.run()
    assert issue(con, "outside_period") == []
    [(file_name, sheet, row, _column, _value, severity, message)] = issue(con, "wrong_quarter")
    assert (file_name, sheet, row, severity) == ("police.xlsx", "", None, "warning")
    assert message.startswith("Every row (40) of 'List 1' is dated 2022-23 Q2, none 2022-23 Q3: filed under 2022-23 Q3 "
                              "by mistake? If it is the 2022-23 Q2 return, move it to raw/2022-23/Q2/.")
    assert rows_from(con, f"{Q3.folder}/Police/police.xlsx") == 40       # loaded and flagged, not dropped


def test_a_few_rows_outside_the_quarter_keep_row_warnings_showing_the_date_sent(raw):
    raw.contacts(f"{Q3.folder}/Police/police.xlsx", [contact_row("P1", dt.date(2022, 10, 5)),
                                                     contact_row("P2", dt.date(2022, 6, 5))])
    con, _ = raw.run()
    assert issue(con, "wrong_quarter") == []
    [(_, _, row, column, value, _, message)] = issue(con, "outside_period")
    assert (row, column, value) == (3, "'Date of Contact'", "05/06/2022")             # the value sent, not the range
    assert "(01/10/2022 to 31/12/2022)" in message


# ---- duplicates ----------------------------------------------------------------------------------------------

def test_byte_identical_copy_is_read_once_and_reported(raw):
    first = raw.contacts(f"{Q3.folder}/Police/police.xlsx")
    copy = raw.raw / Q3.folder / "Police" / "police (1).xlsx"
    copy.write_bytes(first.read_bytes())
    con, _outcomes = raw.run()
    assert con.execute("select count(*) from stg_contacts where filed_by = 'Police'").fetchone() == (2,)
    status, rule, message = raw.file(con, f"{Q3.folder}/Police/police (1).xlsx")
    assert (status, rule) == ("duplicate", "duplicate_file")
    assert message == (f"'{Q3.folder}/Police/police (1).xlsx' is byte for byte the same file as "
                       f"'{Q3.folder}/Police/police.xlsx', which was read; this copy was not read again, so nothing is "
                       "counted twice. Delete one of them.")
    ids = con.execute("select file_id from raw_files").fetchall()
    assert len(ids) == len(set(ids)) == 3                                  # no two files share an ID


# ---- symlinks --------------------------------------------------------------------------------------------------

def test_symlink_to_a_file_outside_raw_is_not_followed(raw, tmp_path):
    outside = raw.contacts("../elsewhere/secret.xlsx")            # a good return: if it were read, it would load
    link = raw.q3 / "Police" / "linked.xlsx"
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    (raw.q3 / "passwd.xlsx").symlink_to("/etc/passwd")
    con, _ = raw.run()
    for rel in (f"{Q3.folder}/Police/linked.xlsx", f"{Q3.folder}/passwd.xlsx"):
        status, rule, message = raw.file(con, rel)
        assert (status, rule) == ("rejected", "symlink_outside_raw")
        assert message == (f"{rel}: a symbolic link pointing outside raw/; it was not followed and nothing was read. "
                           "Copy the return itself into the quarter's folder.")
    assert con.execute("select count(*) from stg_contacts where filed_by <> ?", [GOOD]).fetchone() == (0,)
    assert con.execute("select sha256 from raw_files where relative_path like '%passwd%'").fetchone()[0] != intake.file_digest(Path("/etc/passwd"))


def test_symlinked_folder_is_not_entered(raw):
    raw.contacts("../elsewhere/Police/police.xlsx")
    (raw.q3 / "Police").symlink_to(raw.root / "elsewhere" / "Police", target_is_directory=True)
    con, _ = raw.run()
    status, rule, message = raw.file(con, f"{Q3.folder}/Police")
    assert (status, rule) == ("rejected", "symlink_outside_raw")
    assert message.startswith(f"{Q3.folder}/Police/: a symbolic link to a folder; it was not followed")
    assert con.execute("select count(*) from stg_contacts").fetchone() == (2,)


def test_symlink_within_raw_is_read_once_as_a_duplicate(raw):
    real = raw.contacts(f"{Q3.folder}/Police/police.xlsx")
    (raw.q3 / "Police" / "shortcut.xlsx").symlink_to(real)
    con, _ = raw.run()
    assert raw.file(con, f"{Q3.folder}/Police/shortcut.xlsx")[:2] == ("duplicate", "duplicate_file")
    assert con.execute("select count(*) from stg_contacts where filed_by = 'Police'").fetchone() == (2,)


# ---- bounded work -------------------------------------------------------------------------------------------------

@pytest.fixture
def small_limits(tmp_path, monkeypatch):
    config = tmp_path / "intake.yaml"
    settings = limits.intake_settings()
    settings["limits"].update(max_rows_per_sheet=20, max_sheets=30)
    import yaml
    config.write_text(yaml.safe_dump(settings))
    monkeypatch.setattr(limits, "INTAKE_CONFIG", config)


def test_sheet_over_the_row_limit_is_refused_with_the_reason(raw, small_limits):
    rows = [contact_row(f"P{i}", dt.date(2022, 10, 5)) for i in range(25)]
    raw.contacts(f"{Q3.folder}/Police/big.xlsx", rows)
    con, _ = raw.run()
    [(_, sheet, _row, _, _, severity, message)] = issue(con, "too_many_rows")
    assert (sheet, severity) == ("List 1", "error")
    assert message == ("Sheet 'List 1' has 26 rows, more than the 20 rows a sheet may have, so it was not read (nothing "
                       "from it was loaded). Split the return by quarter, or ask the analyst to raise the limit in "
                       "config/intake.yaml.")
    assert con.execute("select s.status, rows_read from raw_sheets s join raw_files f using (file_id, period_key) "
                       "where f.file_name = 'big.xlsx' and sheet_key = 'contacts'").fetchone() == ("too_many_rows", 0)


def test_the_real_default_limit_is_above_the_benchmarks_largest_return():
    assert limits.max_rows("annex_a") >= 300_000 and limits.max_rows("annex_a") < 1_000_000


def test_workbook_with_200_sheets_is_refused(raw):
    path = raw.raw / Q3.folder / "Police" / "many.xlsx"
    sheets = {"List 1": [headings("annex_a", "contacts"), contact_row("P1", dt.date(2022, 10, 5))]}
    sheets |= {f"Sheet{i}": [["x"]] for i in range(199)}
    write_workbook(path, sheets)
    con, _ = raw.run()
    status, rule, message = raw.file(con, f"{Q3.folder}/Police/many.xlsx")
    assert (status, rule) == ("rejected", "too_many_sheets")
    assert message == ("many.xlsx: the workbook has 200 sheets, more than the 100 a return may have, so it was not read. "
                       "Send the return's own sheets only (the template has one per list).")


# ---- workbooks with more in them than values ---------------------------------------------------------------

def _rezip(path: Path, add: dict[str, bytes] | None = None, edit: dict[str, callable] | None = None) -> None:
    """Rewrite a workbook's zip with parts added or edited (what Excel would have saved, made by hand)."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    for name, fn in (edit or {}).items():
        parts[name] = fn(parts[name])
    parts.update(add or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def test_macro_enabled_workbook_is_read_for_its_values_and_the_macros_noted(raw):
    path = raw.contacts(f"{Q3.folder}/Police/police.xlsm")
    _rezip(path, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 not run"},
           edit={"[Content_Types].xml": lambda b: b.replace(
               b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')})
    con, _ = raw.run()
    assert raw.file(con, f"{Q3.folder}/Police/police.xlsm")[0] == "loaded"
    assert rows_from(con, f"{Q3.folder}/Police/police.xlsm") == 2
    [(_, _, _, _, _, severity, message)] = issue(con, "macro_enabled")
    assert severity == "info" and message.startswith("'police.xlsm' contains macros (VBA). They were not run and are not kept")


def test_external_links_are_not_followed_and_the_saved_value_is_used(raw):
    path = raw.contacts(f"{Q3.folder}/Police/police.xlsx")
    source_col = headings("annex_a", "contacts").index("Contact Source")
    letter = chr(ord("A") + source_col)

    def link_cell(xml: bytes) -> bytes:
        return re.sub(rf'<c r="{letter}2"[^>]*>.*?</c>'.encode(),
                      f'<c r="{letter}2" t="str"><f>[1]Codes!A1</f><v>q) 6: Police</v></c>'.encode(), xml, count=1)
    _rezip(path, add={"xl/externalLinks/externalLink1.xml": b'<?xml version="1.0"?><externalLink xmlns='
                      b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><externalBook/></externalLink>'},
           edit={"xl/worksheets/sheet1.xml": link_cell})
    con, _ = raw.run()
    assert con.execute("select contact_source from raw_contacts where source_file = 'police.xlsx' and source_row = 2"
                       ).fetchone() == ("6",)
    [(_, _, _, _, value, severity, message)] = issue(con, "external_links")
    assert (value, severity) == ("1", "warning") and "The links were not followed" in message


def test_dde_formula_in_a_cell_is_never_run_and_costs_only_its_row(raw, tmp_path):
    dde = "=cmd|' /C calc'!A0"
    raw.contacts(f"{Q3.folder}/Police/police.xlsx", [contact_row("P1", dt.date(2022, 10, 5), source=dde),
                                                     contact_row("P2", dt.date(2022, 10, 6))])
    con, _ = raw.run()
    [(_, _, row, column, value, severity, _message)] = issue(con, "formula_no_value")
    assert (row, column, value, severity) == (2, "Contact Source", dde, "error")
    assert rows_from(con, f"{Q3.folder}/Police/police.xlsx") == 1
    written = write_feedback(con, Q3, tmp_path / "feedback")
    ws = openpyxl.load_workbook(written["Police"])["Problems"]
    cell = next(c for r in ws.iter_rows() for c in r if c.value == dde)
    assert cell.data_type == "s" and cell.quotePrefix                   # shown as text, never a live formula


@pytest.mark.parametrize("state, words", [("hidden", "hidden"), ("veryHidden", "very hidden (it can only be seen from the VBA editor)")])
def test_hidden_sheet_is_read_and_said_to_be_hidden(raw, state, words):
    path = raw.contacts(f"{Q3.folder}/Police/police.xlsx", Notes=[["see list 1"]])
    wb = openpyxl.load_workbook(path)
    wb["List 1"].sheet_state = state
    wb.active = 1
    wb.save(path)
    con, _ = raw.run()
    assert rows_from(con, f"{Q3.folder}/Police/police.xlsx") == 2
    [(_, sheet, _, _, _, severity, message)] = issue(con, "hidden_sheet")
    assert (sheet, severity) == ("List 1", "warning")
    assert message.startswith(f"Sheet 'List 1' is {words} in the workbook; it was read like any other sheet.")


def test_a_32767_character_cell_is_reported_short(raw, tmp_path):
    huge = "Police" + "x" * 32_761
    raw.contacts(f"{Q3.folder}/Police/police.xlsx", [contact_row("P1", dt.date(2022, 10, 5), source=huge),
                                                     contact_row("P2", dt.date(2022, 10, 6))])
    con, _ = raw.run()
    [(_, _, row, _, value, _, message)] = issue(con, "unknown_code")
    assert row == 2 and value.endswith("… (32,767 characters)") and len(value) < 300
    assert len(message) < 1000 and "(32,767 characters)" in message
    assert rows_from(con, f"{Q3.folder}/Police/police.xlsx") == 1
    assert con.execute("select max(length(message)) from raw_issues").fetchone()[0] < 1000


@pytest.mark.parametrize("code", ["q) 6: Police\u200b", "\u200f6", "\u202e6", "6\ufeff"])
def test_invisible_and_right_to_left_characters_in_a_code(raw, code):
    raw.contacts(f"{Q3.folder}/Police/police.xlsx", [contact_row("P1", dt.date(2022, 10, 5), source=code)])
    con, _ = raw.run()
    loaded = con.execute("select contact_source from raw_contacts where source_file = 'police.xlsx'").fetchall()
    if loaded:
        assert loaded == [("6",)]                                      # read as the code it shows
    else:
        [(_, _, row, column, _, _, message)] = issue(con, "unknown_code")
        assert (row, column) == (2, "Contact Source") and "invisible" in message


def test_file_changed_while_it_is_read_keeps_nothing_and_says_so(raw, monkeypatch):
    path = raw.contacts(f"{Q3.folder}/Police/police.xlsx")
    real = intake.read_sheet

    def read_while_agency_saves(reader, name, spec, p=None, **options):
        out = real(reader, name, spec, p, **options)
        if p == path:
            with path.open("ab") as fh:                 # the agency's copy is still arriving
                fh.write(b"\0" * 10)
        return out
    monkeypatch.setattr(intake, "read_sheet", read_while_agency_saves)
    con, _ = raw.run()
    status, rule, message = raw.file(con, f"{Q3.folder}/Police/police.xlsx")
    assert (status, rule) == ("rejected", "changed_while_read")
    assert message.startswith(f"{Q3.folder}/Police/police.xlsx: the file changed while it was being read")
    assert rows_from(con, f"{Q3.folder}/Police/police.xlsx") == 0
    assert con.execute("select count(*) from raw_issues where file_name = 'police.xlsx' and rule <> 'changed_while_read'"
                       ).fetchone() == (0,)


# ---- agencies kept apart ------------------------------------------------------------------------------------------

def test_agencies_whose_names_differ_only_in_punctuation_get_their_own_feedback(raw, tmp_path):
    agencies = ["Police", "Police!", "Police?", "Ærø"]
    for i, agency in enumerate(agencies):
        raw.contacts(f"{Q3.folder}/{agency}/return.xlsx", [contact_row(f"P{i}", dt.date(2022, 10, 5), source=f"bad{i}")])
    con, _ = raw.run()
    written = write_feedback(con, Q3, tmp_path / "feedback")
    assert len({p.name for p in written.values()}) == len(written) == 5
    assert written["Ærø"].name == agency_file_name("Ærø") and written["Ærø"].name.startswith("Ærø-")
    for i, agency in enumerate(agencies):
        wb = openpyxl.load_workbook(written[agency])
        assert wb["Summary"]["A3"].value == f"Agency: {agency}. Files from: raw/{Q3.folder}/{agency}/"
        values = [c.value for r in wb["Problems"].iter_rows(min_row=2) for c in r]
        assert f"bad{i}" in values and not any(f"bad{j}" in values for j in range(4) if j != i)


def test_excel_and_libreoffice_lock_files_are_ignored(raw):
    (raw.q3 / "Police").mkdir()
    (raw.q3 / "Police" / "~$police.xlsx").write_bytes(b"lock")
    (raw.q3 / "Police" / ".~lock.police.xlsx#").write_bytes(b"lock")
    _con, outcomes = raw.run()
    assert list(outcomes) == [f"{Q3.folder}/{GOOD}/annex_a_q3.xlsx"]


def test_every_case_leaves_no_unlisted_file(raw):
    """All the filing mistakes at once: every file under raw/ that Q3 can be blamed for is in raw_files."""
    raw.contacts("2022-23/Q 3/a.xlsx")
    raw.contacts("22-23/Q3/b.xlsx")
    raw.contacts("2022-23/c.xlsx")
    raw.contacts("d.xlsx")
    raw.contacts("2022-23/Q2/e.xlsx")
    con, _ = raw.run()
    listed = {r[0] for r in con.execute("select relative_path from raw_files where present").fetchall()}
    on_disk = {p.relative_to(raw.raw).as_posix() for p in raw.raw.rglob("*") if p.is_file()}
    assert on_disk - listed == {"2022-23/Q2/e.xlsx"}               # filed properly, for Q2: Q2's intake reads it
    assert os.path.exists(raw.raw / "2022-23/Q2/e.xlsx")
