"""One quarter's returns, as the agencies would send them: rows as known at the quarter end.

An end date (or an authorisation, an ICPC, a closure) appears only in the return of the quarter it happened
in and later; a child's gender is "not stated" while unborn and their age is as at the quarter end. Codes are
written in the form each return uses (Annex A's lettered form in Annex A, Y/N in the partnership's local
columns). Columns, headings and sheets come from config/returns/*.yaml.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from pipeline.lib.demo.allocate import choose, draw, pct_count
from pipeline.lib.demo.dates import DAY, Quarter, add_wd
from pipeline.lib.demo.spec import Sheet

RC_FROM_CEASED = {"E11": "RC1", "E12": "RC1", "E41": "RC3", "E45": "RC4", "E46": "RC4", "E47": "RC4", "E48": "RC4",
                  "E3": "RC5", "E7": "RC6", "E2": "RC2"}
RC_FROM_OUTCOME = {"NFA": "RC8", "EH": "RC9", "OTHER_AGENCY": "RC7"}


@dataclass
class SheetOut:
    name: str
    spec: Sheet
    rows: list[list]
    title_rows: list[list] = field(default_factory=list)


@dataclass
class WorkbookOut:
    return_type: str
    filename: str
    creator: str
    sheets: list[SheetOut]


def _yn(flag) -> str | None:
    return None if flag is None else ("Y" if flag else "N")


def code_style(return_type: str, column, codes_list: str) -> str:
    """The form a return writes a code in: Annex A's own columns in its lettered form; the partnership's
    local columns Y/N, contact outcomes as agencies word them, other local codes by label."""
    if return_type == "annex_a" and not column.local:
        return "annex_a"
    if codes_list in ("yes_no", "yes_no_unknown", "gender", "ethnicity"):
        return "code"
    if codes_list == "contact_outcome":
        return "synonym"
    return "label"


def render(world, return_type: str, spec: Sheet, records: list[dict]) -> list[list]:
    """Records (column name -> canonical value) as rows in the specification's column order."""
    codes = world.ctx.codes
    plan = []
    for col in spec.columns:
        if col.type == "code":
            style = code_style(return_type, col, col.codes)
            cache: dict = {}

            def fmt(v, col=col, style=style, cache=cache):
                if v is None:
                    return None
                if v not in cache:
                    cache[v] = codes.form(col.codes, v, style)
                return cache[v]
            plan.append((col.name, fmt))
        else:
            plan.append((col.name, None))
    return [[(f(r.get(name)) if f else r.get(name)) for name, f in plan] for r in records]


def _child(world, child: int, on: dt.date) -> dict:
    reg = world.ctx.registry
    return {"child_id": reg.child_id(child), "gender": reg.gender_at(child, on), "ethnicity": reg.ethnicity[child],
            "date_of_birth": reg.dob_at(child, on), "age_years": reg.age_at(child, on),
            "disability": reg.disability[child]}


def _known(day: dt.date | None, q: Quarter) -> dt.date | None:
    return day if day is not None and day <= q.end else None


def _recent(rng, q: Quarter, start: dt.date, stop: dt.date | None, lo: int, hi: int) -> dt.date | None:
    """A date `lo`-`hi` days before the quarter end (or the episode's end), not before its start."""
    anchor = min(q.end, stop) if stop else q.end
    day = anchor - dt.timedelta(days=int(rng.integers(lo, hi + 1)))
    return max(day, start) if anchor >= start else None


# ---------------------------------------------------------------- Annex A lists

def contacts(world, q: Quarter, rng) -> list[dict]:
    rows = []
    for c in world.fd.contacts:
        if q.contains(c.date):
            rows.append({**_child(world, c.child, q.end), "contact_date": c.date, "contact_source": c.source,
                         "contact_outcome": c.outcome, "domestic_abuse": _yn(c.da),
                         "met_early_help_threshold": _yn(c.met_eh)})
    return rows


