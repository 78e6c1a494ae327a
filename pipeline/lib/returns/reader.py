"""Opening agencies' workbooks with fastexcel (calamine) and finding each list's sheet and header row.

Every way a file can fail to open becomes a ReturnFileError whose message says what is wrong and
how to fix it, so the analyst can forward it to the agency as it stands.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.lib.returns.limits import FORMULA_MARKS
from pipeline.lib.returns.normalise import _ascii_fold, norm_heading
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


def _loaded(reader: fastexcel.ExcelReader, sheet_name: str) -> tuple[pd.DataFrame, int]:
    """The sheet as `_load` gives it, taken from the recognition's cache when the recognition read it already."""
    cache = getattr(reader, _CACHE, None)
    if cache is not None and sheet_name in cache:
        return cache.pop(sheet_name)
    return _load(reader, sheet_name)


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
                    if any(mark in tail + chunk[:8] or mark in chunk for mark in FORMULA_MARKS):
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


def read_sheet(reader: fastexcel.ExcelReader, sheet_name: str, spec: SheetSpec, path: Path | None = None,
               has_formulas: bool = True) -> RawSheet | None:
    """One list's sheet: the header row found, data rows below it as text, blank rows dropped and counted.

    With `path` (an .xlsx/.xlsm), formula cells are also looked for in the sheet's XML, unless a scan of it
    (limits.scan_part) found no formula tag at all (`has_formulas=False`).
    """
    scan = FormulaScan()
    if path is not None and has_formulas and path.suffix.lower() in (".xlsx", ".xlsm"):
        scan = scan_formulas(path, sheet_name)
    frame, first_column = _loaded(reader, sheet_name)
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
    if problems:   # renumber past the dropped blank rows (a dict per row only when a cell needs it: rare)
        new_pos = {int(p): i for i, p in enumerate(keep)}
        problems = {(new_pos[p], c): v for (p, c), v in problems.items()}
    data = data.iloc[keep].reset_index(drop=True)
    return RawSheet(sheet_name, header_idx + 1, headings, data, pd.Series(excel_rows[keep]),
                    int(len(nonblank) - nonblank.sum()), problems, scan.with_values, first_column)




# ---- which sheet is which list ---------------------------------------------------------------------------------
#
# A sheet is scored against every list of every return on its name and its headings together:
#   * a list number in the name ('List 5', 'LIST5 - S47', 'list 5 -S47 ICPC') decides: List 5 is only ever list 5;
#   * otherwise the name's words (never substrings: 'CP' is not in 'ICPC') against each list's names;
#   * and the headings: how many of the list's columns a row near the top names (title rows above are fine).
# Each list reads its best sheet; every other sheet is accounted for as not read, with the reason.

_CACHE = "_intake_sheet_cache"      # sheet name -> (frame, first column), loaded once for recognition and reading
_LIST_NUMBER = re.compile(r"(?i)(?<![a-z])list\s*[-_#.:]?\s*(\d{1,3})(?!\d)")
_NOTES_WORDS = {"note", "guidance", "readme", "read", "instruction", "cover", "content", "lookup", "dropdown",
                "drop", "validation", "code", "info", "information", "about", "change", "version", "summary",
                "front", "glossary", "definition", "help", "pivot", "chart"}
NAME_NUMBER_SCORE = 1000    # the list number in the name: beats any heading evidence
NAME_WORDS_SCORE = 100      # a list's name in words: beats headings alone


@dataclass(frozen=True)
class SheetFate:
    """What became of one sheet of a workbook: read as a list, or not read and why.

    fate: 'read' | 'not_read'. list_key: the list read, or for a sheet not read the list it was taken for
    (a duplicate, a list number this return does not have is None). reason (not read only): 'duplicate',
    'unknown_list', 'ambiguous', 'other_return', 'notes', 'empty', 'unrecognised'. severity: 'error' when a
    list's rows may be in the sheet and were not loaded, 'info' for a notes or empty sheet.
    """

    sheet: str
    fate: str
    list_key: str | None = None
    reason: str | None = None
    severity: str | None = None
    message: str | None = None


