"""Early help cases (Annex A list 2), and the early-help partner measures derived from them.

A case is an early help assessment (start, completion) and the support that follows until closure. Exact:
assessments completed per quarter; cases open at each year end per service (Strengthening Families, and
multi-agency early help led by a partner); the share of the year's closures with outcomes achieved.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

import numpy as np

from pipeline.lib.demo.allocate import apportion, choose, draw, exact_labels, pct_count, pct_labels
from pipeline.lib.demo.children import band_dob_range, ethnicity_pools
from pipeline.lib.demo.dates import DAY, add_wd
from pipeline.lib.demo.front_door import FrontDoor, prev_wd
from pipeline.lib.demo.world import Ctx


@dataclass(eq=False)
class EHCase:
    child: int
    service: str
    start: dt.date
    completion: dt.date
    end: dt.date | None = None
    success: bool | None = None
    organisation: str = ""

    def open_at(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or self.end > day)


def build_early_help(ctx: Ctx, fd: FrontDoor) -> list[EHCase]:
    rng = ctx.rng("early_help")
    sh = ctx.shape["early_help"]
    services = list(sh["service_share"])
    lo_days, hi_days = sh["assessment_days"]
    cases: list[EHCase] = []
    for service, n in sh["opening_stock"].items():
        for _ in range(n):
            start = ctx.first_day - dt.timedelta(days=int(rng.integers(45, 240)))
            completion = start + dt.timedelta(days=int(rng.integers(lo_days, hi_days + 1)))
            cases.append(EHCase(-1, service, start, completion))
    completions = []
    for fy in ctx.years:
        for q, n in zip(ctx.fy_quarters(fy), ctx.per_quarter(ctx.year(fy)["early_help"]["assessments_completed"])):
            completions += ctx.picker.pick(rng, q.start, q.end, n)
    # A quarter beyond the window gives the assessments still in progress on the last day.
    completions += ctx.picker.pick(rng, ctx.last_day + DAY, ctx.last_day + 91 * DAY, n)
    share = np.array([sh["service_share"][s] for s in services])
    for day in completions:
        start = prev_wd(day - dt.timedelta(days=int(rng.integers(lo_days, hi_days + 1))))
        if start <= ctx.last_day:
            cases.append(EHCase(-1, services[int(rng.choice(len(services), p=share))], start, day))

    for service in services:
        mine = [c for c in cases if c.service == service]
        _close(ctx, rng, mine, service)

    for fy in ctx.years:
        first, last = ctx.fy_quarters(fy)[0].start, ctx.fy_end(fy)
        closed = [c for c in cases if c.end is not None and first <= c.end <= last]
        k = pct_count(ctx.year(fy)["early_help"]["closures_successful_pct"], len(closed))
        good = set(choose(rng, closed, k))
        for c in closed:
            c.success = c in good
    _children(ctx, rng, cases, fd)
    for c in cases:
        orgs = sh["organisations"][c.service]
        c.organisation = orgs[int(rng.integers(len(orgs)))]
    return cases


def _close(ctx: Ctx, rng, cases: list[EHCase], service: str) -> None:
    """Close cases quarter by quarter so the number open at each year end is exact."""
    opening = sum(1 for c in cases if c.open_at(ctx.first_day - DAY))
    anchors = {-1: opening}
    for fy in ctx.years:
        anchors[ctx.fy_quarters(fy)[-1].index] = ctx.year(fy)["early_help"]["open_at_end"][service]
    keys = sorted(anchors)
    for q in ctx.quarters:
        running = [c for c in cases if c.end is None and c.start <= q.end]
        eligible = [c for c in running if c.completion <= q.end - 7 * DAY]
        if q.index in anchors:
            target = anchors[q.index]
        else:  # between year ends: a straight line with a little noise
            a = max(k for k in keys if k < q.index)
            b = min(k for k in keys if k > q.index)
            t = (q.index - a) / (b - a)
            target = round(anchors[a] + t * (anchors[b] - anchors[a]) + rng.normal(0, 8))
            target = min(max(target, len(running) - len(eligible)), len(running))
        n = len(running) - target
        if not 0 <= n <= len(eligible):
            raise ValueError(f"early help {service} {q.label}: cannot close {n} of {len(eligible)} cases")
        ages = np.array([(q.end - c.completion).days for c in eligible], dtype=float)
        for c in choose(rng, eligible, n, np.minimum(ages / 90, 3) + 0.05):
            lo = max(c.completion + 7 * DAY, q.start)
            c.end = add_wd(lo + dt.timedelta(days=int(rng.integers(0, max(1, (q.end - lo).days - 3)))), 0)
            if c.end > q.end:
                c.end = lo


def _children(ctx: Ctx, rng, cases: list[EHCase], fd: FrontDoor) -> None:
    """Many cases follow a contact that stepped down to early help: same child, a few days later. The
    children open at the last year end are drawn to the report's shares (sex, ethnicity, age)."""
    quota = _year_end_children(ctx, rng, cases)
    share = ctx.shape["early_help"]["from_contact_share"]
    eh_contacts = [c for c in fd.contacts if c.outcome == "EH"]
    dates = [c.date for c in eh_contacts]
    used = np.zeros(len(eh_contacts), dtype=bool)
    taken = set()
    for case in sorted(cases, key=lambda c: c.start):
        child = quota.get(id(case))
        if child is None and rng.random() < share:
            lo = bisect.bisect_left(dates, case.start - 21 * DAY)
            hi = bisect.bisect_left(dates, case.start)
            for _ in range(4):
                if hi <= lo:
                    break
                i = int(rng.integers(lo, hi))
                if not used[i] and (eh_contacts[i].child, case.start) not in taken:
                    used[i] = True
                    child = eh_contacts[i].child
                    break
        case.child = child if child is not None else ctx.registry.new_random(case.start, unborn_share=0.01)
        taken.add((case.child, case.start))


