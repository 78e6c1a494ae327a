"""The report's three learning sections, rendered from their templates in the report's voice.

    learning_context(con, year, public)      -> the extra template context ({'learning': LearningFacts})
    nothing_received(year, public)           -> LearningFacts of an empty warehouse (every register not received)
    render_sections(con, year, public, ...)  -> {stem: markdown} for SECTIONS, in the report's order

Templates: reports/templates/narrative/<stem>.md.j2, overridden like every narrative template by a copy in the
author's folder (SAFEGUARDING_TEMPLATE_OVERRIDES, default reports/templates_local/narrative/). The report's
renderer (pipeline.lib.report.narrative) has SECTIONS at the end of its own list and `learning` in its context
(LearningFacts, built by pipeline.lib.report.build from the connection); `render_sections` renders the three on
their own, with the same environment rules (StrictUndefined, filters), for tests and the dashboard.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

from pipeline.lib.learning.facts import LearningFacts
from pipeline.lib.periods import FinancialYear
from pipeline.lib.render.env import DEFAULT_OVERRIDES, shared_environment

# (template stem, heading), in the report's order: after the data sections, as the 2022-23 report has them.
SECTIONS: list[tuple[str, str]] = [
    ("learning_from_reviews", "Learning from Practice Reviews"),
    ("qppa_assurance", "Quality of Practice, Performance and Assurance (QPPA)"),
    ("child_deaths", "Child Death during the year"),
]


def overrides_dir(overrides: Path | None = None) -> Path:
    if overrides is not None:
        return Path(overrides)
    return Path(os.environ.get("SAFEGUARDING_TEMPLATE_OVERRIDES") or DEFAULT_OVERRIDES)


def learning_context(con: duckdb.DuckDBPyConnection, year: FinancialYear, public: bool = True) -> dict:
    return {"learning": LearningFacts(con, year, public)}


def nothing_received(year: FinancialYear, public: bool = True) -> LearningFacts:
    """The facts of a warehouse holding no learning register: each section then says its return was not received
    (never zero). For a narrative rendered without a connection."""
    with duckdb.connect() as con:   # no tables at all: Registers and YearValues read them as not received
        return LearningFacts(con, year, public)


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"(?<=\S)  +", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_sections(con: duckdb.DuckDBPyConnection, year: FinancialYear, public: bool = True,
                    overrides: Path | None = None, facts: LearningFacts | None = None) -> dict[str, str]:
    # Markdown: escaped when it becomes HTML, text-only in Word
    env = shared_environment(overrides_dir(overrides), kind="text", markdown=True)
    context = {"year": year, "public": public, "learning": facts or LearningFacts(con, year, public)}
    return {stem: _tidy(env.get_template(f"narrative/{stem}.md.j2").render(partnership=_partnership(), **context)) for stem, _ in SECTIONS}


def _partnership() -> dict:
    """Whom the prose names (the narrative module imports this one, so it is imported here, when called)."""
    from pipeline.lib.report.narrative import partnership
    return partnership()
