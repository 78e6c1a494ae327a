"""7-minute briefings: one page per review and per audit, and a thematic briefing across the year's reviews.

The shape is the seeds': a review's or audit's briefing says why it happened, what we found, what you can do and
the next steps (Walsall's Spotlight, the partnership's own briefings); the thematic briefing takes each theme in
turn with "What we have learned" and "What you should do" (Telford and Wrekin's). The words come from the
registers (summary, key learning, areas for development, good practice, the actions tracker's recommendations
and actions) through templates an author can replace like the narrative's:

    reports/templates/briefings/review.md.j2, audit.md.j2, thematic.md.j2   (the words, a small Markdown)
    reports/templates/briefings/page.html.j2                                (the one-page HTML layout)

A copy in <overrides>/briefings/ (SAFEGUARDING_TEMPLATE_OVERRIDES, default reports/templates_local/) wins.
Each briefing is written as HTML (one self-contained page, A4 when printed, no network) and Word (python-docx,
text only). Agency text is only ever text: it reaches the Markdown as single lines with any leading Markdown
marker removed, the HTML through jinja2's autoescape, Word through python-docx runs (pipeline.lib.text.xml_text).
Every file is written atomically (pipeline.lib.atomic).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
from docx import Document
from docx.shared import Mm, Pt, RGBColor

from pipeline.lib.atomic import atomic_path, write_text
from pipeline.lib.learning.facts import REVIEWING, grade_sentence, join
from pipeline.lib.learning.publish import lower_first
from pipeline.lib.learning.registers import Registers
from pipeline.lib.learning.report import overrides_dir
from pipeline.lib.periods import FinancialYear
from pipeline.lib.render.env import shared_environment
from pipeline.lib.report.figures import partnership_name
from pipeline.lib.text import xml_text

_MARKER = re.compile(r"^\s*(?:#+|[-*+]|\d+[.)])\s+")


def line(value) -> str:
    """Agency text as one line of plain text: whitespace collapsed, a leading Markdown marker ('# ', '- ') removed,
    so a register's words can never become a heading or a bullet of the briefing's structure."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = " ".join(xml_text(value).split())
    while _MARKER.match(text):
        text = _MARKER.sub("", text, count=1)
    return text


