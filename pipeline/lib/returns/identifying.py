"""Finding identifying details in free text, and masking them before the text is stored.

The learning registers keep agencies' words (a recommendation, an action, a progress update, good practice,
areas for development) because the report and the briefings quote them. Those words sometimes carry what
must never be stored: a child's postcode, NHS number or case ID, a date of birth, an e-mail address or a phone
number, a name after a title ("Mrs Smith"). Each is replaced by a marker saying what was there, e.g.
"[postcode]", and the intake warns naming the cell, so the agency can take it out at source.

Plain dates are kept ("training delivered 12/10/2022" is the point of a progress update); a date is masked
as a date of birth when the text says so (DOB, d.o.b., date of birth, born).
"""

from __future__ import annotations

import datetime as dt
import functools
import re

_DATE = (r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}"                              # 14/03/2015
         r"|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?,?\s+\d{2,4}"          # 14th March 2015
         r"|[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{2,4}"          # March 14 2015
         r"|\d{4}-\d{2}-\d{2}|\d{6,8})")                                       # 2015-03-14, 140315

# (what it is, pattern), in the order they are applied: an e-mail address holds digits and dots that the
# later patterns would otherwise take for an ID or a date.
PATTERNS: list[tuple[str, re.Pattern]] = [
    ("e-mail address", re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")),
    ("date of birth", re.compile(r"(?i)\b(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|born(?:\s+on)?)\s*[:\-]?\s*" + _DATE)),
    ("postcode", re.compile(r"(?i)\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s*\d[A-Z]{2}\b")),
    ("phone number", re.compile(r"(?:\+44\s?\(?0?\)?\s?|\b0)\d{2,4}[\s\-]?\d{3,4}[\s\-]?\d{3,4}\b")),
    ("NHS number", re.compile(r"\b\d{3}[\s\-]?\d{3}[\s\-]?\d{4}\b")),
    ("child ID", re.compile(r"(?i)\b(?:child\s*id|upn|uln|nhs\s*(?:no|number)|case\s*(?:no|number|ref))\.?\s*[:#]?\s*[A-Z0-9\-/]{4,}")),
    ("child ID", re.compile(r"\b[A-Z]{1,3}\d{5,}\b|\b\d{7,}\b")),
    ("name", re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+)?")),
]


def mask_identifying(text: str) -> tuple[str, list[str]]:
    """The text with identifying details replaced by markers, and what was masked (in order, each kind once)."""
    kinds: list[str] = []
    for kind, pattern in PATTERNS:
        text, n = pattern.subn(f"[{kind}]", text)
        if n and kind not in kinds:
            kinds.append(kind)
    return text, kinds


# ---- reducing an identifying cell's value before an issue about it is stored --------------------------------

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]
_MONTH_WORD = re.compile(r"(?i)\b(" + "|".join(m[:3] for m in _MONTHS) + r")[a-z]*\.?\b")
_YEAR4 = re.compile(r"\b(19\d{2}|20\d{2})\b")
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})\b")
_ISO_DATE = re.compile(r"^\s*(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})\b")
# Words that say nothing about a child: shown as sent, so the agency sees what to replace.
PLACEHOLDERS = {"tbc", "tba", "unknown", "not known", "n/a", "na", "none", "-", "?", "blank", "not recorded", "nk"}


def reduce_date(text: str) -> str:
    """What an issue may show of a date of birth: its month and year ('March 2015'), or that it was withheld."""
    s = str(text).strip()
    if s.lower() in PLACEHOLDERS:
        return s
    month = year = None
    if m := _ISO_DATE.match(s):
        year, month = int(m.group(1)), int(m.group(2))
    elif m := _NUMERIC_DATE.match(s):
        month, year = int(m.group(2)), int(m.group(3))
        year = year + 2000 if year < 100 else year
    else:
        word, y = _MONTH_WORD.search(s), _YEAR4.search(s)
        if word and y:
            month = next(i for i, name in enumerate(_MONTHS, 1) if name.startswith(word.group(1).lower()))
            year = int(y.group(1))
    if month and year and 1 <= month <= 12:
        return f"{_MONTHS[month - 1].capitalize()} {year}"
    return "[date of birth: not shown]"


def reduce_postcode(text: str) -> str:
    """A postcode's district ('B66'), or that it was withheld."""
    from pipeline.lib.pseudonymise import postcode_district

    s = str(text).strip()
    if s.lower() in PLACEHOLDERS:
        return s
    m = re.match(r"(?i)^\s*([A-Z]{1,2}\d[A-Z\d]?)(?=\s|\d[A-Z]|$)", s)
    district = postcode_district(s) or (m.group(1).upper() if m else None)
    return f"district {district}" if district else "[postcode: not shown]"


def reduce_value(kind: str, text: str) -> str:
    """An identifying cell's value as an issue may keep it: kind is 'date', 'postcode', 'child_id' or 'hidden'."""
    if kind == "date":
        return reduce_date(text)
    if kind == "postcode":
        return reduce_postcode(text)
    if str(text).strip().lower() in PLACEHOLDERS:
        return str(text).strip()
    return {"child_id": "(child ID)"}.get(kind, "[not shown: it may identify a child]")


