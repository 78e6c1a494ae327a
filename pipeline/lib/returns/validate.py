"""Validating one sheet of a return: tolerant reading, strict results.

Headings are matched to the specification; every cell is parsed to its type; the typed frame is checked
column-wise (required values, ranges, date order, duplicate keys). Rows with an error are
quarantined with the reason; every other row is loaded. Nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.lib.returns.messages import RULES, describe
from pipeline.lib.returns.needs import indicators_reading, needed_by
from pipeline.lib.returns.normalise import norm_heading
from pipeline.lib.returns.parse import Uniques, parse_column
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
    # text first: pd.isna on a scalar costs ~20 us, and issues are made by the thousand
    if isinstance(value, str):
        return False
    return value is None or bool(pd.isna(value))


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


def _column_checks(spec: SheetSpec, typed: pd.DataFrame) -> list[tuple[int, str, object, str]]:
    """(row position, column, value, rule) of each blank required cell and each number out of its range.

    Column-wise numpy over the typed frame (what pandera's per-column checks found, without its per-case
    frames): column by column in the spec's order, blanks first, then values below the minimum, then above
    the maximum; a blank cell is never out of range.
    """
    out: list[tuple[int, str, object, str]] = []
    for c in spec.columns:
        if not c.stored or c.name not in typed:
            continue
        values = typed[c.name]
        blank = values.isna().to_numpy(dtype=bool)
        if c.required:
            out += [(int(p), c.name, None, "missing_required") for p in np.flatnonzero(blank)]
        for bound, below in ((c.min, True), (c.max, False)):
            if bound is None:
                continue
            outside = (values < bound) if below else (values > bound)
            hits = outside.fillna(False).to_numpy(dtype=bool) & ~blank
            out += [(int(p), c.name, values.iloc[p], "out_of_range") for p in np.flatnonzero(hits)]
    return out


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
    if period["rule"] == "register":
        # A register (reviews, actions, audits) is filed as it stood at the quarter's end: every row up to then
        # belongs, however old; only a date after the quarter's end does not.
        late = [(frame[c] > hi).fillna(False) for c in period.get("dates", []) if c in frame]
        return ~pd.concat(late, axis=1).any(axis=1) if late else pd.Series(True, index=frame.index)
    started = frame[period["start"]] <= hi
    end_col = frame.get(period["end"])
    still_open = end_col.isna() | (end_col >= lo) if end_col is not None else True
    return (started & still_open).fillna(False)


# Rules that name a cell's exact fault; a blank-or-range check on the same row adds nothing.
_PRECISE = {"totals_row", "excel_error", "invalid_date", "impossible_date", "future_date", "not_a_number",
            "not_whole_number", "unknown_code", "invalid_child_id", "invalid_postcode", "formula_no_value",
            "invalid_reference", "invalid_quarter"}


def _totals_rows(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose first filled cell says 'Total' (and the text), column by column rather than row by row."""
    n = len(frame)
    seen = np.zeros(n, dtype=bool)
    totals = np.zeros(n, dtype=bool)
    first = np.empty(n, dtype=object)
    for col in frame.columns:
        present = frame[col].notna().to_numpy(dtype=bool)
        here = present & ~seen
        if here.any():
            u = Uniques(frame[col])
            # Only values mentioning 'total' or 'sum' can be a totals marker: test those in Python.
            candidates = u.search("(?i)total|sum")
            if candidates.any():
                values = u.values
                is_total = np.array([c and norm_heading(v) in _TOTALS for c, v in zip(candidates, values)], dtype=bool)
                hit = here & np.append(is_total, False)[u.codes]
                totals |= hit
                first[hit] = np.append(values, None)[u.codes][hit]
        seen |= present
        if seen.all():
            break
    return totals, first


