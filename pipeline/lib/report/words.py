"""Words chosen by the numbers: above / below / in line with, an increase / a decrease.

Comparisons are made at the precision the reader sees (the indicator's decimals), so "19.1% against 19.1%"
reads "in line with", never "above" because of a third decimal. Plain Python; the templates call these
through the Fact objects and the environment's filters, never doing arithmetic themselves.
"""

from __future__ import annotations

import math

SMALL_NUMBER = "fewer than 6"          # DfE: counts of 1 to 5 are suppressed
WITHHELD = "not published (small numbers)"
NOT_AVAILABLE = "not available"


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt(value, unit: str, decimals: int) -> str:
    """A value in its unit as the report prints it: 29,563 / 36.1% / 39.5."""
    if missing(value):
        return NOT_AVAILABLE
    if unit == "count":
        return f"{round(value):,}"
    if unit == "percent":
        return f"{value:,.{decimals}f}%"
    return f"{value:,.{decimals}f}"


def compare_word(value, other, decimals: int = 1) -> str | None:
    """'above' | 'below' | 'in line with', at the shown precision; None when either side is missing."""
    if missing(value) or missing(other):
        return None
    a, b = round(float(value), decimals), round(float(other), decimals)
    if a > b:
        return "above"
    if a < b:
        return "below"
    return "in line with"


def change_word(current, previous, decimals: int = 1) -> str | None:
    """'an increase' | 'a decrease' | 'no change', at the shown precision."""
    word = compare_word(current, previous, decimals)
    return {"above": "an increase", "below": "a decrease", "in line with": "no change"}.get(word)


def join_words(items: list[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b and c' (the report does not use the Oxford comma)."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def benchmark_sentence(value, comparators: list[tuple[str, float | None]], unit: str, decimals: int,
                       benchmark_year: str | None) -> str:
    """'This is above the West Midlands average (19.1%), the Statistical Neighbour average (20.4%) and the
    England average (21.5%) (DfE figures for 2022-23).' Comparators with the same word are grouped, in order.

    `comparators` is [(name, value)], e.g. [('West Midlands average', 19.1), ...]; missing ones are skipped.
    """
    groups: list[tuple[str, list[str]]] = []
    for name, other in comparators:
        word = compare_word(value, other, decimals)
        if word is None:
            continue
        shown = f"the {name} ({fmt(other, unit, decimals)})"
        if groups and groups[-1][0] == word:
            groups[-1][1].append(shown)
        else:
            groups.append((word, [shown]))
    if not groups:
        return ""
    parts = [f"{word} {join_words(names)}" for word, names in groups]
    body = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    year = f" (DfE figures for {benchmark_year})" if benchmark_year else ""
    return f"This is {body}{year}."


def change_sentence(current, previous, previous_label: str, unit: str, decimals: int) -> str:
    """'This is an increase of 4 from 9 in 2021-22.' / 'This is a decrease from 16.9% in 2021-22.'"""
    word = change_word(current, previous, decimals)
    if word is None:
        return ""
    shown_prev = fmt(previous, unit, decimals)
    if word == "no change":
        return f"This is the same as in {previous_label} ({shown_prev})."
    diff = abs(round(float(current), decimals) - round(float(previous), decimals))
    if unit == "count":
        amount = f" of {round(diff):,}"
    elif unit == "percent":
        amount = f" of {diff:,.{decimals}f} percentage points"
    else:
        amount = f" of {diff:,.{decimals}f}"
    return f"This is {word}{amount} from {shown_prev} in {previous_label}."


def net_phrase(started, ended, noun: str = "young people") -> str:
    """Starts against ends: '(55 more ended than started)' / '(12 more started than ended)'."""
    if missing(started) or missing(ended):
        return ""
    diff = round(started) - round(ended)
    if diff == 0:
        return f"(as many {noun} started as ended)"
    more = "started than ended" if diff > 0 else "ended than started"
    return f"({abs(diff):,} more {more})"