def early_help(world, q: Quarter, rng) -> list[dict]:
    sh = world.ctx.shape["early_help"]
    rows, assessed = [], []
    for c in world.eh:
        # Assessments started, open or completed in the quarter, and (as Ofsted's list 2 asks) the current
        # interventions that follow them, until the quarter they close in: the pipeline counts children open
        # at the period end and closures with outcomes from this list.
        if c.start > q.end or (c.end is not None and c.end < q.start):
            continue
        closed = _known(c.end, q)
        completed = _known(c.completion, q)
        row = {**_child(world, c.child, q.end), "eh_start_date": c.start, "eh_completion_date": completed,
               "eh_organisation": c.organisation, "eh_service": c.service, "eh_closure_date": closed,
               "eh_outcome_achieved": _yn(c.success) if closed else None, "last_taf_date": None,
               "last_family_visit_date": None}
        rows.append(row)
        if completed and not closed:
            assessed.append((row, c))
    # Team Around the Family meetings and family visits of the families open at the quarter end: exactly the
    # shares in shape.yaml within 12 weeks / 2 weeks; the others among families assessed long enough ago.
    late_taf = _late(rng, assessed, sh["taf_within_12_weeks_share"], lambda c: c.completion <= q.end - 100 * DAY)
    late_visit = _late(rng, assessed, sh["visit_within_2_weeks_share"], lambda c: c.start <= q.end - 50 * DAY)
    for i, (row, c) in enumerate(assessed):
        row["last_taf_date"] = _recent(rng, q, c.completion, None, *((90, 99) if i in late_taf else (1, 80)))
        row["last_family_visit_date"] = _recent(rng, q, c.start, None, *((17, 45) if i in late_visit else (0, 12)))
    return rows


def _late(rng, items: list, on_time_share: float, can_be_late) -> set[int]:
    can = [i for i, (_, c) in enumerate(items) if can_be_late(c)]
    n = len(items) - pct_count(100 * on_time_share, len(items))
    return set(choose(rng, can, min(n, len(can))))


def referrals(world, q: Quarter, rng) -> list[dict]:
    rows = []
    for r in world.fd.referrals:
        if q.contains(r.date):
            rows.append({**_child(world, r.child, q.end), "referral_date": r.date, "referral_source": r.source,
                         "referral_nfa": _yn(r.nfa), "referrals_last_12_months": r.n_last12,
                         "allocated_team": r.team, "allocated_worker": r.worker,
                         "progressed_to_assessment": _yn(r.progressed)})
    return rows


def assessments(world, q: Quarter, rng) -> list[dict]:
    rows = []
    for a in world.fd.assessments:
        if a.start > q.end or a.auth < q.start:
            continue
        done = a.auth <= q.end
        visit = _known(a.iv, q)
        rows.append({**_child(world, a.child, q.end), "assessment_start_date": a.start,
                     "child_seen": ("Y" if a.seen else "N") if done else ("Y" if visit else "N"),
                     "assessment_authorised_date": a.auth if done else None,
                     "requires_csc_support": (_yn(a.outcome in ("CIN", "S47", "CLA")) if done else None),
                     "allocated_team": a.team, "allocated_worker": a.worker, "initial_visit_date": visit,
                     "first_assessment": _yn(a.new), "assessment_outcome": a.outcome if done else None})
    return rows


def s47(world, q: Quarter, rng) -> list[dict]:
    rows = []
    for s in world.fd.s47:
        icpc = _known(s.icpc, q)
        if not (q.contains(s.start) or q.contains(icpc)):  # the list's rule: started, or conference held, in the quarter
            continue
        if s.icpc is not None:
            unnecessary = "N"
        else:
            unnecessary = "Y" if s.decided <= q.end else None
        rows.append({**_child(world, s.child, q.end), "s47_start_date": s.start, "icpc_unnecessary": unnecessary,
                     "icpc_date": icpc, "icpc_resulted_in_plan": _yn(s.plan) if icpc else None,
                     "s47_last_12_months": s.n_s47, "icpc_last_12_months": s.n_icpc,
                     "allocated_team": s.team, "allocated_worker": s.worker})
    return rows


