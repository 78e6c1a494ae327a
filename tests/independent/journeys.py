"""An independent simulation of children's journeys through a small authority's children's social care.

Nothing here comes from the pipeline: not its demo generator, not its readers, not its code lists or SQL. The
records are the truth; `expected()` counts them with DfE's rules as the domain notes and the catalogue's
definitions word them (config/indicators.yaml `definition`, sql/README.md "Counting rules"), written out again here.

Journey: contact -> referral (or not) -> single assessment -> (CIN episode) -> S47 -> ICPC -> CP plan -> care,
with care leavers (list 9), adoption (list 10) and adopters (list 11). Deterministic from a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

D = dt.date
DAY = dt.timedelta(days=1)

# England bank holidays (gov.uk), 2019 to 2023, including the 2022 Jubilee and the State Funeral.
BANK_HOLIDAYS = {D(*d) for d in [
    (2019, 1, 1), (2019, 4, 19), (2019, 4, 22), (2019, 5, 6), (2019, 5, 27), (2019, 8, 26), (2019, 12, 25), (2019, 12, 26),
    (2020, 1, 1), (2020, 4, 10), (2020, 4, 13), (2020, 5, 8), (2020, 5, 25), (2020, 8, 31), (2020, 12, 25), (2020, 12, 28),
    (2021, 1, 1), (2021, 4, 2), (2021, 4, 5), (2021, 5, 3), (2021, 5, 31), (2021, 8, 30), (2021, 12, 27), (2021, 12, 28),
    (2022, 1, 3), (2022, 4, 15), (2022, 4, 18), (2022, 5, 2), (2022, 6, 2), (2022, 6, 3), (2022, 8, 29), (2022, 9, 19),
    (2022, 12, 26), (2022, 12, 27),
    (2023, 1, 2), (2023, 4, 7), (2023, 4, 10), (2023, 5, 1), (2023, 5, 8), (2023, 5, 29), (2023, 8, 28), (2023, 12, 25),
    (2023, 12, 26)]}


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in BANK_HOLIDAYS


def working_days(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (same day = 0), as DfE's C2 timeliness counts them."""
    return sum(is_working_day(start + n * DAY) for n in range(1, (end - start).days + 1))


def add_working_days(start: dt.date, n: int) -> dt.date:
    day = start
    while n > 0:
        day += DAY
        n -= is_working_day(day)
    return day


