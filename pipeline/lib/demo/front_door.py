"""Contacts, referrals, assessments, section 47 enquiries and ICPCs.

Built backwards from the deep episodes, so journeys hold together (same child, consistent dates):

    contact (SCT) -> referral (progressed) -> assessment (authorised) -> S47 -> ICPC -> CP plan
                                                                     \\-> CIN plan / period in care

"Linked" rows are those journeys. "Free" rows (referrals with no deep episode behind them, their assessments)
and "fill" rows (re-assessments of children already open) then make every calibrated count exact: the
number of free rows is the target less the linked rows, and the flags the report counts (within 45 working
days, new assessment, initial visit in 5 days, re-referral ...) are chosen among them, so they come out
exactly, whatever the random draws of the linked rows.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from pipeline.lib.demo.allocate import choose, draw, exact_labels
from pipeline.lib.demo.dates import DAY, add_wd, is_wd, wd_between_many
from pipeline.lib.demo.deep import Deep, worker_name
from pipeline.lib.demo.episodes import Episode
from pipeline.lib.demo.world import Ctx

POLICE = "6"


@dataclass(eq=False)
class S47:
    child: int
    start: dt.date | None = None
    icpc: dt.date | None = None
    plan: bool | None = None
    decided: dt.date | None = None       # ICPC held, or the enquiry concluded with no ICPC
    from_assessment: bool = False
    cp: Episode | None = None
    team: str = ""
    worker: str = ""
    n_s47: int = 0
    n_icpc: int = 0


@dataclass(eq=False)
class Referral:
    child: int
    date: dt.date
    source: str = ""
    progressed: bool = False
    linked: bool = False
    nfa: bool = False
    rereferral: bool = False
    phantom: int = 0                     # referrals before the window counted in "last 12 months"
    n_last12: int = 0
    team: str = ""
    worker: str = ""


@dataclass(eq=False)
class Assessment:
    child: int
    kind: str                            # linked | free | fill
    start: dt.date | None = None
    auth: dt.date | None = None
    outcome: str | None = None
    new: bool | None = None
    iv: dt.date | None = None
    referral: Referral | None = None
    team: str = ""
    worker: str = ""
    seen: bool = True


@dataclass(eq=False)
class Contact:
    child: int
    date: dt.date
    source: str
    outcome: str = ""
    da: bool = False
    met_eh: bool = False
    referral: Referral | None = None


@dataclass
class FrontDoor:
    s47: list[S47] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)


def prev_wd(day: dt.date) -> dt.date:
    return day if is_wd(day) else add_wd(day, -1)


def build_front_door(ctx: Ctx, deep: Deep) -> FrontDoor:
    fd = FrontDoor()
    _icpcs_and_s47s(ctx, deep, fd)
    _linked_assessments(ctx, deep, fd)
    _referrals(ctx, fd)
    _free_assessments(ctx, fd)
    _fill_assessments(ctx, deep, fd)
    for fy in ctx.years:
        _assessment_flags(ctx, fd, fy)
    _assessments_outside_years(ctx, fd)
    _contacts(ctx, deep, fd)
    return fd


# ---------------------------------------------------------------- S47 and ICPC

# A child new at the front door stays under 18 this long: its assessment and CIN episode follow within weeks.
UNDER_18_FOR_DAYS = 120


def _new_child(ctx: Ctx, day: dt.date, unborn: float | None = None) -> int:
    return ctx.registry.new_random(day, unborn_share=unborn, under_18_for=UNDER_18_FOR_DAYS)


def _icpcs_and_s47s(ctx: Ctx, deep: Deep, fd: FrontDoor) -> None:
    rng = ctx.rng("s47")
    wd = ctx.shape["icpc_wd"]
    for fy in ctx.years:
        y = ctx.year(fy)["s47"]
        qs = ctx.fy_quarters(fy)
        starts = [[e for e in deep.cp if q.contains(e.start)] for q in qs]
        surplus = y["icpc_resulted_in_plan"] - sum(len(s) for s in starts)
        if surplus < 0:
            raise ValueError(f"targets.yaml {fy}: fewer ICPCs resulting in a plan than CP plans started")
        icpcs = []
        for q, n, cp_starts, extra in zip(qs, ctx.per_quarter(y["icpcs"]), starts, ctx.per_quarter(surplus)):
            if len(cp_starts) + extra > n:
                raise ValueError(f"{q.label}: more ICPCs resulting in a plan than ICPCs")
            for e in cp_starts:  # the conference that started the plan, same child, same day
                icpcs.append(S47(e.child, icpc=e.start, plan=True, cp=e))
            days = ctx.picker.pick(rng, q.start, q.end, n - len(cp_starts))
            planned = set(choose(rng, list(range(len(days))), extra))
            for i, day in enumerate(days):
                icpcs.append(S47(_new_child(ctx, day, 0.08), icpc=day, plan=i in planned))
        within = set(choose(rng, icpcs, y["icpc_within_15_wd"]))
        for s in icpcs:
            lo, hi = wd["within"] if s in within else wd["over"]
            s.start = add_wd(s.icpc, -int(rng.integers(lo, hi + 1)))
            s.decided = s.icpc
        fd.s47 += icpcs

    # Enquiries that ended without a conference: as many as each year's S47 starts still need.
    share = ctx.shape["links"]["s47_without_icpc_from_assessment"]
    for fy in ctx.years:
        y = ctx.year(fy)["s47"]
        qs = ctx.fy_quarters(fy)
        with_icpc = sum(1 for s in fd.s47 if ctx.fy_of(s.start) == fy)
        if with_icpc > y["started"]:
            raise ValueError(f"targets.yaml {fy}: more S47s with an ICPC than S47s started")
        for q, n in zip(qs, ctx.per_quarter(y["started"] - with_icpc)):
            days = ctx.picker.pick(rng, q.start, q.end, n)
            from_assessment = set(choose(rng, list(range(n)), round(share * n)))
            taken = {(s.child, s.start) for s in fd.s47}
            for i, day in enumerate(days):
                child = None if i in from_assessment else deep.open_children(day, rng)
                if (child, day) in taken:
                    child = None
                s = S47(child if child is not None else _new_child(ctx, day), start=day,
                        from_assessment=i in from_assessment)
                taken.add((s.child, day))
                s.decided = add_wd(day, int(rng.integers(8, 16)))
                fd.s47.append(s)
    for s in fd.s47:
        s.team = ctx.shape["teams"]["s47"][int(rng.integers(len(ctx.shape["teams"]["s47"])))]
        s.worker = worker_name(ctx, rng)
    by_child = defaultdict(list)
    for s in fd.s47:
        by_child[s.child].append(s)
    for items in by_child.values():
        items.sort(key=lambda s: s.start)
        for i, s in enumerate(items):
            earlier = [p for p in items[:i] if s.start - 365 * DAY <= p.start < s.start]
            s.n_s47 = len(earlier)
            s.n_icpc = sum(1 for p in items[:i] if p.icpc is not None and s.start - 365 * DAY <= p.icpc < s.start)


# ---------------------------------------------------------------- assessments

def _p45(ctx: Ctx, day: dt.date) -> float:
    fy = ctx.fy_of(day) or (ctx.years[0] if day < ctx.first_day else ctx.years[-1])
    y = ctx.year(fy)["assessments"]
    return y["within_45_wd"] / y["completed"]


def _within_flags(ctx: Ctx, rng, days: list[dt.date]) -> list[bool]:
    """Which journeys' assessments take 45 working days or fewer: exactly the year's share among those of
    each year (by `days`), so the re-assessments left to make the year's figure exact are never too few."""
    by_year: dict[str, list[int]] = defaultdict(list)
    for i, day in enumerate(days):
        by_year[ctx.fy_of(day) or (ctx.years[0] if day < ctx.first_day else ctx.years[-1])].append(i)
    flags = [False] * len(days)
    for fy, idx in by_year.items():
        for i in choose(rng, idx, round(_p45(ctx, ctx.fy_end(fy)) * len(idx))):
            flags[i] = True
    return flags


