"""Opening agencies' workbooks with fastexcel (calamine) and finding each list's sheet and header row.

Every way a file can fail to open becomes a ReturnFileError whose message says what is wrong and
how to fix it, so the analyst can forward it to the agency as it stands.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import numpy as np
import pandas as pd
import pyarrow as pa

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
    frame: pd.DataFrame             # one column per heading, values as text (Arrow strings, NA for blank)
    excel_rows: pd.Series           # 1-based Excel row number per frame row
    blank_rows: int                 # blank rows skipped below the header
    # (frame row position, frame column index) -> (rule, what the cell shows), for cells whose value
    # cannot be read at all, e.g. a formula saved without its result. Validation quarantines those rows.
    cell_problems: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    formulas_with_values: int = 0   # formula cells whose saved result was used
    first_column: int = 0           # sheet column (0 = A) of the frame's first column

    def column_letter(self, frame_column: int) -> str:
        return column_letter(self.first_column + frame_column)


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
        encoding = _text_encoding(path.read_bytes()[:4096])
        if encoding and suffix in (".xlsx", ".xlsm"):
            how = "" if encoding == "utf-8" else f", in the {encoding} encoding rather than UTF-8"
            raise ReturnFileError(
                "csv_named_xlsx",
                f"{path.name}: the file is text (probably a CSV{how}) saved with an .xlsx name. Open it in Excel and use "
                "File > Save As > 'Excel Workbook (*.xlsx)', or send the returns template filled in.",
            )
        raise ReturnFileError("not_a_workbook", f"{path.name}: this is not an Excel workbook (.xlsx). "
                              "Returns must be sent as Excel workbooks made from the template.")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except zipfile.BadZipFile:
        raise ReturnFileError("corrupt_file", f"{path.name}: the workbook is damaged (not a complete .xlsx file). "
                              "Ask the agency to save it again from Excel and resend it.") from None
    # No zf.testzip(): it inflates every part (0.4 s on a 300,000-row sheet) only to check CRCs; a damaged
    # part makes calamine fail instead, and that is reported as 'unreadable_workbook'.
    if "xl/workbook.xml" not in names:
        raise ReturnFileError("not_a_workbook", f"{path.name}: this zip file is not an Excel workbook. "
                              "Returns must be sent as Excel workbooks (.xlsx).")


def _text_encoding(head: bytes) -> str | None:
    """'utf-8' or 'Windows-1252' when the bytes read as text (a CSV or TXT), None when they look binary."""
    if not head or b"\0" in head:
        return None
    for encoding, codec in (("utf-8", "utf-8"), ("Windows-1252", "cp1252")):
        try:
            text = head.decode(codec)
        except UnicodeDecodeError:
            # A multi-byte character cut at the end of the sample is still UTF-8.
            if codec == "utf-8" and len(head) >= 4096:
                try:
                    text = head[:-3].decode(codec)
                except UnicodeDecodeError:
                    continue
            else:
                continue
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
        return encoding if controls <= len(text) // 100 else None
    return None


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


# calamine's names for Excel's error values -> what Excel shows in the cell
_EXCEL_ERROR_TEXT = {"NA": "#N/A", "Ref": "#REF!", "Value": "#VALUE!", "Div0": "#DIV/0!", "Name": "#NAME?",
                     "Num": "#NUM!", "Null": "#NULL!", "GettingData": "#GETTING_DATA"}
_CELL_ERROR = re.compile(r"Error\((\w+)\)")


def _load(reader: fastexcel.ExcelReader, sheet_name: str) -> tuple[pd.DataFrame, int]:
    """The whole sheet as text (Arrow string columns, NA for blank), and the sheet column of its first column.

    Rows are kept from row 1 (`skip_rows=0`) so frame position + 1 is the Excel row even when the
    sheet starts with blank rows. Cells holding only spaces are blank (done in calamine, not per cell
    in Python). Excel error cells (#N/A, #REF!) come back from calamine as blanks plus a list of cell
    errors; their text is put back so that they are reported as errors, not as missing values.
    """
    sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0, whitespace_as_null=True)
    table, cell_errors = sheet.to_arrow_with_errors()
    columns = {i: table.column(i) for i in range(table.num_columns)}
    if cell_errors is not None:
        by_column: dict[int, list[tuple[int, str]]] = {}
        for err in cell_errors.errors:
            row, col = err.position
            match = _CELL_ERROR.search(err.detail)
            if match and col in columns:
                by_column.setdefault(col, []).append((row, _EXCEL_ERROR_TEXT.get(match.group(1), f"#{match.group(1).upper()}")))
        for col, cells in by_column.items():
            values = columns[col].to_pylist()
            for row, text in cells:
                values[row] = text
            columns[col] = pa.array(values, type=pa.string())
    # Arrow-backed text columns: no Python object per cell; the parsers work on each column's distinct values.
    frame = pd.DataFrame({i: pd.Series(pd.arrays.ArrowExtensionArray(col), copy=False) for i, col in columns.items()})
    info = sheet.available_columns()
    first_column = info[0].absolute_index if info else 0
    return frame, first_column


def column_letter(index: int) -> str:
    """0 -> 'A', 27 -> 'AB'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_FORMULA_MARKS = (b"<f>", b"<f ", b"<f/>", b":f>", b":f ")
_CELL = re.compile(r'<(?:\w+:)?c\s+r="([A-Z]+)(\d+)"[^>]*?(?:/>|>(.*?)</(?:\w+:)?c>)', re.DOTALL)
_FORMULA = re.compile(r"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.DOTALL)
_VALUE = re.compile(r"<(?:\w+:)?v>([^<]+)</(?:\w+:)?v>")


def _sheet_part(zf: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip member holding a sheet, from xl/workbook.xml and its relationships."""
    try:
        book = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return None
    rid = next((s.get(f"{_NS_REL}id") for s in book.iter(f"{_NS_MAIN}sheet") if s.get("name") == sheet_name), None)
    target = next((r.get("Target") for r in rels if r.get("Id") == rid), None)
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


@dataclass
class FormulaScan:
    with_values: int = 0
    without_values: list[tuple[int, int, str]] = field(default_factory=list)   # (Excel row, sheet column, formula)


def scan_formulas(path: Path, sheet_name: str) -> FormulaScan:
    """Formula cells of one sheet, read from the sheet's XML.

    calamine gives a formula cell's saved result, which is what we want; but a workbook written by a
    program (not saved by Excel) may have formulas with no saved result, which calamine reads as a
    blank. Those must be reported as formulas, not as missing values. Most sheets have no formula at
    all: the XML is streamed and searched for a formula tag first (C speed), and parsed only if found.
    """
    scan = FormulaScan()
    try:
        with zipfile.ZipFile(path) as zf:
            part = _sheet_part(zf, sheet_name)
            if part is None:
                return scan
            with zf.open(part) as fh:
                tail, found = b"", False
                while chunk := fh.read(1 << 23):
                    if any(mark in tail + chunk[:8] or mark in chunk for mark in _FORMULA_MARKS):
                        found = True
                        break
                    tail = chunk[-8:]
            if not found:
                return scan
            xml = zf.read(part).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        return scan
    for match in _CELL.finditer(xml):
        letters, row, body = match.group(1), int(match.group(2)), match.group(3) or ""
        formula = _FORMULA.search(body)
        if formula is None:
            continue
        if _VALUE.search(body):
            scan.with_values += 1
        else:
            text = (formula.group(1) or "(shared formula)").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
            scan.without_values.append((row, _column_index(letters), "=" + text if formula.group(1) else text))
    return scan


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


def read_sheet(reader: fastexcel.ExcelReader, sheet_name: str, spec: SheetSpec, path: Path | None = None) -> RawSheet | None:
    """One list's sheet: the header row found, data rows below it as text, blank rows dropped and counted.

    With `path` (an .xlsx/.xlsm), formula cells are also looked for in the sheet's XML, alongside the read.
    """
    scan = FormulaScan()
    scanner = None
    if path is not None and path.suffix.lower() in (".xlsx", ".xlsm"):
        def run() -> None:
            nonlocal scan
            scan = scan_formulas(path, sheet_name)
        scanner = threading.Thread(target=run, daemon=True)  # calamine releases the GIL: the scan is ~free
        scanner.start()
    frame, first_column = _load(reader, sheet_name)
    if scanner is not None:
        scanner.join()
    header_idx = find_header_row(frame, spec)
    if header_idx is None:
        return None
    headings = ["" if not isinstance(v, str) else v for v in frame.iloc[header_idx].tolist()]
    data = frame.iloc[header_idx + 1 :]
    data.columns = range(data.shape[1])
    excel_rows = np.arange(header_idx + 2, header_idx + 2 + len(data), dtype="int64")
    # Formula cells without a saved result: blank to calamine, so mark the cell and count its row as not blank.
    problems: dict[tuple[int, int], tuple[str, str]] = {}
    for row, column, formula in scan.without_values:
        pos, col = row - (header_idx + 2), column - first_column
        if 0 <= pos < len(data) and 0 <= col < data.shape[1]:
            problems[(pos, col)] = ("formula_no_value", formula)
    nonblank = np.zeros(len(data), dtype=bool)
    for col in data.columns:
        nonblank |= data[col].notna().to_numpy(dtype=bool)
    for pos, _ in problems:
        nonblank[pos] = True
    keep = np.flatnonzero(nonblank)
    new_pos = {int(p): i for i, p in enumerate(keep)}
    problems = {(new_pos[p], c): v for (p, c), v in problems.items()}
    data = data.iloc[keep].reset_index(drop=True)
    return RawSheet(sheet_name, header_idx + 1, headings, data, pd.Series(excel_rows[keep]),
                    int(len(nonblank) - nonblank.sum()), problems, scan.with_values, first_column)


def recognise(reader: fastexcel.ExcelReader, specs: dict[str, ReturnSpec]) -> tuple[ReturnSpec, dict[str, str]] | None:
    """Which return this workbook is, from its sheets: the spec matching most sheets, and sheet key -> sheet name.

    When several sheets match one list, the first in the workbook is read (see `duplicate_sheets`).
    """
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
                    frame = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0,
                                              n_rows=HEADER_SEARCH_ROWS).to_pandas()
                    frame.columns = range(frame.shape[1])
                    frame = frame.astype(object).where(frame.notna(), None)
                    if find_header_row(frame, sheet_spec) is not None:
                        return spec, {sheet_spec.key: name}
        return None
    return best[1], best[2]


def duplicate_sheets(reader: fastexcel.ExcelReader, spec: ReturnSpec, chosen: dict[str, str]) -> dict[str, list[str]]:
    """Sheet key -> the other sheets that also match that list and are therefore not read.

    Two sheets both called something like 'List 1' are usually an old copy left in the workbook, or the
    list split in two. Reading both would double-count or mix versions; reading neither would lose the
    return. So the first sheet (in workbook order) is read, and each other one is reported by name.
    """
    out: dict[str, list[str]] = {}
    for sheet_spec in spec.sheets:
        if sheet_spec.key not in chosen:
            continue
        taken = set(chosen.values())
        others = [n for n in reader.sheet_names if n not in taken and sheet_name_matches(n, sheet_spec)]
        if others:
            out[sheet_spec.key] = others
    return out