def validate_sheet(raw: RawSheet, spec: SheetSpec, code_lists: dict[str, CodeList],
                   period: tuple[dt.date, dt.date], today: dt.date | None = None) -> SheetResult:
    today = today or dt.date.today()
    rows = raw.excel_rows
    n = len(raw.frame)
    issues: list[dict] = []
    mappings: list[dict] = []
    flags: dict[str, np.ndarray] = {}   # rule -> rows (positions) it quarantines

    def flag(row_positions, rule):
        mask = flags.setdefault(rule, np.zeros(n, dtype=bool))
        mask[np.asarray(list(row_positions) if not isinstance(row_positions, (np.ndarray, pd.Index, range)) else row_positions,
                        dtype="int64")] = True

    def flagged(rules=None) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        for rule, mask in flags.items():
            if rules is None or rule in rules:
                out |= mask
        return out

    needs = needed_by(spec)
    emptied: set[tuple[int, str]] = set()   # (row position, column) of bad cells left empty in columns no figure needs
    found, notes = match_headings(raw.headings, spec)
    issues += notes
    for name, idx in found.items():
        heading = raw.headings[idx]
        if heading != spec.column(name).heading:  # even a case or spacing difference is reported
            mappings.append({"kind": "heading", "column_name": spec.column(name).heading, "from_value": heading,
                             "to_value": spec.column(name).heading, "rows": n})

    # Values under no heading (often a merged heading cell spanning two columns) are not loaded: say so.
    for idx in raw.frame.columns:
        heading = raw.headings[idx] if idx < len(raw.headings) else ""
        if not heading.strip():
            filled = int(raw.frame[idx].notna().sum())
            if filled:
                letter = raw.column_letter(idx)
                issues += _issue([raw.header_row], f"column {letter}", [letter], "unnamed_column", f" ({filled} cells)")

    missing = [c for c in spec.columns if c.required and c.name not in found]
    if missing:
        for c in missing:
            issues += _issue([raw.header_row], c.heading, [None], "missing_column")
        flag(range(n), "missing_column")

    # Cells that could not be read at all (formulas saved without their result).
    unreadable: dict[int, list[tuple[int, str, str]]] = {}
    for (pos, col), (rule, shown) in raw.cell_problems.items():
        unreadable.setdefault(col, []).append((pos, rule, shown))

    typed_columns: dict[str, pd.Series] = {}   # one DataFrame built after the loop: a column at a time cost ~1 ms each
    for c in spec.columns:
        if c.name not in found:
            continue
        column_raw = raw.frame[found[c.name]]
        is_needed = bool(needs.get(c.name))
        for pos, rule, shown in unreadable.get(found[c.name], []):
            issues += _issue([rows[pos]], c.heading, [shown], rule)
            if is_needed:
                flag([pos], rule)
            else:
                _left_empty(issues[-1:], c.heading)
                emptied.add((pos, c.name))
        parsed = parse_column(column_raw, c, code_lists, today)
        typed_columns[c.name] = parsed.values
        for m in parsed.mappings:
            mappings.append({**m, "column_name": c.heading})
        bad = parsed.errors.notna().to_numpy()
        if bad.any():
            positions = np.flatnonzero(bad)
            errors = parsed.errors.to_numpy()[positions]
            for rule in pd.unique(errors):
                pos = positions[errors == rule]
                first_issue = len(issues)
                detail = ""
                if rule == "unknown_code":
                    detail = f" (e.g. {', '.join(code.annex_a or code.code for code in code_lists[c.codes or 'measure'].codes[:3])})"
                elif rule == "invalid_reference":
                    detail = f" (e.g. {c.example})" if c.example else ""
                if c.type == "child_id":
                    shown = ["(child ID)"] * len(pos)
                elif parsed.shown is not None:   # the column's parser says what may be shown (masked, or nothing)
                    shown = parsed.shown.iloc[pos].tolist()
                else:
                    shown = column_raw.iloc[pos].tolist()
                if parsed.details is not None:   # words that differ cell by cell (which codes were unknown)
                    for r, v, d in zip(rows.to_numpy()[pos], shown, parsed.details.iloc[pos].tolist()):
                        issues += _issue([r], c.heading, [v], rule, d or detail)
                else:
                    issues += _issue(rows.to_numpy()[pos], c.heading, shown, rule, detail)
                if RULES[rule][0] == "error":   # a warning keeps the row (the cell is masked or left empty)
                    if is_needed:
                        flag(pos, rule)
                    else:   # no figure uses the column: the cell is left empty (the parser gave no value), the row loads
                        _left_empty(issues[first_issue:], c.heading)
                        emptied.update((int(p), c.name) for p in pos)
    typed = pd.DataFrame(typed_columns, index=raw.frame.index)
    if raw.formulas_with_values:
        mappings.append({"kind": "formula_saved_result", "column_name": "", "from_value": "formula cells",
                         "to_value": "the result Excel saved with the file", "rows": raw.formulas_with_values})

    # Totals rows: a first cell saying 'Total' and nothing identifying a child.
    totals, first_cells = _totals_rows(raw.frame)
    if totals.any():
        pos = np.flatnonzero(totals)
        issues += _issue(rows.to_numpy()[pos], "", first_cells[pos], "totals_row")
        flag(pos, "totals_row")

    present = set(typed.columns)
    precise = flagged(_PRECISE)
    for pos, column, value, rule in _column_checks(spec, typed):
        if precise[pos] or (pos, column) in emptied:
            continue  # the cell already has a more precise reason
        col = spec.column(column)
        detail = ""
        if rule == "out_of_range":
            bounds = [b for b in (f"min {col.min}" if col.min is not None else "", f"max {col.max}" if col.max is not None else "") if b]
            detail = f" ({', '.join(bounds)})"
        if isinstance(value, float) and value.is_integer():
            value = int(value)   # show -3, not -3.0: the agency typed -3
        issues += _issue([rows[pos]], col.heading, [value], rule, detail)
        flag([pos], rule)

    for start_col, end_col in _date_pairs(spec, present):
        backwards = (typed[end_col] < typed[start_col]).fillna(False).to_numpy(dtype=bool)
        if backwards.any():
            pos = np.flatnonzero(backwards)
            issues += _issue(rows.to_numpy()[pos], spec.column(end_col).heading, [typed[end_col].iloc[p].date() for p in pos],
                             "end_before_start", f"'{spec.column(start_col).heading}' ({{start}})")
            for p, issue in zip(pos, issues[-len(pos):]):
                issue["message"] = issue["message"].replace("{start}", str(typed[start_col].iloc[p].date()))
            flag(pos, "end_before_start")

    for rule in spec.plausibility:
        hits, message, value_of = _plausibility(rule, typed, spec, present)
        hits = hits & ~flagged(_PRECISE)
        for p in np.flatnonzero(hits):
            issues.append({"source_row": int(rows.iloc[p]), "column_name": spec.column(rule.get("date") or rule["then"]).heading,
                           "value": value_of(p), "rule": _rule_code(rule), "severity": rule["severity"],
                           "message": message})
        if rule["severity"] == "error" and hits.any():
            flag(np.flatnonzero(hits), _rule_code(rule))

    # A count that cannot be more than another on its row (joint agency responses, of the deaths notified).
    for c in spec.columns:
        if c.at_most and c.name in present and c.at_most in present:
            over = (typed[c.name] > typed[c.at_most]).fillna(False).to_numpy(dtype=bool) & ~flagged(_PRECISE)
            for p in np.flatnonzero(over):
                other = spec.column(c.at_most)
                issues += _issue([rows.iloc[p]], c.heading, [int(typed[c.name].iloc[p])], "more_than_column",
                                 f"'{other.heading}' ({int(typed[c.at_most].iloc[p])})")
                flag([p], "more_than_column")

    # A cell that should be filled when another says so (a date closed for an action marked complete): warned.
    for c in spec.columns:
        rule = c.filled_when
        if rule and c.name in present and rule["column"] in present:
            other = spec.column(rule["column"])
            wanted = typed[rule["column"]].isin([str(x) for x in rule["codes"]]).fillna(False).to_numpy(dtype=bool)
            blank = typed[c.name].isna().to_numpy(dtype=bool)
            labels = code_lists.get(other.codes)
            for p in np.flatnonzero(wanted & blank & ~flagged()):
                said = typed[rule["column"]].iloc[p]
                issues += _issue([rows.iloc[p]], c.heading, [None], "blank_when_expected",
                                 f"'{other.heading}' is '{labels.label(said) if labels else said}'")

    # Duplicates within the file on the natural key: keep the first, quarantine the repeats.
    key = [k for k in spec.natural_key if k in present]
    if key and len(key) == len(spec.natural_key) and n and not spec.key_repeats_allowed:
        ok_rows = ~flagged()
        dupes = np.zeros(n, dtype=bool)
        dupes[ok_rows] = typed[ok_rows].duplicated(subset=key, keep="first").to_numpy()
        if dupes.any():
            pos = np.flatnonzero(dupes)
            first_rows = _first_occurrence(typed, ok_rows, key, rows)
            headings = ", ".join(spec.column(k).heading for k in key)
            for p in pos:
                issues += _issue([rows.iloc[p]], "", [None], "duplicate_row", f"{headings} as row {first_rows[int(p)]}")
            flag(pos, "duplicate_row")

    bad = flagged()
    bad_positions = np.flatnonzero(bad)
    good = typed[~bad].copy()
    good.insert(0, "source_row", rows.to_numpy()[~bad].astype("int64"))
    for c in spec.columns:
        if c.stored and c.name not in good:
            good[c.name] = pd.Series([None] * len(good), index=good.index, dtype="object")
    good["in_period"] = in_period(good, spec, *period) if len(good) else pd.Series(dtype=bool)
    outside = good.index[~good["in_period"].to_numpy(dtype=bool)]
    if len(outside) and spec.period["rule"] == "register":
        # Name the date that is too late, and show it: 'Date Closed' (05/01/2023) after a Q3 register.
        quarter = f"{period[0]:%d/%m/%Y} to {period[1]:%d/%m/%Y}"
        end = pd.Timestamp(period[1]) + pd.Timedelta(days=1)
        for idx in outside:
            late = next(c for c in spec.period["dates"] if c in good and pd.notna(good.at[idx, c]) and good.at[idx, c] >= end)
            issues += _issue([good.at[idx, "source_row"]], spec.column(late).heading, [f"{good.at[idx, late]:%d/%m/%Y}"],
                             "after_register_date", quarter)
    elif len(outside):
        label = _period_label(spec)
        values = [f"{period[0]:%d/%m/%Y} to {period[1]:%d/%m/%Y}"] * len(outside)
        issues += _issue(good.loc[outside, "source_row"], label, values, "outside_period", label)

    issues += _what_is_lost(spec, int(bad.sum()))
    ordered = sorted(flags)
    quarantined = pd.DataFrame({"source_row": rows.to_numpy()[bad_positions].astype("int64"),
                                "rules": [", ".join(r for r in ordered if flags[r][p]) for p in bad_positions]})
    return SheetResult(
        clean=good.reset_index(drop=True),
        quarantined=quarantined,
        issues=pd.DataFrame(issues, columns=ISSUE_COLUMNS),
        mappings=pd.DataFrame(mappings, columns=["kind", "column_name", "from_value", "to_value", "rows"]),
        rows_read=n,
    )