def _duration(ctx: Ctx, rng, within: bool) -> int:
    lo, hi = ctx.shape["assessments"]["duration_wd_within" if within else "duration_wd_over"]
    return int(rng.integers(lo, hi + 1))


def _new_assessment(ctx: Ctx, rng, child: int, kind: str) -> Assessment:
    teams = ctx.shape["teams"]["assessments"]
    return Assessment(child, kind, team=teams[int(rng.integers(len(teams)))], worker=worker_name(ctx, rng))


def _linked_assessments(ctx: Ctx, deep: Deep, fd: FrontDoor) -> None:
    """An assessment authorised the day a journey moves on: the strategy discussion, the CIN plan, care."""
    rng = ctx.rng("assessments", "linked")
    links = ctx.shape["links"]
    ends = []
    for s in fd.s47:
        if s.icpc is not None or s.from_assessment:
            ends.append((s.child, s.start, "S47"))
    for q in ctx.quarters:
        for episodes, share, outcome in ((deep.cin, links["cin_plan_from_assessment"], "CIN"),
                                         (deep.cla, links["cla_from_assessment"], "CLA")):
            starts = [e for e in episodes if q.contains(e.start)]
            pool = [e for e in starts if e.attrs.get("from") != "cp"]
            for e in choose(rng, pool, min(len(pool), round(share * len(starts)))):
                ends.append((e.child, prev_wd(e.start), outcome))
                e.attrs["from"] = "assessment"
    taken = set()
    quick = _within_flags(ctx, rng, [auth for _, auth, _ in ends])
    for (child, auth, outcome), within in zip(ends, quick):
        a = _new_assessment(ctx, rng, child, "linked")
        a.auth, a.outcome = auth, outcome
        a.start = add_wd(auth, -_duration(ctx, rng, within))
        while (child, a.start) in taken:  # one assessment per child and start date (the natural key)
            a.start = add_wd(a.start, -1)
        taken.add((child, a.start))
        fd.assessments.append(a)


