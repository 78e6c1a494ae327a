"""Data-quality feedback to agencies: one workbook per agency and quarter, made from the intake's log tables.

What the agency gets back is what the intake recorded, nothing recomputed: raw_files (each file and
whether it was read), raw_sheets (rows read / loaded / quarantined per list), raw_issues (each problem
with file, sheet, Excel row, column, value, rule and what to fix) and raw_mappings (each tolerant
reading applied). Sheets: 'Summary', 'Problems', 'Mappings'.

Cell text comes from the agencies' own files, so any text Excel would take as a formula (starting
with = + - @, or a tab / carriage return) is written as text with Excel's quote prefix: the cell shows
the characters, never runs them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipeline.lib.atomic import atomic_path
from pipeline.lib.periods import Quarter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14)
SECTION_FONT = Font(bold=True, size=12)
MAX_WIDTH = 90

PROBLEM_COLUMNS = ["File", "Sheet", "Row", "Column", "Value", "Rule", "Severity", "What to fix"]
MAPPING_COLUMNS = ["File", "Sheet", "What was read", "Column", "As sent", "Read as", "Rows"]


@dataclass
class AgencyFeedback:
    agency: str
    quarter: Quarter
    files: pd.DataFrame      # file_name, return_type, status, rule, message
    sheets: pd.DataFrame     # file_name, sheet_title, sheet_name, header_row, rows_read, rows_loaded, rows_quarantined, ...
    issues: pd.DataFrame     # file_name, sheet_name, source_row, column_name, value, rule, severity, message
    mappings: pd.DataFrame   # file_name, sheet_name, kind, column_name, from_value, to_value, rows

    @property
    def problems(self) -> int:
        return int((self.issues["severity"] != "info").sum()) if len(self.issues) else 0


def feedback_for_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> list[AgencyFeedback]:
    """One AgencyFeedback per agency that filed anything for the quarter (files present in the folder now)."""
    key = quarter.partition_key
    files = con.execute("""
        select agency, file_id, file_name, relative_path, coalesce(return_type, '') as return_type, status,
               coalesce(rule, '') as rule, coalesce(message, '') as message, is_current
        from raw_files where period_key = ? and present order by agency, file_name
    """, [key]).df()
    sheets = con.execute("""
        select f.agency, f.file_name, s.sheet_title, coalesce(s.sheet_name, '') as sheet_name, s.header_row,
               s.rows_read, s.rows_loaded, s.rows_quarantined, s.rows_outside_period, s.blank_rows, s.status
        from raw_sheets s join raw_files f using (file_id, period_key)
        where s.period_key = ? and f.present order by f.agency, f.file_name, s.sheet_title
    """, [key]).df()
    issues = con.execute("""
        select f.agency, i.file_name, coalesce(i.sheet_name, '') as sheet_name, i.source_row, i.column_name, i.value,
               i.rule, i.severity, i.message
        from raw_issues i join raw_files f using (file_id, period_key)
        where i.period_key = ? and f.present
        order by f.agency, i.file_name, case i.severity when 'error' then 0 when 'warning' then 1 else 2 end,
                 i.sheet_name, i.source_row nulls first, i.column_name
    """, [key]).df()
    mappings = con.execute("""
        select f.agency, m.file_name, coalesce(m.sheet_name, '') as sheet_name, m.kind, m.column_name,
               m.from_value, m.to_value, m.rows
        from raw_mappings m join raw_files f using (file_id, period_key)
        where m.period_key = ? and f.present order by f.agency, m.file_name, m.sheet_name, m.kind, m.column_name
    """, [key]).df()
    out = []
    def rows_of(frame: pd.DataFrame, agency: str) -> pd.DataFrame:
        return frame[frame["agency"] == agency].drop(columns="agency").reset_index(drop=True)

    for agency in files["agency"].drop_duplicates():
        out.append(AgencyFeedback(agency, quarter, *(rows_of(f, agency) for f in (files, sheets, issues, mappings))))
    return out


def safe_text(value: object) -> tuple[object, bool]:
    """(value to write, whether it needs Excel's quote prefix so that it stays text)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return value, True
    return value, False


def _write(ws, row: int, column: int, value: object):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        value = None
    elif hasattr(value, "item"):   # numpy scalars
        value = value.item()
    value, quote = safe_text(value)
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if quote:
        cell.data_type = "s"       # openpyxl would otherwise store '=...' as a formula
        cell.quotePrefix = True    # Excel's apostrophe: shown as typed, never evaluated
    return cell


def _table(ws, top: int, columns: list[str], rows: list[list[object]], wrap: set[str] = frozenset()) -> int:
    """A header row (styled) and rows from `top`; returns the next free row."""
    for c, heading in enumerate(columns, start=1):
        cell = ws.cell(row=top, column=c, value=heading)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for r, values in enumerate(rows, start=top + 1):
        for c, value in enumerate(values, start=1):
            cell = _write(ws, r, c, value)
            if columns[c - 1] in wrap:
                cell.alignment = Alignment(vertical="top", wrap_text=True)
    return top + len(rows) + 1


def _widths(ws, columns: list[str], rows: list[list[object]], minimum: int = 8) -> None:
    for c, heading in enumerate(columns, start=1):
        longest = max([len(str(heading))] + [len(str(r[c - 1])) for r in rows if r[c - 1] is not None], default=minimum)
        ws.column_dimensions[get_column_letter(c)].width = min(MAX_WIDTH, max(minimum, longest + 2))


def _problem_rows(fb: AgencyFeedback) -> list[list[object]]:
    rows = []
    for r in fb.issues.itertuples(index=False):
        source_row = None if pd.isna(r.source_row) or r.source_row == 0 else int(r.source_row)
        rows.append([r.file_name, r.sheet_name, source_row, r.column_name, r.value, r.rule, r.severity, r.message])
    return rows


def _mapping_rows(fb: AgencyFeedback) -> list[list[object]]:
    return [[m.file_name, m.sheet_name, m.kind, m.column_name, m.from_value, m.to_value, int(m.rows)]
            for m in fb.mappings.itertuples(index=False)]


def build_workbook(fb: AgencyFeedback, generated_at: dt.datetime | None = None) -> Workbook:
    generated_at = generated_at or dt.datetime.now().replace(microsecond=0)
    wb = Workbook()
    summary = wb.active
    summary.title = "Summary"
    summary["A1"] = f"Data quality feedback: {fb.agency}, {fb.quarter.label}"
    summary["A1"].font = TITLE_FONT
    _write(summary, 2, 1, f"Generated {generated_at:%d/%m/%Y %H:%M}. Rows are Excel row numbers in your file. "
                          "Fix errors and send the return again: a resubmission replaces the earlier one.")
    # Said in the workbook itself, so a workbook sent to the wrong agency is seen to be wrong at once.
    _write(summary, 3, 1, f"Agency: {fb.agency}. Files from: {', '.join(agency_folders(fb))}")

    row = 5
    summary.cell(row=row, column=1, value="Files received").font = SECTION_FONT
    file_columns = ["File", "Return", "Status", "Reason"]
    file_rows = [[f.file_name, f.return_type or "(not recognised)", "read" if f.status == "loaded" else "not read",
                  f.message or ("replaced by a later version" if f.status == "loaded" and not f.is_current else "")]
                 for f in fb.files.itertuples(index=False)]
    row = _table(summary, row + 1, file_columns, file_rows, wrap={"Reason"}) + 1

    summary.cell(row=row, column=1, value="Rows by list").font = SECTION_FONT
    list_columns = ["File", "List", "Sheet", "Header row", "Rows read", "Loaded", "Quarantined", "Outside quarter"]
    list_rows = [[s.file_name, s.sheet_title, s.sheet_name or "(no sheet)",
                  None if pd.isna(s.header_row) else int(s.header_row), int(s.rows_read), int(s.rows_loaded),
                  int(s.rows_quarantined), int(s.rows_outside_period)] for s in fb.sheets.itertuples(index=False)]
    if list_rows:
        list_rows.append(["Total", "", "", None, sum(r[4] for r in list_rows), sum(r[5] for r in list_rows),
                          sum(r[6] for r in list_rows), sum(r[7] for r in list_rows)])
    row = _table(summary, row + 1, list_columns, list_rows) + 1
    if list_rows:
        for c in range(1, len(list_columns) + 1):
            summary.cell(row=row - 2, column=c).font = Font(bold=True)

    summary.cell(row=row, column=1, value="Problems by rule").font = SECTION_FONT
    by_rule = (fb.issues.groupby(["severity", "rule"]).size().reset_index(name="n")
               if len(fb.issues) else pd.DataFrame(columns=["severity", "rule", "n"]))
    order = {"error": 0, "warning": 1, "info": 2}
    by_rule = by_rule.sort_values(["severity", "n"], key=lambda s: s.map(order) if s.name == "severity" else -s)
    rule_rows = [[r.rule, r.severity, int(r.n), _effect(r.severity)] for r in by_rule.itertuples(index=False)]
    row = _table(summary, row + 1, ["Rule", "Severity", "Cells or rows", "Effect"], rule_rows) + 1

    summary.cell(row=row, column=1, value="Readings applied (nothing lost; check they are what you meant)").font = SECTION_FONT
    kinds = (fb.mappings.groupby("kind")["rows"].sum().reset_index() if len(fb.mappings)
             else pd.DataFrame(columns=["kind", "rows"]))
    _table(summary, row + 1, ["What was read", "Rows"], [[k.kind, int(k.rows)] for k in kinds.itertuples(index=False)])
    _widths(summary, ["File", "Return", "Status", "Reason", "Rows read", "Loaded", "Quarantined", "Outside quarter"],
            [r + [None] * (8 - len(r)) for r in file_rows + list_rows], minimum=12)
    summary.column_dimensions["D"].width = 60
    summary.freeze_panes = "A5"

    problems = wb.create_sheet("Problems")
    problem_rows = _problem_rows(fb)
    _table(problems, 1, PROBLEM_COLUMNS, problem_rows, wrap={"What to fix"})
    _finish(problems, PROBLEM_COLUMNS, problem_rows)
    problems.column_dimensions[get_column_letter(len(PROBLEM_COLUMNS))].width = MAX_WIDTH

    mapping_sheet = wb.create_sheet("Mappings")
    mapping_rows = _mapping_rows(fb)
    _table(mapping_sheet, 1, MAPPING_COLUMNS, mapping_rows)
    _finish(mapping_sheet, MAPPING_COLUMNS, mapping_rows)
    return wb


def _effect(severity: str) -> str:
    return {"error": "row or file not loaded", "warning": "loaded, check it", "info": "noted only"}.get(severity, "")


def _finish(ws, columns: list[str], rows: list[list[object]]) -> None:
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(rows) + 1)}"
    _widths(ws, columns, rows)