def cin(world, q: Quarter, rng) -> list[dict]:
    """List 6: CIN plans (status c), and the CIN episodes of children on a CP plan (b), in care (a), and of
    children whose assessment ended the episode (d while open, e once closed)."""
    need_w = world.ctx.shape["cin"]["need_weights"]
    rows = []

    def episode(e, status, need, reason):
        end = e.end_known(q)
        return {**_child(world, e.child, q.end), "cin_start_date": e.start, "primary_need": need,
                "last_seen_date": _recent(rng, q, e.start, end, 1, 35), "cin_closure_date": end,
                "closure_reason": reason if end else None, "case_status": status,
                "allocated_team": e.attrs["team"], "allocated_worker": e.attrs["worker"]}

    for e in world.deep.cin:
        if e.in_return(q):
            rows.append(episode(e, "CINP", e.attrs["need"], e.attrs["closure_reason"]))
    for e in world.deep.cp:
        if e.in_return(q):
            rows.append(episode(e, "CPP", "N1", "RC7"))
    for e in world.deep.cla:
        if e.in_return(q):
            rows.append(episode(e, "CLA", e.attrs["need"], RC_FROM_CEASED.get(e.attrs["reason_ceased"], "RC7")))
    for a in world.fd.assessments:
        # Referrals assessed with no deep episode after them: an open assessment, then a closed episode.
        if a.kind != "free" or a.start > q.end or a.auth < q.start:
            continue
        closed = a.auth <= q.end
        need = "N9" if a.outcome == "NFA" else draw(rng, need_w)
        rows.append({**_child(world, a.child, q.end), "cin_start_date": a.start, "primary_need": need,
                     "last_seen_date": _known(a.iv, q), "cin_closure_date": a.auth if closed else None,
                     "closure_reason": RC_FROM_OUTCOME.get(a.outcome, "RC7") if closed else None,
                     "case_status": "CLOSED" if closed else "ASMT",
                     "allocated_team": a.team, "allocated_worker": a.worker})
    return rows


def child_protection(world, q: Quarter, rng) -> list[dict]:
    rows = []
    lo, hi = np.datetime64(q.start, "D"), np.datetime64(q.end, "D")
    for e in world.deep.cp:
        if not e.in_return(q):
            continue
        visits, in_time = e.attrs["visits"], e.attrs["visits_in_time"]
        in_q = (visits >= lo) & (visits <= hi)
        known = visits[visits <= hi]
        confs = [d for d in e.attrs["conferences"] if d <= q.end]
        rows.append({**_child(world, e.child, q.end), "cpp_start_date": e.start,
                     "initial_category": e.attrs["initial_category"], "latest_category": e.attrs["latest_category"],
                     "last_visit_date": known[-1].item() if len(known) else None,
                     "seen_alone": e.attrs["seen_alone"] if len(known) else None,
                     # the latest conference held: the ICPC itself until the first review
                     "last_review_date": confs[-1] if confs else None,
                     "cpp_end_date": e.end_known(q), "epo_or_police_protection": _yn(e.attrs["epo"]),
                     "previous_plans": e.attrs["previous_plans"], "allocated_team": e.attrs["team"],
                     "allocated_worker": e.attrs["worker"], "visits_in_period": int(in_q.sum()),
                     "visits_in_timescale": int((in_q & in_time).sum())})
    return rows


def cla_review_before(start: dt.date, until: dt.date) -> dt.date | None:
    """Statutory reviews: 20 working days after entry, 3 months after that, then every 6 months."""
    day = add_wd(start, 20)
    if day > until:
        return None
    last, gap = day, 91
    while True:
        nxt = last + dt.timedelta(days=gap)
        if nxt > until:
            return last
        last, gap = nxt, 182


