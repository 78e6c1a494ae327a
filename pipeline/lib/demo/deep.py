"""Children in care, child protection plans and child in need plans: the "deep" episodes.

They are built first, with exact starts, ends and year-end stocks (episodes.build_stock), then linked where a
real journey links them (a CP plan ending as the child comes into care or steps down to a CIN plan; a second
CP plan for a child whose first plan is in the window; a second period in care). Each linked group of
episodes is one child, whose attributes (sex, age, ethnicity, disability) are drawn for the group: exactly to
the report's figures for the children open at the last year end, from plausible distributions otherwise.
Everything upstream (ICPCs, assessments, referrals, contacts) then reuses these children.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from pipeline.lib.demo.allocate import (
    apportion,
    choose,
    draw,
    exact_labels,
    pct_count,
    pct_labels,
    solve_cells,
)
from pipeline.lib.demo.children import band_dob_range, ethnicity_pools
from pipeline.lib.demo.dates import DAY, add_wd, minus_months
from pipeline.lib.demo.episodes import Episode, LongRule, build_stock
from pipeline.lib.demo.returns import cla_review_before
from pipeline.lib.demo.world import Ctx

FAR = dt.date(2100, 1, 1)
FAMILIES = {"cla": "children_in_care", "cp": "cp_plans", "cin": "cin_plans"}


class Groups:
    """Union-find over episodes: one group = one child."""

    def __init__(self):
        self.parent: dict[Episode, Episode] = {}
        self._members: dict[Episode, list[Episode]] = {}

    def add(self, e: Episode) -> None:
        if e not in self.parent:
            self.parent[e] = e
            self._members[e] = [e]

    def find(self, e: Episode) -> Episode:
        root = e
        while self.parent[root] is not root:
            root = self.parent[root]
        while self.parent[e] is not root:
            self.parent[e], e = root, self.parent[e]
        return root

    def union(self, a: Episode, b: Episode) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra is not rb:
            self.parent[rb] = ra
            self._members[ra] += self._members.pop(rb)

    def members(self) -> dict[Episode, list[Episode]]:
        """Root -> its episodes, in the order the roots were added."""
        return {r: m for r, m in self._members.items()}

    def span(self, e: Episode) -> tuple[dt.date, dt.date]:
        eps = self._members[self.find(e)]
        return min(m.start for m in eps), max(m.end or FAR for m in eps)

    def apart(self, earlier: Episode, later: Episode, gap_days: int) -> bool:
        """The two children's histories do not overlap: `earlier`'s group ends before `later`'s starts."""
        if self.find(earlier) is self.find(later):
            return False
        _, end_a = self.span(earlier)
        start_b, _ = self.span(later)
        return end_a + dt.timedelta(days=gap_days) <= start_b


@dataclass
class Deep:
    cla: list[Episode]
    cp: list[Episode]
    cin: list[Episode]
    groups: Groups = field(default_factory=Groups)

    def all(self) -> list[Episode]:
        return self.cla + self.cp + self.cin

    def open_children(self, day: dt.date, rng: np.random.Generator, tries: int = 40) -> int | None:
        """A child on a CIN plan, CP plan or in care on `day` (random), or None."""
        pool = self.cin + self.cp + self.cla
        for _ in range(tries):
            e = pool[int(rng.integers(len(pool)))]
            if e.open_at(day) and e.start < day:
                return e.child
        return None


def _long_rules(ctx: Ctx, key: str) -> list[LongRule]:
    """Year-end counts of episodes open for long: `open_2_years_plus`, `open_9_months_plus`, or the report's
    `open_under_9_months_pct` (the rest are open 9 months or more)."""
    rules = []
    for fy in ctx.years:
        y = ctx.year(fy)[key]
        end_q, end = ctx.fy_quarters(fy)[-1].index, ctx.fy_end(fy)
        if "open_2_years_plus" in y:
            rules.append(LongRule(end_q, minus_months(end, 24), y["open_2_years_plus"]))
        if "open_9_months_plus" in y:
            rules.append(LongRule(end_q, minus_months(end, 9), y["open_9_months_plus"]))
        if "open_under_9_months_pct" in y:
            n = y["open_at_end"]
            rules.append(LongRule(end_q, minus_months(end, 9), n - pct_count(y["open_under_9_months_pct"], n)))
    return rules