def _free_assessments(ctx: Ctx, fd: FrontDoor) -> None:
    rng = ctx.rng("assessments", "free")
    taken = {(a.child, a.start) for a in fd.assessments}
    progressed = [r for r in fd.referrals if r.progressed and not r.linked]
    for r, within in zip(progressed, _within_flags(ctx, rng, [r.date for r in progressed])):
        a = _new_assessment(ctx, rng, r.child, "free")
        a.referral = r
        a.start = add_wd(r.date, int(rng.random() < 0.2))
        while (a.child, a.start) in taken:
            a.start = add_wd(a.start, 1)
        taken.add((a.child, a.start))
        a.auth = add_wd(a.start, _duration(ctx, rng, within))
        fd.assessments.append(a)


def _fill_assessments(ctx: Ctx, deep: Deep, fd: FrontDoor) -> None:
    """Re-assessments of children already open, as many as each quarter's completions still need."""
    rng = ctx.rng("assessments", "fill")
    for fy in ctx.years:
        for q, target in zip(ctx.fy_quarters(fy), ctx.per_quarter(ctx.year(fy)["assessments"]["completed"])):
            have = sum(1 for a in fd.assessments if q.contains(a.auth))
            if have > target:
                raise ValueError(f"{q.label}: {have} assessments completed by journeys alone, target {target}")
            for day in ctx.picker.pick(rng, q.start, q.end, target - have):
                child = deep.open_children(day, rng)
                a = _new_assessment(ctx, rng, child if child is not None else _new_child(ctx, day), "fill")
                a.auth = day
                fd.assessments.append(a)