def _year_end_children(ctx: Ctx, rng, cases: list[EHCase]) -> dict[int, int]:
    """New children, with exactly the report's shares, for the cases open at the last year end."""
    spec = ctx.year(ctx.years[-1])["early_help"].get("at_end")
    if not spec:
        return {}
    end = ctx.last_day
    reg = ctx.registry
    open_end = [c for c in cases if c.open_at(end)]
    n = len(open_end)
    gender = dict(zip(spec["gender_pct"], apportion(n, list(spec["gender_pct"].values()))))
    unborn = set(map(id, choose(rng, [c for c in open_end if c.start >= end - 90 * DAY], gender.pop("unborn", 0))))
    born = [c for c in open_end if id(c) not in unborn]
    ages = pct_labels(rng, spec["age_pct"], len(born))
    sexes = exact_labels(rng, gender)
    pools = ethnicity_pools(ctx.shape, ctx.codes)
    ethnic = pct_labels(rng, spec["ethnicity_pct"], n)
    out = {}
    for i, c in enumerate(open_end):
        if id(c) in unborn:
            dob = end + dt.timedelta(days=int(rng.integers(10, 120)))
            sex = "M" if rng.random() < 0.5 else "F"
        else:
            lo, hi = band_dob_range(ctx.shape["age_bands"][ages.pop()], end)
            dob = lo + dt.timedelta(days=int(rng.integers(0, (hi - lo).days + 1)))
            sex = sexes.pop()
        out[id(c)] = reg.add(dob, sex, reg.random_ethnicity(pools[ethnic[i]]),
                             draw(rng, ctx.shape["disability_weights"]))
    return out


def monthly(ctx: Ctx, cases: list[EHCase]) -> dict[str, dict[dt.date, int]]:
    """Early-help partner measures by month (first of month -> value), from the cases."""
    from pipeline.lib.demo.world import month_starts

    out: dict[str, dict[dt.date, int]] = {}
    months = month_starts(ctx.first_day, ctx.last_day)
    ends = [(m + 32 * DAY).replace(day=1) - DAY for m in months]
    services = list(ctx.shape["early_help"]["service_share"])
    for service in services:
        out[f"open:{service}"] = {m: sum(1 for c in cases if c.service == service and c.open_at(e))
                                  for m, e in zip(months, ends)}
    out["completed"] = {m: sum(1 for c in cases if m <= c.completion <= e) for m, e in zip(months, ends)}
    out["closed"] = {m: sum(1 for c in cases if c.end and m <= c.end <= e) for m, e in zip(months, ends)}
    out["closed_successful"] = {m: sum(1 for c in cases if c.end and c.success and m <= c.end <= e)
                                for m, e in zip(months, ends)}
    return out
