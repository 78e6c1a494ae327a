"""Opening agencies' workbooks with fastexcel (calamine) and finding each list's sheet and header row.

Every way a file can fail to open becomes a ReturnFileError whose message says what is wrong and
how to fix it, so the analyst can forward it to the agency as it stands.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import pandas as pd

from pipeline.lib.returns.normalise import norm_heading
from pipeline.lib.returns.spec import ReturnSpec, SheetSpec

HEADER_SEARCH_ROWS = 30  # real returns put titles, logos and notes above the header


class ReturnFileError(Exception):
    """A whole file could not be read. `rule` is a stable code; `message` is for people."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule
        self.message = message


@dataclass
class RawSheet:
    """One sheet's data rows as text, with the Excel row number of each and the headings found."""

    sheet_name: str
    header_row: int                 # 1-based Excel row number of the header
    headings: list[str]             # as written in the file
    frame: pd.DataFrame             # one column per heading, values as text (None for blank)
    excel_rows: pd.Series           # 1-based Excel row number per frame row
    blank_rows: int                 # blank rows skipped below the header


def _sniff(path: Path) -> None:
    """Fail early, and clearly, on files that are not .xlsx workbooks."""
    if not path.exists():
        raise ReturnFileError("file_missing", f"{path.name}: the file is no longer in the folder.")
    size = path.stat().st_size
    if size == 0:
        raise ReturnFileError("empty_file", f"{path.name}: the file is empty (0 bytes). Ask the agency to send the return again.")
    head = path.read_bytes()[:8]
    suffix = path.suffix.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: legacy .xls, or an encrypted .xlsx
        if _is_encrypted(path):
            raise ReturnFileError(
                "password_protected",
                f"{path.name}: the workbook is password-protected, so it cannot be read. Ask the agency to remove "
                "the password (File > Info > Protect Workbook > Encrypt with Password, clear it) and send it again; "
                "send the password separately only if your data-sharing agreement allows it.",
            )
        if suffix == ".xls":
            return  # calamine reads legacy .xls; the intake reports that it did
        raise ReturnFileError("not_a_workbook", f"{path.name}: this is an old-format Excel file with the wrong extension. "
                              "Open it in Excel and save it as 'Excel Workbook (*.xlsx)'.")
    if not head.startswith(b"PK"):
        text_like = all(32 <= b < 127 or b in (9, 10, 13) for b in path.read_bytes()[:512])
        if text_like and suffix in (".xlsx", ".xlsm"):
            raise ReturnFileError(
                "csv_named_xlsx",
                f"{path.name}: the file is text (probably a CSV) saved with an .xlsx name. Open it in Excel and use "
                "File > Save As > 'Excel Workbook (*.xlsx)', or send the returns template filled in.",
            )
        raise ReturnFileError("not_a_workbook", f"{path.name}: this is not an Excel workbook (.xlsx). "
                              "Returns must be sent as Excel workbooks made from the template.")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            bad = zf.testzip()
    except zipfile.BadZipFile:
        raise ReturnFileError("corrupt_file", f"{path.name}: the workbook is damaged (not a complete .xlsx file). "
                              "Ask the agency to save it again from Excel and resend it.") from None
    if bad is not None:
        raise ReturnFileError("corrupt_file", f"{path.name}: the workbook is damaged (part {bad} is corrupt). "
                              "Ask the agency to save it again from Excel and resend it.")
    if "xl/workbook.xml" not in names:
        raise ReturnFileError("not_a_workbook", f"{path.name}: this zip file is not an Excel workbook. "
                              "Returns must be sent as Excel workbooks (.xlsx).")


def _is_encrypted(path: Path) -> bool:
    import msoffcrypto

    try:
        with path.open("rb") as fh:
            return bool(msoffcrypto.OfficeFile(fh).is_encrypted())
    except Exception:  # noqa: BLE001 - not an Office container: the caller reports the real problem
        return False


