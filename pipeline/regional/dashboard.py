"""The regional dashboard: every member partnership against the others, the hub pooled, DfE's region and England,
on the scorecard measures (headline indicators DfE publishes a benchmark for), and the hub's child deaths.

One self-contained HTML file per quarter (<data_dir>/output/regional/<2022-23-Q4>.html): no script, no network,
no link; tables with the figures, and SVG bars drawn here with a text alternative. Every figure is read from the
members' own warehouses (mart_comparison, ind_values), as their own dashboards show it; nothing is recomputed
except the hub's pooled figure, which is given only when every member's figure is complete.
Published rules: a count of 1-5 children shows as c (pipeline.lib.sdc), and so does a rate or percentage built
on one; the CDOP tables get secondary suppression across members and categories.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import jinja2
import pandas as pd

from pipeline.lib import atomic, sdc
from pipeline.lib.indicators import COMPLETE, NOT_RECEIVED, catalogue_by_code
from pipeline.lib.periods import Quarter
from pipeline.lib.render.env import fmt_value
from pipeline.regional.config import Hub
from pipeline.regional.store import PartnershipStore

TEMPLATES = Path(__file__).parent / "templates"
PERIOD_TYPE = "rolling_12m"  # the scorecard compares the 12 months to the quarter's end, as DfE's annual figures
SCALE = {"percent": 100.0, "rate_per_10k": 10_000.0}
CDOP_BREAKDOWNS = {"child_deaths_local": ("cdop_age_band", "Age at death"),
                   "child_deaths_by_category": ("ncmd_category", "Category of death")}


def scorecard_codes() -> list[str]:
    """Headline indicators with a DfE benchmark, in the catalogue's order."""
    return [c for c, ind in catalogue_by_code().items() if ind.headline and ind.benchmark]


@dataclass
class Cell:
    label: str
    value: float | None         # None when not shown (suppressed, missing): no bar either
    text: str                   # what is printed
    note: str = ""
    kind: str = "member"        # member | hub | region | england


@dataclass
class Measure:
    code: str
    title: str
    unit: str
    polarity: str
    period_label: str
    benchmark_year: str
    rows: list[Cell] = field(default_factory=list)

    @property
    def top(self) -> float:
        values = [r.value for r in self.rows if r.value is not None]
        return max(values) if values else 0.0


def _shown(row: pd.Series, unit: str, decimals: int) -> tuple[float | None, str, str]:
    """The value as the public may see it: (number for the bar, text, note)."""
    if row is None:
        return None, "not received", "no figures for the quarter"
    status = str(row["status"])
    if pd.isna(row["value"]):
        return None, "not received" if status == NOT_RECEIVED else "-", status.replace("_", " ")
    if bool(row["suppressed"]) and row.get("disclosure", "children") != "none":
        return None, sdc.SUPPRESSED, "1 to 5 children: not published"
    note = "" if status == COMPLETE else f"{status}: {row['coverage']}" if isinstance(row.get("coverage"), str) else status
    return float(row["value"]), fmt_value(float(row["value"]), unit, decimals), note


def _pooled(frames: list[pd.Series | None], unit: str) -> tuple[float | None, str]:
    """The hub's own figure from its members' numerators and denominators, only when every one is complete."""
    if any(f is None or f["status"] != COMPLETE for f in frames):
        partial = sum(1 for f in frames if f is None or f["status"] != COMPLETE)
        return None, f"not pooled: {partial} member figure(s) not complete"
    numerator = sum(float(f["numerator"]) for f in frames)
    if unit == "count":
        return numerator, ""
    if unit not in SCALE or any(pd.isna(f["denominator"]) for f in frames):
        return None, "not pooled: no common denominator"
    denominator = sum(float(f["denominator"]) for f in frames)
    return (numerator / denominator * SCALE[unit] if denominator else None), ""


def _one(frame: pd.DataFrame, column: str) -> object:
    values = frame[column].dropna().unique()
    return values[0] if len(values) == 1 else None


