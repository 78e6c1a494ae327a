"""The annual report's prose, rendered from jinja2 templates with numbers from the indicator table only."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.lib.periods import FinancialYear
from pipeline.lib.render import data
from pipeline.lib.render.env import make_environment

SECTIONS = ["contacts_and_referrals"]


def year_values(con: duckdb.DuckDBPyConnection, year: FinancialYear) -> dict[str, dict]:
    """Indicator code -> its year row (numerator, denominator, value) for the financial year."""
    values = data.indicator_values(con)
    rows = values[(values["period_type"] == "year") & (values["period_label"] == year.label) & (values["breakdown"] == "total")]
    return {r["indicator_code"]: r for r in rows.to_dict("records")}


def render_section(con: duckdb.DuckDBPyConnection, section: str, year: FinancialYear, overrides: Path | None = None) -> str:
    env = make_environment(overrides, kind="text")
    return env.get_template(f"narrative/{section}.md.j2").render(year=year, ind=year_values(con, year))