def agency_folders(fb: AgencyFeedback) -> list[str]:
    """The raw/ folders the agency's files were found in ('raw/2022-23/Q3/Police/')."""
    folders = sorted({"raw/" + p.rsplit("/", 1)[0] + "/" if "/" in p else "raw/" for p in fb.files["relative_path"]})
    return folders or ["(no files)"]


def agency_file_name(agency: str) -> str:
    """A file name no two agencies can share: the name, readable, plus a short hash of it exactly as written.

    Letters and digits of any script are kept ('Ærø'), spaces and - _ & ' too; the rest become '_'. The hash
    keeps 'Police', 'Police!' and 'police' apart, even on a file system that ignores case.
    """
    readable = unicodedata.normalize("NFC", agency)
    cleaned = re.sub(r"[^\w &'\-]+", "_", readable).strip(" ._")[:60].strip(" ._") or "agency"
    digest = hashlib.sha256(agency.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned}-{digest}.xlsx"


def quarter_folder(quarter: Quarter) -> str:
    """'2022-23 Q3' -> '2022-23-Q3'."""
    return quarter.label.replace(" ", "-")


def write_feedback(con: duckdb.DuckDBPyConnection, quarter: Quarter, out_dir: Path,
                   generated_at: dt.datetime | None = None) -> dict[str, Path]:
    """Write <out_dir>/<2022-23-Q3>/<agency>.xlsx for every agency that filed for the quarter; agency -> path.

    Each workbook is written to a temporary file and renamed over the old one, so a run killed mid-write leaves
    the previous workbook whole. Only once every new workbook is in place are stale ones (an agency whose
    files were withdrawn) removed.
    """
    folder = out_dir / quarter_folder(quarter)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for fb in feedback_for_quarter(con, quarter):
        path = folder / agency_file_name(fb.agency)
        with atomic_path(path) as tmp:
            build_workbook(fb, generated_at).save(tmp)
        written[fb.agency] = path
    keep = set(written.values())
    for old in folder.glob("*.xlsx"):
        if old not in keep:
            old.unlink()
    return written