def _stock(ctx: Ctx, family: str, start_days: dict, end_days: dict) -> list[Episode]:
    key = FAMILIES[family]
    ys = [ctx.year(fy)[key] for fy in ctx.years]
    for prev, this, fy in zip(ys, ys[1:], ctx.years[1:]):
        if prev["open_at_end"] + this["started"] - this["ended"] != this["open_at_end"]:
            raise ValueError(f"targets.yaml {fy} {key}: open at end does not follow from the year before")
    first = ys[0]
    opening = first["open_at_end"] - first["started"] + first["ended"]
    rules = _long_rules(ctx, key)
    sh = ctx.shape["episodes"][key]
    return build_stock(
        ctx.rng("stock", family), ctx.quarters, ctx.picker, family=family, opening=opening,
        starts=ctx.per_quarter_all(key, "started"), ends=ctx.per_quarter_all(key, "ended"),
        final_open=ys[-1]["open_at_end"], rules=rules, opening_age_mean=sh["opening_age_mean_days"],
        opening_age_max=sh["opening_age_max_days"], typical_days=sh["typical_days"],
        start_days=start_days, end_days=end_days,
    )


def build_deep(ctx: Ctx) -> Deep:
    any_day = {"weekend": 0.3, "holiday": 0.3}
    deep = Deep(
        cla=_stock(ctx, "cla", any_day, any_day),
        cp=_stock(ctx, "cp", {}, {}),
        cin=_stock(ctx, "cin", {}, {}),
    )
    for e in deep.all():
        deep.groups.add(e)
    _link_cp_onwards(ctx, deep)  # moves some plans' end dates (within their quarter)
    _ceased_after_two_years(ctx, deep.cp)
    _flag_subsequent_plans(ctx, deep)
    _link_second_periods(ctx, deep)
    _assign_children(ctx, deep)
    _cp_details(ctx, deep)
    _cin_details(ctx, deep)
    _cla_details(ctx, deep)
    return deep


def _ceased_after_two_years(ctx: Ctx, plans: list[Episode]) -> None:
    """Plans ending in a year that had lasted 2 years or more (DfE D7, 730 days or more): exact per year.

    Only plans already open on the window's first day can have lasted that long. Their start dates are free
    within their class (which side of each long-running cutoff they fall), so each one ending in a year is
    made long or short by moving its start either side of its 730-day mark.
    """
    rng = ctx.rng("cp", "ceased_long")
    first = ctx.first_day
    cutoffs = sorted({r.cutoff for r in _long_rules(ctx, "cp_plans") if r.cutoff < first})
    # The oldest class starts a few years before the earliest cutoff, not in 2000: a plan of nineteen years is
    # not one a partnership has, and its child would be 18 when a later plan started (the age rule flags it).
    oldest = (cutoffs[0] if cutoffs else first) - 4 * 365 * DAY
    edges = [oldest] + [c for cut in cutoffs for c in (cut - 8 * DAY, cut + 8 * DAY)] + [first - 8 * DAY]
    classes = list(zip(edges[::2], edges[1::2]))
    for fy in ctx.years:
        target = ctx.year(fy)["cp_plans"].get("ceased_2_years_plus")
        if target is None:
            continue
        a, b = ctx.fy_quarters(fy)[0].start, ctx.fy_end(fy)
        ending = [e for e in plans if e.start < first and e.end is not None and a <= e.end <= b]
        long_only, short_only, either = [], [], []
        for e in ending:
            lo, hi = next(c for c in classes if c[0] <= e.start <= c[1])
            mark = e.end - 730 * DAY  # started on or before it: lasted 730 days or more
            e.attrs["_class"] = (lo, hi, mark)
            (either if lo <= mark < hi else long_only if hi <= mark else short_only).append(e)
        need = target - len(long_only)
        if not 0 <= need <= len(either):
            raise ValueError(f"{fy}: {target} CP plans ceasing after 2 years infeasible")
        long = set(choose(rng, either, need))
        for e in either:
            lo, hi, mark = e.attrs.pop("_class")
            e.start = _dob_in(rng, lo, mark) if e in long else _dob_in(rng, mark + DAY, hi)
        for e in long_only + short_only:
            e.attrs.pop("_class")


