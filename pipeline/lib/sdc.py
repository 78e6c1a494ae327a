"""Statistical disclosure control for published tables, DfE's rule for children's statistics.

- A count from 1 to 5 is suppressed and shown as 'c' (primary suppression); 0 stays 0 ("the original figure
  submitted was zero"); a missing count shows as 'x' (not available).
- Secondary suppression: a margin (a row with its row total, or a column with its column total) must never have
  exactly one hidden entry, or the total minus the others gives it away. When it does, the smallest other
  non-zero cell in that margin is hidden too (the total itself if no cell is left); repeated until stable,
  because hiding a cell in a row can leave a single hidden cell in its column.
- A percentage built on a hidden count (its numerator or its denominator) is withheld: 'c'.

What it protects: counts of children, families and cases and what is derived from them. Each indicator's
catalogue field `disclosure` says so: 'children' (the default) or 'none' for staff and training counts (places,
no-shows, e-learning completions, LADO referrals about staff), which are published as they are. `applies(d)`,
`disclosure_of(code)` and the `disclosure` argument of the functions below carry it; mart_comparison's
`suppressed` and ind_values' / mart_comparison's `disclosure` columns say the same for the dashboard and report.

Numeric and symbol are kept side by side, as the domain note asks: for each published column `n` the result has
`n` (numeric, NaN where hidden, so nothing downstream can print the true value), `n_published` (the text to print:
'1,234', '0', 'c', 'x') and `n_status` ('shown' | 'primary' | 'secondary' | 'missing').

Plain pandas; no Dagster, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

SUPPRESSED = "c"
NOT_AVAILABLE = "x"
NOT_APPLICABLE = "z"
LOW, HIGH = 1, 5

SHOWN, PRIMARY, SECONDARY, MISSING = "shown", "primary", "secondary", "missing"
CHILDREN, NONE = "children", "none"
DISCLOSURES = (CHILDREN, NONE)


def applies(disclosure: str | None = CHILDREN) -> bool:
    """Whether small-number suppression applies: yes for counts of children, families and cases (the default)."""
    if disclosure is None:
        return True
    if disclosure not in DISCLOSURES:
        raise ValueError(f"disclosure must be one of {DISCLOSURES}, not {disclosure!r}")
    return disclosure == CHILDREN


def disclosure_of(indicator_code: str) -> str:
    """An indicator's catalogue `disclosure` ('children' or 'none'); an unknown code is an error, not a guess."""
    # imported here: the catalogue reads config, and sdc stays importable on its own
    from pipeline.lib.indicators import catalogue_by_code

    by_code = catalogue_by_code()
    if indicator_code not in by_code:
        raise KeyError(f"{indicator_code} is not in config/indicators.yaml or config/partner_measures.csv")
    return by_code[indicator_code].disclosure


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def is_small(value, low: int = LOW, high: int = HIGH) -> bool:
    """True for a count DfE would suppress (1 to 5 by default); 0 and missing are not small."""
    return not _missing(value) and low <= value <= high


@dataclass(frozen=True)
class Published:
    """One value as it may be published: the number (None when hidden) and what to print."""

    value: float | None
    text: str
    status: str

    @property
    def suppressed(self) -> bool:
        return self.status in (PRIMARY, SECONDARY)


def publish_count(value, low: int = LOW, high: int = HIGH, disclosure: str = CHILDREN) -> Published:
    """A single count (an indicator's numerator, a tile) under the primary rule (none for disclosure 'none')."""
    if _missing(value):
        return Published(None, NOT_AVAILABLE, MISSING)
    if applies(disclosure) and is_small(value, low, high):
        return Published(None, SUPPRESSED, PRIMARY)
    return Published(value, f"{round(value):,}", SHOWN)


def publish_pct(value, numerator, denominator=None, decimals: int = 1, low: int = LOW, high: int = HIGH,
                disclosure: str = CHILDREN) -> Published:
    """A percentage withheld when the count it is built on (numerator or denominator) is suppressed."""
    if applies(disclosure) and (is_small(numerator, low, high) or is_small(denominator, low, high)):
        return Published(None, SUPPRESSED, PRIMARY)
    if _missing(value):
        return Published(None, NOT_AVAILABLE, MISSING)
    return Published(value, f"{value:,.{decimals}f}%", SHOWN)


def _fmt_count(value) -> str:
    return f"{round(value):,}"


