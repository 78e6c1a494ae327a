"""Validating one sheet of a return: tolerant reading, strict results.

Headings are matched to the specification; every cell is parsed to its type; pandera checks the
typed frame (required values, ranges, date order, duplicate keys). Rows with an error are
quarantined with the reason; every other row is loaded. Nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from pipeline.lib.returns.messages import describe
from pipeline.lib.returns.normalise import norm_heading
from pipeline.lib.returns.parse import parse_column
from pipeline.lib.returns.reader import RawSheet
from pipeline.lib.returns.spec import CodeList, SheetSpec

ISSUE_COLUMNS = ["source_row", "column_name", "value", "rule", "severity", "message"]
_TOTALS = {"total", "totals", "grandtotal", "sum"}


@dataclass
class SheetResult:
    clean: pd.DataFrame          # typed rows that passed, with source_row and in_period
    quarantined: pd.DataFrame    # source_row, rules of each quarantined row
    issues: pd.DataFrame         # one row per problem (ISSUE_COLUMNS)
    mappings: pd.DataFrame       # kind, column_name, from_value, to_value, rows
    rows_read: int


def _issue(rows, column, value, rule, detail="") -> list[dict]:
    severity, message_template = describe(rule, column, "{value}", detail)
    return [
        {"source_row": int(r), "column_name": column, "value": None if _blank(v) else str(v), "rule": rule,
         "severity": severity, "message": message_template.replace("{value}", "" if _blank(v) else str(v))}
        for r, v in zip(rows, value)
    ]


def _blank(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def match_headings(headings: list[str], spec: SheetSpec) -> tuple[dict[str, int], list[dict]]:
    """Spec column name -> file column index, and info issues for extra or repeated columns."""
    found: dict[str, int] = {}
    notes: list[dict] = []
    for idx, heading in enumerate(headings):
        if not heading.strip():
            continue
        key = norm_heading(heading)
        column = next((c for c in spec.columns if key in c.heading_keys()), None)
        if column is None:
            notes += _issue([0], heading, [heading], "extra_column")
        elif column.name in found:
            notes += _issue([0], heading, [heading], "duplicate_column")
        else:
            found[column.name] = idx
    return found, notes


def _schema(spec: SheetSpec, present: set[str]) -> pa.DataFrameSchema:
    columns = {}
    for c in spec.columns:
        if not c.stored or c.name not in present:
            continue
        checks = []
        if c.min is not None:
            checks.append(pa.Check.ge(c.min, name="out_of_range", error=f"at least {c.min}"))
        if c.max is not None:
            checks.append(pa.Check.le(c.max, name="out_of_range", error=f"at most {c.max}"))
        columns[c.name] = pa.Column(nullable=not c.required, checks=checks, coerce=False, required=False)
    return pa.DataFrameSchema(columns, strict=False)


def _date_pairs(spec: SheetSpec, present: set[str]) -> list[tuple[str, str]]:
    pairs = []
    period = spec.period
    if period.get("rule") == "episode":
        pairs.append((period["start"], period["end"]))
    pairs += [tuple(p) for p in period.get("order", [])]
    return [(a, b) for a, b in pairs if a in present and b in present]


def in_period(frame: pd.DataFrame, spec: SheetSpec, start: dt.date, end: dt.date) -> pd.Series:
    lo, hi = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    period = spec.period
    if period["rule"] == "event":
        d = frame[period["date"]]
        return d.between(lo, hi).fillna(False)
    if period["rule"] == "any_date":
        hits = [frame[c].between(lo, hi).fillna(False) for c in period["dates"] if c in frame]
        return pd.concat(hits, axis=1).any(axis=1)
    started = frame[period["start"]] <= hi
    end_col = frame.get(period["end"])
    still_open = end_col.isna() | (end_col >= lo) if end_col is not None else True
    return (started & still_open).fillna(False)


def validate_sheet(raw: RawSheet, spec: SheetSpec, code_lists: dict[str, CodeList],
                   period: tuple[dt.date, dt.date], today: dt.date | None = None) -> SheetResult:
    today = today or dt.date.today()
    rows = raw.excel_rows
    n = len(raw.frame)
    issues: list[dict] = []
    mappings: list[dict] = []
    rule_per_row: dict[int, set[str]] = {}

    def flag(row_positions, rule):
        for pos in row_positions:
            rule_per_row.setdefault(int(pos), set()).add(rule)

    found, notes = match_headings(raw.headings, spec)
    issues += notes
    for name, idx in found.items():
        heading = raw.headings[idx]
        if heading != spec.column(name).heading:  # even a case or spacing difference is reported
            mappings.append({"kind": "heading", "column_name": spec.column(name).heading, "from_value": heading,
                             "to_value": spec.column(name).heading, "rows": n})

    missing = [c for c in spec.columns if c.required and c.name not in found]
    if missing:
        for c in missing:
            issues += _issue([raw.header_row], c.heading, [None], "missing_column")
        flag(range(n), "missing_column")

    typed = pd.DataFrame(index=raw.frame.index)
    for c in spec.columns:
        if c.name not in found:
            continue
        column_raw = raw.frame[found[c.name]]
        parsed = parse_column(column_raw, c, code_lists, today)
        typed[c.name] = parsed.values
        for m in parsed.mappings:
            mappings.append({**m, "column_name": c.heading})
        bad = parsed.errors.notna()
        if bad.any():
            positions = bad[bad].index
            for rule in parsed.errors[bad].unique():
                pos = positions[parsed.errors[positions] == rule]
                detail = ""
                if rule == "unknown_code":
                    detail = f" (e.g. {', '.join(code.annex_a or code.code for code in code_lists[c.codes or 'measure'].codes[:3])})"
                shown = ["(child ID)" if c.type == "child_id" else column_raw[p] for p in pos]
                issues += _issue(rows[pos], c.heading, shown, rule, detail)
                flag(pos, rule)

    # Totals rows: a first cell saying 'Total' and nothing identifying a child.
    first_cells = raw.frame.apply(lambda r: next((v for v in r if v is not None), None), axis=1)
    totals = first_cells.map(lambda v: isinstance(v, str) and norm_heading(v) in _TOTALS)
    if totals.any():
        pos = totals[totals].index
        issues += _issue(rows[pos], "", [first_cells[p] for p in pos], "totals_row")
        flag(pos, "totals_row")

    present = set(typed.columns)
    try:
        _schema(spec, present).validate(typed, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        for _, case in cases.iterrows():
            if pd.isna(case["index"]):
                continue
            pos, column = int(case["index"]), case["column"]
            col = spec.column(column)
            if pos in rule_per_row and rule_per_row[pos] & {"totals_row", "excel_error", "invalid_date", "impossible_date", "future_date",
                                                            "not_a_number", "not_whole_number", "unknown_code", "invalid_child_id",
                                                            "invalid_postcode"}:
                continue  # the cell already has a more precise reason
            if case["check"] == "not_nullable":
                rule, detail = "missing_required", ""
            else:
                rule = "out_of_range"
                detail = f" ({case['check'].replace('_', ' ')})" if case["check"] != "out_of_range" else ""
                bounds = [b for b in (f"min {col.min}" if col.min is not None else "", f"max {col.max}" if col.max is not None else "") if b]
                detail = f" ({', '.join(bounds)})"
            issues += _issue([rows[pos]], col.heading, [case["failure_case"]], rule, detail)
            flag([pos], rule)

    for start_col, end_col in _date_pairs(spec, present):
        backwards = (typed[end_col] < typed[start_col]).fillna(False)
        if backwards.any():
            pos = backwards[backwards].index
            issues += _issue(rows[pos], spec.column(end_col).heading, [typed[end_col][p].date() for p in pos],
                             "end_before_start", f"'{spec.column(start_col).heading}' ({{start}})")
            for p, issue in zip(pos, issues[-len(pos):]):
                issue["message"] = issue["message"].replace("{start}", str(typed[start_col][p].date()))
            flag(pos, "end_before_start")

    # Duplicates within the file on the natural key: keep the first, quarantine the repeats.
    key = [k for k in spec.natural_key if k in present]
    if key and len(key) == len(spec.natural_key):
        ok_rows = ~typed.index.isin(list(rule_per_row))
        dupes = typed[ok_rows].duplicated(subset=key, keep="first")
        if dupes.any():
            pos = dupes[dupes].index
            headings = ", ".join(spec.column(k).heading for k in key)
            issues += _issue(rows[pos], "", [None] * len(pos), "duplicate_row", headings)
            flag(pos, "duplicate_row")

    bad_positions = sorted(rule_per_row)
    good = typed.drop(index=bad_positions)
    good.insert(0, "source_row", rows.drop(index=bad_positions).astype("int64"))
    for c in spec.columns:
        if c.stored and c.name not in good:
            good[c.name] = pd.Series([None] * len(good), index=good.index, dtype="object")
    good["in_period"] = in_period(good, spec, *period) if len(good) else pd.Series(dtype=bool)
    outside = good.index[~good["in_period"]]
    if len(outside):
        label = _period_label(spec)
        values = [f"{period[0]:%d/%m/%Y} to {period[1]:%d/%m/%Y}"] * len(outside)
        issues += _issue(good.loc[outside, "source_row"], label, values, "outside_period", label)

    quarantined = pd.DataFrame({"source_row": [int(rows[p]) for p in bad_positions],
                                "rules": [", ".join(sorted(rule_per_row[p])) for p in bad_positions]})
    return SheetResult(
        clean=good.reset_index(drop=True),
        quarantined=quarantined,
        issues=pd.DataFrame(issues, columns=ISSUE_COLUMNS),
        mappings=pd.DataFrame(mappings, columns=["kind", "column_name", "from_value", "to_value", "rows"]),
        rows_read=n,
    )


def _period_label(spec: SheetSpec) -> str:
    period = spec.period
    if period["rule"] == "event":
        return f"'{spec.column(period['date']).heading}'"
    if period["rule"] == "any_date":
        return " / ".join(f"'{spec.column(c).heading}'" for c in period["dates"])
    return f"The episode ('{spec.column(period['start']).heading}' to '{spec.column(period['end']).heading}')"