# ---------------------------------------------------------------- links between episodes

def _window_starts(ctx: Ctx, episodes: list[Episode], q) -> list[Episode]:
    return [e for e in episodes if q.contains(e.start)]


def _link_cp_onwards(ctx: Ctx, deep: Deep) -> None:
    """Some CP plans end as the child comes into care; many step down to a CIN plan (same child, same day)."""
    rng = ctx.rng("link", "cp_onwards")
    links = ctx.shape["links"]
    for q in ctx.quarters:
        ended = [p for p in deep.cp if p.end is not None and q.contains(p.end)]
        for family, targets, share in (("cla", deep.cla, links["cla_from_cp"]),
                                       ("cin", deep.cin, links["cin_plan_from_cp_step_down"])):
            starts = _window_starts(ctx, targets, q)
            for e in choose(rng, starts, round(share * len(starts))):
                fits = [p for p in ended if "next" not in p.attrs and p.start < e.start - 14 * DAY]
                if not fits:
                    continue
                p = fits[int(rng.integers(len(fits)))]
                p.end = e.start  # same quarter: every count of ends and stocks is unchanged
                p.attrs["next"] = family
                e.attrs["from"] = "cp"
                deep.groups.union(p, e)


def _flag_subsequent_plans(ctx: Ctx, deep: Deep) -> None:
    """'Number of Previous Child Protection Plans' >= 1: exact per year among plans started and plans open
    at the year end (the two sets overlap, so the flags are solved cell by cell)."""
    rng = ctx.rng("cp", "previous")
    sets, targets = [], []
    for fy in ctx.years:
        y = ctx.year(fy)["cp_plans"]
        end = ctx.fy_end(fy)
        qs = ctx.fy_quarters(fy)
        sets.append(lambda e, a=qs[0].start, b=end: a <= e.start <= b)
        targets.append(y["started_subsequent"])
        sets.append(lambda e, d=end: e.open_at(d))
        targets.append(y["previous_plans_open"])
    pattern = {}
    for e in deep.cp:
        pattern.setdefault(tuple(s(e) for s in sets), []).append(e)
    cells = list(pattern)
    counts = solve_cells([len(pattern[c]) for c in cells],
                         [[i for i, c in enumerate(cells) if c[s]] for s in range(len(sets))], targets)
    for cell, k in zip(cells, counts):
        eps = pattern[cell]
        if not any(cell):  # in none of the counted sets (opening stock ending in the first year)
            k = round(0.3 * len(eps))
        chosen = set(choose(rng, eps, k))
        for e in eps:
            e.attrs["subsequent"] = e in chosen

    # A second plan reuses the child of a first plan in the window where their histories do not overlap.
    share = ctx.shape["links"]["cp_subsequent_reuse_share"]
    for e in sorted((e for e in deep.cp if e.attrs["subsequent"] and e.start >= ctx.first_day), key=lambda e: e.start):
        if rng.random() >= share:
            continue
        fits = [p for p in deep.cp if p.end is not None and p.end <= e.start - 60 * DAY
                and deep.groups.apart(p, e, 30)]
        if fits:
            p = fits[int(rng.integers(len(fits)))]
            deep.groups.union(p, e)
            e.attrs["previous_episode"] = p
    for e in sorted(deep.cp, key=lambda e: e.start):
        if e.attrs["subsequent"]:
            base = 1 + int(rng.random() < 0.2)
            before = e.attrs.get("previous_episode")
            e.attrs["previous_plans"] = max(base, before.attrs["previous_plans"] + 1) if before else base
        else:
            e.attrs["previous_plans"] = 0


def _link_second_periods(ctx: Ctx, deep: Deep) -> None:
    rng = ctx.rng("link", "cla_second")
    share = ctx.shape["links"]["cla_second_period_share"]
    for e in sorted((e for e in deep.cla if e.start >= ctx.first_day), key=lambda e: e.start):
        e.attrs.setdefault("second_period", False)
        if rng.random() >= share:
            continue
        # The pipeline counts children starting / ceasing in a year once each: keep a child's two starts
        # (and two ends) in different years.
        fits = [p for p in deep.cla if p.end is not None and e.start - 330 * DAY <= p.end <= e.start - 7 * DAY
                and ctx.fy_of(p.start) != ctx.fy_of(e.start)
                and (e.end is None or ctx.fy_of(p.end) != ctx.fy_of(e.end))
                and deep.groups.apart(p, e, 7)]
        if fits:
            deep.groups.union(fits[int(rng.integers(len(fits)))], e)
            e.attrs["second_period"] = True


