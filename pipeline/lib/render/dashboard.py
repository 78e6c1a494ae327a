"""The QPPA dashboard: one self-contained HTML file per quarter, plotly.js inlined once, no network."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import plotly.offline

from pipeline.lib.indicators import catalogue_by_code
from pipeline.lib.periods import Quarter
from pipeline.lib.render import data
from pipeline.lib.render.env import fmt_value, make_environment
from pipeline.lib.render.figures import quarterly_trend
from pipeline.lib.render.provenance import Provenance

HEADLINE_TILES = ["contacts_total", "referrals_total", "rereferrals_pct", "cpp_at_end", "cpp_rate_10k",
                  "missing_episodes", "missing_children", "training_allocated"]
TREND_CHARTS = ["contacts_total", "referrals_total", "cpp_at_end", "missing_episodes"]


@dataclass
class Tile:
    code: str
    title: str
    value: str
    quarter_value: str
    definition: str


def build_tiles(values, quarter: Quarter) -> list[Tile]:
    catalogue = catalogue_by_code()
    rolling_label = f"12 months to {quarter.end:%b %Y}"
    tiles = []
    for code in HEADLINE_TILES:
        ind = catalogue.get(code)
        year_row = data.headline(values, code, "rolling_12m", rolling_label)
        quarter_row = data.headline(values, code, "quarter", quarter.label)
        if ind is None or year_row is None:
            continue
        tiles.append(Tile(code, ind.title, fmt_value(year_row["value"], ind.unit, ind.decimals),
                          fmt_value(quarter_row["value"], ind.unit, ind.decimals) if quarter_row is not None else "-",
                          ind.definition))
    return tiles


def render_dashboard(con: duckdb.DuckDBPyConnection, quarter: Quarter, partnership: str) -> str:
    values = data.indicator_values(con)
    catalogue = catalogue_by_code()
    charts = []
    for code in TREND_CHARTS:
        series = data.quarter_series(values, code, quarter)
        if series.empty:
            continue
        ind = catalogue[code]
        fig = quarterly_trend(series, f"{ind.title} by quarter", ind.title)
        charts.append({"code": code, "title": ind.title,
                       "html": fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{code}",
                                           config={"displaylogo": False, "responsive": True}),
                       "table": series[["period_label", "value"]].to_dict("records"), "unit": ind.unit,
                       "decimals": ind.decimals})
    keys = [q.partition_key for q in quarter.year.quarters if q <= quarter]
    provenance = Provenance.for_files(quarter.label, data.source_files(con, keys))
    env = make_environment()
    return env.get_template("dashboard/base.html.j2").render(
        partnership=partnership, quarter=quarter, tiles=build_tiles(values, quarter), charts=charts,
        provenance=provenance, plotly_js=plotly.offline.get_plotlyjs(),
    )


def write_dashboard(con: duckdb.DuckDBPyConnection, quarter: Quarter, output_dir: Path, partnership: str) -> Path:
    path = output_dir / "dashboard" / f"{quarter.label.replace(' ', '-')}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_dashboard(con, quarter, partnership), encoding="utf-8")
    return path