# ---- the quarters the files are for -------------------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class Q:
    fy: int   # 2022 for 2022-23
    n: int    # 1..4, Q1 = April-June

    @property
    def start(self) -> dt.date:
        month = 4 + 3 * (self.n - 1)
        return D(self.fy + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        return self.next().start - DAY

    def next(self) -> Q:
        return Q(self.fy + (self.n == 4), self.n % 4 + 1)

    def prev(self) -> Q:
        return Q(self.fy - (self.n == 1), (self.n - 2) % 4 + 1)

    @property
    def year_label(self) -> str:
        return f"{self.fy}-{(self.fy + 1) % 100:02d}"

    @property
    def key(self) -> str:           # the Dagster partition key
        return f"{self.year_label}-Q{self.n}"

    @property
    def label(self) -> str:         # ind_values coverage label
        return f"{self.year_label} Q{self.n}"

    @property
    def lookback_start(self) -> dt.date:
        """Annex A's six-month look-back: this quarter and the one before."""
        return self.prev().start


FILED = [Q(2021, n) for n in (1, 2, 3, 4)] + [Q(2022, n) for n in (1, 2, 3, 4)]


# ---- records --------------------------------------------------------------------------------------------------------

@dataclass
class Child:
    child_id: str
    gender: str          # Annex A label
    ethnicity: str       # Annex A label
    dob: dt.date
    disability: str      # a) Yes / b) No / c) Unknown


@dataclass
class Contact:
    child: Child
    date: dt.date
    source: str          # CIN census source code, e.g. '6', '2A'


@dataclass
class Referral:
    child: Child
    date: dt.date
    source: str
    nfa: bool
    previous_12m: int    # referrals of the same child in the 12 months before this one


@dataclass
class Assessment:
    child: Child
    start: dt.date
    authorised: dt.date | None
    requires_support: bool


@dataclass
class CinEpisode:
    child: Child
    start: dt.date
    closed: dt.date | None
    need: str
    # (from, status) changes of Annex A case status over the episode
    statuses: list[tuple[dt.date, str]] = field(default_factory=list)

    def status_at(self, day: dt.date) -> str:
        if self.closed and self.closed <= day:
            return "e) Closed episode"
        current = "d) Open assessment"
        for since, status in self.statuses:
            if since <= day:
                current = status
        return current


@dataclass
class S47:
    child: Child
    start: dt.date
    icpc: dt.date | None
    icpc_unnecessary: bool
    to_plan: bool | None          # None until the ICPC is held
    previous_12m: int
    icpcs_12m: int


@dataclass
class Plan:
    child: Child
    start: dt.date
    end: dt.date | None
    category: str
    previous_plans: int


@dataclass
class Care:
    child: Child
    start: dt.date
    end: dt.date | None
    reason_ceased: str | None
    legal_status: str
    placement: str
    second_period: bool


@dataclass
class Adoption:
    child: Child
    entered_care: dt.date
    decision: dt.date
    placement_order: dt.date | None
    matched: dt.date | None
    placed: dt.date | None
    order: dt.date | None


@dataclass
class CareLeaver:
    child: Child
    category: str        # Annex A label
    in_touch: str
    accommodation: str
    suitable: str
    activity: str


@dataclass
class Adopter:
    adopter_id: str
    gender: str
    ethnicity: str
    enquiry: dt.date
    approved: dt.date | None


SOURCES = ["1A", "1C", "2A", "2B", "3A", "3B", "3E", "4", "5A", "5D", "6", "6", "6", "7", "8", "9"]
GENDERS = ["a) Male", "b) Female"]
ETHNICITIES = ["a) WBRI"] * 6 + ["k) APKN", "j) AIND", "n) BCRB", "f) MWBC", "o) BAFR", "d) WOTH", "r) OOTH"]
CATEGORIES = ["a) Neglect", "a) Neglect", "d) Emotional abuse", "b) Physical abuse", "c) Sexual abuse",
              "e) Multiple/not recommended"]
NEEDS = ["N1 - Abuse or neglect", "N1 - Abuse or neglect", "N4 - Family in acute stress", "N5 - Family dysfunction",
         "N2 - Child's disability"]


@dataclass
class World:
    seed: int
    children: list[Child] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    cin: list[CinEpisode] = field(default_factory=list)
    s47s: list[S47] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    care: list[Care] = field(default_factory=list)
    adoptions: list[Adoption] = field(default_factory=list)
    leavers: list[CareLeaver] = field(default_factory=list)
    adopters: list[Adopter] = field(default_factory=list)


SIM_START = D(2019, 4, 1)
SIM_END = FILED[-1].end


def simulate(seed: int = 20230331, children: int = 300) -> World:
    """Children's journeys from April 2019 to March 2023 (files cover April 2021 to March 2023, six months back)."""
    rng = random.Random(seed)
    world = World(seed)
    span = (SIM_END - SIM_START).days
    for n in range(children):
        age_at_first = rng.randint(0, 17)
        first = SIM_START + rng.randrange(span) * DAY
        dob = first - (age_at_first * 365 + rng.randrange(365)) * DAY
        child = Child(str(100000 + 7 * n + rng.randrange(7)), rng.choice(GENDERS), rng.choice(ETHNICITIES), dob,
                      rng.choice(["b) No"] * 7 + ["a) Yes", "c) Unknown"]))
        world.children.append(child)
        _journey(rng, world, child, first, prior_plans=rng.random() < 0.15)
    _in_care_cohort(rng, world)
    _care_leavers(rng, world)
    _adopters(rng, world)
    return world


def _journey(rng: random.Random, world: World, child: Child, day: dt.date, prior_plans: bool) -> None:
    """Contacts until the child is referred; each referral's outcome runs to its end before the next contact."""
    referral_dates: list[dt.date] = []
    while day <= SIM_END:
        if (day - child.dob).days >= 18 * 365:
            return
        source = rng.choice(SOURCES)
        world.contacts.append(Contact(child, day, source))
        if rng.random() < 0.15 and day + DAY <= SIM_END:   # a second contact about the child the same day
            world.contacts.append(Contact(child, day, rng.choice(SOURCES)))
        if rng.random() < 0.55:
            day = _referral(rng, world, child, day, source, referral_dates, int(prior_plans))
            if day is None:
                return
        day = day + rng.randint(20, 400) * DAY


def _referral(rng, world, child, day, source, referral_dates, prior_plans):
    """A referral and what follows; returns the day the case closes (None: still open at the end or child in care)."""
    previous = sum(1 for d in referral_dates if (day - d).days <= 365 and d < day)
    referral_dates.append(day)
    nfa = rng.random() < 0.12
    world.referrals.append(Referral(child, day, source, nfa, previous))
    if nfa:
        return day
    start = day + rng.randint(0, 3) * DAY
    duration = rng.choice([0, 3, 12, 25, 38, 44, 45, 46, 50, 58, 70]) + rng.randint(0, 2)
    authorised = add_working_days(start, duration)
    episode = CinEpisode(child, day, None, rng.choice(NEEDS))
    world.cin.append(episode)
    if authorised > SIM_END:
        world.assessments.append(Assessment(child, start, None, True))
        return None
    needs_support = rng.random() < 0.6
    world.assessments.append(Assessment(child, start, authorised, needs_support))
    if not needs_support:
        episode.closed = authorised + rng.randint(0, 5) * DAY
        if episode.closed > SIM_END:
            episode.closed = None
            return None
        return episode.closed
    episode.statuses.append((authorised, "c) Child in need plan"))
    if rng.random() < 0.05:
        return _care(rng, world, child, episode, authorised + rng.randint(1, 20) * DAY, authorised)
    close = authorised + rng.randint(40, 300) * DAY
    if rng.random() < 0.45:   # section 47
        s47_start = start + rng.randint(1, 10) * DAY
        earlier = [s for s in world.s47s if s.child is child and (s47_start - s.start).days <= 365]
        unnecessary = rng.random() < 0.2
        icpc = None if unnecessary else add_working_days(s47_start, rng.choice([5, 9, 12, 14, 15, 16, 18, 25]))
        if icpc is not None and icpc > SIM_END:
            world.s47s.append(S47(child, s47_start, None, False, None, len(earlier), 0))
            return None
        to_plan = None if icpc is None else rng.random() < 0.8
        world.s47s.append(S47(child, s47_start, icpc, unnecessary, to_plan, len(earlier),
                              sum(1 for s in earlier if s.icpc)))
        if to_plan:
            length = rng.choice([90, 180, 250, 365, 500, 700, 760, 900]) + rng.randint(0, 20)
            if 725 <= length <= 735:   # keep clear of the two-year boundary: the rule, not the edge, is tested here
                length = 760
            end = icpc + length * DAY
            previous = prior_plans + sum(p.child is child for p in world.plans)  # plans before this one, ever
            plan = Plan(child, icpc, end if end <= SIM_END else None, rng.choice(CATEGORIES), previous)
            world.plans.append(plan)
            episode.statuses.append((icpc, "b) Child Protection plan"))
            if plan.end is None:
                return None
            if rng.random() < 0.3:
                return _care(rng, world, child, episode, plan.end - rng.randint(0, 30) * DAY, plan.end)
            close = plan.end
    if close > SIM_END:
        return None
    episode.closed = close
    return close


def _care(rng, world, child, episode, start, plan_end):
    age = (start - child.dob).days // 365
    if age >= 17:
        episode.closed = plan_end
        return plan_end
    end = start + rng.randint(60, 1200) * DAY
    adopted = age < 5 and rng.random() < 0.6
    decision = start + rng.randint(60, 200) * DAY
    if adopted:   # the adoption order comes after the decision, the match and the placement
        end = max(end, decision + 180 * DAY)
    reason = ("a) E11: Adopted - application unopposed" if adopted else
              rng.choice(["e) E4A: Returned home to live with parents or relatives - part of planning",
                          "i) E45: Special Guardianship Orders - former carer relative/friend",
                          "m) E5: Moved into independent living - supported"]))
    if (end - child.dob).days >= 18 * 365:
        end = child.dob + 18 * 365 * DAY + 3 * DAY
        reason = "v) E17: Aged 18+ and remained with current carers"
    stay = Care(child, start, end if end <= SIM_END else None, reason if end <= SIM_END else None,
                rng.choice(["C2: FCO", "C1: ICO", "V2: Single period under S20"]),
                rng.choice(["f) U6: Foster placement - not FFA", "d) U4: Foster placement - long term",
                            "p) K2: Children's Homes", "c) U3: Foster placement - relative - not FFA"]), False)
    world.care.append(stay)
    episode.statuses.append((start, "a) Looked after child"))
    if adopted:
        order = end if end <= SIM_END else None
        world.adoptions.append(Adoption(child, start, decision, decision + 30 * DAY, decision + 90 * DAY,
                                        decision + 120 * DAY if decision + 120 * DAY < end else None, order))
    if stay.end is None:
        return None
    episode.closed = stay.end
    if stay.end >= child.dob + 18 * 365 * DAY:
        return None   # a care leaver now (list 9), not a new contact
    return stay.end


def _in_care_cohort(rng: random.Random, world: World, children: int = 50) -> None:
    """Children who came into care without passing the front door in these years (already in care, UASC, remand)."""
    for n in range(children):
        start = D(2017, 4, 1) + rng.randrange((SIM_END - D(2017, 4, 1)).days) * DAY
        age = rng.choice([0, 0, 1, 2, 3, 6, 9, 12, 14, 15, 16])
        dob = start - (age * 365 + rng.randrange(365)) * DAY
        child = Child(str(700000 + 3 * n), rng.choice(GENDERS), rng.choice(ETHNICITIES), dob,
                      rng.choice(["b) No"] * 5 + ["a) Yes"]))
        world.children.append(child)
        episode = CinEpisode(child, start, None, rng.choice(NEEDS))
        world.cin.append(episode)
        if _care(rng, world, child, episode, start, start) is not None or episode.closed is None:
            continue


def _care_leavers(rng: random.Random, world: World) -> None:
    """Young people aged 16-21 entitled to leaving-care services, with the status at each file's date."""
    for n in range(60):
        age = rng.randint(16, 21)
        dob = SIM_END - (age * 365 + rng.randrange(365)) * DAY
        child = Child(str(900000 + n), rng.choice(GENDERS), rng.choice(ETHNICITIES), dob, "b) No")
        category = "b) Former relevant child" if age >= 18 else rng.choice(["a) Relevant child", "d) Eligible child"])
        world.leavers.append(CareLeaver(
            child, category, rng.choice(["a) Yes"] * 8 + ["b) No", "d) Refu"]),
            rng.choice(["D: Semi-independent, transitional accommodation and self-contained accommodation",
                        "U: Independent living", "Z: With former foster carers", "W: Bed and breakfast"]),
            rng.choice(["a) Suitable"] * 5 + ["b) Unsuitable"]),
            rng.choice(["F2: Full time in education other than higher", "F3: Full time in training or employment",
                        "G5: Not in education, employment or training - other"])))


def _adopters(rng: random.Random, world: World) -> None:
    for n in range(25):
        enquiry = D(2020, 10, 1) + rng.randrange((SIM_END - D(2020, 10, 1)).days) * DAY
        approved = enquiry + rng.randint(120, 300) * DAY
        world.adopters.append(Adopter(f"ADP{500 + n}", rng.choice(GENDERS), rng.choice(ETHNICITIES), enquiry,
                                      approved if approved <= SIM_END else None))


# ---- what each quarter's return holds (Annex A's scope, as at the quarter's end) -------------------------------------

def in_range(day: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return day is not None and start <= day <= end


def known(day: dt.date | None, at: dt.date) -> dt.date | None:
    """A date as the return at `at` records it: a future event is not yet known."""
    return day if day is not None and day <= at else None


def open_at(start: dt.date, end: dt.date | None, at: dt.date) -> bool:
    """Open at the end of `at`: started on or before it and not ended by it (an end *on* the day is ended)."""
    return start <= at and (end is None or end > at)


def scope(world: World, q: Q) -> dict[str, list]:
    """The records each list of the return filed for `q` carries: the six months to the quarter's end, plus what is
    open at the end (lists 4-8), list 9 at the end, lists 10-11 twelve months back."""
    s, e = q.lookback_start, q.end
    year_back = e - 365 * DAY
    return {
        "contacts": [c for c in world.contacts if in_range(c.date, s, e)],
        "referrals": [r for r in world.referrals if in_range(r.date, s, e)],
        "assessments": [a for a in world.assessments if a.start <= e and (
            in_range(a.start, s, e) or in_range(a.authorised, s, e) or open_at(a.start, a.authorised, e))],
        "s47": [x for x in world.s47s if x.start <= e and (
            in_range(x.start, s, e) or in_range(x.icpc, s, e) or (x.icpc is not None and x.icpc > e))],
        "cin": [c for c in world.cin if c.start <= e and (open_at(c.start, c.closed, e) or in_range(c.closed, s, e))],
        "child_protection": [p for p in world.plans if p.start <= e and (open_at(p.start, p.end, e) or in_range(p.end, s, e))],
        "children_in_care": [c for c in world.care if c.start <= e and (open_at(c.start, c.end, e) or in_range(c.end, s, e))],
        "care_leavers": [x for x in world.leavers if (e - x.child.dob).days >= 16 * 365],
        "adoption": [a for a in world.adoptions if a.decision <= e and (
            a.order is None or a.order > year_back)],
        "adopters": [a for a in world.adopters if a.enquiry <= e and a.enquiry > year_back],
    }


# ---- the expected figures ---------------------------------------------------------------------------------------------

def _pct(n: int, d: int) -> tuple[int, int]:
    return (n, d)


def expected(world: World, start: dt.date, end: dt.date) -> dict[str, tuple[int, int | None]]:
    """indicator_code -> (numerator, denominator) for the window, from the records (the 'total' row)."""
    contacts = [c for c in world.contacts if in_range(c.date, start, end)]
    referrals = [r for r in world.referrals if in_range(r.date, start, end)]
    authorised = [a for a in world.assessments if in_range(a.authorised, start, end)]
    s47s = [x for x in world.s47s if in_range(x.start, start, end)]
    icpcs = [x for x in world.s47s if in_range(x.icpc, start, end)]
    plans_open = [p for p in world.plans if open_at(p.start, p.end, end)]
    plans_started = [p for p in world.plans if in_range(p.start, start, end)]
    plans_ended = [p for p in world.plans if in_range(p.end, start, end)]
    care_open = [c for c in world.care if open_at(c.start, c.end, end)]
    police = {"6"}
    education = {"2A", "2B"}
    return {
        "contacts_total": (len(contacts), None),
        "contacts_children": (len({c.child.child_id for c in contacts}), None),
        "contacts_police_pct": _pct(sum(c.source in police for c in contacts), len(contacts)),
        "contacts_education_pct": _pct(sum(c.source in education for c in contacts), len(contacts)),
        "referrals_total": (len(referrals), None),
        "referrals_children": (len({r.child.child_id for r in referrals}), None),
        "rereferrals_pct": _pct(sum(r.previous_12m >= 1 for r in referrals), len(referrals)),
        "referrals_nfa_pct": _pct(sum(r.nfa for r in referrals), len(referrals)),
        "referrals_police_pct": _pct(sum(r.source in police for r in referrals), len(referrals)),
        "referrals_education_pct": _pct(sum(r.source in education for r in referrals), len(referrals)),
        "assessments_completed": (len(authorised), None),
        "assessments_started": (sum(in_range(a.start, start, end) for a in world.assessments), None),
        "assessments_45wd_pct": _pct(sum(working_days(a.start, a.authorised) <= 45 for a in authorised), len(authorised)),
        "s47_total": (len(s47s), None),
        "icpc_total": (len(icpcs), None),
        "icpc_15wd_pct": _pct(sum(working_days(x.start, x.icpc) <= 15 for x in icpcs), len(icpcs)),
        "icpc_to_plan_pct": _pct(sum(bool(x.to_plan) for x in icpcs), sum(x.to_plan is not None for x in icpcs)),
        "cin_all_at_end": (sum(open_at(c.start, c.closed, end) for c in world.cin), None),
        "cin_started": (sum(in_range(c.start, start, end) for c in world.cin), None),
        "cpp_at_end": (len({p.child.child_id for p in plans_open}), None),
        "cpp_started": (len(plans_started), None),
        "cpp_ended": (len(plans_ended), None),
        "cpp_second_subsequent_pct": _pct(sum(p.previous_plans >= 1 for p in plans_started), len(plans_started)),
        "cpp_2yrs_ceased_pct": _pct(sum((p.end - p.start).days >= 730 for p in plans_ended), len(plans_ended)),
        "cla_at_end": (len({c.child.child_id for c in care_open}), None),
        "cla_started": (len({c.child.child_id for c in world.care if in_range(c.start, start, end)}), None),
        "cla_ceased": (len({c.child.child_id for c in world.care if in_range(c.end, start, end)}), None),
    }


SOURCE_GROUP = {"1": "Individual", "2": "Education", "3": "Health", "4": "Housing", "5": "LA services", "6": "Police",
                "7": "Other legal agency", "8": "Other", "9": "Anonymous"}   # CIN census source code -> its group


def age_at(dob: dt.date, day: dt.date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def dfe_age_band(dob: dt.date, at: dt.date) -> str:
    age = age_at(dob, at)
    return "Under 1" if age < 1 else "1-4" if age <= 4 else "5-9" if age <= 9 else "10-15" if age <= 15 else "16+"


def _label(annex_a: str) -> str:
    """'a) Neglect' -> 'Neglect'."""
    return annex_a.split(") ", 1)[1]


def _shares(code: str, values: list[str]) -> dict[tuple[str, str], tuple[int, int]]:
    return {(code, v): (values.count(v), len(values)) for v in set(values)}


def expected_breakdowns(world: World, start: dt.date, end: dt.date) -> dict[tuple[str, str], tuple[int, int]]:
    """(indicator_code, breakdown_value) -> (numerator, denominator) of the breakdown rows, from the records."""
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for code, events in (("contacts_by_source", world.contacts), ("referrals_by_source", world.referrals)):
        out |= _shares(code, [SOURCE_GROUP[e.source[0]] for e in events if in_range(e.date, start, end)])
    on_plan = {p.child.child_id: p for p in world.plans if open_at(p.start, p.end, end)}.values()
    out |= _shares("cpp_by_category", [_label(p.category) for p in on_plan])
    out |= _shares("cpp_by_age_band", [dfe_age_band(p.child.dob, end) for p in on_plan])
    known_disability = [_label(p.child.disability) for p in on_plan if p.child.disability != "c) Unknown"]
    out |= _shares("cpp_by_disability", known_disability)
    unknown = sum(p.child.disability == "c) Unknown" for p in on_plan)
    if unknown:
        out[("cpp_by_disability", "Unknown")] = (unknown, len(on_plan))
    in_care = {c.child.child_id: c for c in world.care if open_at(c.start, c.end, end)}.values()
    out |= _shares("cla_by_age_band", [dfe_age_band(c.child.dob, end) for c in in_care])
    out |= _shares("cla_by_gender", [_label(c.child.gender) for c in in_care])
    return out


def care_leavers_at(world: World, q: Q) -> int:
    """Young people on list 9 at the quarter's end (care_leavers_total)."""
    return len(scope(world, q)["care_leavers"])