# ---------------------------------------------------------------- children of the groups

def _bound(eps: list[Episode]) -> dt.date:
    """Latest plausible date of birth: before any period in care; at most ~4 months after a plan starts
    (pre-birth plans)."""
    return min(e.start if e.family == "cla" else e.start + 120 * DAY for e in eps)


def _dob_in(rng, lo: dt.date, hi: dt.date) -> dt.date:
    if hi <= lo:
        return hi
    return lo + dt.timedelta(days=int(rng.integers(0, (hi - lo).days + 1)))


def _assign_children(ctx: Ctx, deep: Deep) -> None:
    rng = ctx.rng("children", "deep")
    reg = ctx.registry
    last_fy = ctx.years[-1]
    end = ctx.fy_end(last_fy)
    y = ctx.year(last_fy)
    groups = deep.groups.members()
    quota: dict[Episode, str] = {}
    for family, episodes in (("cin", deep.cin), ("cp", deep.cp), ("cla", deep.cla)):
        if "at_end" not in y[FAMILIES[family]]:
            continue
        for e in episodes:
            if e.open_at(end):
                root = deep.groups.find(e)
                if quota.get(root, family) != family:
                    raise AssertionError("a child open in two families at the year end")
                quota[root] = family

    pools = ethnicity_pools(ctx.shape, ctx.codes)
    bands = ctx.shape["age_bands"]
    for family in ("cin", "cp", "cla"):
        roots = [r for r in groups if quota.get(r) == family]
        if not roots:
            continue
        spec = y[FAMILIES[family]]["at_end"]
        n = len(roots)
        gender = spec["gender"] if "gender" in spec else dict(zip(spec["gender_pct"],
                                                                  apportion(n, list(spec["gender_pct"].values()))))
        n_unborn = int(gender.get("unborn", 0))
        born = n - n_unborn
        ages = spec["age_bands"] if "age_bands" in spec else dict(zip(spec["age_pct"],
                                                                      apportion(born, list(spec["age_pct"].values()))))
        if sum(ages.values()) != born or sum(gender.values()) != n:
            raise ValueError(f"targets.yaml {last_fy} {FAMILIES[family]} at_end: counts do not add up to {n}")
        first = {r: min(e.start for e in groups[r]) for r in roots}
        bound = {r: _bound(groups[r]) for r in roots}
        has_cla = {r: any(e.family == "cla" for e in groups[r]) for r in roots}
        dob: dict[Episode, dt.date] = {}
        unborn_ok = [r for r in roots if first[r] >= end - 120 * DAY and not has_cla[r]]
        for r in choose(rng, unborn_ok, n_unborn):
            latest = max(6, (first[r] + 150 * DAY - end).days)
            dob[r] = end + dt.timedelta(days=int(rng.integers(5, latest + 1)))
        # Youngest bands first: they need a group whose first episode allows so late a birth.
        for band in sorted(ages, key=lambda b: bands[b][0]):
            lo, hi = band_dob_range(bands[band], end)
            free = [r for r in roots if r not in dob]
            fits = [r for r in free if bound[r] >= lo + 30 * DAY]
            picked = choose(rng, fits, min(ages[band], len(fits)))
            if len(picked) < ages[band]:
                rest = [r for r in free if r not in set(picked)]
                picked += choose(rng, rest, ages[band] - len(picked))
            for r in picked:
                dob[r] = _dob_in(rng, lo, min(hi, bound[r]))
        sexes = exact_labels(rng, {"M": gender["M"], "F": gender["F"]})
        ethnic = pct_labels(rng, spec["ethnicity_pct"], n)
        if "disability" in spec:  # every child's answer known: the share is of all of them
            dis = exact_labels(rng, {"Y": spec["disability"], "N": n - spec["disability"]})
        else:
            dis = [draw(rng, ctx.shape["disability_weights"]) for _ in range(n)]
        born_roots = [r for r in roots if dob[r] <= end]
        sex_of = dict(zip(born_roots, sexes))
        for i, r in enumerate(roots):
            sex = sex_of.get(r, "M" if rng.random() < 0.5 else "F")
            child = reg.add(dob[r], sex, reg.random_ethnicity(pools[ethnic[i]]), dis[i])
            for e in groups[r]:
                e.child = child

    for r, eps in groups.items():
        if r in quota:
            continue
        family = "cla" if any(e.family == "cla" for e in eps) else ("cp" if any(e.family == "cp" for e in eps) else "cin")
        first = min(e.start for e in eps)
        band = bands[draw(rng, ctx.shape[family]["age_pct"])]
        if family != "cla" and rng.random() < 0.03:
            dob = first + dt.timedelta(days=int(rng.integers(20, 120)))
        else:  # age band as at the first episode's start
            age_days = int((band[0] + rng.random() * (band[1] - band[0] + 1)) * 365.25)
            dob = first - dt.timedelta(days=age_days + 1)
        # Under 18 throughout: the last day any episode of the group is open in the window.
        last = max(min(e.end or ctx.last_day, ctx.last_day) for e in eps)
        youngest_allowed = last - dt.timedelta(days=int(18 * 365.25) - 30)
        dob = min(max(dob, youngest_allowed), _bound(eps))
        child = reg.add(dob, "M" if rng.random() < 0.51 else "F", reg.random_ethnicity(),
                        draw(rng, ctx.shape["disability_weights"]))
        for e in eps:
            e.child = child