def identifying_kind(column) -> str | None:
    """How a spec column's values may identify a child, or None (config/intake.yaml lists the names)."""
    from pipeline.lib.returns.limits import intake_settings

    names = intake_settings()["identifying_columns"]
    if column.type == "child_id":
        return "child_id"
    if column.type == "postcode":
        return "postcode"
    if column.type in ("reference", "free_text"):
        return "hidden"
    if column.name in names.get("date", []):
        return "date"
    if column.name in names.get("hidden", []):
        return "hidden"
    return None


NOT_SHOWN = "[not shown]"


_CELL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) 00:00:00$")   # how calamine gives a date cell as text


@functools.lru_cache(maxsize=65536)
def _variants(text: str, kind: str) -> tuple[str, ...]:
    """The forms an identifying cell's value may take in a message: as sent, and as a parsed date would print."""
    from pipeline.lib.returns.parse import parse_date_text

    s = text.strip()
    if not s or s.lower() in PLACEHOLDERS:
        return ()
    out = {s, s.upper(), s.replace(" ", "")}
    if kind != "date":
        return tuple(sorted(out, key=len, reverse=True))
    if m := _CELL_DATE.match(s):
        parsed = dt.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    else:
        parsed, _, _ = parse_date_text(s)
    if parsed is not None:
        out |= {f"{parsed:%Y-%m-%d}", f"{parsed:%d/%m/%Y}", f"{parsed:%d/%m/%y}", f"{parsed:%-d %B %Y}"}
    return tuple(sorted((v for v in out if v), key=len, reverse=True))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def mask_issues(issues, raw, spec, found: dict[str, int], max_chars: int):
    """Issues with nothing identifying left in `value` or `message`, before they are stored.

    An issue about an identifying cell keeps a reduced value (a date of birth's month and year, a postcode's
    district, nothing of a name or child ID) and its message says "[not shown]" where the value was. Any
    identifying value of the same row that another rule quoted (a date of birth in a date-order message) is
    taken out too. Values longer than `max_chars` are cut, saying how long they were.
    """
    import pandas as pd

    if issues.empty:
        return issues
    kinds = {c.name: k for c in spec.columns if (k := identifying_kind(c)) and k != "free_text"}
    heading_kind = {spec.column(n).heading: k for n, k in kinds.items()}
    secrets: dict[int, list[str]] = {}
    rows = pd.to_numeric(issues["source_row"], errors="coerce")
    totals = set(rows[issues["rule"] == "totals_row"].dropna().astype(int))   # a totals row is no child's record
    rows_with_issues = set(rows.dropna().astype(int)) - totals
    if kinds and rows_with_issues and raw is not None:
        excel = pd.Series(range(len(raw.excel_rows)), index=raw.excel_rows.to_numpy())
        positions = excel[excel.index.isin(rows_with_issues)]
        for name, kind in kinds.items():
            if name not in found:
                continue
            cells = raw.frame[found[name]].iloc[positions.to_numpy()].tolist()
            for row, value in zip(positions.index.tolist(), cells):
                if value is not None and not pd.isna(value):
                    secrets.setdefault(int(row), []).extend(_variants(str(value), kind))
    values, messages = issues["value"].tolist(), issues["message"].tolist()
    for i, (column, row) in enumerate(zip(issues["column_name"].tolist(), issues["source_row"].tolist())):
        value, message = values[i], messages[i] or ""
        blank = not isinstance(value, str) and (value is None or pd.isna(value))
        kind = heading_kind.get(column)
        if kind and not blank:
            original = str(value)
            reduced = reduce_value(kind, original)
            if reduced != original:
                message = message.replace(original, NOT_SHOWN)
                value = reduced
        row_secrets = secrets.get(int(row)) if secrets and row is not None and not pd.isna(row) else None
        for secret in row_secrets or ():
            if secret not in message and not (isinstance(value, str) and secret in value):
                continue   # the usual case: a plain substring test before any pattern is made
            pattern = re.compile(r"(?<!\w)" + re.escape(secret) + r"(?!\w)")
            message = pattern.sub(NOT_SHOWN, message)
            if isinstance(value, str) and pattern.search(value):
                value = NOT_SHOWN
        if isinstance(value, str) and len(value) > max_chars:
            message = message.replace(value, _shorten(value, max_chars))
            value = _shorten(value, max_chars)
        values[i], messages[i] = value, _shorten(message, max_chars * 4)
    out = issues.copy()
    out["value"], out["message"] = values, messages
    return out


def reduce_mappings(mappings, spec):
    """Tolerant readings of identifying columns keep their example only reduced ('e.g. March 2015')."""
    if mappings.empty:
        return mappings
    heading_kind = {c.heading: k for c in spec.columns if (k := identifying_kind(c)) and k not in ("free_text", "child_id")}
    out = mappings.copy()
    for i, column in enumerate(out["column_name"].tolist()):
        kind = heading_kind.get(column)
        if kind is None:
            continue
        for field in ("from_value", "to_value"):
            text = out.iloc[i][field]
            if isinstance(text, str) and any(ch.isdigit() for ch in text):
                prefix = "e.g. " if text.startswith("e.g. ") else ""
                out.iat[i, out.columns.get_loc(field)] = prefix + reduce_value(kind, text.removeprefix("e.g. "))
    return out