@dataclass
class Recognition:
    spec: ReturnSpec
    chosen: dict[str, str]          # list key -> sheet name read
    fates: list[SheetFate]          # one per sheet of the workbook, in workbook order


def _word(token: str) -> str:
    return token[:-1] if len(token) > 3 and token.endswith("s") else token   # 'Contacts' is 'Contact'


def name_words(text: str) -> list[str]:
    """'List 5 - S47 and ICPC' -> ['list', '5', 's47', 'and', 'icpc']: whole words, case and plural ignored."""
    return [_word(t) for t in re.findall(r"[a-z0-9]+", _ascii_fold(text).lower())]


def list_number_in(name: str) -> int | None:
    match = _LIST_NUMBER.search(name)
    return int(match.group(1)) if match else None


def _contains(words: list[str], phrase: list[str]) -> bool:
    k = len(phrase)
    return k > 0 and any(words[i:i + k] == phrase for i in range(len(words) - k + 1))


def name_score(sheet_name: str, spec: SheetSpec) -> int | None:
    """How strongly the name says this list: NAME_NUMBER_SCORE, NAME_WORDS_SCORE + words, 0, or None (never)."""
    number = list_number_in(sheet_name)
    if number is not None and spec.list_number is not None:
        return NAME_NUMBER_SCORE if number == spec.list_number else None
    words = name_words(sheet_name)
    best = 0
    for wanted in spec.sheet_names:
        if list_number_in(wanted) is not None:
            continue   # 'List 5' in the spec is the number rule above
        phrase = name_words(wanted)
        if _contains(words, phrase):
            best = max(best, NAME_WORDS_SCORE + len(phrase))
    return best


def sheet_name_matches(sheet_name: str, spec: SheetSpec) -> bool:
    """'List 1', 'LIST1 - Contacts' and 'Contacts' match list 1; 'List 10' and 'List 1 ' of another list do not."""
    return bool(name_score(sheet_name, spec))


_HEADING_COLUMNS: dict[int, tuple[SheetSpec, dict[str, str]]] = {}


def _heading_columns(spec: SheetSpec) -> dict[str, str]:
    """Normalised heading (or alias) -> column name, computed once per spec."""
    hit = _HEADING_COLUMNS.get(id(spec))
    if hit is None or hit[0] is not spec:
        hit = _HEADING_COLUMNS[id(spec)] = (spec, {key: c.name for c in spec.columns for key in c.heading_keys()})
    return hit[1]


def _normalised(rows: list[list[object]]) -> list[list[str]]:
    """Each row's text cells as normalised headings: done once per sheet, then scored against every list of every
    return (normalising per list cost ~5 s of a large authority's 20 s year: 280,000 calls for 16 workbooks)."""
    return [[norm_heading(cell) for cell in row if isinstance(cell, str)] for row in rows]


def header_score(row: list[str], spec: SheetSpec) -> int:
    """How many of the list's columns the row (normalised headings) names (each column once, however often)."""
    keys = _heading_columns(spec)
    return len({keys[k] for k in row if k in keys})


