"""Demo learning and assurance returns: the reviews register, the actions tracker, the audits and the CDOP's counts.

Each quarter the SCSP Business Unit files its registers as they stood at the quarter's end (a review appears once it
was received, its ratified date once it was ratified; an action once agreed, with its latest progress update and,
once closed, its date closed), the QPPA its audits, and the Black Country CDOP its counts for every quarter since
April 2019 (the report compares four years). Calibrated to the partnership's 2022-23 annual report:

- 3 serious incident notifications, 2 progressed to an LCSPR (SD ratified in February 2023, KT in progress at
  31 March 2023) and 1 to a tabletop (learning) review; rapid reviews on working days 10, 12 and 9;
- 1 spotlight review completed (SR1) and 4 other referrals: 1 no further action, 3 learning briefings;
- 128 child deaths notified across the Black Country, Sandwell's the same as in 2021-22 after three years of
  increase; 62 joint agency responses, 10 of them Sandwell's, 1 referred to the SLPR (KT's);
- the Section 11 audit with 19 participating agencies, all self-assessed Good; a Walsall-style transitions audit
  of 6 cases, 5 requires improvement and 1 good;
- actions overdue at 31 March 2023 across several agencies, agency audit returns late and one never sent.

Everything is invented (no real case appears): the references are the published style ('SD', 'SR1',
'MACFA-2023-01'), the free text is written for the demo, and the counts are counts. Deterministic: the CDOP's
split into quarters, age bands and categories comes from the run's seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from pipeline.lib.demo.allocate import apportion
from pipeline.lib.demo.dates import Quarter, financial_quarters
from pipeline.lib.demo.returns import SheetOut, WorkbookOut
from pipeline.lib.demo.spec import CodeBook, load_return_specs, load_targets

D = dt.date
RETURN_TYPES = ("reviews", "actions", "audits", "child_deaths")
CREATORS = {"reviews": "SCSP Business Unit", "actions": "SCSP Business Unit", "audits": "SCSP Business Unit - QPPA",
            "child_deaths": "Black Country CDOP"}
FILE_NAMES = {
    "reviews": ["SLPR reviews register Q{q} {fy}.xlsx", "Reviews register {mon}{yy}.xlsx",
                "SCSP case review tracker Q{q} {fy_short}.xlsx", "SLPR register Q{q} {fy} FINAL.xlsx"],
    "actions": ["Action tracker Q{q} {fy}.xlsx", "SCSP actions tracker {mon}{yy}.xlsx",
                "Recommendations and actions Q{q} {fy_short}.xlsx", "Action plan tracker Q{q} {fy} v2.xlsx"],
    "audits": ["QPPA audit register Q{q} {fy}.xlsx", "QPPA audits {mon}{yy}.xlsx",
               "QPPA audit programme Q{q} {fy_short} FINAL.xlsx", "Audit register Q{q} {fy}.xlsx"],
    "child_deaths": ["BC CDOP notifications Q{q} {fy}.xlsx", "CDOP data {mon}{yy}.xlsx",
                     "Black Country CDOP Q{q} {fy_short}.xlsx", "CDOP return Q{q} {fy} v1.xlsx"],
}
HISTORY_FROM = 2019   # the CDOP's counts start in April 2019: the report's four-year comparison


# ---- the reviews register ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    reference: str
    route: str                      # review_route code
    received: dt.date
    decision: str                   # review_decision code
    notified: dt.date | None = None
    rapid_review: dt.date | None = None
    panel_agreed: str | None = None
    started: dt.date | None = None
    ratified: dt.date | None = None
    published: dt.date | None = None
    themes: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    summary: str = ""
    learning: str = ""


CASES = [
    # 2020-21, ratified in 2021-22
    Case("NW", "notification", D(2020, 11, 2), "lcspr", D(2020, 11, 2), D(2020, 11, 17), "Y", D(2020, 12, 7),
         D(2021, 5, 20), D(2021, 11, 10), ("extra_familial_harm", "criminal_exploitation"), ("SCT", "WMP", "YJS", "EDU"),
         "A young person repeatedly missing from home and exploited by older peers.",
         "Return home interviews were not offered quickly enough to learn where young people went and who with."),
    # 2021-22
    Case("YS", "notification", D(2021, 5, 10), "lcspr", D(2021, 5, 10), D(2021, 5, 26), "Y", D(2021, 6, 14),
         D(2022, 1, 20), D(2022, 6, 15), ("domestic_abuse", "fathers_male_carers", "voice_of_child"),
         ("WMP", "SCT", "SWBH", "BCWA", "DASP"),
         "A child harmed in a household where domestic abuse was known to several agencies.",
         "Domestic abuse was assessed incident by incident: the cumulative impact on the child, and the role of the "
         "male carer, were not brought together in one assessment."),
    Case("VS", "notification", D(2021, 8, 2), "lcspr", D(2021, 8, 2), D(2021, 8, 25), "Y", D(2021, 9, 20),
         D(2022, 3, 10), D(2022, 9, 21), ("information_sharing", "neglect", "escalation"), ("SCT", "ICB", "EDU", "SWBH"),
         "A child living with long-standing neglect whose worsening school attendance was not shared.",
         "Concerns raised about children with an open case were not always logged where the allocated worker would "
         "see them; schools and health did not escalate when concerns persisted."),
    Case("RR-2021-03", "notification", D(2021, 11, 15), "nfa", D(2021, 11, 15), D(2021, 11, 30), "Y",
         themes=("sudden_unexpected_death",), agencies=("SWBH", "ICB", "WMP"),
         summary="The sudden unexpected death of an infant.",
         learning="Safer sleep advice had been given and recorded; no further review was needed."),
    Case("REF-2021-01", "referral", D(2021, 7, 12), "learning_briefing", started=D(2021, 8, 2), ratified=D(2021, 10, 5),
         themes=("parental_mental_health",), agencies=("BCHFT", "SCT"),
         summary="A parent's mental health crisis and the support offered to the children.",
         learning="Adult mental health services should always ask about the children a patient cares for."),
    Case("REF-2021-02", "referral", D(2022, 1, 17), "nfa", agencies=("EDU",),
         summary="A referral from a school about information sharing at transfer.",
         learning="Practice was found to be appropriate."),
    # 2022-23: 3 notifications, 5 partner referrals
    Case("SD", "notification", D(2022, 4, 25), "lcspr", D(2022, 4, 25), D(2022, 5, 10), "Y", D(2022, 6, 6),
         D(2023, 2, 14), None,
         ("information_sharing", "multi_agency_working", "criminal_exploitation", "transitions",
          "education_attendance", "adultification"),
         ("SCT", "WMP", "YJS", "ASC", "SWBH", "ICB", "EDU", "BCHFT", "WMAS", "HORIZONS", "DECCA", "BCWA", "SFS"),
         "A young person over the age of 16 seriously injured in an assault in the community.",
         "Real-time information sharing and mapping did not inform plans; no single agency co-ordinated the support "
         "of the many involved; engagement with a family involved in criminal activity and exploitation; the "
         "transition between children's and adults' services; reduced school attendance as an early sign."),
    Case("BN", "notification", D(2022, 7, 18), "learning_review", D(2022, 7, 18), D(2022, 8, 3), "Y", D(2022, 11, 14),
         D(2023, 1, 26), None, ("non_accidental_injury", "information_sharing", "race_culture_identity"),
         ("SWBH", "ICB", "SCT"),
         "A baby under 6 months with serious injuries, with conflicting views on their cause.",
         "Routine questions during antenatal care; working with families who speak English as an additional "
         "language; communication between midwifery and health visiting."),
    Case("KT", "notification", D(2022, 12, 12), "lcspr", D(2022, 12, 12), D(2022, 12, 23), "Y", D(2023, 1, 16),
         themes=("neglect", "disabled_children", "professional_curiosity"), agencies=("SCT", "SWBH", "EDU", "ICB", "EH"),
         summary="A child with complex additional needs under the age of 8 who died suddenly.",
         learning="A thematic review of persistent neglect where children also have complex needs (in progress)."),
    Case("SR1", "referral", D(2022, 6, 20), "spotlight", started=D(2022, 7, 18), ratified=D(2022, 12, 8),
         themes=("neglect", "voice_of_child", "fathers_male_carers"), agencies=("SCT", "EH", "EDU", "SWBH"),
         summary="A near miss for a child experiencing persistent neglect, below the threshold for a CSPR.",
         learning="What life was like for the child was not at the centre of plans; the father was not involved in "
                  "assessments; tools for assessing neglect were not used consistently."),
    Case("REF-2022-01", "referral", D(2022, 8, 15), "nfa", agencies=("WMP", "SCT"),
         summary="A referral from police about a strategy discussion.", learning="Practice was found to be appropriate."),
    Case("LB-2022-01", "referral", D(2022, 9, 12), "learning_briefing", started=D(2022, 9, 26),
         themes=("domestic_abuse", "parental_substance_misuse"), agencies=("BCWA", "DECCA", "SCT")),
    Case("LB-2022-02", "referral", D(2022, 11, 7), "learning_briefing", started=D(2022, 11, 21),
         themes=("criminal_exploitation", "education_attendance"), agencies=("YJS", "EDU", "WMP")),
    Case("LB-2023-01", "referral", D(2023, 2, 6), "learning_briefing", started=D(2023, 2, 20),
         themes=("disabled_children", "escalation"), agencies=("SWBH", "EDU")),
]


# ---- the actions tracker -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Action:
    source: str
    recommendation: int | None
    recommendation_text: str | None
    number: int
    agency: str
    action: str
    owner: str
    agreed: dt.date
    due: dt.date
    closed: dt.date | None = None
    open_status: str = "in_progress"            # status while open, once a first update has been given
    updates: tuple[tuple[dt.date, str], ...] = ()
    evidence: str | None = None
    indicator: str | None = None


_SD_RR = D(2022, 5, 10)       # the single-agency actions were agreed at SD's rapid review
_SD_RATIFIED = D(2023, 2, 14)
ACTIONS = [
    # NW (LCSPR ratified May 2021)
    Action("NW", 1, "Return home interviews to be offered promptly after every missing episode.", 1, "SCT",
           "Offer every child a return home interview within 72 hours of their return.", "Missing Team Manager",
           D(2021, 5, 20), D(2021, 9, 30), D(2021, 9, 24),
           updates=((D(2021, 6, 28), "Rota extended to weekends."), (D(2021, 9, 24), "Offer made within 72 hours as standard.")),
           evidence="Missing Team reports interviews offered within 72 hours as standard.",
           indicator="missing_rhi_72h_pct"),
    Action("NW", 2, "Schools to know when a pupil has been missing.", 1, "EDU",
           "Share missing notifications with the designated safeguarding lead of the child's school.", "Head of Inclusion",
           D(2021, 5, 20), D(2021, 12, 31), D(2022, 2, 14),
           updates=((D(2021, 6, 30), "Information sharing agreement drafted."), (D(2022, 2, 14), "Agreement signed."))),
    # YS (LCSPR ratified January 2022)
    Action("YS", 1, "Secure support for children living with domestic abuse in the community.", 1, "DASP",
           "Fund specialist family support and resettlement workers for victims of domestic abuse and their children.",
           "Chair, Domestic Abuse Strategic Partnership", D(2022, 1, 20), D(2022, 6, 30), D(2022, 6, 28),
           updates=((D(2022, 3, 15), "Funding agreed; recruitment under way."), (D(2022, 6, 28), "Both posts filled.")),
           evidence="Two specialist posts in place; their case studies show children supported in the community.",
           indicator="contacts_domestic_abuse_pct"),
    Action("YS", 2, "Police notifications of domestic abuse to name every child present and the male carer.", 1, "WMP",
           "Change the domestic abuse notification form and brief response officers.", "Detective Inspector, PPU",
           D(2022, 1, 20), D(2022, 4, 30), D(2022, 7, 15),
           updates=((D(2022, 4, 1), "Form changed; briefing delayed by shift patterns."),
                    (D(2022, 7, 15), "All response teams briefed.")),
           evidence="Dip sample of 20 notifications: every child present named in 19."),
    Action("YS", 3, "A 'healthy relationships' offer for young men.", 1, "SCSP",
           "Commission a healthy relationships programme for young men, linked to working with male carers.",
           "SCSP Business Manager", D(2022, 1, 20), D(2022, 9, 30), D(2022, 9, 30),
           updates=((D(2022, 6, 1), "Provider chosen."), (D(2022, 9, 30), "Programme launched.")),
           evidence="Programme running in three secondary schools."),
    Action("YS", 4, "Routine enquiry about domestic abuse by health visitors.", 1, "SWBH",
           "Health visitors to ask about domestic abuse at every contact, recorded in the child's record.",
           "Named Nurse for Safeguarding", D(2022, 1, 20), D(2022, 12, 31),
           updates=((D(2022, 9, 1), "Guidance written; audit of recording planned."),
                    (D(2023, 2, 10), "Audit delayed by staffing; rescheduled for May 2023."))),
    # VS (LCSPR ratified March 2022)
    Action("VS", 1, "Concerns about children with an open case to reach the allocated worker.", 1, "SCT",
           "Change how concerns are logged on open children's cases.", "Head of Service, Front Door",
           D(2022, 3, 10), D(2022, 7, 31), D(2022, 7, 4),
           updates=((D(2022, 5, 20), "New logging process piloted in two localities."),
                    (D(2022, 7, 4), "In use across all teams.")),
           evidence="Concerns on open cases are logged as contacts and reviewed by the team manager within one working day.",
           indicator="icpc_15wd_pct"),
    Action("VS", 2, "Schools to share worsening attendance of children known to social care.", 1, "EDU",
           "Schools to tell the allocated social worker when a child known to social care is persistently absent.",
           "Head of Inclusion", D(2022, 3, 10), D(2022, 10, 31),
           updates=((D(2022, 9, 15), "Pathway for severe or persistent absence agreed; not yet launched."),)),
    Action("VS", 3, "Missed health appointments to be followed up.", 1, "ICB",
           "GP practices to use the 'Was Not Brought' guidance for missed appointments.", "Designated Nurse",
           D(2022, 3, 10), D(2022, 6, 30), D(2022, 5, 26),
           updates=((D(2022, 5, 26), "Guidance launched for all health professionals."),),
           evidence="Was Not Brought guidance in use in all GP practices."),
    Action("VS", 4, "Professionals to escalate when concerns persist.", 1, "SCSP",
           "Refresh the escalation policy and promote it at the learning event.", "SCSP Business Manager",
           D(2022, 3, 10), D(2022, 9, 30), D(2022, 11, 10),
           updates=((D(2022, 9, 20), "Policy drafted; consultation extended."), (D(2022, 11, 10), "Policy published."))),
    # SD: single-agency actions identified at the rapid review (no recommendation number)
    Action("SD", None, "Need to connect known family members on the system.", 1, "ASC",
           "Training refresher for staff on linking known family members on the record.", "Principal Social Worker",
           _SD_RR, D(2022, 9, 30),
           updates=((D(2022, 12, 15), ("Recording policy under review by the Principal Social Worker; divisional "
                                      "managers to make sure relationships are linked.")),)),
    Action("SD", None, "Use of genograms to link service users and aid a 'Think Family' approach.", 2, "BCHFT",
           "Deliver the in-house safeguarding training programme, including Think Family and genograms.",
           "Head of Safeguarding", _SD_RR, D(2022, 12, 31), D(2022, 12, 16),
           updates=((D(2022, 7, 29), "In-house programme started in July 2022."),
                    (D(2022, 12, 16), "Genogram and Think Family audits completed.")),
           evidence="All children's services use a genogram or describe who is in the home; the Think Family audit was positive."),
    Action("SD", None, "Joined-up approach when a young person is subject to CIN and MACE processes.", 3, "SCT",
           "Share learning on neglect and exploitation through managers' fortnightly reflective sessions.",
           "Principal Social Worker", _SD_RR, D(2022, 10, 31), D(2022, 11, 28),
           updates=((D(2022, 9, 30), "Reflective sessions held every two weeks."),
                    (D(2022, 11, 28), "Plans template updated to be SMARTer.")),
           evidence="Plans template updated; practice reviews speak to children and families.",
           indicator="rereferrals_pct"),
    Action("SD", None, "Crews to record the children present on call-outs.", 4, "WMAS",
           "Education for paramedics on what to record and when to refer, with a 7-minute briefing.",
           "Head of Safeguarding", _SD_RR, D(2022, 8, 31), D(2022, 8, 22),
           updates=((D(2022, 8, 22), "7-minute briefing issued in the weekly staff update."),),
           evidence="7-minute briefing on child referrals issued to all ambulance staff."),
    Action("SD", None, "Safeguarding referrals for young people entering the criminal justice system.", 5, "WMP",
           "Dip sample 10 arrests of children for violent crime to check safeguarding referrals were made.",
           "Detective Chief Inspector", _SD_RR, D(2022, 9, 30), D(2022, 10, 12),
           updates=((D(2022, 10, 12), "Audit completed: 6 of 10 referred or known; staff reminded to refer at arrest."),),
           evidence="Reminder to consider and record a referral at the point of arrest for serious youth violence.",
           indicator="referrals_police_pct"),
    Action("SD", None, "A whole-family approach and mapping to inform assessments and plans.", 6, "YJS",
           "Cross-reference the custody cohort with partners to map each family's involvement.", "Head of Service",
           _SD_RR, D(2022, 12, 31),
           updates=((D(2023, 2, 1), "Running log started; school exclusions a common theme."),)),
    # SD: the LCSPR's seven recommendations, agreed when it was ratified
    Action("SD", 1, "Consider reinstating read-only access to children's case files for Adult Social Care.", 1, "SCT",
           "Agree an information sharing protocol giving Adult Social Care read-only access where appropriate.",
           "Head of Service, Safeguarding", _SD_RATIFIED, D(2023, 6, 30),
           updates=((D(2023, 3, 20), "Protocol drafted; awaiting data protection sign-off."),)),
    Action("SD", 2, "All agencies to see who is involved with a family through the Early Help System.", 1, "EH",
           "Give partner agencies access to key Early Help information about each other's involvement.",
           "Early Help Strategic Lead", _SD_RATIFIED, D(2023, 9, 30), open_status="not_started"),
    Action("SD", 3, "Briefings on the Lead Professional role and the Team Around the Family.", 1, "SCSP",
           "Review and strengthen the Lead Professional training and brief practitioners and managers.",
           "Learning and Development Lead", _SD_RATIFIED, D(2023, 3, 31), D(2023, 3, 24),
           updates=((D(2023, 3, 24), "Briefing published; training updated."),),
           evidence="Training reviewed and strengthened."),
    Action("SD", 4, "A learning offer on 'adultification'.", 1, "SCSP",
           "Partnership briefing on adultification, linked to the new cultural competency training.",
           "Learning and Development Lead", _SD_RATIFIED, D(2023, 6, 30),
           updates=((D(2023, 3, 10), "Briefing drafted."),)),
    Action("SD", 5, "A 7-minute briefing on exploitation and a young person's capacity to make choices.", 1, "SCSP",
           "Write and circulate the 7-minute briefing.", "SLPR Chair", _SD_RATIFIED, D(2023, 4, 30),
           updates=((D(2023, 3, 10), "Draft with the CEB subgroup."),)),
    Action("SD", 6, "Education practitioners trained in the Graded Care Profile 2.", 1, "EDU",
           "Offer GCP2 training to designated safeguarding leads and report its evaluation to QPPA.",
           "Head of Education Safeguarding", _SD_RATIFIED, D(2023, 3, 24), open_status="not_started"),
    Action("SD", 7, "Evaluate information sharing for exploited young people, including their NRM status.", 1, "SCSP",
           "SLPR and CEB subgroups to evaluate information sharing together.", "SLPR and CEB Chairs", _SD_RATIFIED,
           D(2023, 7, 31), open_status="not_started"),
    # SR1 (spotlight review ratified December 2022)
    Action("SR1", 1, "Tools for assessing neglect to be used consistently.", 1, "SCT",
           "Use the Graded Care Profile 2 in every assessment where neglect is a concern.", "Principal Social Worker",
           D(2022, 12, 8), D(2023, 3, 31), updates=((D(2023, 1, 30), "Practice standard issued."),)),
    Action("SR1", 2, "Fathers and male carers to be part of every assessment.", 1, "EH",
           "Record fathers and male carers on every Early Help family assessment.", "Early Help Strategic Lead",
           D(2022, 12, 8), D(2023, 2, 28), updates=((D(2023, 2, 1), "Assessment form changed; training to follow."),)),
    Action("SR1", 3, "Share the learning 'from the view of the child'.", 1, "SCSP",
           "Hold a learning event with a segment written from the view of the child.", "SLPR Chair",
           D(2022, 12, 8), D(2023, 2, 28), D(2023, 2, 22), updates=((D(2023, 2, 22), "Learning event held."),),
           evidence="Learning event attended by practitioners from eight agencies."),
    # BN (tabletop review ratified January 2023)
    Action("BN", 1, "Routine questions in antenatal care, with interpreters where needed.", 1, "SWBH",
           "Routine enquiry at antenatal appointments, with an interpreter for families who speak English as an "
           "additional language.", "Head of Midwifery", D(2023, 1, 26), D(2023, 4, 30),
           updates=((D(2023, 3, 1), "Interpreting guidance agreed."),)),
    Action("BN", 2, "Midwifery to health visiting handover for babies with safeguarding concerns.", 1, "SWBH",
           "Make the midwifery to health visiting handover face to face for babies with safeguarding concerns.",
           "Named Midwife", D(2023, 1, 26), D(2023, 3, 15), updates=((D(2023, 3, 1), "Pilot in one locality."),)),
    # Audits' recommendations flow into the tracker under the audit's reference
    Action("MACFA-2022-01", 1, "Referrals from members of the public to be followed up with the referrer.", 1, "SCT",
           "Front door responses to referrals from members of the public to include a conversation with the referrer.",
           "Head of Service, Front Door", D(2022, 7, 27), D(2022, 10, 31), D(2022, 10, 17),
           updates=((D(2022, 10, 17), "Practice guidance issued and audited."),),
           evidence="Re-audit of 10 referrals: the referrer was spoken to in 9.", indicator="referrals_nfa_pct"),
    Action("MACFA-2022-01", 2, "Fathers and male carers recorded in GP records.", 1, "ICB",
           "GP practices to record fathers and male carers in the child's record.", "Designated Doctor",
           D(2022, 7, 27), D(2023, 1, 31), updates=((D(2022, 12, 1), "Template change requested from the system supplier."),)),
    Action("MACFA-2023-01", 1, "Referral to adult social care at 16.", 1, "ASC",
           "Agree with children's social care that young people known to services are referred on their 16th birthday.",
           "Head of Adult Social Care", D(2023, 2, 22), D(2023, 6, 30), open_status="not_started"),
    Action("MACFA-2023-01", 2, "Launch the transitions toolkit.", 1, "SCSP",
           "Launch the transitions toolkit and guidance.", "QPPA Chair", D(2023, 2, 22), D(2023, 5, 31),
           updates=((D(2023, 3, 15), "Toolkit in final draft."),)),
    Action("S11-2022", 1, "Supervision training for managers (Section 11 survey).", 1, "SCSP",
           "Add supervision training for managers to the partnership's training programme.",
           "Learning and Development Lead", D(2023, 1, 18), D(2023, 3, 31),
           updates=((D(2023, 3, 1), "Course designed; first date in May 2023."),)),
    Action("S175-2022", 1, "Governors to monitor how children are kept safe.", 1, "EDU",
           "Brief safeguarding governors on monitoring how children are kept safe in school and online.",
           "Head of Education Safeguarding", D(2023, 1, 25), D(2023, 3, 31), D(2023, 3, 2),
           updates=((D(2023, 3, 2), "Governor briefing delivered."),), evidence="Briefing attended by 41 governors."),
]


# ---- the audits ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Audit:
    reference: str
    audit_type: str
    title: str
    date: dt.date
    grades: tuple[str, ...] = ()            # one per case, in case order
    # (agency, requested, due, returned or None, self-assessment grade or None)
    returns: tuple[tuple[str, dt.date, dt.date, dt.date | None, str | None], ...] = ()
    themes: tuple[str, ...] = ()
    reported: dt.date | None = None
    lead: str | None = None
    aim: str = ""
    good: str = ""
    development: str = ""
    next_steps: str = ""


def _asked(agencies: str, requested: dt.date, due: dt.date, late: dict[str, dt.date | None] | None = None,
           grade: str | None = None):
    """Agency returns for an audit: each returned two days before it was due, except those in `late` (the date
    it came, or None for never)."""
    late = late or {}
    return tuple((a, requested, due, late[a] if a in late else due - dt.timedelta(days=2), grade)
                 for a in agencies.split())


RI, GOOD = "requires_improvement", "good"
S11_AGENCIES = "SCT SMBC ASC WMP ICB SWBH BCHFT CAMHS WMAS EDU YJS PROB HOUSING DECCA BCWA SFS CAFCASS VCS WMFS"
AUDITS = [
    Audit("MACFA-2021-01", "macfa", "Neglect: children on child protection plans", D(2021, 6, 16), (GOOD, RI, RI, RI),
          _asked("SCT WMP ICB SWBH EDU", D(2021, 5, 17), D(2021, 6, 7)), ("neglect", "voice_of_child"),
          D(2021, 7, 21), aim="Whether plans for neglected children reduced the neglect they lived with.",
          good="Schools knew the children well and were active in their plans.",
          development="The child's daily lived experience was not always recorded; home conditions dominated assessments.",
          next_steps="A neglect practice standard for all agencies."),
    Audit("MACFA-2021-02", "macfa", "Domestic abuse: children in households with repeat incidents", D(2021, 11, 10),
          (GOOD, RI, GOOD, RI, RI),
          _asked("WMP BCWA SCT ICB SWBH", D(2021, 10, 11), D(2021, 11, 1), {"WMP": D(2021, 11, 8), "ICB": None}),
          ("domestic_abuse", "fathers_male_carers"), D(2022, 1, 19),
          aim="How agencies responded to children living with repeated domestic abuse.",
          good="Police notifications were timely.",
          development="Perpetrators were rarely engaged; risk was assessed incident by incident.",
          next_steps="Brief practitioners on working with fathers and male carers."),
    Audit("MACFA-2022-01", "macfa", "Referrals about physical abuse made by members of the public", D(2022, 7, 13),
          (GOOD, RI, RI, GOOD, RI),
          _asked("SCT WMP ICB SWBH EDU", D(2022, 6, 13), D(2022, 7, 4), {"ICB": D(2022, 7, 12)}),
          ("non_accidental_injury", "fathers_male_carers", "voice_of_child"), D(2022, 9, 21),
          aim="Whether referrals about physical abuse from non-professionals receive an appropriate response, a theme "
              "of the national review after the murders of Arthur Labinjo-Hughes and Star Hobson.",
          good="Strategy discussions were held promptly once a referral reached the front door.",
          development="The referrer was not always spoken to; fathers and male carers were missing from assessments.",
          next_steps="Front door guidance on speaking to the referrer; GP records to include male carers."),
    Audit("MACFA-2022-02", "macfa", "Child sexual abuse", D(2022, 11, 9), (RI, RI, RI, RI),
          _asked("EDU SWBH ICB SCT WMP HOUSING", D(2022, 10, 10), D(2022, 10, 31), {"HOUSING": D(2022, 11, 14)}),
          ("sexual_abuse", "information_sharing", "escalation"), D(2023, 1, 18),
          aim="A deep dive into four children subject to child in need, protection and looked after plans.",
          good="All children were safeguarded from the risk of abuse; schools were active in planning.",
          development="Missed opportunities to respond to early signs; information sharing within and across agencies; "
                      "the escalation process was not used where professionals disagreed.",
          next_steps="Multi-agency training on child sexual abuse; SARC invited to strategy meetings."),
    Audit("MACFA-2023-01", "macfa", "Transitions to adulthood", D(2023, 2, 8), (RI, RI, GOOD, RI, RI, RI),
          _asked("SCT ASC EDU SWBH ICB WMP BCHFT YJS HOUSING", D(2023, 1, 9), D(2023, 1, 30), {"YJS": D(2023, 2, 6)}),
          ("transitions", "multi_agency_working"), D(2023, 3, 15),
          aim="Young people approaching or just past their 18th birthday: the timeliness of their transition, "
              "assessment, decision-making and the co-ordination of multi-agency working.",
          good="Practitioners built meaningful relationships with young people; children's and adult services worked well together.",
          development="Timeliness of referral into adult social care; Mental Capacity Act assessments for 16 and 17 year "
                      "olds; contingency planning; management oversight when there is drift.",
          next_steps="Launch the transitions toolkit; refer young people known to services at 16."),
    Audit("S11-2022", "section_11", "Section 11 biennial audit", D(2022, 12, 7), (),
          _asked(S11_AGENCIES, D(2022, 9, 26), D(2022, 11, 18), {"HOUSING": D(2022, 11, 30), "VCS": D(2022, 12, 2)},
                 grade=GOOD),
          ("supervision",), D(2023, 1, 18), "SCSP",
          aim="Agencies' self-assessment of their duties under section 11 of the Children Act 2004, with a survey of "
              "practitioners.",
          good="Assurance of good practice across every participating agency.",
          development="Practitioners asked for more face-to-face learning and short webinars; supervision was pivotal.",
          next_steps="Supervision training for managers."),
    Audit("S175-2022", "s175", "Section 175 audit of schools", D(2023, 1, 11), (),
          (("EDU", D(2022, 11, 1), D(2022, 12, 16), D(2022, 12, 14), GOOD),), ("education_attendance",),
          D(2023, 1, 25), "EDU", aim="Schools' self-assessment of their safeguarding duties.",
          good="Designated safeguarding leads were in place and trained in every school that returned.",
          development="School governors to monitor how children are kept safe.",
          next_steps="Briefing for safeguarding governors."),
    Audit("SAA-2022-01", "single_agency", "West Midlands Police: child protection referrals at arrest", D(2022, 7, 20), (),
          (("WMP", D(2022, 4, 20), D(2022, 7, 20), D(2022, 7, 18), None),), ("criminal_exploitation",),
          D(2022, 7, 20), "WMP", aim="The police's single-agency audit on the agreed rota."),
    Audit("SAA-2022-02", "single_agency", "Sandwell and West Birmingham NHS Trust: safeguarding supervision",
          D(2022, 11, 16), (), (("SWBH", D(2022, 6, 21), D(2022, 9, 21), D(2022, 10, 30), None),), ("supervision",),
          D(2022, 11, 16), "SWBH", aim="The trust's single-agency audit on the agreed rota."),
]
# On the rota but never presented: the return is overdue and the audit has no date, so it is not in the audits sheet.
UNPRESENTED_RETURNS = [("SAA-2022-03", "ICB", D(2022, 10, 18), D(2023, 1, 18))]


# ---- the CDOP's counts ---------------------------------------------------------------------------------------

# Deaths notified per financial year: the report's 128 across the Black Country in 2022-23, Sandwell's rising for
# three years and then the same as 2021-22.
CDOP_DEATHS = {"sandwell": [30, 33, 38, 38], "dudley": [31, 27, 30, 28], "walsall": [29, 33, 31, 30],
               "wolverhampton": [35, 30, 33, 32]}
CDOP_JARS = {"sandwell": [14, 15, 16, 10], "dudley": [15, 13, 14, 15], "walsall": [14, 16, 15, 17],
             "wolverhampton": [17, 14, 16, 20]}
CDOP_REFERRED = {("sandwell", 2021, 3): 1, ("sandwell", 2022, 3): 1}   # RR-2021-03's quarter and KT's
AGE_BANDS = ["0-27d", "28-364d", "1-4", "5-9", "10-14", "15-17"]
# Sandwell by age band: under 28 days the same, 1-4 and 10-14 down, 5-9 up by 3, 15-17 up by 1 (the report's chart 3).
SANDWELL_AGES = {2021: [14, 8, 6, 2, 5, 3], 2022: [14, 8, 4, 5, 3, 4]}
AGE_WEIGHTS = [0.38, 0.2, 0.13, 0.08, 0.1, 0.11]
CATEGORIES_BY_AGE = {   # NCMD category weights by age: perinatal and congenital for babies, trauma and suicide later
    "0-27d": {"8": 0.55, "7": 0.35, "9": 0.1}, "28-364d": {"7": 0.35, "10": 0.3, "9": 0.2, "5": 0.15},
    "1-4": {"7": 0.3, "5": 0.25, "9": 0.2, "3": 0.15, "4": 0.1}, "5-9": {"4": 0.4, "6": 0.3, "3": 0.3},
    "10-14": {"4": 0.35, "6": 0.25, "3": 0.2, "2": 0.2}, "15-17": {"3": 0.4, "2": 0.35, "4": 0.25}}


@dataclass
class DeathCell:
    area: str
    fy_start: int
    quarter: int
    age_band: str
    deaths: int
    jars: int = 0
    referred: int = 0
    categories: dict[str, int] = field(default_factory=dict)


def death_cells(seed: int) -> list[DeathCell]:
    """Every area x quarter x age band with deaths, split exactly to the yearly totals."""
    from pipeline.lib.demo.world import stream

    cells: list[DeathCell] = []
    for area, totals in CDOP_DEATHS.items():
        for i, total in enumerate(totals):
            fy = HISTORY_FROM + i
            rng = stream(seed, "learning", "cdop", area, fy)
            ages = SANDWELL_AGES.get(fy) if area == "sandwell" else None
            ages = ages or apportion(total, AGE_WEIGHTS)
            quarter_weights = rng.uniform(0.8, 1.2, size=4)
            year_cells = []
            for band, n in zip(AGE_BANDS, ages):
                for q, k in enumerate(apportion(n, quarter_weights), start=1):
                    if k:
                        year_cells.append(DeathCell(area, fy, q, band, k))
            jars = apportion(CDOP_JARS[area][i], [c.deaths for c in year_cells])
            for cell, j in zip(year_cells, jars):
                cell.jars = min(j, cell.deaths)
            short = CDOP_JARS[area][i] - sum(c.jars for c in year_cells)
            for cell in sorted(year_cells, key=lambda c: c.deaths - c.jars, reverse=True):
                add = min(short, cell.deaths - cell.jars)
                cell.jars += add
                short -= add
            for (a, y, q), n in CDOP_REFERRED.items():
                if a == area and y == fy:
                    # a death referred for review had a JAR: the quarter's largest cell, given one if it had none
                    target = max((c for c in year_cells if c.quarter == q), key=lambda c: c.deaths)
                    if not target.jars:
                        donor = max(year_cells, key=lambda c: c.jars)
                        donor.jars -= 1
                        target.jars += 1
                    target.referred = n
            for cell in year_cells:
                weights = CATEGORIES_BY_AGE[cell.age_band]
                split = rng.multinomial(cell.deaths, np.array(list(weights.values())) / sum(weights.values()))
                cell.categories = {c: int(k) for c, k in zip(weights, split) if k}
            cells += year_cells
    return cells


def _quarter_index(fy_start: int, q: int) -> int:
    return fy_start * 4 + q - 1


def death_records(cells: list[DeathCell], q: Quarter) -> list[dict]:
    """The CDOP's table as filed for quarter `q`: every quarter from April 2019 to `q`; deaths of the last two
    quarters not yet reviewed (their category comes once the panel has met)."""
    now = _quarter_index(q.fy_start_year, q.q)
    rows = []
    for cell in cells:
        index = _quarter_index(cell.fy_start, cell.quarter)
        if index > now:
            continue
        label = f"{cell.fy_start}-{(cell.fy_start + 1) % 100:02d} Q{cell.quarter}"
        reviewed = now - index >= 2
        splits = cell.categories if reviewed else {"not_reviewed": cell.deaths}
        jars, referred = cell.jars, cell.referred
        for category, n in sorted(splits.items()):
            take_jars, take_ref = min(jars, n), min(referred, n)
            jars, referred = jars - take_jars, referred - take_ref
            rows.append({"area": cell.area, "quarter_start": label, "age_band": cell.age_band, "category": category,
                         "notifications": n, "joint_agency_responses": take_jars, "referred_for_review": take_ref})
    return rows


# ---- each quarter's filing -----------------------------------------------------------------------------------

def _known(day: dt.date | None, q: Quarter) -> dt.date | None:
    return day if day is not None and day <= q.end else None


def review_records(q: Quarter) -> list[dict]:
    return [{"case_reference": c.reference, "route": c.route, "date_received": c.received,
             "notification_date": _known(c.notified, q), "rapid_review_date": _known(c.rapid_review, q),
             # a rapid review not yet held has no decision yet
             "decision": c.decision if c.route == "referral" or _known(c.rapid_review, q) else "pending",
             "national_panel_agreed": c.panel_agreed if _known(c.rapid_review, q) else None,
             "review_start_date": _known(c.started, q), "ratified_date": _known(c.ratified, q),
             "published_date": _known(c.published, q), "themes": list(c.themes), "agencies": list(c.agencies),
             "summary": c.summary or None, "key_learning": c.learning or None}
            for c in sorted(CASES, key=lambda c: c.received) if c.received <= q.end]


def action_records(q: Quarter) -> list[dict]:
    rows = []
    for a in ACTIONS:
        if a.agreed > q.end:
            continue
        closed = _known(a.closed, q)
        updates = [u for u in a.updates if u[0] <= q.end]
        status = "complete" if closed else (a.open_status if updates else "not_started")
        rows.append({"source_reference": a.source, "recommendation_number": a.recommendation,
                     "recommendation": a.recommendation_text, "action_number": a.number, "agency": a.agency,
                     "action": a.action, "owner_role": a.owner, "date_agreed": a.agreed, "due_date": a.due,
                     "status": status, "progress_update": updates[-1][1] if updates else None,
                     "progress_date": updates[-1][0] if updates else None, "date_closed": closed,
                     "evidence_of_impact": a.evidence if closed else None,
                     "impact_indicator": a.indicator})
    return rows


def audit_records(q: Quarter) -> tuple[list[dict], list[dict], list[dict]]:
    audits, cases, returns = [], [], []
    for a in AUDITS:
        for agency, requested, due, returned, grade in a.returns:
            if requested <= q.end:
                back = _known(returned, q)
                returns.append({"audit_reference": a.reference, "agency": agency, "date_requested": requested,
                                "date_due": due, "date_returned": back, "grade": grade if back else None})
        if a.date > q.end:
            continue
        audits.append({"audit_reference": a.reference, "audit_type": a.audit_type, "title": a.title,
                       "themes": list(a.themes), "audit_date": a.date, "report_date": _known(a.reported, q),
                       "lead_agency": a.lead, "cases_audited": len(a.grades) or None, "aim": a.aim or None,
                       "good_practice": a.good or None, "areas_for_development": a.development or None,
                       "next_steps": a.next_steps or None})
        cases += [{"audit_reference": a.reference, "case_number": n, "grade": g} for n, g in enumerate(a.grades, start=1)]
    for reference, agency, requested, due in UNPRESENTED_RETURNS:
        if requested <= q.end:
            returns.append({"audit_reference": reference, "agency": agency, "date_requested": requested,
                            "date_due": due, "date_returned": None, "grade": None})
    return audits, cases, returns


def render_rows(spec_sheet, records: list[dict], codes: CodeBook) -> list[list]:
    """Records (column name -> canonical value) as rows in the sheet's column order, codes written as their labels
    (as the templates' drop-downs show them) and several codes joined with '; '."""
    out = []
    for record in records:
        row = []
        for col in spec_sheet.columns:
            value = record.get(col.name)
            if value is not None and col.type == "code":
                value = codes.form(col.codes, value, "code" if col.codes == "yes_no" else "label")
            elif col.type == "codes":
                value = "; ".join(codes.form(col.codes, v, "label") for v in value) if value else None
            row.append(value)
        out.append(row)
    return out


def _pick(options: list[str], q: Quarter) -> str:
    return options[q.index % len(options)]


def learning_workbooks(q: Quarter, seed: int | None = None, specs: dict | None = None,
                       codes: CodeBook | None = None) -> list[WorkbookOut]:
    """The four learning returns filed for quarter `q`."""
    specs = specs or load_return_specs()
    codes = codes or CodeBook()
    seed = load_targets()["seed"] if seed is None else seed
    fields = q.name_fields()

    def book(return_type: str, sheets: list[tuple], titled: bool) -> WorkbookOut:
        out = []
        for sheet, records in sheets:
            # sheet names and title rows above the header vary from quarter to quarter, as agencies' files do
            titles = [[f"Sandwell Children's Safeguarding Partnership: {sheet.title.lower()} at {q.end:%-d %B %Y}"], []]
            out.append(SheetOut(sheet.sheet_names[(q.index // 3) % 2], sheet, render_rows(sheet, records, codes),
                                titles if titled else []))
        return WorkbookOut(return_type, _pick(FILE_NAMES[return_type], q).format(**fields), CREATORS[return_type], out)

    audits, cases, returns = audit_records(q)
    a = specs["audits"]
    return [
        book("reviews", [(specs["reviews"].sheets[0], review_records(q))], q.index % 2 == 1),
        book("actions", [(specs["actions"].sheets[0], action_records(q))], q.index % 3 == 2),
        book("audits", [(a.sheet("audits"), audits), (a.sheet("audit_cases"), cases),
                        (a.sheet("audit_returns"), returns)], False),
        book("child_deaths", [(specs["child_deaths"].sheets[0], death_records(death_cells(seed), q))], q.index % 2 == 0),
    ]


def demo_quarters() -> list[Quarter]:
    """The demo's quarters (targets.yaml), for callers without the generator's context."""
    targets = load_targets()
    return financial_quarters(targets["first_year"], targets["years_generated"])