def suppress_counts(
    frame: pd.DataFrame,
    count_cols: Sequence[str],
    total_col: str | None = None,
    *,
    total_row: Hashable | None = None,
    pct_cols: Mapping[str, str | tuple[str, str]] | None = None,
    pct_decimals: int = 1,
    low: int = LOW,
    high: int = HIGH,
    disclosure: str = CHILDREN,
) -> pd.DataFrame:
    """Apply primary and secondary suppression to a table of counts.

    disclosure 'none' (staff and training counts) publishes every count as it is, with the same output columns.

    frame      the table as it would be published (one row per category, counts in `count_cols`).
    total_col  a row-margin column: the sum of `count_cols` in each row (protected as a margin).
    total_row  the index label of a column-margin row (e.g. 'Total'): each count column sums to it.
               A table with one count column and a total row is the common "category, n" table.
    pct_cols   percentage column -> the count column it is built on, or (numerator, denominator)
               columns; withheld where either is hidden.

    Returns a copy with, for each of `count_cols`, `total_col` and `pct_cols`: the numeric column (NaN where
    hidden), `<col>_published` (text) and `<col>_status`. Other columns are passed through untouched.
    """
    out = frame.copy()
    value_cols = list(count_cols) + ([total_col] if total_col else [])
    status = pd.DataFrame(SHOWN, index=out.index, columns=value_cols)
    protect = applies(disclosure)
    for col in value_cols:
        for idx, v in out[col].items():
            if _missing(v):
                status.at[idx, col] = MISSING
            elif protect and is_small(v, low, high):
                status.at[idx, col] = PRIMARY

    # The margins: each is a list of (row, col) cells plus the (row, col) of its total.
    margins: list[tuple[list[tuple[Hashable, str]], tuple[Hashable, str]]] = []
    body_rows = [i for i in out.index if i != total_row] if total_row is not None else list(out.index)
    if total_col:
        for idx in out.index:
            margins.append(([(idx, c) for c in count_cols], (idx, total_col)))
    if total_row is not None:
        for col in value_cols:
            margins.append(([(idx, col) for idx in body_rows], (total_row, col)))

    def hidden(cell) -> bool:
        return status.at[cell] in (PRIMARY, SECONDARY)

    changed = True
    while changed:
        changed = False
        for cells, total in margins:
            entries = [*cells, total]
            n_hidden = sum(hidden(c) for c in entries)
            if n_hidden != 1:
                continue
            # Candidates: visible, non-zero cells in this margin, smallest first; a zero reveals nothing when
            # hidden (readers know DfE shows zeros), so hiding one would not protect anything.
            candidates = [c for c in cells if not hidden(c) and status.at[c] != MISSING and out.at[c] != 0]
            if candidates:
                pick = min(candidates, key=lambda c: (out.at[c], str(c)))
            elif not hidden(total) and status.at[total] != MISSING:
                pick = total
            else:
                continue
            status.at[pick] = SECONDARY
            changed = True

    for col in value_cols:
        numeric = pd.to_numeric(out[col], errors="coerce").astype(float)
        published = []
        for idx in out.index:
            s = status.at[idx, col]
            published.append(SUPPRESSED if s in (PRIMARY, SECONDARY) else NOT_AVAILABLE if s == MISSING
                             else _fmt_count(numeric[idx]))
        out[col] = numeric.where(status[col] == SHOWN)
        out[f"{col}_published"] = published
        out[f"{col}_status"] = status[col]

    for pct_col, basis in (pct_cols or {}).items():
        bases = [basis] if isinstance(basis, str) else list(basis)
        withheld = pd.Series(False, index=out.index)
        for b in bases:
            withheld |= out[f"{b}_status"].isin([PRIMARY, SECONDARY])
        numeric = pd.to_numeric(out[pct_col], errors="coerce").astype(float)
        out[f"{pct_col}_status"] = [PRIMARY if w else (MISSING if math.isnan(v) else SHOWN)
                                    for w, v in zip(withheld, numeric)]
        out[f"{pct_col}_published"] = [SUPPRESSED if w else (NOT_AVAILABLE if math.isnan(v) else f"{v:,.{pct_decimals}f}%")
                                       for w, v in zip(withheld, numeric)]
        out[pct_col] = numeric.where(~withheld)
    return out


def published_view(frame: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    """The printable table: each of `cols` replaced by its `_published` text, status columns dropped."""
    out = frame.copy()
    for col in cols:
        if f"{col}_published" in out:
            out[col] = out[f"{col}_published"]
    return out.drop(columns=[c for c in out.columns if c.endswith(("_published", "_status"))])
