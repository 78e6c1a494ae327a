"""Blank return templates, one .xlsx per return type, generated from the specifications.

Each template has one sheet per list with the exact headings in the specification's order, a drop-down
on every coded column (its list is on a hidden 'Codes' sheet), date and number validation, and a
'Guidance' sheet describing every column. A template filled in correctly loads with no issues.

    python -m pipeline.lib.returns.templates --out templates/     # writes templates/returns/<return>_template.xlsx
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from pipeline.lib.atomic import atomic_path
from pipeline.lib.paths import PROJECT_ROOT
from pipeline.lib.returns.spec import CodeList, ColumnSpec, ReturnSpec, load_code_lists, load_specs

ROWS = 5000                                  # rows given validation; Excel extends it as rows are added
FIXED_TIME = dt.datetime(2024, 1, 1)         # document properties: regenerating changes nothing that matters
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
LOCAL_FILL = PatternFill("solid", fgColor="7F6000")
HEADER_FONT = Font(bold=True, color="FFFFFF")

TYPE_NOTES = {
    "child_id": "Text: the child's case-management ID (letters and digits). Pseudonymised on arrival; never stored as sent.",
    "code": "Pick from the drop-down.",
    "measure": "Pick a measure code from the drop-down.",
    "date": "Date, dd/mm/yyyy.",
    "datetime": "Date and time, dd/mm/yyyy hh:mm.",
    "integer": "Whole number.",
    "number": "Number.",
    "text": "Text.",
    "postcode": "UK postcode, e.g. B70 9LD. Kept to its district (B70) on arrival.",
    "worker": "Text. Read but never stored: names of staff do not leave the agency's file.",
    "codes": "Pick one from the drop-down, or type several separated by ';' (e.g. Neglect; Domestic abuse).",
    "reference": "The published reference of the review or audit, in capitals. Never a child's name, initials beyond the published reference, date of birth or case ID.",
    "free_text": "Text. Do not include names, addresses, postcodes, dates of birth, NHS numbers, case IDs, e-mail addresses or phone numbers: any found are masked on arrival.",
    "quarter": "Financial quarter, e.g. 2022-23 Q1 (Q1 is April to June), or any date in the quarter.",
    "indicator": "Optional: the code of the indicator this action is meant to move, e.g. rereferrals_pct (the codes are in config/indicators.yaml and the annual report's appendix); the report shows it before and after the action closed.",
}
TYPE_NAMES = {"child_id": "ID", "code": "code", "measure": "code", "date": "date", "datetime": "date and time",
              "integer": "whole number", "number": "number", "text": "text", "postcode": "postcode", "worker": "text",
              "codes": "codes", "reference": "reference", "free_text": "text", "quarter": "quarter", "indicator": "code"}


def dropdown_values(codes: CodeList) -> list[str]:
    """What the drop-down offers: Ofsted's Annex A form where there is one ('a) Male'), else the label."""
    return [c.annex_a or c.label for c in codes.codes]


# An indicator code gets no drop-down: the catalogue changes with every new indicator, and a template must depend
# on its specification only (the Guidance sheet says where the codes are).
DROP_DOWN_TYPES = ("code", "measure", "codes")


def _list_name(column: ColumnSpec) -> str:
    return {"measure": "measure", "indicator": "indicator"}.get(column.type) or column.codes


def _code_list(column: ColumnSpec, code_lists: dict[str, CodeList]) -> CodeList | None:
    if column.type in DROP_DOWN_TYPES:
        return code_lists[_list_name(column)]
    return None


def _validation(column: ColumnSpec, letter: str, code_ranges: dict[str, str]) -> DataValidation | None:
    rng = f"{letter}2:{letter}{ROWS + 1}"
    if column.type in ("code", "measure"):
        dv = DataValidation(type="list", formula1=code_ranges[_list_name(column)], allow_blank=True,
                            showErrorMessage=True, errorStyle="warning", errorTitle=column.heading,
                            error="Pick a value from the list (see the Guidance sheet).")
    elif column.type == "codes":
        # Excel's list check takes one value; several are typed separated by ';', so typing is only informed.
        dv = DataValidation(type="list", formula1=code_ranges[_list_name(column)], allow_blank=True,
                            showErrorMessage=True, errorStyle="information", errorTitle=column.heading,
                            error="Several values are fine: separate them with ';' (see the Guidance sheet).")
    elif column.type in ("date", "datetime"):
        dv = DataValidation(type="date", operator="between", formula1="DATE(1990,1,1)", formula2="DATE(2099,12,31)",
                            allow_blank=True, showErrorMessage=True, errorTitle=column.heading,
                            error="Enter a date, dd/mm/yyyy.")
    elif column.type in ("integer", "number"):
        kind = "whole" if column.type == "integer" else "decimal"
        low = 0 if column.min is None else column.min
        if column.max is not None:
            dv = DataValidation(type=kind, operator="between", formula1=str(low), formula2=str(column.max), allow_blank=True)
        else:
            dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=str(low), allow_blank=True)
        dv.showErrorMessage, dv.errorTitle = True, column.heading
        dv.error = f"Enter a {'whole ' if kind == 'whole' else ''}number, at least {low}" + (
            f" and at most {column.max}." if column.max is not None else ".")
    else:
        return None
    dv.add(rng)
    return dv