_PLAUSIBILITY_CODES = {"before_birth": "before_birth", "age_range": "age_out_of_range", "order": "out_of_sequence"}


def _rule_code(rule: dict) -> str:
    return rule.get("code") or _PLAUSIBILITY_CODES[rule["check"]]


def _age_at(born: pd.Series, at: pd.Series) -> np.ndarray:
    """Whole years from `born` to `at` (NaN where either is blank)."""
    b, a = pd.DatetimeIndex(born), pd.DatetimeIndex(at)
    before_birthday = (a.month < b.month) | ((a.month == b.month) & (a.day < b.day))
    years = (a.year - b.year - before_birthday.astype(int)).to_numpy(dtype="float64")
    return np.where(b.isna() | a.isna(), np.nan, years)


def _plausibility(rule: dict, typed: pd.DataFrame, spec: SheetSpec, present: set[str]):
    """(rows failing, message, value shown per row) for one plausibility rule of the spec. Never shows a date of birth."""
    n = len(typed)
    none = (np.zeros(n, dtype=bool), "", lambda p: None)
    dfe = f" ({rule['dfe']})" if rule.get("dfe") else ""
    keeps = " The row was not loaded." if rule["severity"] == "error" else " The row was loaded; check it."
    if rule["check"] in ("before_birth", "age_range"):
        if "date_of_birth" not in present or rule["date"] not in present:
            return none
        heading = spec.column(rule["date"]).heading
        if rule["check"] == "before_birth":
            allowed = pd.Timedelta(days=rule.get("allow_days", 0))
            hits = (typed[rule["date"]] < typed["date_of_birth"] - allowed).fillna(False).to_numpy(dtype=bool)
            why = rule.get("why", "")
            by = f" by more than {rule['allow_days']} days" if rule.get("allow_days") else ""
            return hits, (f"'{heading}' is before the child's date of birth{by}{dfe}.{(' ' + why) if why else ''}"
                          f" Check both dates.{keeps}"), lambda p: None
        age = _age_at(typed["date_of_birth"], typed[rule["date"]])
        lo, hi = rule.get("min", 0), rule.get("max", 200)
        # a date before birth (a negative age) is the before_birth rule's to report, not an age out of range
        hits = ~np.isnan(age) & (age >= 0) & ((age < lo) | (age > hi))
        return hits, (f"The child's age at '{heading}' is outside {lo}-{hi} years, the ages {spec.title} covers{dfe}. "
                      f"Check the date of birth and '{heading}'.{keeps}"), lambda p: f"{int(age[p])} years"
    first, then = rule["first"], rule["then"]
    if first not in present or then not in present:
        return none
    hits = (typed[then] < typed[first]).fillna(False).to_numpy(dtype=bool)
    a, b = spec.column(first).heading, spec.column(then).heading
    return hits, (f"'{b}' is before '{a}'{dfe}, but it cannot come first. Check both dates.{keeps}"), \
        lambda p: f"{typed[then].iloc[p]:%d/%m/%Y} before {typed[first].iloc[p]:%d/%m/%Y}"


