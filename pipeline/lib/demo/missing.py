"""Missing-from-home-and-care episodes and return home interviews (RHIs).

Exact per year: episodes starting in the year, distinct children, children offered an RHI, and the share of
completed RHIs held within 72 hours of the child's return. Looked-after children are children in care
(list 8) during the episode, so their list-8 missing counts agree with this return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from pipeline.lib.demo.allocate import choose, pct_count
from pipeline.lib.demo.dates import DAY
from pipeline.lib.demo.deep import Deep
from pipeline.lib.demo.front_door import FrontDoor
from pipeline.lib.demo.world import Ctx, month_starts

HOUR = dt.timedelta(hours=1)


@dataclass(eq=False)
class MissingEpisode:
    child: int
    start: dt.datetime
    end: dt.datetime
    looked_after: bool = False
    offered: bool = False
    offered_date: dt.date | None = None
    accepted: bool | None = None
    completed: dt.datetime | None = None
    agency: str = ""


def _age(ctx: Ctx, child: int, day: dt.date) -> float:
    return (day - ctx.registry.dob[child]).days / 365.25


def build_missing(ctx: Ctx, deep: Deep, fd: FrontDoor) -> list[MissingEpisode]:
    rng = ctx.rng("missing")
    sh = ctx.shape["missing"]
    episodes: list[MissingEpisode] = []
    previous: list[int] = []
    cla_by_child: dict[int, list] = {}
    for e in deep.cla:
        cla_by_child.setdefault(e.child, []).append(e)
    for fy in ctx.years:
        y = ctx.year(fy)["missing"]
        first, last = ctx.fy_quarters(fy)[0].start, ctx.fy_end(fy)
        # Children: some in care, some missing the year before too, the rest teenagers known to the front door.
        windows: dict[int, tuple[dt.date, dt.date]] = {}
        in_care = [e for e in deep.cla if e.start <= last - 30 * DAY and (e.end is None or e.end >= first + 30 * DAY)
                   and 10 <= _age(ctx, e.child, max(e.start, first)) < 17.5]
        # Mostly children still in care at the year end: Annex A list 8 (as at the year end) counts their
        # episodes too, and the pipeline reconciles the two returns.
        still = [30.0 if e.open_at(last) else 1.0 for e in in_care]
        for e in choose(rng, in_care, round(sh["looked_after_child_share"] * y["children"]), still):
            if e.child not in windows:
                windows[e.child] = (max(e.start, first), min(e.end or last, last))
        others = y["children"] - len(windows)
        carried = [c for c in dict.fromkeys(previous) if c not in windows and 10 <= _age(ctx, c, first) < 17.5]
        for c in choose(rng, carried, min(len(carried), round(sh["carried_over_child_share"] * others))):
            windows[c] = (first, last)
        teens = [c.child for c in fd.contacts if first <= c.date <= last and 11 <= _age(ctx, c.child, c.date) < 17.5]
        teens = [c for c in dict.fromkeys(teens) if c not in windows]
        for c in choose(rng, teens, min(len(teens), (y["children"] - len(windows)) // 2)):
            windows[c] = (first, last)
        while len(windows) < y["children"]:
            windows[ctx.registry.new_random(first, ages=(11, 16), unborn_share=0.0)] = (first, last)
        children = list(windows)
        previous = children

        in_care_at_end = {e.child for e in deep.cla if e.open_at(last)}
        weights = np.array([3.0 if c in in_care_at_end else 1.0 for c in children]) * rng.gamma(0.8, 1.0, len(children))
        extra = rng.multinomial(y["episodes"] - len(children), weights / weights.sum())
        mine: list[MissingEpisode] = []
        for child, k in zip(children, extra + 1):
            lo, hi = windows[child]
            if y.get("one_month_per_child"):  # a child's episodes fall in one calendar month
                months = month_starts(lo, hi)
                month = months[int(rng.integers(len(months)))]
                lo = max(lo, month)
                hi = min(hi, (month + 32 * DAY).replace(day=1) - DAY)
            # Distinct start times within the window, mostly afternoon and evening; an episode ends before
            # the next one starts, so every start stays inside the window (and the month).
            days = max(1, (hi - lo).days + 1)
            picks: set[int] = set()
            while len(picks) < k:
                minute = int(rng.integers(720, 1440)) if rng.random() < 0.85 else int(rng.integers(0, 720))
                picks.add(int(rng.integers(days)) * 1440 + minute)
            starts = sorted(picks)
            agencies = sh["reporting_agencies"]
            for j, at in enumerate(starts):
                start = dt.datetime.combine(lo, dt.time()) + dt.timedelta(minutes=at)
                hours = min(96.0, float(rng.lognormal(np.log(sh["duration_hours_median"]), 0.8)))
                minutes = int(hours * 60) + 30
                if j + 1 < len(starts):
                    minutes = max(1, min(minutes, int(0.8 * (starts[j + 1] - at))))
                looked_after = any(c.start <= start.date() and (c.end is None or c.end > start.date())
                                   for c in cla_by_child.get(child, []))
                mine.append(MissingEpisode(child, start, start + dt.timedelta(minutes=minutes), looked_after,
                                           agency=agencies[int(rng.integers(len(agencies)))]))

        offered_children = set(choose(rng, children, y["children_offered_rhi"]))
        by_child: dict[int, list[MissingEpisode]] = {}
        for m in mine:
            by_child.setdefault(m.child, []).append(m)
        for child, items in by_child.items():
            if child in offered_children:
                flags = rng.random(len(items)) < sh["rhi_offered_episode_share"]
                flags[int(rng.integers(len(items)))] = True
                for m, f in zip(items, flags):
                    m.offered = bool(f)
        completed = []
        for m in mine:
            if m.offered:
                m.accepted = bool(rng.random() < sh["rhi_accepted_share"])
                if m.accepted:
                    completed.append(m)
            else:
                m.accepted = None
        quick = set(choose(rng, completed, pct_count(y["rhi_within_72h_pct"], len(completed))))
        for m in mine:
            if not m.offered:
                continue
            if m in quick:
                m.completed = m.end + dt.timedelta(hours=int(rng.integers(4, 69)), minutes=int(rng.integers(0, 60)))
            elif m.accepted:
                m.completed = m.end + dt.timedelta(hours=int(rng.integers(76, 240)))
            offer = m.end.date() + dt.timedelta(days=int(rng.integers(0, 2)))
            m.offered_date = min(offer, m.completed.date()) if m.completed else offer
        episodes += mine
    return episodes