def read_member(where: PartnershipStore, quarter: Quarter, codes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A member's scorecard rows (mart_comparison) and CDOP rows (ind_values) for the quarter; empty if none."""
    if not where.db_path.exists():
        return pd.DataFrame(), pd.DataFrame()
    with duckdb.connect(str(where.db_path), read_only=True) as con:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        marts = (con.execute("select * from mart_comparison where quarter_key = ? and period_type = ? and "
                             "indicator_code in (select unnest(?))", [quarter.partition_key, PERIOD_TYPE, codes]).df()
                 if "mart_comparison" in tables else pd.DataFrame())
        deaths = (con.execute("select * from ind_values where quarter_key = ? and period_type = ? and "
                              "indicator_code in (select unnest(?))",
                              [quarter.partition_key, PERIOD_TYPE, [*CDOP_BREAKDOWNS, "child_deaths_by_area"]]).df()
                  if "ind_values" in tables else pd.DataFrame())
    return marts, deaths


def build(hub: Hub, data_dir: Path, quarter: Quarter) -> dict:
    codes = scorecard_codes()
    catalogue = catalogue_by_code()
    members = {p.slug: read_member(PartnershipStore(data_dir, p), quarter, codes) for p in hub.partnerships}
    measures: list[Measure] = []
    for code in codes:
        ind = catalogue[code]
        rows = {slug: m[0][m[0]["indicator_code"] == code] if len(m[0]) else pd.DataFrame()
                for slug, m in members.items()}
        present = pd.concat([r for r in rows.values() if len(r)]) if any(len(r) for r in rows.values()) else None
        if present is None:
            continue
        measure = Measure(code, ind.title, ind.unit, ind.polarity, str(present["period_label"].iloc[0]),
                          str(_one(present, "benchmark_year") or "no published year"))
        firsts = {slug: (r.iloc[0] if len(r) else None) for slug, r in rows.items()}
        for p in hub.partnerships:
            value, text, note = _shown(firsts[p.slug], ind.unit, ind.decimals)
            measure.rows.append(Cell(p.local_authority, value, text, note))
        pooled, why = _pooled(list(firsts.values()), ind.unit)
        any_small = any(c.text == sdc.SUPPRESSED for c in measure.rows)
        # A pooled figure with one member hidden would let the hidden one be worked out from the others.
        if pooled is not None and any_small:
            pooled, why = None, "not shown: a member's figure is suppressed"
        measure.rows.append(Cell(f"{hub.name} (the members together)", pooled,
                                 fmt_value(pooled, ind.unit, ind.decimals) if pooled is not None else "-", why, "hub"))
        for column, label, kind in (("region_value", str(_one(present, "region_name") or hub.region), "region"),
                                    ("england", "England", "england")):
            value = _one(present, column)
            published = value is not None and not (isinstance(value, float) and math.isnan(value))
            measure.rows.append(Cell(f"{label} (DfE, {measure.benchmark_year})", float(value) if published else None,
                                     fmt_value(float(value), ind.unit, ind.decimals) if published else "not published",
                                     "", kind))
        measures.append(measure)
    return {"hub": hub, "quarter": quarter, "measures": measures, "deaths": _deaths(hub, members),
            "received": {p.local_authority: bool(len(members[p.slug][0])) for p in hub.partnerships}}


def _deaths(hub: Hub, members: dict) -> list[dict]:
    """Each CDOP table: members' own-area deaths by age / category, the hub's total, suppressed as published."""
    tables = []
    for code, (breakdown, heading) in CDOP_BREAKDOWNS.items():
        counts: dict[str, dict[str, float]] = {}
        statuses = []
        for p in hub.partnerships:
            deaths = members[p.slug][1]
            rows = deaths[(deaths["indicator_code"] == code) & (deaths["breakdown"] == breakdown)] if len(deaths) else deaths
            if not len(rows):
                continue
            statuses.append(str(rows["status"].iloc[0]))
            counts[p.local_authority] = dict(zip(rows["breakdown_value"], rows["numerator"].astype(float), strict=True))
        if not counts:
            tables.append({"heading": heading, "rows": [], "columns": [], "note": "no CDOP return filed"})
            continue
        categories = sorted({c for v in counts.values() for c in v})
        frame = pd.DataFrame([{"area": area, **{c: v.get(c, 0.0) for c in categories}} for area, v in counts.items()])
        frame["Total"] = frame[categories].sum(axis=1)
        total = {"area": f"{hub.name} total", **{c: frame[c].sum() for c in [*categories, "Total"]}}
        frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True).set_index("area")
        published = sdc.suppress_counts(frame, categories, "Total", total_row=f"{hub.name} total")
        rows = [{"area": area, "cells": [published.loc[area, f"{c}_published"] for c in [*categories, "Total"]]}
                for area in published.index]
        partial = [s for s in statuses if s != COMPLETE]
        tables.append({"heading": heading, "columns": [*categories, "Total"], "rows": rows,
                       "note": f"{len(partial)} member(s) partial" if partial else ""})
    return tables


def render(context: dict) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template("regional.html.j2").render(**context)


def dashboard_path(data_dir: Path, quarter: Quarter) -> Path:
    return Path(data_dir) / "output" / "regional" / f"{quarter.partition_key}.html"


def write(hub: Hub, data_dir: Path, quarter: Quarter) -> Path:
    path = dashboard_path(data_dir, quarter)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, render(build(hub, data_dir, quarter)))
    return path