def _assessment_flags(ctx: Ctx, fd: FrontDoor, fy: str) -> None:
    rng = ctx.rng("assessments", "flags", fy)
    y = ctx.year(fy)["assessments"]
    sh = ctx.shape["assessments"]
    done = [a for a in fd.assessments if ctx.fy_of(a.auth) == fy]
    fill = [a for a in done if a.kind == "fill"]
    journeys = [a for a in done if a.kind != "fill"]

    # Within 45 working days: the journeys' durations are drawn; re-assessment durations make it exact.
    wd = wd_between_many([a.start for a in journeys], [a.auth for a in journeys])
    need = y["within_45_wd"] - int((wd <= 45).sum())
    if not 0 <= need <= len(fill):
        raise ValueError(f"{fy}: {need} re-assessments within 45 WD needed of {len(fill)}")
    quick = set(choose(rng, fill, need))
    taken = {(a.child, a.start) for a in fd.assessments if a.start is not None}
    for a in fill:
        a.start = add_wd(a.auth, -_duration(ctx, rng, a in quick))
        while (a.child, a.start) in taken:  # another duration of the same kind
            a.start = add_wd(a.auth, -_duration(ctx, rng, a in quick))
        taken.add((a.child, a.start))

    # New assessments: journeys only (a re-assessment is never new), children without an earlier one first.
    first_start: dict[int, dt.date] = {}
    for a in sorted((a for a in fd.assessments if a.start is not None), key=lambda a: a.start):
        first_start.setdefault(a.child, a.start)
    weights_of = [1.0 if first_start[a.child] == a.start else 0.15 for a in journeys]
    in_time = [i for i, w in enumerate(wd) if w <= 45]
    late = [i for i, w in enumerate(wd) if w > 45]
    n_in = y["new_within_45_wd"]
    if n_in > len(in_time) or y["new"] - n_in > len(late):
        raise ValueError(f"{fy}: not enough journeys for the new-assessment figures")
    new = set(choose(rng, in_time, n_in, [weights_of[i] for i in in_time]))
    new |= set(choose(rng, late, y["new"] - n_in, [weights_of[i] for i in late]))
    for i, a in enumerate(journeys):
        a.new = i in new
    for a in fill:
        a.new = False

    # Initial visit within 5 working days of the start.
    dur = wd_between_many([a.start for a in done], [a.auth for a in done])
    forced = [a for a, d in zip(done, dur) if d <= 5]
    can = [a for a, d in zip(done, dur) if d > 5]
    k = y["initial_visit_within_5_wd"] - len(forced)
    if not 0 <= k <= len(can):
        raise ValueError(f"{fy}: initial visits within 5 WD infeasible")
    quick_visit = set(forced) | set(choose(rng, can, k))
    lo_in, hi_in = sh["initial_visit_wd_within"]
    lo_out, hi_out = sh["initial_visit_wd_over"]
    for a, d in zip(done, dur):
        n = int(rng.integers(lo_in, min(hi_in, d) + 1)) if a in quick_visit else int(rng.integers(lo_out, min(hi_out, d) + 1))
        a.iv = add_wd(a.start, n)
        a.seen = rng.random() < sh["child_seen_share"]

    # Outcome: no further action / early help / another agency, exact among free and fill assessments.
    pool = [a for a in done if a.kind != "linked"]
    k = y["outcome_nfa_eh_other_agency"]
    if k > len(pool):
        raise ValueError(f"{fy}: {k} NFA/EH/other-agency outcomes needed of {len(pool)}")
    group = set(choose(rng, pool, k, [1.0 if a.kind == "free" else 0.35 for a in pool]))
    for a in pool:
        a.outcome = draw(rng, sh["outcome_weights_group"]) if a in group else "CIN"


def _assessments_outside_years(ctx: Ctx, fd: FrontDoor) -> None:
    """Assessments authorised before or after the window: open ones at the end, for the last returns."""
    rng = ctx.rng("assessments", "outside")
    sh = ctx.shape["assessments"]
    for a in fd.assessments:
        if ctx.fy_of(a.auth) is not None:
            continue
        a.new = rng.random() < sh["first_assessment_share_open"]
        a.iv = add_wd(a.start, int(rng.integers(0, 12)))
        a.seen = rng.random() < sh["child_seen_share"]
        if a.outcome is None and a.auth <= ctx.last_day:
            a.outcome = draw(rng, sh["outcome_weights_group"])


# ---------------------------------------------------------------- referrals

def _source(ctx: Ctx, rng, group: str) -> str:
    if group == "police":
        return POLICE
    if group == "education":
        return draw(rng, ctx.shape["education_source_weights"])
    return draw(rng, ctx.shape["other_source_weights"])


def _group_of(source: str, ctx: Ctx) -> str:
    if source == POLICE:
        return "police"
    return "education" if source in ctx.shape["education_source_weights"] else "other"