# ---------------------------------------------------------------- details of each family

def _teams(ctx: Ctx, rng, key: str) -> tuple[str, str]:
    team = ctx.shape["teams"][key]
    return team[int(rng.integers(len(team)))], worker_name(ctx, rng)


def worker_name(ctx: Ctx, rng) -> str:
    first, last = ctx.shape["worker_first_names"], ctx.shape["worker_surnames"]
    return f"{first[int(rng.integers(len(first)))]} {last[int(rng.integers(len(last)))]}"


def band(year_end: dt.date, months: int) -> tuple[dt.date, dt.date, dt.date]:
    boundary = minus_months(year_end, months)
    return boundary - 15 * DAY, boundary, boundary + 15 * DAY


def fix_latest_within(rng, episodes: list[Episode], year_ends: list[dt.date], targets: list, key: str,
                      keep_first: bool, months_of=lambda e, year_end: 12, counted=lambda e, year_end: True) -> None:
    """For each year end, latest year first: of the episodes open then and `counted`, make exactly the target
    (a count, or a function of how many are counted) have their latest `key` date (a sorted list in attrs)
    within `months_of(e, year_end)` months before it. Dates are kept 2 weeks clear of each boundary; an
    earlier year's fix adds no date in a later year's band and removes none a later year counts. The first
    date is never removed when `keep_first` (a CP plan's ICPC)."""
    later_bands: list[tuple] = []
    for year_end, target in sorted(zip(year_ends, targets), key=lambda t: t[0], reverse=True):
        population = [e for e in episodes if e.open_at(year_end) and counted(e, year_end)]
        wanted = target(len(population)) if callable(target) else target
        months = {id(e): months_of(e, year_end) for e in population}
        _fix_one(rng, population, year_end, months, wanted, key, keep_first, later_bands)
        later_bands += [band(year_end, m) for m in sorted(set(months.values()))]


