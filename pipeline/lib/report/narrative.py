"""The annual report's prose, rendered from jinja2 templates with numbers from the indicator tables only.

One template per section of the report's data section (reports/templates/narrative/<section>.md.j2). The
templates see:

- `year`: the FinancialYear (`year.label` '2022-23', `year.start` / `year.end` dates for `| longdate`);
- `ind`: the year's indicators by code (`ind.contacts_total.count`, `.pct`, `.pct0`, `.rate`, `.text`,
  `.vs_benchmarks`, `.change_sentence`, `.listing`, `.shares`, `.part('Male').pct0`, `.available`);
  see pipeline/lib/report/facts.py. An indicator with no value prints "not available";
- `net(a, b)`: "(55 more ended than started)"; `public`: True unless the internal (QPPA) version is built;
- `learning`: the learning sections' facts (pipeline.lib.learning.facts.LearningFacts: `.reviews`, `.qppa`,
  `.deaths`, `.impact`), built from the warehouse by the report's build; None when rendered without one, and
  then the learning sections say their registers were not received.

Words that depend on the numbers (above / below, an increase / a decrease) and suppressed values
("fewer than 6") come from Python, so a template never does arithmetic. A value resting on part of the year
says what it covers (the `line` macro puts `.covers` in front of the sentence). After each section come the
notes on any figure it used that differs from the one the partnership published before
(config/published_figures.yaml), as lines starting "Note:".
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pipeline.lib.learning import report as learning_report
from pipeline.lib.periods import FinancialYear
from pipeline.lib.render.env import DEFAULT_OVERRIDES, shared_environment
from pipeline.lib.report import words
from pipeline.lib.report.facts import Facts, YearData
from pipeline.lib.settings import partnership_settings

# (template stem, heading) in the report's order.
SECTIONS: list[tuple[str, str]] = [
    ("contacts_and_referrals", "Contacts and Referrals"),
    ("domestic_abuse", "Domestic Abuse Contacts"),
    ("missing_children", "Missing Children and Episodes"),
    ("child_exploitation", "Child Exploitation and Child Sexual Exploitation"),
    ("children_in_need", "Children in Need"),
    ("rereferrals", "Re-Referrals"),
    ("police_protection", "Police Protection Orders"),
    ("icpc", "Initial Child Protection Conferences (ICPC)"),
    ("single_assessments", "Single Assessments"),
    ("cp_plans", "Child Protection Plans"),
    ("children_in_care", "Children in Care"),
    ("lado", "Local Authority Designated Officer (LADO)"),
    ("private_fostering", "Private Fostering Arrangements"),
    ("ae", "A&E Admittance of Young People"),
    ("early_help", "Strengthening Families and Multi-Agency Early Help"),
    ("training", "Training"),
    # What the partnership learned and changed (issue 13), after the data sections as the 2022-23 report has them.
    *learning_report.SECTIONS,
]


LEARNING_STEMS = {stem for stem, _ in learning_report.SECTIONS}


def overrides_dir(overrides: Path | None = None) -> Path:
    """The author's override folder: the argument, else SAFEGUARDING_TEMPLATE_OVERRIDES, else reports/templates_local/."""
    if overrides is not None:
        return Path(overrides)
    return Path(os.environ.get("SAFEGUARDING_TEMPLATE_OVERRIDES") or DEFAULT_OVERRIDES)


def _environment(overrides: Path | None):
    # Markdown is text: HTML escaping happens when narrative.html is written (pipeline/lib/report/html.py).
    return shared_environment(overrides_dir(overrides), kind="text", markdown=True)


def _by_course(facts: Facts, code: str) -> dict[str, float]:
    fact = facts.fact(code)
    if fact is None or not fact.available:
        return {}
    return {str(r["breakdown_value"]): float(r["value"]) for r in fact.breakdown_rows
            if r.get("breakdown") == "course" and r.get("value") is not None and r["value"] == r["value"]}


def training_impact(facts: Facts) -> dict:
    """The course whose knowledge score rose most (the report: 'the widest margin ... Hidden Men')."""
    pre, post = _by_course(facts, "training_pre_score"), _by_course(facts, "training_post_score")
    rated = _by_course(facts, "training_rated_4_or_5_pct")
    both = [c for c in pre if c in post]
    if not both:
        return {"widest": None}
    course = max(both, key=lambda c: (post[c] - pre[c], c))
    return {"widest": {"course": course, "pre": f"{pre[course]:.2f}%", "post": f"{post[course]:.2f}%",
                       "rated": f"{rated[course]:.1f}%" if course in rated else ""}}


def partnership() -> dict:
    """Whom the prose names: the partnership's local authority, short name and children's services (the name the
    report gives them: Sandwell's are the Trust, 'SCT'; a hub member without one says children's social care)."""
    settings = partnership_settings()
    return {"local_authority": settings.get("local_authority") or "the local authority",
            "short_name": settings.get("short_name") or settings.get("name") or "the partnership",
            "childrens_services": settings.get("childrens_services") or "children's social care"}


def context(facts: Facts, year: FinancialYear, public: bool = True, learning=None) -> dict:
    return {"year": year, "ind": facts, "public": public, "training": training_impact(facts),
            "learning": learning, "partnership": partnership(),
            "net": lambda a, b: words.net_phrase(
        a.raw_numerator if a.raw_numerator is not None else a.raw_value,
        b.raw_numerator if b.raw_numerator is not None else b.raw_value) if a.available and b.available else ""}


def _tidy(text: str) -> str:
    # A sentence helper that has nothing to say ('' for no benchmark) leaves a double space behind.
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"(?<=\S)  +", " ", text)
    text = re.sub(r"(?<=\S) +(?=[.,;])", "", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


NOTE = "Note: "


def render_facts(facts: Facts, section: str, year: FinancialYear, overrides: Path | None = None,
                 public: bool = True, learning=None) -> str:
    env = _environment(overrides)
    facts.used = []
    if learning is None and section in LEARNING_STEMS:   # rendered without a warehouse: the registers not received
        learning = learning_report.nothing_received(year, public)
    text = _tidy(env.get_template(f"narrative/{section}.md.j2").render(**context(facts, year, public, learning)))
    facts.used_in_text.update(facts.used)
    notes = [n for code in facts.used for n in getattr(facts[code], "difference_notes", [])]
    if notes:
        text += "\n" + "".join(f"{NOTE}{n}\n" for n in dict.fromkeys(notes))
    return text


def render_all(data: YearData, public: bool = True, overrides: Path | None = None,
               facts: Facts | None = None, learning=None) -> dict[str, str]:
    """Section stem -> its markdown, in the report's order (`facts.used_in_text` then holds every code read).
    `learning` is the year's LearningFacts (made from the connection, which YearData does not hold)."""
    facts = facts or data.facts(public=public)
    learning = learning if learning is not None else learning_report.nothing_received(data.year, public)
    return {stem: render_facts(facts, stem, data.year, overrides, public, learning) for stem, _ in SECTIONS}
