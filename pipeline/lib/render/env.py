"""The one jinja2 Environment: autoescape on, StrictUndefined, number formatting as filters.

Templates are looked up first in the override folder (SAFEGUARDING_TEMPLATE_OVERRIDES, default
reports/templates_local/), then in reports/templates/, so a report author can replace one template by
copying it to the override folder and editing it, without touching code.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from pathlib import Path

import jinja2

from pipeline.lib.paths import PROJECT_ROOT, TEMPLATES_DIR

DEFAULT_OVERRIDES = PROJECT_ROOT / "reports" / "templates_local"


def _missing(value) -> bool:
    # pandas' NA and NaT too: DuckDB's nullable integer columns arrive in pandas as pd.NA
    return (value is None or (isinstance(value, float) and math.isnan(value))
            or type(value).__name__ in ("NAType", "NaTType"))


def fmt_count(value, suppressed: str = "c") -> str:
    """12345 -> '12,345'; a suppressed or missing value shows as its symbol."""
    if isinstance(value, str):
        return value
    if _missing(value):
        return "-"
    return f"{round(value):,}"


def fmt_pct(value, decimals: int = 1) -> str:
    if isinstance(value, str):
        return value
    if _missing(value):
        return "-"
    return f"{value:,.{decimals}f}%"


def fmt_number(value, decimals: int = 1) -> str:
    if isinstance(value, str):
        return value
    if _missing(value):
        return "-"
    return f"{value:,.{decimals}f}"


def fmt_long_date(value: dt.date) -> str:
    """2022-04-01 -> '1st April 2022', the report's own style."""
    day = value.day
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix} {value:%B %Y}"


def fmt_value(value, unit: str, decimals: int = 1) -> str:
    """An indicator value in its unit: counts with separators, percentages with %, rates as numbers."""
    if unit == "count":
        return fmt_count(value)
    if unit == "percent":
        return fmt_pct(value, decimals)
    return fmt_number(value, decimals)


def fmt_capfirst(value) -> str:
    """Capitalise the first letter only ('fewer than 6 young people...' at the start of a sentence)."""
    text = str(value)
    return text[:1].upper() + text[1:]


def template_dirs(overrides: Path | None = None) -> tuple[str, ...]:
    """Where templates are looked for, override folder first (only the folders that exist now)."""
    return tuple(str(p) for p in (overrides or DEFAULT_OVERRIDES, TEMPLATES_DIR) if Path(p).exists())


def make_environment(overrides: Path | None = None, kind: str = "html") -> jinja2.Environment:
    return _build(template_dirs(overrides), kind)


def _build(dirs: tuple[str, ...], kind: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(dirs)),
        # Agencies' narrative text ends up in these pages: escape everything unless a template says otherwise.
        # HTML templates (*.html.j2) are escaped; Markdown/text templates (*.md.j2) are not: the HTML built
        # from them is escaped when it is written.
        autoescape=lambda name: name is None and kind == "html" or bool(name) and name.endswith((".html.j2", ".html", ".htm")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(count=fmt_count, pct=fmt_pct, number=fmt_number, longdate=fmt_long_date, value=fmt_value)
    env.filters.update(capfirst=fmt_capfirst)
    return env


def shared_environment(overrides: Path | None = None, kind: str = "html", markdown: bool = False) -> jinja2.Environment:
    """make_environment's, kept per process: a new Environment compiled every template again (a year's report
    compiled 55 templates, ~0.6 s). jinja2 still checks each template's file on every get_template (auto_reload),
    so an author's edited override is used at once; a new override folder makes a new Environment.
    `markdown`: no escaping at all (Markdown is escaped when it becomes HTML, and is text in Word).
    Shared: callers must not change it."""
    return _shared_environment(template_dirs(overrides), kind, markdown)


@functools.lru_cache(maxsize=32)
def _shared_environment(dirs: tuple[str, ...], kind: str, markdown: bool) -> jinja2.Environment:
    env = _build(dirs, kind)
    if markdown:
        env.autoescape = False
    return env