def _fix_one(rng, population, year_end, months, target, key, keep_first, later_bands) -> None:
    def latest(e):
        known = [d for d in e.attrs[key] if d <= year_end]
        return known[-1] if known else None

    bands = {id(e): band(year_end, months[id(e)]) for e in population}
    for e in population:
        # Move a date out of the ambiguous band, away from the boundary: a 12-month band straddles the
        # previous year end, whose own count this must not change.
        lo_band, boundary, hi_band = bands[id(e)]
        dates = e.attrs[key]
        for i, d in enumerate(dates):
            if lo_band <= d <= hi_band and d > e.start:
                back = lo_band - dt.timedelta(days=int(rng.integers(1, 20)))
                forward = min(year_end, hi_band + dt.timedelta(days=int(rng.integers(1, 20))))
                dates[i] = back if d < boundary and back > e.start else forward
        e.attrs[key] = sorted(set(dates))
    within = [e for e in population if (latest(e) or dt.date.min) >= bands[id(e)][1]]
    within_ids = {id(e) for e in within}
    outside = [e for e in population if id(e) not in within_ids]
    if len(within) > target:
        # Drop the dates between the band and the year end: the review / assessment was not held (overdue).
        can = [e for e in within if e.start <= bands[id(e)][0] - 30 * DAY]
        for e in choose(rng, can, len(within) - target):
            lo_band, _, hi_band = bands[id(e)]
            e.attrs[key] = [d for d in e.attrs[key]
                            if d <= hi_band or d > year_end or (keep_first and d == e.start)]
            if (latest(e) or dt.date.min) > lo_band:
                raise AssertionError(f"cannot move a latest {key} date out of timescale")
    elif len(within) < target:
        can = [e for e in outside if e.start <= year_end - 30 * DAY]
        for e in choose(rng, can, target - len(within)):
            first_ok = max(e.start + 10 * DAY, bands[id(e)][2] + 5 * DAY)
            day = _dob_in(rng, first_ok, year_end - 7 * DAY)
            for lo, _, hi in later_bands:
                if lo <= day <= hi:
                    day = lo - DAY
            e.attrs[key] = sorted(set(e.attrs[key] + [day]))


def _cp_details(ctx: Ctx, deep: Deep) -> None:
    rng = ctx.rng("cp", "details")
    sh = ctx.shape["cp"]
    window_end = ctx.last_day
    for e in deep.cp:
        cat = draw(rng, sh["category_weights"])
        e.attrs["initial_category"] = cat
        e.attrs["latest_category"] = cat if rng.random() < 0.85 else draw(rng, sh["category_weights"])
        e.attrs["epo"] = rng.random() < sh["epo_share"]
        e.attrs["team"], e.attrs["worker"] = _teams(ctx, rng, "cin")
        stop = e.end or window_end + DAY
        confs = [e.start]
        day = e.start + sh["review_first_days"] * DAY
        while day < stop:
            late = rng.random() < sh["review_late_share"]
            held = add_wd(day + dt.timedelta(days=int(rng.integers(7, 60)) if late else -int(rng.integers(0, 10))), 0)
            if held >= stop or held <= confs[-1]:
                break
            confs.append(held)
            day = held + sh["review_every_days"] * DAY
        e.attrs["conferences"] = confs
    # Reviews in timescale, as the pipeline counts them: of the plans open at the year end for 3 months or
    # more, those whose latest review conference was in the 6 months before it.
    def share_of(pct):
        return lambda n: pct_count(pct, n)

    fix_latest_within(rng, deep.cp, [ctx.fy_end(fy) for fy in ctx.years],
                      [share_of(ctx.year(fy)["cp_plans"]["reviews_in_timescale_pct"]) for fy in ctx.years],
                      "conferences", True, months_of=lambda e, end: 6,
                      counted=lambda e, end: e.start <= minus_months(end, 3))
    # Statutory visits: working-day gaps; a visit is in timescale when it follows the last within 20 WD.
    for e in deep.cp:
        fy = ctx.fy_of(max(e.start, ctx.first_day)) or ctx.years[0]
        p_in = ctx.year(fy)["cp_plans"]["visits_in_timescale_pct"] / 100
        stop = min(e.end or window_end, window_end)
        visits, in_time, last = [], [], e.start
        while True:
            within = rng.random() < p_in
            lo, hi = sh["visit_gap_wd_within"] if within else sh["visit_gap_wd_over"]
            day = add_wd(last, int(rng.integers(lo, hi + 1)))
            if day > stop:
                break
            visits.append(day)
            in_time.append(within)
            last = day
        e.attrs["visits"] = np.array(visits, dtype="datetime64[D]")
        e.attrs["visits_in_time"] = np.array(in_time, dtype=bool)
        e.attrs["seen_alone"] = draw(rng, {"Y": 80, "N": 15, "U": 5})
    # The year's share of visits in timescale, exactly (each visit is counted in the return of its quarter).
    for fy in ctx.years:
        a, b = np.datetime64(ctx.fy_quarters(fy)[0].start, "D"), np.datetime64(ctx.fy_end(fy), "D")
        slots = [(e, i) for e in deep.cp for i, v in enumerate(e.attrs["visits"]) if a <= v <= b]
        target = pct_count(ctx.year(fy)["cp_plans"]["visits_in_timescale_pct"], len(slots))
        chosen = {(id(e), i) for e, i in choose(rng, slots, target)}
        for e, i in slots:
            e.attrs["visits_in_time"][i] = (id(e), i) in chosen


