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

from pipeline.lib.pseudonymise import postcode_district
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


def _mapping(kind: str, raw: pd.Series, mapped: dict, note=lambda a, b: True) -> list[dict]:
    counts = raw.value_counts()
    return [
        {"kind": kind, "from_value": str(src), "to_value": str(dst), "rows": int(counts.get(src, 0))}
        for src, dst in mapped.items()
        if dst is not None and note(src, dst)
    ]


def _excel_errors(raw: pd.Series) -> pd.Series:
    return raw.map(lambda v: "excel_error" if isinstance(v, str) and v.strip().upper() in EXCEL_ERRORS else None)


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


def parse_dates(raw: pd.Series, with_time: bool, today: dt.date) -> Parsed:
    errors = _excel_errors(raw)
    uniques = raw[raw.notna() & errors.isna()].unique()
    values, rules, hows = {}, {}, {}
    for u in uniques:
        value, rule, how = parse_date_text(str(u), with_time)
        if value is not None and value.year < 1900:
            value, rule = None, "impossible_date"
        if value is not None and value.date() > today:
            value, rule = None, "future_date"
        values[u], rules[u], hows[u] = value, rule, how
    parsed = pd.to_datetime(raw.map(values), errors="coerce")
    if not with_time:
        parsed = parsed.dt.normalize()
    errors = errors.fillna(raw.map(rules))
    mappings = []
    for how, kind in (("uk_text", "date_text_day_first"), ("excel_serial", "date_excel_number"), ("text_words", "date_text_words")):
        chosen = {u: values[u] for u in uniques if hows.get(u) == how and values[u] is not None}
        if chosen:
            counts = raw[raw.isin(list(chosen))].shape[0]
            example = next(iter(chosen))
            mappings.append({"kind": kind, "from_value": f"e.g. {example}",
                             "to_value": f"{chosen[example]:%Y-%m-%d}", "rows": int(counts)})
    return Parsed(parsed, errors, mappings)


def parse_numbers(raw: pd.Series, integer: bool) -> Parsed:
    errors = _excel_errors(raw)
    text = raw.where(errors.isna())
    numeric = pd.to_numeric(text.map(lambda v: v.replace(",", "").strip() if isinstance(v, str) else v), errors="coerce")
    bad = text.notna() & numeric.isna()
    errors = errors.mask(bad, "not_a_number")
    if integer:
        fractional = numeric.notna() & (numeric % 1 != 0)
        errors = errors.mask(fractional, "not_whole_number")
        numeric = numeric.mask(fractional)
        return Parsed(numeric.astype("Int64"), errors)
    return Parsed(numeric.astype("Float64"), errors)


def parse_codes(raw: pd.Series, codes: CodeList) -> Parsed:
    errors = _excel_errors(raw)
    uniques = raw[raw.notna() & errors.isna()].unique()
    matched = {u: codes.match(str(u)) for u in uniques}
    values = raw.map(matched)
    errors = errors.mask(raw.notna() & errors.isna() & values.isna(), "unknown_code")
    canonical = {c.code: (c.annex_a or c.code) for c in codes.codes}
    # Report only mappings that changed the form: 'Female' -> F is news; 'b) Female' -> F is the standard form.
    mappings = _mapping(f"code:{codes.name}", raw, matched,
                        note=lambda src, dst: str(src).strip() not in (canonical.get(dst), dst))
    return Parsed(values.astype("string"), errors, mappings)


def parse_child_ids(raw: pd.Series) -> Parsed:
    errors = _excel_errors(raw)
    text = raw.where(errors.isna()).map(lambda v: clean_text(v) if isinstance(v, str) else v)
    floaty = text.map(lambda v: isinstance(v, str) and bool(_FLOAT_INT.match(v)))
    fixed = text.mask(floaty, text[floaty].map(lambda v: v.split(".")[0]) if floaty.any() else text)
    mappings = []
    if floaty.any():
        mappings.append({"kind": "child_id_float", "from_value": "IDs typed as numbers, e.g. '123.0'",
                         "to_value": "'123'", "rows": int(floaty.sum())})
    bad = fixed.notna() & ~fixed.astype("string").str.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_\-/ ]{0,39}").fillna(False)
    errors = errors.mask(bad.astype(bool), "invalid_child_id")
    return Parsed(fixed.mask(bad.astype(bool)).astype("string"), errors, mappings)


def parse_text(raw: pd.Series) -> Parsed:
    errors = _excel_errors(raw)
    return Parsed(raw.where(errors.isna()).map(lambda v: clean_text(v) if isinstance(v, str) else v).astype("string"), errors)


def parse_postcodes(raw: pd.Series) -> Parsed:
    errors = _excel_errors(raw)
    uniques = raw[raw.notna() & errors.isna()].unique()
    districts = {u: postcode_district(u) for u in uniques}
    values = raw.map(districts)
    errors = errors.mask(raw.notna() & errors.isna() & values.isna(), "invalid_postcode")
    return Parsed(values.astype("string"), errors,
                  [{"kind": "postcode_to_district", "from_value": "full postcodes", "to_value": "district only",
                    "rows": int(values.notna().sum())}] if values.notna().any() else [])


def parse_column(raw: pd.Series, column: ColumnSpec, code_lists: dict[str, CodeList], today: dt.date) -> Parsed:
    if column.type in ("date", "datetime"):
        return parse_dates(raw, column.type == "datetime", today)
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