def children_in_care(world, q: Quarter, rng) -> list[dict]:
    sh = world.ctx.shape["cla"]
    reg = world.ctx.registry
    moves = dict(enumerate(sh["placements_12m_weights"]))
    rows = []
    for e in world.deep.cla:
        if not e.in_return(q):
            continue
        end = e.end_known(q)
        asof = end or q.end
        legal = [item for item in e.attrs["legal"] if item[0] <= asof] or e.attrs["legal"][:1]
        health = [d for d in e.attrs["health"] if d <= asof]
        missing = world.missing_by_child.get(e.child, [])
        year_ago = asof - 365 * DAY
        # "missing from their placement": the episodes while looked after
        recent = [m for m in missing if year_ago < m.start.date() <= asof and m.looked_after]
        last_missing = recent[-1] if recent else None
        placement_start = e.attrs["placement_start"] if e.attrs["placement_start"] <= asof else e.start
        dental = None
        if (asof - reg.dob[e.child]).days > 365 * 2:
            dental = asof - dt.timedelta(days=int(rng.integers(10, 330) if rng.random() < e.attrs["dental_share"]
                                                  else rng.integers(380, 600)))
        rows.append({
            **_child(world, e.child, q.end), "uasc": _yn(e.attrs["uasc"]), "cla_start_date": e.start,
            "category_of_need": e.attrs["need"], "second_period": _yn(e.attrs.get("second_period", False)),
            "legal_status_start_date": legal[-1][0], "legal_status": legal[-1][1],
            "last_review_date": cla_review_before(e.start, asof),
            "last_visit_date": _recent(rng, q, e.start, end, 1, 42),
            # A plan is recorded by about the second review; the year's new children exactly as targets.yaml says.
            "permanence_plan": e.attrs["permanence"] if e.attrs.get("plan_recorded", (asof - e.start).days > 120)
            else None,
            "last_iro_contact_date": _recent(rng, q, e.start, end, 5, 90),
            "last_health_assessment_date": health[-1] if health else None,
            "last_dental_check_date": dental,
            # a child who came into care in the last year has had at least that placement
            "placements_last_12_months": max(draw(rng, moves), int((asof - e.start).days < 365)),
            "cla_end_date": end, "reason_ceased": e.attrs["reason_ceased"] if end else None,
            "placement_start_date": placement_start, "placement_type": e.attrs["placement_type"],
            "placement_provider": e.attrs["placement_provider"], "placement_postcode": e.attrs["postcode"],
            "placement_urn": e.attrs["urn"], "placement_location": e.attrs["placement_location"],
            "placement_la": e.attrs["placement_la"], "missing_episodes_12m": len(recent),
            "absent_episodes_12m": int(rng.random() < 0.08),
            "rhi_offered": _yn(last_missing.offered) if last_missing else None,
            "rhi_accepted": (_yn(last_missing.accepted) if last_missing.accepted is not None else "U")
            if last_missing and last_missing.offered else None,
            "allocated_team": e.attrs["team"], "allocated_worker": e.attrs["worker"],
        })
    return rows


ANNEX_A = {"contacts": contacts, "early_help": early_help, "referrals": referrals, "assessments": assessments,
           "s47": s47, "cin": cin, "child_protection": child_protection, "children_in_care": children_in_care}


def _sort_key(record: dict, date_field: str):
    return (record.get(date_field) or dt.date.min, record["child_id"])


# ---------------------------------------------------------------- the other returns

def missing_episodes(world, q: Quarter, rng) -> list[dict]:
    reg = world.ctx.registry
    rows = []
    for m in world.missing:
        if q.contains(m.start.date()):
            rows.append({"child_id": reg.child_id(m.child), "date_of_birth": reg.dob[m.child],
                         "gender": reg.sex[m.child], "ethnicity": reg.ethnicity[m.child],
                         "looked_after": _yn(m.looked_after), "missing_type": "M", "missing_start": m.start,
                         "missing_end": m.end, "rhi_offered": _yn(m.offered), "rhi_offered_date": m.offered_date,
                         "rhi_completed": m.completed, "rhi_accepted": _yn(m.accepted) if m.offered else None,
                         "reporting_agency": m.agency})
    rows.sort(key=lambda r: (r["missing_start"], r["child_id"]))
    return rows


def training_sessions(world, q: Quarter, rng) -> list[dict]:
    return [{"course_title": s.title, "level": s.level, "session_date": s.date, "delivery_mode": s.mode,
             "spaces_available": s.available, "places_allocated": s.allocated, "attended": s.attended,
             "no_shows": s.no_shows, "pre_score_pct": s.pre, "post_score_pct": s.post, "rated_4_or_5_pct": s.rated,
             "delegate_agency": s.agency}
            for s in sorted(world.sessions, key=lambda s: (s.date, s.title)) if q.contains(s.date)]


