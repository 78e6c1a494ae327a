"""Stocks of episodes (CP plans, CIN plans, periods in care, early-help cases) with exact flows.

An episode is open at a date when it started on or before it and has not ended by it. The generator fixes,
per quarter, exactly how many episodes start and end; which ones end is random, weighted towards the older
ones, under three kinds of constraint:

* long-running rules: exactly N episodes open at a year end have started on or before a cutoff (open
  9 months or more, 2 years or more). Episodes starting within a week of a cutoff are never open at that
  year end, so no counting convention (months or days) can tip them across;
* the number open at the last quarter end (the survivors are chosen first);
* deadlines that follow from these, met earliest-deadline-first, so every quarter's quota is feasible.

Counts open at any quarter end follow from the flows: open = opening + starts - ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from pipeline.lib.demo.allocate import choose
from pipeline.lib.demo.dates import DAY, DayPicker, Quarter

MARGIN = dt.timedelta(days=7)


@dataclass(eq=False)
class Episode:
    family: str
    start: dt.date
    end: dt.date | None = None
    earliest_q: int = 0          # first quarter it may end in
    latest_q: int | None = None  # last quarter it may end in (None: no deadline)
    keep_open: bool = False      # still open at the end of the last quarter
    child: int | None = None
    attrs: dict = field(default_factory=dict)

    def open_at(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or self.end > day)

    def in_return(self, q: Quarter) -> bool:
        """Open at the quarter end, or ended during the quarter (the Annex A lists 6-8 rule)."""
        return self.start <= q.end and (self.end is None or self.end >= q.start)

    def end_known(self, q: Quarter) -> dt.date | None:
        return self.end if self.end is not None and self.end <= q.end else None


@dataclass(frozen=True)
class LongRule:
    quarter: int        # index of the year-end quarter
    cutoff: dt.date     # started on or before this = long-running at that year end
    count: int


def build_stock(rng: np.random.Generator, quarters: list[Quarter], picker: DayPicker, *, family: str,
                opening: int, starts: list[int], ends: list[int], final_open: int, rules: list[LongRule],
                opening_age_mean: float, opening_age_max: int, typical_days: float,
                start_days: dict, end_days: dict) -> list[Episode]:
    """Episodes open on the first day of the window plus those starting in it, with their end dates."""
    first = quarters[0].start
    if opening + sum(starts) - sum(ends) != final_open:
        raise ValueError(f"{family}: opening {opening} + starts {sum(starts)} - ends {sum(ends)} != {final_open}")
    cutoffs = [r.cutoff for r in rules]

    episodes = []
    ages = np.minimum(rng.exponential(opening_age_mean, opening), opening_age_max).astype(int) + 8
    for age in ages:
        start = first - dt.timedelta(days=int(age))
        for c in cutoffs:  # keep opening starts clear of a cutoff's margin
            if abs((start - c).days) <= MARGIN.days:
                start = c - 2 * MARGIN
        start = min(start, first - MARGIN)
        episodes.append(Episode(family, start))
    for q, n in zip(quarters, starts):
        for day in picker.pick(rng, q.start, q.end, n, **start_days):
            episodes.append(Episode(family, day))

    last = len(quarters) - 1
    # Rules of one year end nest (open 2 years or more are also open 9 months or more): oldest cutoff first,
    # each counting the survivors the earlier ones already chose.
    for rule in sorted(rules, key=lambda r: (r.quarter, r.cutoff)):
        year_end = quarters[rule.quarter].end
        surviving = [e for e in episodes if e.earliest_q > rule.quarter and e.start <= rule.cutoff + MARGIN]
        candidates = [e for e in episodes if e.start <= rule.cutoff - MARGIN and e.earliest_q <= rule.quarter
                      and (e.latest_q is None or e.latest_q > rule.quarter)]
        if not 0 <= rule.count - len(surviving) <= len(candidates):
            raise ValueError(f"{family}: {rule.count} open at {year_end} since {rule.cutoff} infeasible")
        for e in choose(rng, candidates, rule.count - len(surviving)):
            e.earliest_q = max(e.earliest_q, rule.quarter + 1)
            e.keep_open = e.earliest_q > last
        chosen_ok = {id(e) for e in episodes if e.earliest_q > rule.quarter}
        for e in episodes:
            if e.start <= rule.cutoff + MARGIN and e.start <= year_end and id(e) not in chosen_ok:
                e.latest_q = rule.quarter if e.latest_q is None else min(e.latest_q, rule.quarter)

    # Survivors to the last quarter end: the most recent starts are the likeliest still open.
    end_day = quarters[-1].end
    fixed = [e for e in episodes if e.keep_open]
    need = final_open - len(fixed)
    free = [e for e in episodes if not e.keep_open and e.latest_q is None]
    forced = [e for e in free if e.start >= end_day]  # started on the last day: cannot end in the window
    pool = [e for e in free if e.start < end_day]
    weights = [np.exp(-(end_day - e.start).days / typical_days) for e in pool]
    if need < len(forced) or need - len(forced) > len(pool):
        raise ValueError(f"{family}: cannot keep {final_open} open at the end")
    for e in forced + choose(rng, pool, need - len(forced), weights):
        e.keep_open = True
    for e in episodes:
        if not e.keep_open:
            e.latest_q = last if e.latest_q is None else min(e.latest_q, last)

    for q in quarters:
        open_now = [e for e in episodes if not e.keep_open and e.end is None and e.start < q.end]
        eligible = [e for e in open_now if e.earliest_q <= q.index]
        later = np.cumsum([0] + ends[q.index + 1:])  # capacity of the quarters after this one
        must = 0
        for d in sorted({e.latest_q for e in open_now}):
            due = sum(1 for e in open_now if e.latest_q <= d)
            must = max(must, due - int(later[d - q.index]))
        if must > ends[q.index] or ends[q.index] > len(eligible):
            raise ValueError(f"{family}: {ends[q.index]} ends in {q.label} infeasible "
                             f"({must} due, {len(eligible)} eligible)")
        order = sorted(eligible, key=lambda e: (e.latest_q, e.start))
        due_now = order[:must]
        taken = set(due_now)
        rest = [e for e in eligible if e not in taken]
        ages = np.array([(q.end - e.start).days for e in rest], dtype=float)
        weights = np.minimum((ages / typical_days) ** 1.5, 4.0) + 0.05
        for e in due_now + choose(rng, rest, ends[q.index] - must, weights):
            lo = max(e.start + DAY, q.start)
            e.end = picker.pick_one(rng, lo, q.end, **end_days)
    return episodes
