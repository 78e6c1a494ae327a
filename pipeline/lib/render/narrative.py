"""The annual report's prose, rendered from jinja2 templates with numbers from the indicator tables only.

One template per section of the report's data section (reports/templates/narrative/<section>.md.j2). The
templates see:

- `year`: the FinancialYear (`year.label` '2022-23', `year.start` / `year.end` dates for `| longdate`);
- `ind`: the year's indicators by code (`ind.contacts_total.count`, `.pct`, `.pct0`, `.rate`, `.text`,
  `.vs_benchmarks`, `.change_sentence`, `.listing`, `.shares`, `.part('Male').pct0`, `.available`);
  see pipeline/lib/report/facts.py. An indicator with no value prints "not available";
- `net(a, b)`: "(55 more ended than started)"; `public`: True unless the internal (QPPA) version is built.

Words that depend on the numbers (above / below, an increase / a decrease) and suppressed values
("fewer than 6") come from Python, so a template never does arithmetic.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pipeline.lib.periods import FinancialYear
from pipeline.lib.render.env import DEFAULT_OVERRIDES, make_environment
from pipeline.lib.report import words
from pipeline.lib.report.facts import Facts, YearData

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
    ("private_fostering", "Private Fostering Arrangements"),
    ("ae", "A&E Admittance of Young People"),
    ("early_help", "Strengthening Families and Multi-Agency Early Help"),
    ("training", "Training"),
]


def overrides_dir(overrides: Path | None = None) -> Path:
    """The author's override folder: the argument, else SAFEGUARDING_TEMPLATE_OVERRIDES, else reports/templates_local/."""
    if overrides is not None:
        return Path(overrides)
    return Path(os.environ.get("SAFEGUARDING_TEMPLATE_OVERRIDES") or DEFAULT_OVERRIDES)


def _environment(overrides: Path | None):
    env = make_environment(overrides_dir(overrides), kind="text")
    # Markdown is text: HTML escaping happens when narrative.html is written (pipeline/lib/report/html.py).
    env.autoescape = False
    return env


def context(facts: Facts, year: FinancialYear, public: bool = True) -> dict:
    return {"year": year, "ind": facts, "public": public, "net": lambda a, b: words.net_phrase(
        a.raw_numerator if a.raw_numerator is not None else a.raw_value,
        b.raw_numerator if b.raw_numerator is not None else b.raw_value) if a.available and b.available else ""}


def _tidy(text: str) -> str:
    # A sentence helper that has nothing to say ('' for no benchmark) leaves a double space behind.
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"(?<=\S)  +", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_facts(facts: Facts, section: str, year: FinancialYear, overrides: Path | None = None,
                 public: bool = True) -> str:
    env = _environment(overrides)
    return _tidy(env.get_template(f"narrative/{section}.md.j2").render(**context(facts, year, public)))


def render_all(data: YearData, public: bool = True, overrides: Path | None = None) -> dict[str, str]:
    """Section stem -> its markdown, in the report's order."""
    facts = data.facts(public=public)
    return {stem: render_facts(facts, stem, data.year, overrides, public) for stem, _ in SECTIONS}