def _needed(spec: SheetSpec) -> int:
    return max(2, sum(1 for c in spec.columns if c.required) // 2)


def _top_rows(frame: pd.DataFrame) -> list[list[object]]:
    top = frame.iloc[:HEADER_SEARCH_ROWS]
    # column by column, then turned into rows: astype(object).itertuples cost ~6 ms a sheet, most of recognising it
    columns = [[v if isinstance(v, str) else None for v in top.iloc[:, i].tolist()] for i in range(top.shape[1])]
    return [list(row) for row in zip(*columns)] if columns else [[] for _ in range(len(top))]


def _best_header(rows: list[list[str]], spec: SheetSpec) -> tuple[int | None, int]:
    best, best_score = None, 0
    for idx, row in enumerate(rows):
        score = header_score(row, spec)
        if score > best_score:
            best, best_score = idx, score
    return best, best_score


def find_header_row(frame: pd.DataFrame, spec: SheetSpec) -> int | None:
    """Index (0-based) of the row that holds the headings, or None when no row looks like a header."""
    best, score = _best_header(_normalised(_top_rows(frame)), spec)
    return best if score >= _needed(spec) else None


def recognise_sheets(reader: fastexcel.ExcelReader, specs: dict[str, ReturnSpec]) -> Recognition | None:
    """Which return the workbook is, which sheet is each of its lists, and the fate of every sheet.

    None when no sheet is any list of any return. Each sheet is loaded once: the loads are kept on the reader
    for `read_sheet`, so recognising by headings costs no second read of a sheet that is then read.
    """
    cache: dict[str, tuple[pd.DataFrame, int]] = {}
    tops: dict[str, list[list[object]]] = {}
    headings: dict[str, list[list[str]]] = {}
    for name in reader.sheet_names:
        try:
            cache[name] = _load(reader, name)
            tops[name] = _top_rows(cache[name][0])
        except Exception:  # noqa: BLE001 - a sheet calamine cannot parse is recognised by its name alone
            tops[name] = []
        headings[name] = _normalised(tops[name])
    setattr(reader, _CACHE, cache)

    # score[spec][sheet][list key] = name + heading evidence; a sheet with no evidence for a list is left out
    best: tuple[tuple[int, int], ReturnSpec, dict[str, dict[str, int]]] | None = None
    per_spec: dict[str, dict[str, dict[str, int]]] = {}
    for spec in specs.values():
        scores: dict[str, dict[str, int]] = {}
        for name in reader.sheet_names:
            notes = bool(set(name_words(name)) & _NOTES_WORDS)   # a 'Codes' sheet's headings name columns too
            for sheet_spec in spec.sheets:
                by_name = name_score(name, sheet_spec)
                if by_name is None:
                    continue
                _, by_headings = _best_header(headings[name], sheet_spec)
                if by_name or (by_headings >= _needed(sheet_spec) and not notes):
                    scores.setdefault(name, {})[sheet_spec.key] = by_name + by_headings
        per_spec[spec.return_type] = scores
        assigned = {max(s, key=s.get) for s in scores.values() if s}
        rank = (len(assigned), sum(max(s.values()) for s in scores.values() if s))
        if scores and (best is None or rank > best[0]):
            best = (rank, spec, scores)
    if best is None:
        return None
    _, spec, scores = best
    titles = {s.key: s.title for s in spec.sheets}

    # each sheet goes to its best list (never to a second choice: a stale copy of List 1 is not List 3)
    goes_to: dict[str, str] = {}
    ambiguous: dict[str, list[str]] = {}
    elsewhere: dict[str, ReturnSpec] = {}
    for name, by_list in scores.items():
        top = max(by_list.values())
        other = max(((max(per_spec[o.return_type][name].values()), o) for o in specs.values()
                     if o is not spec and per_spec[o.return_type].get(name)), default=None, key=lambda t: t[0])
        if other is not None and other[0] > top:   # a missing-episodes sheet left in the Annex A workbook
            elsewhere[name] = other[1]
            continue
        tied = [k for k, v in by_list.items() if v == top]
        if len(tied) == 1:
            goes_to[name] = tied[0]
        else:
            ambiguous[name] = tied
    chosen: dict[str, str] = {}
    for key in (s.key for s in spec.sheets):
        candidates = [n for n in reader.sheet_names if goes_to.get(n) == key]
        if candidates:   # the best score; on a tie, the first in the workbook
            chosen[key] = max(candidates, key=lambda n: (scores[n][key], -reader.sheet_names.index(n)))

    fates = []
    list_numbers = {s.list_number for s in spec.sheets if s.list_number is not None}
    for name in reader.sheet_names:
        key = goes_to.get(name)
        if key is not None and chosen.get(key) == name:
            fates.append(SheetFate(name, "read", key))
        elif key is not None:
            fates.append(SheetFate(name, "not_read", key, "duplicate", "error",
                                   f"Sheet '{name}' also looks like {titles[key]}, and only one sheet per list is read: "
                                   f"the sheet read was '{chosen[key]}', so this sheet's rows were not loaded. Put all "
                                   "the list's rows on one sheet and delete the copy, or name the sheet for its own list."))
        elif name in ambiguous:
            lists = " or ".join(titles[k] for k in ambiguous[name])
            fates.append(SheetFate(name, "not_read", None, "ambiguous", "error",
                                   f"Sheet '{name}' could be {lists}: its name does not say which and its headings fit "
                                   "each equally, so it was not read. Name the sheet for its list (e.g. 'List 3')."))
        else:
            fates.append(_not_a_list(name, tops[name], list_numbers, elsewhere.get(name), spec))
    return Recognition(spec, chosen, fates)


def _not_a_list(name: str, top: list[list[object]], list_numbers: set[int], other: ReturnSpec | None,
                spec: ReturnSpec) -> SheetFate:
    number = list_number_in(name)
    if number is not None and list_numbers and number not in list_numbers:
        known = ", ".join(str(n) for n in sorted(list_numbers))
        return SheetFate(name, "not_read", None, "unknown_list", "error",
                         f"Sheet '{name}' is named as list {number}, which is not a list of {spec.title} "
                         f"(lists {known}), so it was not read. Check the sheet's name against the template.")
    if other is not None:
        return SheetFate(name, "not_read", None, "other_return", "error",
                         f"Sheet '{name}' looks like the {other.title} return, which is filed as a workbook of its "
                         f"own; it was not read with {spec.title}. Send it as a separate file.")
    filled = any(v is not None for row in top for v in row)
    if not filled:
        return SheetFate(name, "not_read", None, "empty", "info", f"Sheet '{name}' is empty.")
    if set(name_words(name)) & _NOTES_WORDS:
        return SheetFate(name, "not_read", None, "notes", "info",
                         f"Sheet '{name}' is a notes or guidance sheet, not a list; it was not read.")
    return SheetFate(name, "not_read", None, "unrecognised", "warning",
                     f"Sheet '{name}' is not a list of {spec.title}: neither its name nor its headings match one, so "
                     "it was not read. If it holds a list's rows, give it the list's name and headings from the template.")


def sheet_fates(reader: fastexcel.ExcelReader, specs: dict[str, ReturnSpec]) -> list[SheetFate]:
    """The fate of every sheet (for raw_sheets), from the recognition already made on this reader."""
    recognition = getattr(reader, "_intake_recognition", None) or recognise_sheets(reader, specs)
    return recognition.fates if recognition else [SheetFate(n, "not_read", None, "unrecognised", "warning")
                                                  for n in reader.sheet_names]


def recognise(reader: fastexcel.ExcelReader, specs: dict[str, ReturnSpec]) -> tuple[ReturnSpec, dict[str, str]] | None:
    """Which return this workbook is, from its sheets, and list key -> the sheet read (see `recognise_sheets`)."""
    recognition = recognise_sheets(reader, specs)
    reader._intake_recognition = recognition
    return None if recognition is None else (recognition.spec, recognition.chosen)


def duplicate_sheets(reader: fastexcel.ExcelReader, spec: ReturnSpec, chosen: dict[str, str]) -> dict[str, list[str]]:
    """List key -> the other sheets taken for that list and therefore not read (reported by name)."""
    recognition = getattr(reader, "_intake_recognition", None)
    if recognition is None or recognition.spec is not spec:
        recognition = recognise_sheets(reader, {spec.return_type: spec})
    out: dict[str, list[str]] = {}
    for fate in recognition.fates if recognition else []:
        if fate.reason == "duplicate":
            out.setdefault(fate.list_key, []).append(fate.sheet)
    return out
