"""Annex A workbooks written from the simulated records, in the shapes agencies send.

`clean`: Ofsted's template sheet names (`List 1 - Contacts` ... `List 11 - Adopters`), the headings on row 1 in
Ofsted's order, real Excel dates, IDs as text.
`dirty`: the same records with the sheet names agencies produce, title rows above the headings, columns moved,
heading variants seen in real returns, dates as text, numeric IDs, junk in optional cells (`CS Assessment Updated`,
`#N/A` in Allocated Team / Worker), notes sheets.
Both carry the same deliberately invalid rows, whose fate (quarantined, naming which column) is known.

Headings are Ofsted's, typed from the domain notes (shared/domain/annex-a-and-indicators.md s1.2), not read from
the pipeline's specification.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from tests.independent.journeys import DAY, FILED, Q, World, age_at, known, scope

ID, GENDER, ETHNICITY, DOB, AGE = "Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"
DISABILITY = "Does the Child have a Disability"
TEAM, WORKER = "Allocated Team", "Allocated Worker"
COMMON = [ID, GENDER, ETHNICITY, DOB, AGE]

HEADINGS = {
    "contacts": [*COMMON, "Date of Contact", "Contact Source"],
    "referrals": [*COMMON, "Date of referral", "Referral Source", "Referral NFA?", "Number of Referrals in Last 12 Months",
                  TEAM, WORKER],
    "assessments": [*COMMON, DISABILITY, "Continuous Assessment Start Date", "Child Seen During Continuous Assessment",
                    "Continuous Assessment Date of Authorisation",
                    "Was the child assessed as requiring LA children's social care support?", TEAM, WORKER],
    "s47": [*COMMON, DISABILITY, "Strategy discussion initiating Section 47 Enquiry Start Date",
            "Was an Initial Child Protection Conference deemed unnecessary?", "Date of Initial Child Protection Conference",
            "Did the Initial Child Protection Conference Result in a Child Protection Plan",
            "Number of Section 47 Enquiries in the last 12 months", "Number of ICPCs in the last 12 months", TEAM, WORKER],
    "cin": [*COMMON, DISABILITY, "CIN Start Date", "Primary Need Code", "Date Child Was Last Seen", "CIN Closure Date",
            "Reason for Closure", "Case Status", TEAM, WORKER],
    "child_protection": [*COMMON, DISABILITY, "Child Protection Plan Start Date", "Initial Category of Abuse",
                         "Latest Category of Abuse", "Date of the Last Statutory Visit", "Was the Child Seen Alone?",
                         "Date of latest review conference", "Child Protection Plan End Date",
                         "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
                         "Number of Previous Child Protection Plans", TEAM, WORKER],
    "children_in_care": [
        *COMMON, "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)", DISABILITY,
        "Date Started to be Looked After", "Child's Category of Need",
        "Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)",
        "Start date of current legal status", "Child's Legal Status", "Date of Latest Statutory Review",
        "Date of Last Social Work Visit", "What is the permanence plan for this child?",
        "Date of Last IRO Visit / Contact to the Child", "Date of Last Health Assessment", "Date of Last Dental Check",
        "Number of Placements in the Last 12 months", "Date Ceased to be Looked After", "Reason Ceased to be Looked After",
        "Start Date of Most Recent Placement", "Placement Type", "Placement Provider", "Placement postcode",
        "URN of Placement", "Placement Location", "LA of Placement",
        "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months",
        "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months",
        "Was the child offered a Return Interview after their last missing episode (Y/N)?",
        "Did the child accept a Return Interview after their last missing episode (Y/N)?", TEAM, WORKER],
    "care_leavers": [*COMMON, "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)", DISABILITY,
                     TEAM, WORKER, "Allocated Personal Advisor", "Eligibility Category", "Latest Pathway Plan Review Date",
                     "LA in Touch", "Latest Date of Contact", "Type of Accommodation", "Suitability of Accommodation",
                     "Activity Status"],
    "adoption": [ID, "Family identifier", GENDER, ETHNICITY, DOB, AGE, DISABILITY, "Date the Child Entered Care",
                 "Date of Decision that Child Should be Placed for Adoption", "Date of Placement Order",
                 "Date of Matching Child and Prospective Adopters", "Date Placed for Adoption", "Date of Adoption Order",
                 "Date of Decision that Child Should No Longer be Placed for Adoption",
                 "Reason Why Child No Longer Placed for Adoption",
                 "Date the child was placed for fostering in FFA or concurrent planning placement"],
    "adopters": ["Individual adopter identifier", "Family identifier", GENDER, ETHNICITY, "Disability",
                 "Is the (prospective) adopter fostering for adoption?", "Date enquiry received", "Date Stage 1 started",
                 "Date Stage 1 ended", "Date Stage 2 started", "Date Stage 2 ended", "Date application submitted",
                 "Date application approved", "Date adopter matched with child(ren)",
                 "Date child/children placed with adopter(s)", "No. of children placed", "Date of Adoption Order",
                 "Date of leaving adoption process", "Reason for leaving adoption process"],
}
LIST_NUMBER = {"contacts": 1, "referrals": 3, "assessments": 4, "s47": 5, "cin": 6, "child_protection": 7,
               "children_in_care": 8, "care_leavers": 9, "adoption": 10, "adopters": 11}
# Ofsted's Annex A template tab names.
TEMPLATE_NAMES = {"contacts": "List 1 - Contacts", "referrals": "List 3 - Referrals", "assessments": "List 4 - Assessments",
                  "s47": "List 5 - S47 and ICPC", "cin": "List 6 - Children in need",
                  "child_protection": "List 7 - Child Protection", "children_in_care": "List 8 - Children in care",
                  "care_leavers": "List 9 - Care leavers", "adoption": "List 10 - Adoption", "adopters": "List 11 - Adopters"}
# Names agencies give the same tabs (issue 9 and the liia-tools samples).
DIRTY_NAMES = {"contacts": "List 1 ", "referrals": "list 3 Referrals", "assessments": "Assessments (L4)",
               "s47": "list 5 -S47 ICPC", "cin": "CIN", "child_protection": "CP plans", "children_in_care": "List 8 - CLA",
               "care_leavers": "List 9 Care Leavers", "adoption": "List 10 - Adoption", "adopters": "List 11 - Adopters"}
# Heading variants seen in real returns (domain notes s1.2): capitalisation, short forms, curly quotes.
DIRTY_HEADINGS = {"Date of referral": "Date of Referral", AGE: "Age",
                  "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months":
                      "Number of Episodes the Child has been \u2018Missing\u2019 from their Placement in the last 12 months",
                  "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months":
                      "Number of Episodes the Child has been \u2018Absent\u2019 from their Placement in the last 12 months"}
# Columns the dirty variant fills with junk in some rows: none feeds an indicator.
JUNK = {("assessments", "Was the child assessed as requiring LA children's social care support?"): "CS Assessment Updated",
        ("cin", TEAM): "#N/A", ("cin", WORKER): "#N/A", ("referrals", WORKER): "#N/A",
        ("child_protection", TEAM): "#N/A"}

SOURCE_LABEL = {"1A": "a) 1A: Individual", "1C": "c) 1C: Individual", "2A": "e) 2A: Schools",
                "2B": "f) 2B: Education services", "3A": "g) 3A: Health services", "3B": "h) 3B: Health services",
                "3E": "k) 3E: Health services", "4": "m) 4: Housing", "5A": "n) 5A: LA services",
                "5D": "p1) 5D: LA services", "6": "q) 6: Police", "7": "r) 7: Other legal agency", "8": "s) 8: Other",
                "9": "t) 9: Anonymous"}
YES, NO = "a) Yes", "b) No"


def yn(flag: bool | None) -> str | None:
    return None if flag is None else (YES if flag else NO)


def _child(c, at: dt.date) -> dict:
    return {ID: c.child_id, GENDER: c.gender, ETHNICITY: c.ethnicity, DOB: c.dob, AGE: age_at(c.dob, at),
            DISABILITY: c.disability}


def _team(c) -> dict:
    n = int(c.child_id) % 4
    return {TEAM: f"Safeguarding Team {n + 1}", WORKER: f"Worker {int(c.child_id) % 37}"}


def rows_for(world: World, q: Q) -> dict[str, list[dict]]:
    """Each list's rows (heading -> value) in the return filed for `q`, as known at the quarter's end."""
    e = q.end
    held = scope(world, q)
    out: dict[str, list[dict]] = {}
    out["contacts"] = [{**_child(c.child, e), "Date of Contact": c.date, "Contact Source": SOURCE_LABEL[c.source]}
                       for c in held["contacts"]]
    out["referrals"] = [{**_child(r.child, e), **_team(r.child), "Date of referral": r.date,
                         "Referral Source": SOURCE_LABEL[r.source], "Referral NFA?": yn(r.nfa),
                         "Number of Referrals in Last 12 Months": r.previous_12m} for r in held["referrals"]]
    out["assessments"] = [{
        **_child(a.child, e), **_team(a.child), "Continuous Assessment Start Date": a.start,
        "Child Seen During Continuous Assessment": YES, "Continuous Assessment Date of Authorisation": known(a.authorised, e),
        "Was the child assessed as requiring LA children's social care support?": yn(a.requires_support) if known(a.authorised, e) else None,
    } for a in held["assessments"]]
    out["s47"] = [{
        **_child(x.child, e), **_team(x.child), "Strategy discussion initiating Section 47 Enquiry Start Date": x.start,
        "Was an Initial Child Protection Conference deemed unnecessary?": yn(x.icpc_unnecessary) if x.icpc_unnecessary or known(x.icpc, e) else None,
        "Date of Initial Child Protection Conference": known(x.icpc, e),
        "Did the Initial Child Protection Conference Result in a Child Protection Plan": yn(x.to_plan) if known(x.icpc, e) else None,
        "Number of Section 47 Enquiries in the last 12 months": x.previous_12m,
        "Number of ICPCs in the last 12 months": x.icpcs_12m,
    } for x in held["s47"]]
    out["cin"] = [{
        **_child(c.child, e), **_team(c.child), "CIN Start Date": c.start, "Primary Need Code": c.need,
        "Date Child Was Last Seen": max(c.start, min(e, c.closed or e) - 3 * DAY), "CIN Closure Date": known(c.closed, e),
        "Reason for Closure": "RC7 - Services ceased for any other reason, including child no longer in need" if known(c.closed, e) else None,
        "Case Status": c.status_at(e),
    } for c in held["cin"]]
    out["child_protection"] = [{
        **_child(p.child, e), **_team(p.child), "Child Protection Plan Start Date": p.start,
        "Initial Category of Abuse": p.category, "Latest Category of Abuse": p.category,
        "Date of the Last Statutory Visit": max(p.start, min(e, p.end or e) - 5 * DAY), "Was the Child Seen Alone?": YES,
        "Date of latest review conference": max(p.start, min(e, p.end or e) - 40 * DAY),
        "Child Protection Plan End Date": known(p.end, e),
        "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)": NO,
        "Number of Previous Child Protection Plans": p.previous_plans,
    } for p in held["child_protection"]]
    out["children_in_care"] = [_care_row(c, e) for c in held["children_in_care"]]
    out["care_leavers"] = [{
        **_child(x.child, e), **_team(x.child), "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)": NO,
        "Allocated Personal Advisor": f"PA {int(x.child.child_id) % 11}",
        "Eligibility Category": "b) Former relevant child" if age_at(x.child.dob, e) >= 18 else x.category,
        "Latest Pathway Plan Review Date": e - 30 * DAY, "LA in Touch": x.in_touch, "Latest Date of Contact": e - 12 * DAY,
        "Type of Accommodation": x.accommodation, "Suitability of Accommodation": x.suitable, "Activity Status": x.activity,
    } for x in held["care_leavers"]]
    out["adoption"] = [{
        **{k: v for k, v in _child(a.child, e).items() if k != DISABILITY}, DISABILITY: NO,
        "Family identifier": f"F{a.child.child_id}", "Date the Child Entered Care": a.entered_care,
        "Date of Decision that Child Should be Placed for Adoption": a.decision,
        "Date of Placement Order": known(a.placement_order, e), "Date of Matching Child and Prospective Adopters": known(a.matched, e),
        "Date Placed for Adoption": known(a.placed, e), "Date of Adoption Order": known(a.order, e),
    } for a in held["adoption"]]
    out["adopters"] = [{
        "Individual adopter identifier": a.adopter_id, "Family identifier": f"AF{a.adopter_id[3:]}", GENDER: a.gender,
        ETHNICITY: a.ethnicity, "Disability": NO, "Is the (prospective) adopter fostering for adoption?": "No",
        "Date enquiry received": a.enquiry, "Date Stage 1 started": a.enquiry + 14 * DAY,
        "Date application approved": known(a.approved, e),
    } for a in held["adopters"]]
    return out


def _care_row(c, e: dt.date) -> dict:
    ended = known(c.end, e)
    last_day = ended or e
    return {
        **_child(c.child, e), **_team(c.child),
        "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)": NO,
        "Date Started to be Looked After": c.start, "Child's Category of Need": "N1 - Abuse or neglect",
        "Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)": yn(c.second_period),
        "Start date of current legal status": c.start, "Child's Legal Status": c.legal_status,
        "Date of Latest Statutory Review": max(c.start, last_day - 50 * DAY),
        "Date of Last Social Work Visit": max(c.start, last_day - 10 * DAY),
        "Number of Placements in the Last 12 months": 1, "Date Ceased to be Looked After": ended,
        "Reason Ceased to be Looked After": c.reason_ceased if ended else None,
        "Start Date of Most Recent Placement": c.start, "Placement Type": c.placement,
        "Placement Provider": "b) PR1: Own provision", "Placement postcode": "B70 9AA", "Placement Location": "a) In",
        "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months": 0,
        "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months": 0,
    }


# ---- deliberately invalid rows: the same in both variants, each with the columns its quarantine must name ----------

@dataclass(frozen=True)
class Invalid:
    list_key: str
    why: str
    columns: frozenset[str]    # the spec column names (or headings) the quarantine may name
    row: dict


def invalid_rows(q: Q) -> list[Invalid]:
    """Rows no figure may count. Filed in 2022-23 Q2 only; their children appear nowhere else."""
    if q != Q(2022, 2):
        return []
    day = q.start + 20 * DAY
    kid = {GENDER: "b) Female", ETHNICITY: "a) WBRI", DOB: dt.date(2015, 6, 1), AGE: 7, DISABILITY: NO, TEAM: "T", WORKER: "W"}
    care = {
        "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)": NO, "Child's Category of Need": "N1 - Abuse or neglect",
        "Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)": NO,
        "Child's Legal Status": "C2: FCO", "Number of Placements in the Last 12 months": 1,
        "Placement Type": "f) U6: Foster placement - not FFA", "Placement Provider": "b) PR1: Own provision",
        "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months": 0,
        "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months": 0}
    return [
        Invalid("contacts", "no Date of Contact", frozenset({"contact_date", "Date of Contact"}),
                {**kid, ID: "999001", "Date of Contact": None, "Contact Source": "q) 6: Police"}),
        Invalid("referrals", "Referral Source not a CIN census code", frozenset({"referral_source", "Referral Source"}),
                {**kid, ID: "999002", "Date of referral": day, "Referral Source": "zz) Carrier pigeon", "Referral NFA?": NO,
                 "Number of Referrals in Last 12 Months": 0}),
        Invalid("assessments", "authorised before it started",
                frozenset({"assessment_authorised_date", "assessment_start_date", "Continuous Assessment Date of Authorisation",
                           "Continuous Assessment Start Date"}),
                {**kid, ID: "999003", "Continuous Assessment Start Date": day,
                 "Child Seen During Continuous Assessment": YES, "Continuous Assessment Date of Authorisation": day - 9 * DAY}),
        Invalid("child_protection", "plan ends before it starts",
                frozenset({"cpp_end_date", "cpp_start_date", "Child Protection Plan End Date", "Child Protection Plan Start Date"}),
                {**kid, ID: "999004", "Child Protection Plan Start Date": day, "Initial Category of Abuse": "a) Neglect",
                 "Latest Category of Abuse": "a) Neglect", "Child Protection Plan End Date": day - 30 * DAY,
                 "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)": NO,
                 "Number of Previous Child Protection Plans": 0}),
        Invalid("children_in_care", "looked after from 8 years before birth",
                frozenset({"cla_start_date", "date_of_birth", "Date Started to be Looked After", DOB}),
                {**kid, **care, ID: "999005", "Date Started to be Looked After": dt.date(2007, 6, 1),
                 "Start date of current legal status": dt.date(2007, 6, 1), "Start Date of Most Recent Placement": day}),
        Invalid("children_in_care", "a 19-year-old looked after",
                frozenset({"cla_start_date", "date_of_birth", "age_years", "Date Started to be Looked After", DOB, AGE}),
                {**kid, **care, ID: "999006", DOB: dt.date(2003, 5, 1), AGE: 19, "Date Started to be Looked After": day,
                 "Start date of current legal status": day, "Start Date of Most Recent Placement": day}),
    ]


# ---- writing ----------------------------------------------------------------------------------------------------------

@dataclass
class SheetWritten:
    sheet_name: str
    list_key: str | None                # None: a notes sheet
    header_row: int = 1
    valid_rows: list[int] = field(default_factory=list)              # Excel row numbers
    invalid_rows: dict[int, Invalid] = field(default_factory=dict)


@dataclass
class FileWritten:
    quarter: Q
    relative_path: str                  # under raw/
    sheets: list[SheetWritten] = field(default_factory=list)


def _cell(value, dirty: bool):
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y") if dirty else dt.datetime.combine(value, dt.time())
    return value


def write_return(world: World, q: Q, raw: Path, variant: str, folder: str | None = None) -> FileWritten:
    """The Annex A workbook filed for `q`, as `variant` ('clean' | 'dirty'), under raw/<year>/<Qn>/."""
    dirty = variant == "dirty"
    rng = random.Random(f"{world.seed}-{q.key}-{variant}")
    rel = f"{folder or q.year_label + '/Q' + str(q.n)}/{'Annex A ' + q.key if dirty else 'annex_a'}.xlsx"
    written = FileWritten(q, rel)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if dirty:
        notes = wb.create_sheet("Notes")
        notes.append(["Annex A return: notes for the partnership analyst"])
        notes.append([f"Extract run on {q.end + 3 * DAY:%d/%m/%Y} by the performance team."])
        written.sheets.append(SheetWritten("Notes", None))
    rows = rows_for(world, q)
    bad = invalid_rows(q)
    for key, headings in HEADINGS.items():
        ws = wb.create_sheet(DIRTY_NAMES[key] if dirty else TEMPLATE_NAMES[key])
        sheet = SheetWritten(ws.title, key)
        order = list(headings)
        if dirty:   # the ID and gender stay first, as agencies keep them; the rest move
            tail = order[2:]
            rng.shuffle(tail)
            order = order[:2] + tail
            ws.append([f"Annex A - {key.replace('_', ' ').title()}"])
            ws.append([f"Period: {q.lookback_start:%d/%m/%Y} to {q.end:%d/%m/%Y}"])
            ws.append([])
            sheet.header_row = 4
        ws.append([DIRTY_HEADINGS.get(h, h) if dirty else h for h in order])
        records = [(r, None) for r in rows[key]] + [(b.row, b) for b in bad if b.list_key == key]
        for n, (record, invalid) in enumerate(records):
            values = dict(record)
            if dirty:
                values[ID] = int(values[ID]) if str(values.get(ID, "")).isdigit() else values.get(ID)
                for (list_key, heading), junk in JUNK.items():
                    if list_key == key and heading in values and n % 3 == 0 and invalid is None:
                        values[heading] = junk
            ws.append([_cell(values.get(h), dirty) for h in order])
            (sheet.invalid_rows.__setitem__(ws.max_row, invalid) if invalid else sheet.valid_rows.append(ws.max_row))
        written.sheets.append(sheet)
    if dirty:
        guide = wb.create_sheet("Guidance")
        guide.append(["Lists 1-11 as Ofsted's Annex A; list 2 (early help) is sent by the early help service."])
        written.sheets.append(SheetWritten("Guidance", None))
    path = raw / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return written


def write_all(world: World, raw: Path, variant: str, quarters: list[Q] = FILED) -> list[FileWritten]:
    return [write_return(world, q, raw, variant) for q in quarters]