def elearning(world, q: Quarter, rng) -> list[dict]:
    return [{"module": r.module, "completion_month": r.month, "completions": r.completions,
             "delegate_agency": r.agency}
            for r in world.elearning if q.contains(r.month)]


def partner_measures(world, q: Quarter, rng) -> list[dict]:
    return [{"agency": r.agency, "measure_code": r.code, "measure_title": r.title, "period_start": r.month,
             "value": r.value, "narrative": r.narrative}
            for r in world.measures if q.contains(r.month)]


# ---------------------------------------------------------------- workbooks

def _pick(options, q: Quarter):
    return options[q.index % len(options)]


def quarter_workbooks(world, q: Quarter) -> list[WorkbookOut]:
    ctx = world.ctx
    shape = ctx.shape
    fields = q.name_fields()
    partnership = ctx.partnership["partnership"]
    months = f"{q.months[0]:%B} - {q.months[-1]:%B %Y}"
    out = []

    spec = ctx.specs["annex_a"]
    sheets = []
    for sheet in spec.sheets:
        if sheet.key not in ANNEX_A:
            continue   # lists 9-11 (care leavers, adoption, adopters): the demo world does not simulate them
        rng = ctx.rng("rows", q.index, sheet.key)
        records = ANNEX_A[sheet.key](world, q, rng)
        first_date = next(c.name for c in sheet.columns if c.type == "date" and c.name not in ("date_of_birth",))
        records.sort(key=lambda r: _sort_key(r, first_date))
        sheets.append(SheetOut(sheet.sheet_names[0], sheet, render(world, "annex_a", sheet, records)))
    out.append(WorkbookOut("annex_a", _pick(shape["file_names"]["annex_a"], q).format(**fields),
                           shape["creators"]["annex_a"], sheets))

    spec = ctx.specs["missing_episodes"]
    sheet = spec.sheets[0]
    titles = [[f"Missing from home and care: episodes {q.label}"], []] if q.index % 2 else []
    records = missing_episodes(world, q, None)
    out.append(WorkbookOut("missing_episodes", _pick(shape["file_names"]["missing_episodes"], q).format(**fields),
                           shape["creators"]["missing_episodes"],
                           [SheetOut(sheet.sheet_names[(q.index // 2) % 2], sheet,
                                     render(world, "missing_episodes", sheet, records), titles)]))

    spec = ctx.specs["training_uptake"]
    sheets = []
    for sheet, builder in zip(spec.sheets, (training_sessions, elearning)):
        titles = [[f"{partnership['short_name']} Learning and Development: {sheet.title.lower()}"]]
        if q.index % 3:
            titles.append([f"{q.label} ({months})"])
        records = builder(world, q, None)
        sheets.append(SheetOut(sheet.sheet_names[q.index % 2], sheet, render(world, "training_uptake", sheet, records),
                               titles))
    out.append(WorkbookOut("training_uptake", _pick(shape["file_names"]["training_uptake"], q).format(**fields),
                           shape["creators"]["training_uptake"], sheets))

    spec = ctx.specs["multi_agency"]
    sheet = spec.sheets[0]
    titles = [[partnership["name"]], [f"Multi-agency dataset: {q.label} ({months})"]]
    if q.index % 2:
        titles.append([])
    records = partner_measures(world, q, None)
    out.append(WorkbookOut("multi_agency", _pick(shape["file_names"]["multi_agency"], q).format(**fields),
                           shape["creators"]["multi_agency"],
                           [SheetOut(sheet.sheet_names[(q.index // 2) % 2], sheet,
                                     render(world, "multi_agency", sheet, records), titles)]))

    # The learning and assurance registers (reviews, actions, audits, CDOP counts): pipeline/lib/demo/learning.py
    from pipeline.lib.demo.learning import learning_workbooks  # here: it imports this module's SheetOut

    out += learning_workbooks(q, ctx.seed, ctx.specs, ctx.codes)
    return out
