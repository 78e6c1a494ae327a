"""Training uptake: course sessions and e-learning completions.

2022-23 reproduces the report's "Top 10 courses" table (available spaces, allocated places and no-shows,
summed over the year's sessions) and its eLearning table exactly; 2021-22 scales each course by a factor
drawn from targets.yaml `training.scale_2021_22`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from pipeline.lib.demo.allocate import apportion, split_capped, split_random
from pipeline.lib.demo.world import Ctx, month_starts


@dataclass
class Session:
    title: str
    level: str
    date: dt.date
    mode: str
    available: int
    allocated: int
    attended: int | None
    no_shows: int
    pre: float | None
    post: float | None
    rated: float | None
    agency: str


@dataclass
class Completions:
    module: str
    month: dt.date
    completions: int
    agency: str


def course_totals(ctx: Ctx, fy: str) -> list[dict]:
    """The year's courses with their totals (the report's for the last year, scaled before)."""
    t = ctx.targets["training"]
    courses = [dict(c) for c in t["courses"] + t["other_courses"]]
    if fy == ctx.years[-1]:
        return courses
    rng = ctx.rng("training", "scale", fy)
    scales = t["scale_2021_22"]
    for c in courses:
        lo, hi = (scales[0], scales[1]) if rng.random() < 0.5 else (scales[2], scales[3])
        f = rng.uniform(lo, hi)
        c["available"] = round(c["available"] * f)
        c["allocated"] = min(c["available"], round(c["allocated"] * f))
        c["no_shows"] = round(c["no_shows"] * f)
    return courses


def elearning_totals(ctx: Ctx, fy: str) -> dict[str, int]:
    totals = dict(ctx.targets["training"]["elearning"])
    if fy == ctx.years[-1]:
        return totals
    rng = ctx.rng("training", "elearning-scale", fy)
    scales = ctx.targets["training"]["scale_2021_22"]
    return {m: round(n * rng.uniform(*(scales[:2] if rng.random() < 0.5 else scales[2:]))) for m, n in totals.items()}


def build_training(ctx: Ctx) -> tuple[list[Session], list[Completions]]:
    t = ctx.targets["training"]
    sessions: list[Session] = []
    rows: list[Completions] = []
    modes = {"F2F": 0.45, "VIRTUAL": 0.45, "BLENDED": 0.10}
    for fy in ctx.years:
        rng = ctx.rng("training", fy)
        first, last = ctx.fy_quarters(fy)[0].start, ctx.fy_end(fy)
        months = [m for m in month_starts(first, last) if m.month != 8]  # no courses in August
        for c in course_totals(ctx, fy):
            n = c["sessions"]
            picks = sorted(rng.choice(len(months), size=n, replace=False).tolist()) if n <= len(months) else \
                sorted(rng.choice(len(months), size=n).tolist())
            dates: list[dt.date] = []
            for i in picks:  # distinct days: a session is keyed by course, date and agency
                m = months[i]
                end = (m + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
                day = ctx.picker.pick_one(rng, m, end)
                while day in dates:
                    day = ctx.picker.pick_one(rng, m, end)
                dates.append(day)
            available = apportion(c["available"], [1] * n)
            allocated = split_capped(rng, c["allocated"], available)
            if c["no_shows"] <= c["allocated"]:
                no_shows = split_capped(rng, c["no_shows"], allocated)
            else:  # the report's Disguise Compliance row: more no-shows than places allocated
                no_shows = apportion(c["no_shows"], [1] * n)
            for day, av, al, ns in sorted(zip(dates, available, allocated, no_shows)):
                attended = al - ns if al >= ns else None
                scored = bool(attended)
                if "pre_score_pct" in c:
                    pre, post, rated = c["pre_score_pct"], c["post_score_pct"], c["rated_4_or_5_pct"]
                else:
                    pre = round(float(np.clip(rng.normal(t["pre_score_pct"]["mean"], t["pre_score_pct"]["sd"]), 5, 80)), 2)
                    post = round(float(np.clip(rng.normal(t["post_score_pct"]["mean"], t["post_score_pct"]["sd"]), 90, 100)), 2)
                    rated = round(float(np.clip(rng.normal(t["rated_4_or_5_pct"]["mean"], t["rated_4_or_5_pct"]["sd"]), 70, 100)), 1)
                mode = str(rng.choice(list(modes), p=list(modes.values())))
                sessions.append(Session(c["title"], c["level"], day, mode, av, al, attended, ns,
                                        pre if scored else None, post if scored else None, rated if scored else None,
                                        t["delegate_agency"]))
        all_months = month_starts(first, last)
        weights = np.array(ctx.shape["month_weights"], dtype=float)
        agencies = t["elearning_agencies"]
        for module, total in elearning_totals(ctx, fy).items():
            for m, k in zip(all_months, split_random(rng, total, weights)):
                if k == 0:
                    continue
                chosen = sorted(rng.choice(len(agencies), size=min(len(agencies), int(rng.integers(1, 4))),
                                           replace=False).tolist())
                for a, part in zip(chosen, split_random(rng, k, [1] * len(chosen))):
                    if part:
                        rows.append(Completions(module, m, part, agencies[a]))
    return sessions, rows