def open_workbook(path: Path) -> fastexcel.ExcelReader:
    _sniff(path)
    try:
        return fastexcel.read_excel(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises many types; keep its words, add the fix
        raise ReturnFileError("unreadable_workbook", f"{path.name}: Excel could not read this workbook ({exc}). "
                              "Ask the agency to save it again from Excel and resend it.") from None


def sheet_name_matches(sheet_name: str, spec: SheetSpec) -> bool:
    """'List 1', 'LIST1 - Contacts' and 'Contacts' match list 1; 'List 10' does not."""
    name = norm_heading(sheet_name)
    for wanted in spec.sheet_names:
        key = norm_heading(wanted)
        start = name.find(key)
        while start != -1:
            end = start + len(key)
            if end == len(name) or not name[end].isdigit():
                return True
            start = name.find(key, start + 1)
    return False


def _load_text(reader: fastexcel.ExcelReader, sheet_name: str) -> pd.DataFrame:
    sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string", schema_sample_rows=1000)
    frame = sheet.to_pandas()
    frame.columns = range(frame.shape[1])
    return frame


def header_score(row: list[object], spec: SheetSpec) -> int:
    keys = set().union(*(c.heading_keys() for c in spec.columns))
    return sum(1 for cell in row if cell is not None and isinstance(cell, str) and norm_heading(cell) in keys)


def find_header_row(frame: pd.DataFrame, spec: SheetSpec) -> int | None:
    """Index (0-based) of the row that holds the headings, or None when no row looks like a header."""
    best, best_score = None, 0
    for idx in range(min(HEADER_SEARCH_ROWS, len(frame))):
        row = [v if isinstance(v, str) else None for v in frame.iloc[idx].tolist()]
        score = header_score(row, spec)
        if score > best_score:
            best, best_score = idx, score
    needed = max(2, sum(1 for c in spec.columns if c.required) // 2)
    return best if best_score >= needed else None


def read_sheet(reader: fastexcel.ExcelReader, sheet_name: str, spec: SheetSpec) -> RawSheet | None:
    frame = _load_text(reader, sheet_name)
    header_idx = find_header_row(frame, spec)
    if header_idx is None:
        return None
    headings = ["" if not isinstance(v, str) else v for v in frame.iloc[header_idx].tolist()]
    data = frame.iloc[header_idx + 1 :].copy()
    data.columns = range(data.shape[1])
    data = data.where(data.notna(), None)
    # Cells holding only spaces are blank too.
    data = data.apply(lambda col: col.map(lambda v: None if v is None or (isinstance(v, str) and not v.strip()) else v))
    excel_rows = pd.Series(range(header_idx + 2, header_idx + 2 + len(data)), index=data.index)
    blank = data.isna().all(axis=1)
    data, excel_rows = data[~blank], excel_rows[~blank]
    return RawSheet(sheet_name, header_idx + 1, headings, data.reset_index(drop=True),
                    excel_rows.reset_index(drop=True), int(blank.sum()))


def recognise(reader: fastexcel.ExcelReader, specs: dict[str, ReturnSpec]) -> tuple[ReturnSpec, dict[str, str]] | None:
    """Which return this workbook is, from its sheets: the spec matching most sheets, and sheet key -> sheet name."""
    best: tuple[int, ReturnSpec, dict[str, str]] | None = None
    for spec in specs.values():
        found: dict[str, str] = {}
        for sheet_spec in spec.sheets:
            match = next((n for n in reader.sheet_names if sheet_name_matches(n, sheet_spec)), None)
            if match is not None:
                found[sheet_spec.key] = match
        if found and (best is None or len(found) > best[0]):
            best = (len(found), spec, found)
    if best is None:
        # Sheet names say nothing (e.g. "Sheet1"): recognise the return from a sheet's headings instead.
        for spec in specs.values():
            for sheet_spec in spec.sheets:
                for name in reader.sheet_names:
                    frame = _load_text(reader, name).head(HEADER_SEARCH_ROWS)
                    if find_header_row(frame, sheet_spec) is not None:
                        return spec, {sheet_spec.key: name}
        return None
    return best[1], best[2]