def _cin_details(ctx: Ctx, deep: Deep) -> None:
    rng = ctx.rng("cin", "details")
    sh = ctx.shape["cin"]
    for e in deep.cin:
        e.attrs["need"] = draw(rng, sh["need_weights"])
        e.attrs["closure_reason"] = draw(rng, sh["closure_weights"])
        e.attrs["team"], e.attrs["worker"] = _teams(ctx, rng, "cin")


PLACEMENT_GROUPS = ("external_foster", "internal_foster", "connected_carers", "placed_with_parents", "other")


def _placement(ctx: Ctx, rng, group: str) -> tuple[str, str]:
    sh = ctx.shape["cla"]
    if group == "external_foster":
        return str(rng.choice(["U4", "U5", "U6"], p=[0.55, 0.05, 0.40])), "PR4"
    if group == "internal_foster":
        return str(rng.choice(["U4", "U5", "U6"], p=[0.55, 0.05, 0.40])), "PR1"
    if group == "connected_carers":
        return str(rng.choice(["U1", "U2", "U3"], p=[0.5, 0.05, 0.45])), "PR1"
    if group == "placed_with_parents":
        return "P1", "PR0"
    return draw(rng, sh["other_placements"]), draw(rng, sh["other_providers"])


def _postcode(ctx: Ctx, rng, inside: bool) -> tuple[str, str]:
    districts = ctx.shape["postcode_districts"]
    if inside:
        district, la = districts["inside"][int(rng.integers(len(districts["inside"])))], ctx.shape["la_name"]
    else:
        outside = list(districts["outside"])
        district = outside[int(rng.integers(len(outside)))]
        la = districts["outside"][district]
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    unit = f"{int(rng.integers(1, 10))}{letters[int(rng.integers(20))]}{letters[int(rng.integers(20))]}"
    return f"{district} {unit}", la


def _permanence_at_review(ctx: Ctx, deep: Deep, rng) -> None:
    """'91% ... a plan of permanence at their first LAC review', exactly, as the indicator counts it.

    Annex A list 8 holds the latest review and the current plan, so the indicator takes the children who started
    to be looked after in the year and have had a review since (in the latest row the year's returns hold for
    the episode; one per child, the latest start) and counts those with a plan recorded. Exactly
    `permanence_at_review_pct` of them get one (`plan_recorded`); returns.py writes the plan only then.
    """
    for fy in ctx.years:
        pct = ctx.year(fy)["children_in_care"].get("permanence_at_review_pct")
        if pct is None:
            continue
        quarters = ctx.fy_quarters(fy)
        start, end = quarters[0].start, quarters[-1].end
        latest: dict[int, Episode] = {}
        for e in deep.cla:
            if not start <= e.start <= end:
                continue
            q = max((q for q in quarters if e.in_return(q)), key=lambda q: q.index)
            if cla_review_before(e.start, e.end_known(q) or q.end) is None:
                continue
            if e.child not in latest or e.start > latest[e.child].start:
                latest[e.child] = e
        counted = sorted(latest.values(), key=lambda e: (e.start, e.child))
        k = pct_count(pct, len(counted))
        for e, flag in zip(counted, exact_labels(rng, {True: k, False: len(counted) - k})):
            e.attrs["plan_recorded"] = flag


