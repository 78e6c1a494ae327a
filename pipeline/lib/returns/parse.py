"""Turning the text of a return's cells into typed values, one column at a time.

Each parser works on the column's unique values (a 300,000-row list has a few thousand distinct
dates), returns the typed column, a mask of cells it could not read with the reason, and the
mappings it applied so that none is silent.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.lib.pseudonymise import postcode_district
from pipeline.lib.returns.identifying import mask_identifying
from pipeline.lib.returns.normalise import clean_text
from pipeline.lib.returns.spec import CodeList, ColumnSpec

EXCEL_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#N/A N/A"}
EXCEL_EPOCH = dt.datetime(1899, 12, 30)

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")
_UK = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_SERIAL = re.compile(r"^\d{4,5}(?:\.\d+)?$")
_WORDY_FORMATS = ("%d %B %Y", "%d %b %Y", "%d-%b-%Y", "%d-%b-%y", "%d %B %y", "%d %b %y", "%A %d %B %Y")
_FLOAT_INT = re.compile(r"^-?\d+\.0+$")


@dataclass
class Parsed:
    values: pd.Series
    errors: pd.Series                    # rule code per row, None where the cell is fine
    mappings: list[dict] = field(default_factory=list)   # {kind, from_value, to_value, rows}
    details: pd.Series | None = None     # per row, words for the message (e.g. which codes were unknown)
    shown: pd.Series | None = None       # per row, what an issue may show of the cell (never an identifying value)


def as_arrow(raw: pd.Series) -> pa.Array:
    """A text column as one Arrow string array: zero-copy when it is Arrow-backed already (the reader's)."""
    if isinstance(raw.dtype, pd.ArrowDtype) and pa.types.is_string(raw.dtype.pyarrow_dtype):
        arr = pa.chunked_array(raw.array._pa_array) if hasattr(raw.array, "_pa_array") else pa.array(raw.array)
    else:
        values = [None if _blank(v) else (v if isinstance(v, str) else str(v)) for v in raw.to_numpy(dtype=object)]
        arr = pa.array(values, type=pa.string())
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _blank(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


class Uniques:
    """A column as its distinct values and, per row, the index of its value (-1 for blank).

    Work is done once per distinct value and spread back to the rows with one numpy take: a 300,000-row
    list has a few thousand distinct dates and a dozen distinct codes. The distinct values are found by
    Arrow's dictionary encoding (C++), and become Python strings only when asked for.
    """

    def __init__(self, raw: pd.Series):
        self.index = raw.index
        encoded = pc.dictionary_encode(as_arrow(raw))
        self.dictionary = encoded.dictionary
        self.codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        self._values: np.ndarray | None = None

    @property
    def values(self) -> np.ndarray:
        if self._values is None:
            self._values = np.asarray(self.dictionary.to_pylist(), dtype=object)
        return self._values

    def __len__(self) -> int:
        return len(self.dictionary)

    def counts(self) -> np.ndarray:
        return np.bincount(self.codes[self.codes >= 0], minlength=len(self))

    def search(self, pattern: str) -> np.ndarray:
        """Regex search over the distinct values, in C++."""
        return pc.fill_null(pc.match_substring_regex(self.dictionary, pattern), False).to_numpy(zero_copy_only=False)

    def take_strings(self, per_unique) -> pd.Series:
        """Per-unique text (None for blank) -> a string column, one per row, by Arrow's take (no object per row)."""
        values = pa.array([None if _blank(v) else str(v) for v in per_unique], type=pa.string())
        rows = pc.take(values, pa.array(self.codes, mask=self.codes < 0))
        return pd.Series(pd.arrays.ArrowExtensionArray(rows), index=self.index).astype("string")

    def take(self, per_unique, dtype=object, fill=None) -> pd.Series:
        """Per-unique results -> one per row; blank rows get `fill`."""
        arr = np.empty(len(self) + 1, dtype=dtype)
        arr[:-1] = per_unique
        arr[-1] = fill
        return pd.Series(arr[self.codes], index=self.index)  # code -1 picks the trailing fill


def is_excel_error(value: object) -> bool:
    return isinstance(value, str) and value[:1] in "# " and value.strip().upper() in EXCEL_ERRORS


def parse_date_text(text: str, with_time: bool = False) -> tuple[object, str | None, str | None]:
    """One cell's text -> (datetime or None, error rule, how it was read). UK day-first, never US month-first."""
    s = text.strip()
    if m := _ISO.match(s):
        y, mo, d, hh, mm, ss = m.groups()
        how = "iso"
    elif m := _UK.match(s):
        d, mo, y, hh, mm, ss = m.groups()
        if len(y) == 2:
            y = "20" + y if int(y) < 70 else "19" + y
        how = "uk_text"
    elif _SERIAL.match(s):
        serial = float(s)
        if not 1 <= serial < 2958466:
            return None, "invalid_date", None
        return EXCEL_EPOCH + dt.timedelta(days=serial), None, "excel_serial"
    else:
        for fmt in _WORDY_FORMATS:
            try:
                return dt.datetime.strptime(s, fmt), None, "text_words"
            except ValueError:
                continue
        return None, "invalid_date", None
    try:
        value = dt.datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        return None, "impossible_date", None
    return value, None, how


_EXCEL_CELL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")  # how calamine writes a date cell as text
_SIMPLE_ID = r"^[A-Za-z0-9][A-Za-z0-9_\-/]{0,39}$"      # already clean: no spaces, no odd characters
_CLEAN_TEXT = r"^[!-~]+(?: [!-~]+)*$"                  # printable ASCII, single spaces: clean_text is a no-op


def _cell_dates(dictionary: pa.Array) -> np.ndarray:
    """Distinct texts in calamine's form of a date cell ('2022-10-05 00:00:00') parsed in Arrow; NaT for the rest.

    Arrow's strptime rolls 2022-02-30 over to 2 March, so a parse is taken only when its year, month, day,
    hour, minute and second are the text's own: the rest (impossible dates, leap seconds, other forms) are left
    to parse_date_text, which says why. The same datetime the text parser gives, in C++.
    """
    form = pc.fill_null(pc.match_substring_regex(dictionary, _EXCEL_CELL_DATE.pattern), False)
    texts = pc.if_else(form, dictionary, pa.scalar(None, pa.string()))
    parsed = pc.strptime(texts, format="%Y-%m-%d %H:%M:%S", unit="us", error_is_null=True)
    same = form
    for part, (lo, hi) in ((pc.year, (0, 4)), (pc.month, (5, 7)), (pc.day, (8, 10)), (pc.hour, (11, 13)),
                           (pc.minute, (14, 16)), (pc.second, (17, 19))):
        written = pc.cast(pc.utf8_slice_codeunits(texts, lo, hi), pa.int64())
        same = pc.and_(same, pc.equal(pc.cast(part(parsed), pa.int64()), written))
    values = parsed.to_numpy(zero_copy_only=False).astype("datetime64[us]")
    values[~pc.fill_null(same, False).to_numpy(zero_copy_only=False)] = np.datetime64("NaT")
    return values


def parse_dates(raw: pd.Series, with_time: bool, today: dt.date) -> Parsed:
    u = Uniques(raw)
    n = len(u)
    values = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    rules = np.empty(n, dtype=object)
    hows: list[str | None] = [None] * n
    # Real date cells first, column-wise: most of a column's distinct values, each once through Python before.
    cell = _cell_dates(u.dictionary) if n else values
    quick = ~np.isnat(cell)
    day = cell.astype("datetime64[D]")
    too_old = quick & (day < np.datetime64("1900-01-01"))
    future = quick & ~too_old & (day > np.datetime64(today, "D"))
    fine = quick & ~too_old & ~future
    values[fine] = cell[fine]
    rules[too_old], rules[future] = "impossible_date", "future_date"
    for i in np.flatnonzero(quick):
        hows[i] = "iso"
    for i, text in enumerate(u.values):
        if quick[i]:
            continue
        if is_excel_error(text):
            rules[i] = "excel_error"
            continue
        value, rule, how = parse_date_text(str(text), with_time)
        if how == "iso" and not _EXCEL_CELL_DATE.match(str(text).strip()):
            how = "iso_text"
        if value is not None and value.year < 1900:
            value, rule = None, "impossible_date"
        if value is not None and value.date() > today:
            value, rule = None, "future_date"
        if value is not None:
            values[i] = np.datetime64(value, "us")
        rules[i], hows[i] = rule, how
    parsed = pd.Series(u.take(values, dtype="datetime64[us]", fill=np.datetime64("NaT")), index=raw.index)
    if not with_time:
        parsed = parsed.dt.normalize()
    errors = u.take(rules)
    counts = u.counts()
    mappings = []
    for how, kind in (("uk_text", "date_text_day_first"), ("excel_serial", "date_excel_number"),
                      ("text_words", "date_text_words"), ("iso_text", "date_text_iso")):
        chosen = np.flatnonzero((np.asarray(hows, dtype=object) == how) & ~np.isnat(values))
        if len(chosen):
            example = chosen[0]
            mappings.append({"kind": kind, "from_value": f"e.g. {u.values[example]}",
                             "to_value": f"{pd.Timestamp(values[example]):%Y-%m-%d}",
                             "rows": int(counts[chosen].sum())})
    return Parsed(parsed, errors, mappings)


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").strip())
    except ValueError:
        return None


def parse_numbers(raw: pd.Series, integer: bool) -> Parsed:
    u = Uniques(raw)
    numbers = np.full(len(u), np.nan)
    rules = np.empty(len(u), dtype=object)
    for i, text in enumerate(u.values):
        if is_excel_error(text):
            rules[i] = "excel_error"
            continue
        number = _number(str(text))
        if number is None or np.isnan(number) or np.isinf(number):
            rules[i] = "not_a_number"
        elif integer and number % 1 != 0:
            rules[i] = "not_whole_number"
        else:
            numbers[i] = number
    numeric = pd.Series(u.take(numbers, dtype="float64", fill=np.nan), index=raw.index)
    errors = u.take(rules)
    if integer:
        return Parsed(numeric.astype("Int64"), errors)
    return Parsed(numeric.astype("Float64"), errors)


def parse_codes(raw: pd.Series, codes: CodeList) -> Parsed:
    u = Uniques(raw)
    matched = [None if is_excel_error(v) else codes.match(str(v)) for v in u.values]
    rules = ["excel_error" if is_excel_error(v) else ("unknown_code" if m is None else None)
             for v, m in zip(u.values, matched)]
    canonical = {c.code: (c.annex_a or c.code) for c in codes.codes}
    counts = u.counts()
    # Report only mappings that changed the form: 'Female' -> F is news; 'b) Female' -> F is the standard form.
    mappings = [{"kind": f"code:{codes.name}", "from_value": str(src), "to_value": str(dst), "rows": int(k)}
                for src, dst, k in zip(u.values, matched, counts)
                if dst is not None and str(src).strip() not in (canonical.get(dst), dst)]
    return Parsed(u.take_strings(matched), u.take(np.array(rules, dtype=object)), mappings)


def _no_errors(raw: pd.Series) -> pd.Series:
    return pd.Series(np.full(len(raw), None, dtype=object), index=raw.index)


def _as_string(raw: pd.Series) -> pd.Series:
    return pd.Series(pd.arrays.ArrowExtensionArray(as_arrow(raw)), index=raw.index).astype("string")


def parse_child_ids(raw: pd.Series) -> Parsed:
    u = Uniques(raw)
    slow = ~u.search(_SIMPLE_ID)
    if not slow.any():  # the usual case: every ID already clean, kept as it is, in Arrow
        return Parsed(_as_string(raw), _no_errors(raw))
    fixed = u.values.copy()
    rules = np.empty(len(u), dtype=object)
    floaty_rows = 0
    counts = u.counts()
    for i in np.flatnonzero(slow):
        value = fixed[i]
        if is_excel_error(value):
            fixed[i], rules[i] = None, "excel_error"
            continue
        text = clean_text(str(value))
        if _FLOAT_INT.match(text):
            text = text.split(".")[0]
            floaty_rows += int(counts[i])
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_\-/ ]{0,39}", text):
            fixed[i], rules[i] = None, "invalid_child_id"
        else:
            fixed[i] = text
    mappings = []
    if floaty_rows:
        mappings.append({"kind": "child_id_float", "from_value": "IDs typed as numbers, e.g. '123.0'",
                         "to_value": "'123'", "rows": floaty_rows})
    return Parsed(u.take_strings(fixed), u.take(rules), mappings)


def parse_text(raw: pd.Series) -> Parsed:
    u = Uniques(raw)
    slow = ~u.search(_CLEAN_TEXT) | u.search(r"^\s*#")
    if not slow.any():
        return Parsed(_as_string(raw), _no_errors(raw))
    cleaned = u.values.copy()
    rules = np.empty(len(u), dtype=object)
    for i in np.flatnonzero(slow):
        value = cleaned[i]
        if is_excel_error(value):
            cleaned[i], rules[i] = None, "excel_error"
        else:
            cleaned[i] = clean_text(str(value))
    return Parsed(u.take_strings(cleaned), u.take(rules))


def parse_postcodes(raw: pd.Series) -> Parsed:
    u = Uniques(raw)
    districts = np.array([None if is_excel_error(v) else postcode_district(v) for v in u.values], dtype=object)
    rules = np.array(["excel_error" if is_excel_error(v) else ("invalid_postcode" if d is None else None)
                      for v, d in zip(u.values, districts)], dtype=object)
    values = u.take(districts)
    return Parsed(values.astype("string"), u.take(rules),
                  [{"kind": "postcode_to_district", "from_value": "full postcodes", "to_value": "district only",
                    "rows": int(values.notna().sum())}] if values.notna().any() else [])


# ---- the learning and assurance registers' column types ------------------------------------------------------

_LIST_SEPARATORS = re.compile(r"\s*[;|\n]\s*")


def parse_multi_codes(raw: pd.Series, codes: CodeList) -> Parsed:
    """Several codes in one cell ('Neglect; Domestic abuse'), stored as their codes joined by '; '.

    Separators are ';', '|' or a new line; a piece that is not a code but splits on commas into codes is read
    that way (and reported). An unknown piece is left out with a warning naming it: the rest of the cell, and
    the row, still count.
    """
    u = Uniques(raw)
    n = len(u)
    stored = np.empty(n, dtype=object)
    rules = np.empty(n, dtype=object)
    details = np.empty(n, dtype=object)
    comma_rows = 0
    counts = u.counts()
    for i, value in enumerate(u.values):
        if is_excel_error(value):
            rules[i] = "excel_error"
            continue
        found: list[str] = []
        unknown: list[str] = []
        for piece in (p.strip() for p in _LIST_SEPARATORS.split(str(value))):
            if not piece:
                continue
            code = codes.match(piece)
            if code is None and "," in piece:
                parts = [codes.match(x.strip()) for x in piece.split(",") if x.strip()]
                if parts and all(parts):
                    found += [c for c in parts if c not in found]
                    comma_rows += int(counts[i])
                    continue
            if code is None:
                unknown.append(piece)
            elif code not in found:
                found.append(code)
        stored[i] = "; ".join(found) if found else None
        if unknown:
            rules[i] = "unknown_code_in_list"
            details[i] = ", ".join(f"'{x}'" for x in unknown)
    mappings = []
    if comma_rows:
        mappings.append({"kind": f"codes:{codes.name}", "from_value": "codes separated by commas",
                         "to_value": "read as separate codes", "rows": comma_rows})
    return Parsed(u.take(stored).astype("string"), u.take(rules), mappings, details=u.take(details))


_REFERENCE_CHILD_PREFIX = re.compile(r"(?i)^child\s+")
_REFERENCE_SEPARATORS = re.compile(r"\s*[\s_/]\s*|\s*-\s*")


def parse_references(raw: pd.Series, column: ColumnSpec) -> Parsed:
    """A published case or audit reference, checked against the column's `pattern`.

    Tolerant of a leading 'Child ' ('Child SD' is SD) and of spaces, slashes or underscores between its parts
    ('RR 2022/03' is RR-2022-03), both reported. A value of any other shape (a name, initials with dots, a date
    of birth, a case-management ID) is refused, and never shown in the feedback or stored: it may identify a child.
    """
    pattern = re.compile(column.pattern or r"^[A-Z][A-Z0-9\-]{0,19}$")
    u = Uniques(raw)
    n = len(u)
    stored = np.empty(n, dtype=object)
    rules = np.empty(n, dtype=object)
    tidied_rows = 0
    counts = u.counts()
    for i, value in enumerate(u.values):
        if is_excel_error(value):
            rules[i] = "excel_error"
            continue
        text = clean_text(str(value))
        tidy = _REFERENCE_SEPARATORS.sub("-", _REFERENCE_CHILD_PREFIX.sub("", text))
        if pattern.fullmatch(tidy):
            stored[i] = tidy
            if tidy != text:
                tidied_rows += int(counts[i])
        else:
            rules[i] = "invalid_reference"
    mappings = []
    if tidied_rows:
        mappings.append({"kind": "reference_tidied", "from_value": "references with 'Child ', spaces or slashes",
                         "to_value": "the reference alone, parts joined by '-'", "rows": tidied_rows})
    shown = pd.Series(np.where(pd.isna(raw), None, "(not shown: it may identify a child)"), index=raw.index)
    return Parsed(u.take(stored).astype("string"), u.take(rules), mappings, shown=shown)


def parse_free_text(raw: pd.Series) -> Parsed:
    """Agencies' words kept as text, with identifying details masked before anything is stored (warned)."""
    base = parse_text(raw)
    u = Uniques(base.values)
    masked = np.empty(len(u), dtype=object)
    rules = np.empty(len(u), dtype=object)
    details = np.empty(len(u), dtype=object)
    for i, value in enumerate(u.values):
        text, kinds = mask_identifying(str(value))
        masked[i] = text
        if kinds:
            rules[i] = "identifying_text_masked"
            said = [f"{'an' if k[0] in 'aeiouNE' else 'a'} {k} (now [{k}])" for k in kinds]
            details[i] = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    values = u.take(masked).astype("string")
    errors = base.errors.where(base.errors.notna(), u.take(rules))
    shown = values.map(lambda v: None if pd.isna(v) else (v if len(v) <= 200 else v[:197] + "..."))
    shown = shown.where(base.errors != "excel_error", raw)   # an Excel error is shown as the error it is
    return Parsed(values, errors, base.mappings, details=u.take(details), shown=shown)


_QUARTER_FY_FIRST = re.compile(r"(?i)^(?:fy\s*)?(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*[-,]?\s*q(?:uarter)?\s*([1-4])$")
_QUARTER_Q_FIRST = re.compile(r"(?i)^q(?:uarter)?\s*([1-4])\s*[-,]?\s*(?:fy\s*)?(\d{4})\s*[-/]\s*(\d{2}|\d{4})$")


def quarter_start(fy_start_year: int, number: int) -> dt.date:
    """First day of financial quarter `number` (Q1 = April-June) of the year starting in `fy_start_year`."""
    return dt.date(fy_start_year + (number == 4), (3 * number) % 12 + 1, 1)


def _quarter_of(text: str, today: dt.date) -> tuple[dt.date | None, str | None, dt.date | None]:
    """(first day of the quarter, error rule, the date it was read from) for '2022-23 Q1', 'Q1 2022/23' or a date."""
    s = text.strip()
    for pattern, order in ((_QUARTER_FY_FIRST, (0, 1, 2)), (_QUARTER_Q_FIRST, (1, 2, 0))):
        if m := pattern.match(s):
            start, end, number = (m.group(k + 1) for k in order)
            first = int(start)
            if int(end[-2:]) != (first + 1) % 100:
                return None, "invalid_quarter", None
            day = quarter_start(first, int(number))
            return (day, None, None) if day <= today else (None, "future_date", None)
    value, rule, _ = parse_date_text(s)
    if value is None:
        return None, ("invalid_quarter" if rule == "invalid_date" else rule), None
    day = value.date()
    if day > today:
        return None, "future_date", None
    fy = day.year if day.month >= 4 else day.year - 1
    return quarter_start(fy, (day.month - 4) % 12 // 3 + 1), None, day


def parse_quarters(raw: pd.Series, today: dt.date) -> Parsed:
    u = Uniques(raw)
    values = np.full(len(u), np.datetime64("NaT"), dtype="datetime64[us]")
    rules = np.empty(len(u), dtype=object)
    moved = 0
    counts = u.counts()
    for i, text in enumerate(u.values):
        if is_excel_error(text):
            rules[i] = "excel_error"
            continue
        first, rules[i], read_from = _quarter_of(str(text), today)
        if first is not None:
            values[i] = np.datetime64(first, "us")
            if read_from is not None and read_from != first:
                moved += int(counts[i])   # a date inside the quarter: stored as the quarter's first day
    mappings = [{"kind": "date_to_quarter", "from_value": "dates within a quarter",
                 "to_value": "the quarter's first day", "rows": moved}] if moved else []
    return Parsed(pd.Series(u.take(values, dtype="datetime64[us]", fill=np.datetime64("NaT")), index=raw.index),
                  u.take(rules), mappings)


def parse_indicators(raw: pd.Series, codes: CodeList) -> Parsed:
    """An indicator code from the catalogue. An unknown one is a warning, not a lost row: the action still counts."""
    parsed = parse_codes(raw, codes)
    errors = parsed.errors.where(parsed.errors != "unknown_code", "unknown_indicator")
    return Parsed(parsed.values, errors, parsed.mappings)


def parse_column(raw: pd.Series, column: ColumnSpec, code_lists: dict[str, CodeList], today: dt.date) -> Parsed:
    if column.type in ("date", "datetime"):
        return parse_dates(raw, column.type == "datetime", dt.date.max if column.future_allowed else today)
    if column.type == "codes":
        return parse_multi_codes(raw, code_lists[column.codes])
    if column.type == "reference":
        return parse_references(raw, column)
    if column.type == "free_text":
        return parse_free_text(raw)
    if column.type == "quarter":
        return parse_quarters(raw, today)
    if column.type == "indicator":
        return parse_indicators(raw, code_lists["indicator"])
    if column.type in ("integer", "number"):
        return parse_numbers(raw, column.type == "integer")
    if column.type in ("code", "measure"):
        return parse_codes(raw, code_lists[column.codes or "measure"])
    if column.type == "child_id":
        return parse_child_ids(raw)
    if column.type == "postcode":
        return parse_postcodes(raw)
    return parse_text(raw)


def null_series(n: int) -> pd.Series:
    return pd.Series([None] * n, dtype="object")


__all__ = ["EXCEL_ERRORS", "Parsed", "np", "null_series", "parse_column", "parse_date_text"]