def _count_last12(referrals: list[Referral]) -> None:
    by_child = defaultdict(list)
    for r in referrals:
        by_child[r.child].append(r)
    for items in by_child.values():
        items.sort(key=lambda r: r.date)
        dates = [r.date for r in items]
        for r in items:
            lo = bisect.bisect_left(dates, r.date - 365 * DAY)
            hi = bisect.bisect_left(dates, r.date)
            r.n_last12 = (hi - lo) + r.phantom


def _referrals(ctx: Ctx, fd: FrontDoor) -> None:
    rng = ctx.rng("referrals")
    sh = ctx.shape["referrals"]
    teams = ctx.shape["teams"]["referrals"]
    linked = []
    for a in fd.assessments:  # every journey starts with a referral the day its assessment starts
        group = draw(rng, ctx.shape["referral_source_group_weights"])
        r = Referral(a.child, a.start, _source(ctx, rng, group), progressed=True, linked=True)
        a.referral = r
        linked.append(r)
    _count_last12(linked)

    free = []
    for fy in ctx.years:
        y = ctx.year(fy)["referrals"]
        qs = ctx.fy_quarters(fy)
        mine = [r for r in linked if ctx.fy_of(r.date) == fy]
        rows = []
        for q, total in zip(qs, ctx.per_quarter(y["total"])):
            n = total - sum(1 for r in mine if q.contains(r.date))
            if n < 0:
                raise ValueError(f"{q.label}: more referrals from journeys than the quarter's total")
            rows += [Referral(-1, day) for day in ctx.picker.pick(rng, q.start, q.end, n, weekend=0.15, holiday=0.25)]
        groups = {g: sum(1 for r in mine if _group_of(r.source, ctx) == g) for g in ("police", "education")}
        counts = {"police": y["police"] - groups["police"], "education": y["education"] - groups["education"]}
        counts["other"] = len(rows) - counts["police"] - counts["education"]
        if min(counts.values()) < 0:
            raise ValueError(f"{fy}: referral sources infeasible {counts}")
        for r, group in zip(rows, exact_labels(rng, counts)):
            r.source = _source(ctx, rng, group)
        for r in choose(rng, rows, y["progressed_to_assessment"] - len(mine)):
            r.progressed = True
        # 'Referral NFA?' as DfE counts it (C1): rare; most referrals not assessed went to another service.
        for r in choose(rng, [r for r in rows if not r.progressed], y["nfa"]):
            r.nfa = True
        rereferrals = y["re_referrals"] - sum(1 for r in mine if r.n_last12 >= 1)
        for r in choose(rng, rows, rereferrals):
            r.rereferral = True
        free += rows

    # Children: a re-referral goes to a child referred (freely) in the 12 months before; anyone else is new.
    free.sort(key=lambda r: r.date)
    seen_dates: list[dt.date] = []
    seen_children: list[int] = []
    taken: set[tuple[int, dt.date]] = set()
    for r in free:
        lo = bisect.bisect_left(seen_dates, r.date - 365 * DAY)
        hi = bisect.bisect_left(seen_dates, r.date)
        before_window = max(0, (ctx.first_day - (r.date - 365 * DAY)).days) / 365
        child = None
        if r.rereferral and hi > lo and rng.random() >= sh["pre_window_history_share"] * before_window:
            for _ in range(10):  # not a child already re-referred the same day
                pick = seen_children[int(rng.integers(lo, hi))]
                # re-referred as a child: still under 18 when this referral's assessment would start
                if (pick, r.date) not in taken and ctx.registry.under_18_on(pick, r.date + UNDER_18_FOR_DAYS * DAY):
                    child = pick
                    break
        if child is not None:
            r.child = child
        else:
            r.child = _new_child(ctx, r.date, 0.03)
            if r.rereferral:  # its earlier referral was before April 2021
                r.phantom = 1 + int(rng.random() < 0.2)
        taken.add((r.child, r.date))
        seen_dates.append(r.date)
        seen_children.append(r.child)

    fd.referrals = sorted(linked + free, key=lambda r: r.date)
    _count_last12(fd.referrals)
    for fy in ctx.years:
        got = sum(1 for r in fd.referrals if ctx.fy_of(r.date) == fy and r.n_last12 >= 1)
        if got != ctx.year(fy)["referrals"]["re_referrals"]:
            raise AssertionError(f"{fy}: {got} re-referrals, target {ctx.year(fy)['referrals']['re_referrals']}")
    for r in fd.referrals:
        r.team = teams[int(rng.integers(len(teams)))]
        r.worker = worker_name(ctx, rng)