def guidance_rows(spec: ReturnSpec, code_lists: dict[str, CodeList]) -> list[list[str]]:
    rows = []
    for sheet in spec.sheets:
        for column in sheet.columns:
            codes = _code_list(column, code_lists)
            notes = [TYPE_NOTES[column.type]]
            if column.min is not None or column.max is not None:
                notes.append("Range: " + ", ".join(b for b in (f"at least {column.min:g}" if column.min is not None else "",
                                                              f"at most {column.max:g}" if column.max is not None else "") if b) + ".")
            if column.example:
                notes.append(f"Example: {column.example}.")
            if column.at_most:
                notes.append(f"Never more than '{sheet.column(column.at_most).heading}' on the same row.")
            if column.filled_when:
                other = sheet.column(column.filled_when["column"])
                said = ", ".join(code_lists[other.codes].label(str(c)) for c in column.filled_when["codes"])
                notes.append(f"Fill in when '{other.heading}' is {said}.")
            if column.local:
                notes.append("Local column: added by the partnership to the national return; optional.")
            if column.aliases:
                notes.append("Also accepted as heading: " + "; ".join(column.aliases) + ".")
            rows.append([sheet.sheet_names[0], column.heading, "Yes" if column.required else "No",
                         TYPE_NAMES[column.type], "; ".join(dropdown_values(codes)) if codes else "",
                         " ".join(notes)])
    return rows


def _header(ws, headings: list[str], local: list[bool] | None = None, widths: list[int] | None = None) -> None:
    for c, heading in enumerate(headings, start=1):
        cell = ws.cell(row=1, column=c, value=heading)
        cell.font = HEADER_FONT
        cell.fill = LOCAL_FILL if local and local[c - 1] else HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(c)].width = widths[c - 1] if widths else min(40, max(12, len(heading) // 2 + 4))
    ws.freeze_panes = "A2"


def build_template(spec: ReturnSpec, code_lists: dict[str, CodeList]) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "Sandwell Children's Safeguarding Partnership"
    wb.properties.title = f"{spec.title}: return template"
    wb.properties.created = wb.properties.modified = FIXED_TIME

    used = list(dict.fromkeys(_list_name(c) for s in spec.sheets for c in s.columns if c.type in DROP_DOWN_TYPES))
    data_sheets = [wb.create_sheet(sheet.sheet_names[0]) for sheet in spec.sheets]

    guidance = wb.create_sheet("Guidance")
    guidance_headings = ["Sheet", "Column heading", "Required?", "Type", "Accepted codes", "Notes"]
    _header(guidance, guidance_headings, widths=[18, 45, 10, 14, 60, 80])
    for r, row in enumerate(guidance_rows(spec, code_lists), start=2):
        for c, value in enumerate(row, start=1):
            guidance.cell(row=r, column=c, value=value).alignment = Alignment(wrap_text=True, vertical="top")
    guidance.auto_filter.ref = f"A1:F{guidance.max_row}"

    codes_ws = wb.create_sheet("Codes")
    codes_ws.sheet_state = "hidden"
    code_ranges = {}
    for c, name in enumerate(used, start=1):
        values = dropdown_values(code_lists[name])
        letter = get_column_letter(c)
        codes_ws.cell(row=1, column=c, value=name)
        for r, value in enumerate(values, start=2):
            codes_ws.cell(row=r, column=c, value=value)
        code_ranges[name] = f"{quote_sheetname('Codes')}!${letter}$2:${letter}${len(values) + 1}"

    for ws, sheet in zip(data_sheets, spec.sheets):
        _header(ws, [c.heading for c in sheet.columns], [c.local for c in sheet.columns])
        ws.row_dimensions[1].height = 60
        for c, column in enumerate(sheet.columns, start=1):
            letter = get_column_letter(c)
            if column.type == "date":
                ws.column_dimensions[letter].number_format = "dd/mm/yyyy"
            elif column.type == "datetime":
                ws.column_dimensions[letter].number_format = "dd/mm/yyyy hh:mm"
            elif column.type in ("child_id", "reference", "quarter"):
                ws.column_dimensions[letter].number_format = "@"   # text, so IDs never become 123.0
            dv = _validation(column, letter, code_ranges)
            if dv is not None:
                ws.add_data_validation(dv)
    return wb


def template_name(spec: ReturnSpec) -> str:
    return f"{spec.file_stem}_template.xlsx"


def write_templates(out_dir: Path) -> list[Path]:
    """Write one template per return type into `out_dir`; the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    code_lists = load_code_lists()
    paths = []
    for spec in load_specs().values():
        path = out_dir / template_name(spec)
        with atomic_path(path) as tmp:
            build_template(spec, code_lists).save(tmp)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the blank return templates.")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "templates",
                        help="templates folder; the files go in its returns/ subfolder (default: templates/)")
    args = parser.parse_args(argv)
    for path in write_templates(args.out / "returns"):
        print(path)


if __name__ == "__main__":
    main()