def _date(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


@dataclass
class Briefing:
    """What a briefing template sees (`b`), and where it is written."""

    kind: str                       # review | audit | thematic
    stem: str                       # file name without suffix
    title: str
    subtitle: str = ""
    marking: str = ""               # e.g. 'Not for circulation: the review has not been published yet'
    facts: dict = field(default_factory=dict)


# ---- building the briefings from the registers ---------------------------------------------------------------------

def _actions_for(reg: Registers, reference: str, end: dt.date) -> pd.DataFrame:
    a = reg.actions
    if a.empty:
        return a
    mine = a[(a["source_reference"] == reference) & a["date_agreed"].map(lambda d: d is None or d <= end).astype(bool)]
    return mine.sort_values(["recommendation_number", "action_number"], na_position="first")


def _recommendations(actions: pd.DataFrame) -> list[str]:
    recs = actions[actions["recommendation_number"].notna()].drop_duplicates("recommendation_number")
    return [line(t) for t in recs["recommendation"] if line(t)]


NEXT_STEPS_SHOWN = 6   # one page: the rest are in the actions tracker


def _next_steps(reg: Registers, actions: pd.DataFrame, end: dt.date) -> list[str]:
    """Overdue actions first, then the open ones by due date, then those done; at most NEXT_STEPS_SHOWN."""
    rows = []
    for a in actions.to_dict("records"):
        closed = a["date_closed"] is not None and a["date_closed"] <= end
        overdue = not closed and a["due_date"] < end
        state = f"done {_date(a['date_closed'])}" if closed else (
            f"due {_date(a['due_date'])}" + (", overdue" if overdue else ""))
        order = (0 if overdue else 1 if not closed else 2, a["due_date"])
        rows.append((order, f"{reg.label('agency', a['agency'])}: {line(a['action']).rstrip('.')} ({state})."))
    rows.sort(key=lambda r: r[0])
    out = [text for _, text in rows[:NEXT_STEPS_SHOWN]]
    if len(rows) > NEXT_STEPS_SHOWN:
        out.append(f"{len(rows) - NEXT_STEPS_SHOWN} more actions are in the partnership's actions tracker.")
    return out


def _published(c: dict, end: dt.date) -> bool:
    return c["published_date"] is not None and c["published_date"] <= end


def review_briefings(reg: Registers, year: FinancialYear, public: bool = False) -> list[Briefing]:
    """One per review considered, running or finished in the year; `public`: only reviews already published (an
    unpublished review's summary and learning are not for a public folder, whatever the marking says)."""
    start, end = year.start, year.end
    out = []
    cases = reg.reviews
    for c in cases.sort_values("date_received").to_dict("records") if len(cases) else []:
        in_year = any(d is not None and start <= d <= end
                      for d in (c["date_received"], c["ratified_date"], c["published_date"]))
        running = c["review_start_date"] is not None and c["review_start_date"] <= end and (
            c["ratified_date"] is None or c["ratified_date"] >= start)
        if c["decision"] not in (*REVIEWING, "learning_briefing") or not (in_year or running):
            continue
        if public and not _published(c, end):
            continue
        decision = reg.label("review_decision", c["decision"])
        published = _published(c, end)
        if published:
            status = f"Published {_date(c['published_date'])}"
        elif c["ratified_date"] is not None and c["ratified_date"] <= end:
            status = f"Ratified {_date(c['ratified_date'])}, not yet published"
        elif c["review_start_date"] is not None:
            status = f"In progress since {_date(c['review_start_date'])}"
        else:
            status = "Not yet started"
        why = []
        if c["route"] == "notification" and c["notification_date"] is not None:
            why.append(f"A serious incident notification was made on {_date(c['notification_date'])}"
                       + (f" and a rapid review met on {_date(c['rapid_review_date'])}" if c["rapid_review_date"] else "")
                       + f"; the decision was: {lower_first(decision)}"
                       + (", which the National Panel agreed." if c["national_panel_agreed"] == "Y" else "."))
        else:
            why.append(f"The case was referred by a partner on {_date(c['date_received'])}; the decision was: "
                       f"{lower_first(decision)}.")
        if line(c["summary"]):
            why.insert(0, line(c["summary"]))
        actions = _actions_for(reg, c["case_reference"], end)
        out.append(Briefing(
            kind="review", stem=f"review-{c['case_reference']}",
            title=f"7-minute briefing: {decision} {c['case_reference']}", subtitle=status,
            marking="" if published else "Not for circulation until the review is published",
            facts={"reference": c["case_reference"], "decision": decision, "status": status, "why": why,
                   "found": [x for x in [line(c["key_learning"])] if x],
                   "themes": [lower_first(t) for t in reg.labels("learning_theme", c["themes"])],
                   "agencies": reg.labels("agency", c["agencies"]), "can_do": _recommendations(actions),
                   "next_steps": _next_steps(reg, actions, end)}))
    return out


def audit_briefings(reg: Registers, year: FinancialYear) -> list[Briefing]:
    start, end = year.start, year.end
    audits = reg.audits
    out = []
    for a in audits.sort_values("audit_date").to_dict("records") if len(audits) else []:
        if not start <= a["audit_date"] <= end:
            continue
        cases = reg.audit_cases[reg.audit_cases["audit_reference"] == a["audit_reference"]].sort_values("case_number")
        grades = [reg.label("audit_grade", g) for g in cases["grade"]]
        asked = reg.audit_returns[reg.audit_returns["audit_reference"] == a["audit_reference"]]
        returned = asked[asked["date_returned"].map(lambda d: d is not None and d <= end).astype(bool)]
        kind = reg.label("audit_type", a["audit_type"])
        did = []
        if grades:
            did.append(f"{len(grades)} {'case was' if len(grades) == 1 else 'cases were'} audited on "
                       f"{_date(a['audit_date'])}.")
        else:
            did.append(f"The audit was held on {_date(a['audit_date'])}.")
        if len(asked):
            did.append(f"Agencies asked to take part: {join(sorted(reg.label('agency', x) for x in asked['agency']))}; "
                       f"{len(returned)} of the {len(asked)} returned their audit.")
        found = [grade_sentence(grades)[:1].upper() + grade_sentence(grades)[1:] + "."] if grades else []
        actions = _actions_for(reg, a["audit_reference"], end)
        out.append(Briefing(
            kind="audit", stem=f"audit-{a['audit_reference']}", title=f"7-minute briefing: {kind}: {line(a['title'])}",
            subtitle=f"{a['audit_reference']}, {a['audit_date']:%B %Y}",
            facts={"reference": a["audit_reference"], "type": kind, "why": [x for x in [line(a["aim"])] if x],
                   "did": did, "found": found, "development": [x for x in [line(a["areas_for_development"])] if x],
                   "good_practice": [x for x in [line(a["good_practice"])] if x],
                   "themes": [lower_first(t) for t in reg.labels("learning_theme", a["themes"])],
                   "can_do": _recommendations(actions),
                   "next_steps": [x for x in [line(a["next_steps"])] if x] + _next_steps(reg, actions, end)}))
    return out


def thematic_briefing(reg: Registers, year: FinancialYear, limit: int = 4, public: bool = False) -> Briefing | None:
    """Themes across the year's reviews (and audits), most frequent first, each with what we learned and what to do;
    `public`: from published reviews only."""
    start, end = year.start, year.end
    items = []   # (reference, theme codes, learned, recommendations)
    for c in reg.reviews.to_dict("records") if len(reg.reviews) else []:
        if c["decision"] in ("nfa", "pending"):
            continue
        if not any(d is not None and start <= d <= end for d in (c["date_received"], c["ratified_date"])):
            continue
        if public and not _published(c, end):
            continue
        actions = _actions_for(reg, c["case_reference"], end)
        items.append((c["themes"], [line(c["key_learning"])], _recommendations(actions)))
    for a in reg.audits.to_dict("records") if len(reg.audits) else []:
        if start <= a["audit_date"] <= end:
            actions = _actions_for(reg, a["audit_reference"], end)
            items.append((a["themes"], [line(a["areas_for_development"])], _recommendations(actions)))
    counts: dict[str, int] = {}
    for themes, _, _ in items:
        for t in reg.labels("learning_theme", themes):
            counts[t] = counts.get(t, 0) + 1
    if not counts:
        return None
    order = sorted(counts, key=lambda t: (-counts[t], t))
    themes = []
    for t in order:
        learned, todo = [], []
        for codes, lessons, recs in items:
            if t in reg.labels("learning_theme", codes):
                learned += [x for x in lessons if x and x not in learned]
                todo += [x for x in recs if x and x not in todo]
        themes.append({"name": t, "learned": learned[:limit], "should_do": todo[:limit]})
    return Briefing(kind="thematic", stem="thematic-briefing", title=f"Learning from reviews and audits {year.label}: "
                    "thematic briefing", subtitle=f"{year.start:%B %Y} to {year.end:%B %Y}",
                    facts={"themes": themes})


# ---- rendering -------------------------------------------------------------------------------------------------

def _markdown(b: Briefing, year: FinancialYear, overrides: Path | None) -> str:
    env = shared_environment(overrides_dir(overrides), kind="text", markdown=True)
    return env.get_template(f"briefings/{b.kind}.md.j2").render(b=b, year=year)


def parse(markdown: str) -> tuple[str, list[dict]]:
    """The briefing's small Markdown -> (title, sections): '# ' title, '## ' a box, '- ' a bullet, else a paragraph."""
    title, sections = "", []
    for raw in markdown.splitlines():
        text = raw.strip()
        if not text:
            continue
        if text.startswith("# "):
            title = text[2:]
        elif text.startswith("## "):
            sections.append({"heading": text[3:], "items": []})
        else:
            if not sections:
                sections.append({"heading": "", "items": []})
            kind, body = ("li", text[2:]) if text.startswith("- ") else ("p", text)
            sections[-1]["items"].append({"kind": kind, "text": body})
    return title, sections


def to_html(b: Briefing, title: str, sections: list[dict], overrides: Path | None) -> str:
    env = shared_environment(overrides_dir(overrides), kind="html")
    return env.get_template("briefings/page.html.j2").render(b=b, title=title, sections=sections,
                                                            partnership_name=partnership_name())


def write_docx(path: Path, b: Briefing, title: str, sections: list[dict]) -> Path:
    doc = Document()
    page = doc.sections[0]
    page.page_width, page.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(page, side, Mm(15))
    doc.styles["Normal"].font.size = Pt(10)
    doc.add_heading(xml_text(title), level=1)
    if b.subtitle:
        doc.add_paragraph(xml_text(b.subtitle)).runs[0].italic = True
    if b.marking:
        run = doc.add_paragraph().add_run(xml_text(b.marking))
        run.bold = True
        run.font.color.rgb = RGBColor(0xD4, 0x35, 0x1C)
    for s in sections:
        if s["heading"]:
            doc.add_heading(xml_text(s["heading"]), level=2)
        for item in s["items"]:
            doc.add_paragraph(xml_text(item["text"]), style="List Bullet" if item["kind"] == "li" else None)
    with atomic_path(path) as tmp:
        doc.save(tmp)
    return path


def all_briefings(reg: Registers, year: FinancialYear, public: bool = False) -> list[Briefing]:
    thematic = thematic_briefing(reg, year, public=public)
    return [*review_briefings(reg, year, public), *audit_briefings(reg, year), *([thematic] if thematic else [])]


def write_briefings(con: duckdb.DuckDBPyConnection, year: FinancialYear, out_dir: Path,
                    overrides: Path | None = None, public: bool = False) -> list[Path]:
    """Every briefing of the year into `out_dir` as <stem>.html and <stem>.docx; the paths written. `public` (the
    public report's folder): reviews not yet published are left out, here and in the thematic briefing."""
    reg = Registers.read(con)
    written = []
    for b in all_briefings(reg, year, public):
        title, sections = parse(_markdown(b, year, overrides))
        written.append(write_text(out_dir / f"{b.stem}.html", to_html(b, title, sections, overrides)))
        written.append(write_docx(out_dir / f"{b.stem}.docx", b, title, sections))
    return written
