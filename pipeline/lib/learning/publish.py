"""Numbers as the report prints them: disclosure control for counts of children, never for actions or audits.

Each learning indicator says in the catalogue (config/indicators.yaml `disclosure`) whether it counts children
('children': reviews are children's cases, deaths are children) or not ('none': actions, audits, agencies'
returns). In public mode a count of children from 1 to 5 prints as "fewer than 6" (pipeline.lib.sdc's rule, the
report's words), a percentage built on one as "not published (small numbers)"; tables get secondary suppression.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from pipeline.lib import sdc
from pipeline.lib.paths import CONFIG_DIR
from pipeline.lib.report import words
from pipeline.lib.settings import read_yaml

CHILDREN, NONE = "children", "none"


@lru_cache(maxsize=1)
def _disclosure_by_code() -> dict[str, str]:
    entries = read_yaml(CONFIG_DIR / "indicators.yaml")["indicators"]
    return {e["code"]: e.get("disclosure", CHILDREN) for e in entries}


def disclosure(code: str) -> str:
    """'children' (suppress small numbers in public outputs) or 'none'; unknown codes are treated as children."""
    return _disclosure_by_code().get(code, CHILDREN)


def lower_first(text: str) -> str:
    """'Information sharing' -> 'information sharing' mid-sentence; 'ICPCs', 'CAMHS' and 'Section 11' kept."""
    if text[:2].isupper() or text.startswith(("Section", "Sandwell", "Black Country")):
        return text
    return text[:1].lower() + text[1:]


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value))


@dataclass(frozen=True)
class Number:
    """One figure, ready to print: `text` is what a sentence shows; `value` is None when it may not be shown."""

    value: float | None
    text: str
    available: bool = True
    suppressed: bool = False
    title: str = ""

    def __str__(self) -> str:
        return self.text

    def plural(self, one: str, many: str) -> str:
        """The words for one or for several ('notification was' / 'notifications were'); a hidden count is several."""
        return one if self.value == 1 else many

    @property
    def zero(self) -> bool:
        return self.value == 0


def not_available(title: str = "") -> Number:
    return Number(None, words.NOT_AVAILABLE, available=False, title=title)


def count(value, protect: bool, title: str = "") -> Number:
    """A count; `protect` (a count of children in a public output) prints 1 to 5 as 'fewer than 6'."""
    if _missing(value):
        return not_available(title)
    if protect and sdc.is_small(value):
        return Number(None, words.SMALL_NUMBER, suppressed=True, title=title)
    return Number(float(value), f"{round(float(value)):,}", title=title)


def percent(numerator, denominator, protect: bool, decimals: int = 0, title: str = "") -> Number:
    if _missing(numerator) or _missing(denominator) or not denominator:
        return not_available(title)
    if protect and (sdc.is_small(numerator) or sdc.is_small(denominator)):
        return Number(None, words.WITHHELD, suppressed=True, title=title)
    value = 100 * float(numerator) / float(denominator)
    return Number(value, words.fmt(value, "percent", decimals), title=title)


def table_counts(frame: pd.DataFrame, count_cols: list[str], protect: bool, total_row=None) -> pd.DataFrame:
    """A table of counts as it may be published: primary and secondary suppression when `protect` ('c')."""
    if protect:
        done = sdc.suppress_counts(frame, count_cols, total_row=total_row)
        return sdc.published_view(done, count_cols)
    out = frame.copy()
    for col in count_cols:
        out[col] = [sdc.NOT_AVAILABLE if _missing(v) else f"{round(float(v)):,}" for v in out[col]]
    return out
