"""figures.xlsx: one sheet per figure or table with the data behind it, titled and sourced, for the designer.

Every sheet says what it is, the period, the indicator codes and their definitions, whether it is the public
(disclosure-controlled) or internal version, and when and from which pipeline version it was made. Text that
came from agencies (course names, module titles) is written as text that cannot run: a cell starting with
= + - @ is stored as a string with Excel's quote prefix, never as a formula.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipeline.lib import atomic
from pipeline.lib.report.figures import INTERNAL_MARK, ReportFigure

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = PatternFill("solid", fgColor="0072B2")
WARN_FONT = Font(bold=True, color="D4351C")


def neutralise(cell, value) -> None:
    """Write `value` so that it can never be evaluated: formula-looking text stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True
    else:
        cell.value = value


def sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31]
    out, i = base, 2
    while out.lower() in used:
        out = f"{base[:28]}_{i}"
        i += 1
    used.add(out.lower())
    return out


def _number_or_text(value):
    """'29,563' -> 29563 and '36.1%' -> 0.361 (with a format) so the designer gets numbers; symbols stay text."""
    if isinstance(value, str):
        m = re.fullmatch(r"(-?[\d,]+)", value)
        if m:
            return int(value.replace(",", "")), "#,##0"
        m = re.fullmatch(r"(-?[\d,]+\.\d+)%", value)
        if m:
            decimals = len(value.split(".")[1]) - 1
            return float(value[:-1].replace(",", "")) / 100, "0." + "0" * decimals + "%"
        m = re.fullmatch(r"(-?[\d,]+)%", value)
        if m:
            return float(value[:-1].replace(",", "")) / 100, "0%"
        m = re.fullmatch(r"-?[\d,]+\.\d+", value)
        if m:
            return float(value.replace(",", "")), "#,##0." + "0" * len(value.split(".")[1])
    return value, None


def write(figures: list[ReportFigure], path: Path, provenance: dict, public: bool) -> Path:
    wb = openpyxl.Workbook()
    index = wb.active
    index.title = "Index"
    mode = "Public: counts of 1 to 5 shown as c, with secondary suppression" if public else INTERNAL_MARK
    index["A1"] = f"Annual report figures, {provenance['period']}"
    index["A1"].font = Font(bold=True, size=14)
    index["A2"] = mode
    if not public:
        index["A2"].font = WARN_FONT
    index["A3"] = f"Generated {provenance['generated_at']} by pipeline {provenance['pipeline_version']}"
    index.append([])
    index.append(["Sheet", "Title", "Indicators", "Image files"])
    for c in index[5]:
        c.font, c.fill = Font(bold=True, color="FFFFFF"), HEADER_FILL
    used = {"index"}
    for f in figures:
        name = sheet_name(f.name, used)
        ws = wb.create_sheet(name)
        row = index.max_row + 1
        link = index.cell(row=row, column=1, value=name)
        link.hyperlink = f"#'{name}'!A1"
        link.font = Font(color="0563C1", underline="single")
        neutralise(index.cell(row=row, column=2), f.title)
        index.cell(row=row, column=3, value=", ".join(f.codes))
        index.cell(row=row, column=4, value=f"figures/{f.name}.png, figures/{f.name}.svg" if f.drawn else
                   ("a table in the Word draft" if f.kind == "table" else "data behind the text"))
        _figure_sheet(ws, f, provenance, mode, public)
    for col, width in zip("ABCD", (28, 70, 50, 50)):
        index.column_dimensions[col].width = width
    src = wb.create_sheet("Sources")
    src.append(["Source returns for " + provenance["period"]])
    src["A1"].font = Font(bold=True, size=14)
    src.append(["Quarter", "File", "SHA-256", "Return", "Agency", "Status"])
    for c in src[2]:
        c.font, c.fill = Font(bold=True, color="FFFFFF"), HEADER_FILL
    for s in provenance["sources"]:
        src.append([])
        r = src.max_row
        for i, key in enumerate(["period_label", "relative_path", "sha256", "return_type", "agency", "status"], 1):
            neutralise(src.cell(row=r, column=i), s.get(key))
    for col, width in zip("ABCDEF", (14, 50, 68, 18, 28, 12)):
        src.column_dimensions[col].width = width
    with atomic.atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def _figure_sheet(ws, f: ReportFigure, provenance: dict, mode: str, public: bool) -> None:
    neutralise(ws.cell(row=1, column=1), f.title)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = mode
    if not public:
        ws["A2"].font = WARN_FONT
    ws["A3"] = f"Period: {f.period}. Indicators: {', '.join(f.codes)}."
    ws["A4"] = f"Generated {provenance['generated_at']} by pipeline {provenance['pipeline_version']}."
    ws["A5"] = "Back to index"
    ws["A5"].hyperlink = "#'Index'!A1"
    ws["A5"].font = Font(color="0563C1", underline="single")
    start = 7
    for j, col in enumerate(f.data.columns, 1):
        c = ws.cell(row=start, column=j)
        neutralise(c, str(col))
        c.font, c.fill = Font(bold=True, color="FFFFFF"), HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
    for i, values in enumerate(f.data.itertuples(index=False), start + 1):
        for j, value in enumerate(values, 1):
            cell = ws.cell(row=i, column=j)
            number, fmt = _number_or_text(value)
            neutralise(cell, number)
            if fmt:
                cell.number_format = fmt
                cell.alignment = Alignment(horizontal="right")
            elif j > 1:
                cell.alignment = Alignment(horizontal="right")
    row = start + len(f.data) + 2
    ws.cell(row=row, column=1, value="Alt text").font = Font(bold=True)
    neutralise(ws.cell(row=row, column=2), f.alt)
    ws.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    row += 1
    ws.cell(row=row, column=1, value="Definitions").font = Font(bold=True)
    for code, definition in f.definitions:
        ws.cell(row=row, column=2, value=code)
        neutralise(ws.cell(row=row, column=3), definition)
        row += 1
    for note in f.notes:
        neutralise(ws.cell(row=row, column=2), note)
        row += 1
    ws.freeze_panes = ws.cell(row=start + 1, column=1)
    ws.column_dimensions["A"].width = 48
    for j in range(2, len(f.data.columns) + 2):
        ws.column_dimensions[get_column_letter(j)].width = 20