# ---------------------------------------------------------------- contacts

def _contacts(ctx: Ctx, deep: Deep, fd: FrontDoor) -> None:
    rng = ctx.rng("contacts")
    sh = ctx.shape["contacts"]
    weekend = ctx.shape["weekend_weight"]
    holiday = ctx.shape["bank_holiday_weight"]
    contacts: list[Contact] = []
    for fy in ctx.years:
        y = ctx.year(fy)["contacts"]
        qs = ctx.fy_quarters(fy)
        refs = [r for r in fd.referrals if ctx.fy_of(r.date) == fy]
        from_refs = [Contact(r.child, r.date, r.source, "SCT", referral=r) for r in refs]
        free_q = []
        for q, total in zip(qs, y["by_quarter"]):
            n = total - sum(1 for r in refs if q.contains(r.date))
            if n < 0:
                raise ValueError(f"{q.label}: more referrals than contacts")
            free_q.append(n)
        counts = {"police": y["police"] - sum(1 for r in refs if r.source == POLICE),
                  "education": y["education"] - sum(1 for r in refs if _group_of(r.source, ctx) == "education")}
        counts["other"] = sum(free_q) - counts["police"] - counts["education"]
        if min(counts.values()) < 0:
            raise ValueError(f"{fy}: contact sources infeasible {counts}")
        labels = exact_labels(rng, counts)
        free, at = [], 0
        for q, n in zip(qs, free_q):
            mine = labels[at:at + n]
            at += n
            n_police = sum(1 for g in mine if g == "police")
            days = ctx.picker.pick(rng, q.start, q.end, n_police, weekend=weekend["police"], holiday=holiday)
            days += ctx.picker.pick(rng, q.start, q.end, n - n_police, weekend=weekend["default"], holiday=holiday)
            groups = ["police"] * n_police + [g for g in mine if g != "police"]
            free += [Contact(-1, day, _source(ctx, rng, g)) for day, g in zip(days, groups)]
        sct = set(choose(rng, free, y["outcome_sct"] - len(from_refs)))
        every = from_refs + free
        police = [c for c in every if c.source == POLICE]
        others = [c for c in every if c.source != POLICE]
        for c in choose(rng, police, y["domestic_abuse_police"]):
            c.da = True
        for c in choose(rng, others, y["domestic_abuse"] - y["domestic_abuse_police"]):
            c.da = True
        for q, met in zip(qs, y["met_eh_threshold_by_quarter"]):
            pool = [c for c in free if c not in sct and q.contains(c.date)]
            chosen = set(choose(rng, pool, met))
            for c in pool:
                c.met_eh = c in chosen
                c.outcome = draw(rng, sh["outcome_when_eh_threshold"] if c.met_eh else sh["outcome_otherwise"])
        for c in sct:
            c.outcome = "SCT"
        contacts += every

    # Children: action for SCT without a referral is a child already open; some contacts repeat a child.
    contacts.sort(key=lambda c: c.date)
    seen_dates: list[dt.date] = []
    seen_children: list[int] = []
    taken = {(c.child, c.date, c.source) for c in contacts if c.referral is not None}
    for c in contacts:
        if c.referral is None:
            child = deep.open_children(c.date, rng) if c.outcome == "SCT" else None
            if child is None:
                lo = bisect.bisect_left(seen_dates, c.date - 365 * DAY)
                if len(seen_dates) > lo and rng.random() < sh["repeat_child_share"]:
                    child = seen_children[int(rng.integers(lo, len(seen_dates)))]
            if child is None or (child, c.date, c.source) in taken or not ctx.registry.under_18_on(child, c.date):  # one row per child, date and source
                child = _new_child(ctx, c.date)
            c.child = child
            taken.add((child, c.date, c.source))
        seen_dates.append(c.date)
        seen_children.append(c.child)
    fd.contacts = contacts