def _cla_details(ctx: Ctx, deep: Deep) -> None:
    rng = ctx.rng("cla", "details")
    sh = ctx.shape["cla"]
    reg = ctx.registry
    last_fy = ctx.years[-1]
    end = ctx.fy_end(last_fy)
    spec = ctx.year(last_fy)["children_in_care"].get("at_end", {})
    open_end = [e for e in deep.cla if e.open_at(end)]
    others = [e for e in deep.cla if not e.open_at(end)]
    if spec:
        groups = pct_labels(rng, spec["placements_pct"], len(open_end))
        n1 = pct_count(spec["category_of_need_n1_pct"], len(open_end))
        needs = exact_labels(rng, {"N1": n1, "other": len(open_end) - n1})
        weights = spec["placements_pct"]
        n1_share = spec["category_of_need_n1_pct"] / 100
    else:
        groups, needs = [None] * len(open_end), [None] * len(open_end)
        weights, n1_share = {g: 1 for g in PLACEMENT_GROUPS}, 0.8
    for e, group, need in list(zip(open_end, groups, needs)) + [(e, None, None) for e in others]:
        group = group or draw(rng, weights)
        if need is None:
            need = "N1" if rng.random() < n1_share else "other"
        e.attrs["need"] = need if need == "N1" else draw(rng, sh["need_weights_other"])
        e.attrs["placement_type"], e.attrs["placement_provider"] = _placement(ctx, rng, group)
        inside = rng.random() < (0.75 if e.attrs["placement_provider"] in ("PR0", "PR1") else 0.35)
        e.attrs["postcode"], e.attrs["placement_la"] = _postcode(ctx, rng, inside)
        e.attrs["placement_location"] = "IN" if inside else "OUT"
        residential = e.attrs["placement_type"] in ("K1", "K2", "H5", "S1", "R1")
        e.attrs["urn"] = f"SC{int(rng.integers(100000, 999999))}" if residential else None
        span = max(1, ((e.end or ctx.last_day) - e.start).days)
        e.attrs["placement_start"] = e.start + dt.timedelta(days=int(rng.integers(0, span)) if rng.random() < 0.5 else 0)
        age_at_start = (e.start - reg.dob[e.child]).days / 365.25
        e.attrs["uasc"] = bool(age_at_start >= 14 and reg.sex[e.child] == "M" and rng.random() < sh["uasc_share"] * 8)
        first = draw(rng, sh["legal_first"])
        legal = [(e.start, first)]
        if first in ("L1", "L2"):
            legal.append((e.start + 8 * DAY, "C1"))
        if legal[-1][1] == "C1":
            lo, hi = sh["full_order_after_days"]
            legal.append((e.start + dt.timedelta(days=int(rng.integers(lo, hi))), "C2"))
        if legal[-1][1] == "C2" and age_at_start < 5 and rng.random() < sh["placement_order_share"] * 4:
            legal.append((legal[-1][0] + dt.timedelta(days=int(rng.integers(60, 300))), "E1"))
        e.attrs["legal"] = legal
        plan = draw(rng, sh["permanence_weights"])
        if plan == "ADO" and age_at_start >= 6:
            plan = "LTF"
        e.attrs["permanence"] = "ADO" if legal[-1][1] == "E1" else plan
        e.attrs["reason_ceased"] = draw(rng, sh["ceased_weights"])
        e.attrs["team"], e.attrs["worker"] = _teams(ctx, rng, "cla")
        e.attrs["dental_share"] = sh["dental_within_year_share"]
        # Health assessments: initial within ~20 working days, then yearly (six-monthly under five).
        dates, day = [], add_wd(e.start, int(rng.integers(12, 30)))
        stop = min(e.end or ctx.last_day, ctx.last_day)
        while day <= stop:
            dates.append(day)
            under5 = (day - reg.dob[e.child]).days < 5 * 365
            gap = 182 if under5 else 365
            day = day + dt.timedelta(days=gap + int(rng.integers(-40, 25)))
        e.attrs["health"] = dates
    _permanence_at_review(ctx, deep, ctx.rng("cla", "permanence"))
    # Health assessment up to date: within 12 months before the year end, 6 months for a child under 5.
    fix_latest_within(rng, deep.cla, [ctx.fy_end(fy) for fy in ctx.years],
                      [ctx.year(fy)["children_in_care"]["health_assessment_up_to_date"] for fy in ctx.years],
                      "health", False, months_of=lambda e, end: 6 if (reg.age_at(e.child, end) or 0) < 5 else 12)