def _left_empty(issues: list[dict], heading: str) -> None:
    """A bad value in a column no figure needs: a warning, the row loaded with the cell empty."""
    for issue in issues:
        issue["severity"] = "warning"
        issue["message"] += (f" The row was loaded with '{heading}' left empty (no figure uses this column); "
                             "correct the cell in your records for next time.")


def _what_is_lost(spec: SheetSpec, rows_out: int) -> list[dict]:
    """One line per sheet with rows kept out: the figures those rows are missing from until corrected."""
    figures = indicators_reading(spec)
    if not rows_out or not figures:
        return []
    rows = "1 row" if rows_out == 1 else f"{rows_out} rows"
    return [{"source_row": None, "column_name": "", "value": str(rows_out), "rule": "rows_left_out", "severity": "info",
             "message": f"{rows} of {spec.title} could not be loaded (see each row's error). Until corrected, "
                        f"{'it is' if rows_out == 1 else 'they are'} missing from {len(figures)} figures: "
                        f"{', '.join(figures)}."}]


def _first_occurrence(typed: pd.DataFrame, ok_rows: np.ndarray, key: list[str], rows: pd.Series) -> dict[int, int]:
    """Row position of each row checked -> Excel row of the first row with the same key."""
    groups = typed.loc[ok_rows, key].groupby(key, dropna=False, sort=False).ngroup().to_numpy()
    positions = np.flatnonzero(ok_rows)
    _, first_index = np.unique(groups, return_index=True)   # groups are numbered in order of appearance
    first_excel = rows.to_numpy()[positions[first_index]]
    return dict(zip(positions.tolist(), first_excel[groups].tolist()))


def _period_label(spec: SheetSpec) -> str:
    period = spec.period
    if period["rule"] == "event":
        return f"'{spec.column(period['date']).heading}'"
    if period["rule"] == "any_date":
        return " / ".join(f"'{spec.column(c).heading}'" for c in period["dates"])
    return f"The episode ('{spec.column(period['start']).heading}' to '{spec.column(period['end']).heading}')"
