"""Figures: one house style for every chart.

The dashboard's figures are plain plotly figure dictionaries (no graph_objects: validating every property of
125 charts cost seconds a quarter). The house template is serialised once per page (`HOUSE_TEMPLATE`, applied by
the page's drawing code) and each figure carries only its own data and layout. The annual report and the
learning briefings draw through kaleido with graph_objects, and share the palette and the template
(`register_template`).

Every string an agency controls (course titles, agency names, breakdown values) reaches plotly through
pipeline.lib.text.plotly_text: plotly draws label markup (<a href>, <b>, <br>), so it must arrive as text.
"""

from __future__ import annotations

import math

import orjson
from markupsafe import Markup

from pipeline.lib.text import plotly_text

# Okabe-Ito: distinguishable with the common forms of colour-blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
TEMPLATE_NAME = "safeguarding"

HOUSE_LAYOUT = {
    "font": {"family": "Arial, Helvetica, sans-serif", "size": 14, "color": "#1b1b1b"},
    "colorway": PALETTE,
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
    "xaxis": {"showgrid": False, "linecolor": "#505a5f", "ticks": "outside", "automargin": True},
    "yaxis": {"gridcolor": "#e5e5e5", "linecolor": "#505a5f", "rangemode": "tozero", "automargin": True},
    "legend": {"orientation": "h", "y": -0.2},
    "hoverlabel": {"font": {"size": 14}},
}
HOUSE_TEMPLATE = {"layout": HOUSE_LAYOUT}


def register_template() -> str:
    """The house template as a plotly.io template, for the report's graph_objects figures (kaleido)."""
    import plotly.graph_objects as go
    import plotly.io as pio

    if TEMPLATE_NAME not in pio.templates:
        pio.templates[TEMPLATE_NAME] = go.layout.Template(layout=HOUSE_LAYOUT)
    return TEMPLATE_NAME


# Legends above the plot, left-aligned: below it, a legend that wraps on a phone ran into the axis title and the
# tick labels (plotly widens the top margin for as many rows as the legend needs).
LEGEND_ABOVE = {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"}

# Comparator lines keep the same colour and dash in every chart, so a reader learns them once.
COMPARATOR_STYLE = {
    "England": {"color": PALETTE[7], "dash": "dash", "symbol": "square"},
    "Region": {"color": PALETTE[5], "dash": "dot", "symbol": "diamond"},
    "Statistical neighbours": {"color": PALETTE[3], "dash": "dashdot", "symbol": "triangle-up"},
}
SERIES_STYLE = [
    {"color": PALETTE[0], "symbol": "circle", "dash": "solid"},
    {"color": PALETTE[1], "symbol": "circle-open", "dash": "solid"},
]


def _num(v) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) else f


def indicator_trend(quarters: list[str], series: dict[str, list], comparators: dict[str, list], y_title: str,
                    hover_format: str = ",.1f") -> dict:
    """Quarterly trend of one indicator, with DfE comparators placed at the quarter their year ends.

    `series` maps a legend name to values aligned with `quarters`; None is a gap in the line (a quarter not
    received is never drawn as 0, and the line is not joined across it). Comparators (published yearly) are
    joined across the quarters between their points. Markers as well as colour and dash tell lines apart.
    """
    data = []
    for i, (name, ys) in enumerate(series.items()):
        style = SERIES_STYLE[i % len(SERIES_STYLE)]
        data.append({"type": "scatter", "x": quarters, "y": [_num(v) for v in ys], "name": name,
                     "mode": "lines+markers", "connectgaps": False,
                     "line": {"color": style["color"], "width": 3, "dash": style["dash"]},
                     "marker": {"symbol": style["symbol"], "size": 8},
                     "hovertemplate": f"%{{x}}: %{{y:{hover_format}}}<extra>{plotly_text(name)}</extra>"})
    for name, ys in comparators.items():
        if all(v is None for v in ys):
            continue
        style = COMPARATOR_STYLE.get(name, COMPARATOR_STYLE["Region"])
        data.append({"type": "scatter", "x": quarters, "y": [_num(v) for v in ys], "name": plotly_text(name),
                     "mode": "lines+markers", "connectgaps": True,
                     "line": {"color": style["color"], "width": 2, "dash": style["dash"]},
                     "marker": {"symbol": style["symbol"], "size": 9},
                     "hovertemplate": f"%{{x}}: %{{y:{hover_format}}}<extra>{plotly_text(name)}</extra>"})
    # "Q1" over "2021-22": eight or more quarters fit without rotated, clipped labels on a laptop; on a phone the
    # page's drawing code keeps every second or third of them (the latest always), so none overlaps another.
    ticks = [f"{q.split()[-1]}<br>{q.split()[0]}" if " " in q else plotly_text(q) for q in quarters]
    layout = {"height": 300, "showlegend": True, "margin": {"l": 60, "r": 20, "t": 10, "b": 40},
              "legend": LEGEND_ABOVE,
              "yaxis": {"title": {"text": y_title}},
              "xaxis": {"type": "category", "tickangle": 0, "tickvals": quarters, "ticktext": ticks}}
    return {"data": data, "layout": layout}


def breakdown_bars(groups: list[str], values: list, x_title: str, hover_format: str = ",.1f") -> dict:
    """Horizontal bars of one breakdown (in the order given, top to bottom); suppressed groups have no bar."""
    labels = [plotly_text(g) for g in groups]
    data = [{"type": "bar", "y": labels, "x": [_num(v) for v in values], "orientation": "h",
             "marker": {"color": PALETTE[0]}, "hovertemplate": f"%{{y}}: %{{x:{hover_format}}}<extra></extra>"}]
    layout = {"height": max(180, 60 + 28 * len(groups)), "showlegend": False,
              "margin": {"l": 10, "r": 20, "t": 10, "b": 40},
              "xaxis": {"title": {"text": x_title}, "rangemode": "tozero", "gridcolor": "#e5e5e5"},
              "yaxis": {"type": "category", "autorange": "reversed"}}
    return {"data": data, "layout": layout}


# The statistical-neighbour chart: our area and the neighbours' mean stand out by colour and by pattern.
NEIGHBOUR_STYLE = {"neighbour": (PALETTE[4], ""), "la": (PALETTE[1], "/"), "mean": (PALETTE[3], ".")}


def neighbour_bars(names: list[str], values: list, kinds: list[str], x_title: str, hover_format: str = ",.1f") -> dict:
    """Horizontal bars, one per area in the order given; `kinds` says which bar is ours ('la'), the mean ('mean')
    or a neighbour ('neighbour'). A neighbour with no published value has no bar."""
    fig = breakdown_bars(names, values, x_title, hover_format)
    fig["data"][0]["marker"] = {"color": [NEIGHBOUR_STYLE[k][0] for k in kinds],
                                "pattern": {"shape": [NEIGHBOUR_STYLE[k][1] for k in kinds]}}
    return fig


def cohort_shares(groups: list[str], series: dict[str, list]) -> dict:
    """Grouped horizontal bars: each cohort's share (%) by group; suppressed shares (None) draw no bar."""
    labels = [plotly_text(g) for g in groups]
    data = [{"type": "bar", "y": labels, "x": [_num(v) for v in shares], "name": plotly_text(cohort),
             "orientation": "h",
             "marker": {"color": PALETTE[i % len(PALETTE)], "pattern": {"shape": ["", "/", ".", "x"][i % 4]}},
             "hovertemplate": f"%{{y}}: %{{x:.0f}}%<extra>{plotly_text(cohort)}</extra>"}
            for i, (cohort, shares) in enumerate(series.items())]
    layout = {"barmode": "group", "height": max(240, 80 + 18 * len(groups) * max(1, len(series))),
              "margin": {"l": 10, "r": 20, "t": 10, "b": 40}, "legend": LEGEND_ABOVE,
              "xaxis": {"title": {"text": "Per cent of the cohort"}, "rangemode": "tozero", "gridcolor": "#e5e5e5",
                        "ticksuffix": "%"},
              "yaxis": {"type": "category", "autorange": "reversed"}}
    return {"data": data, "layout": layout}


# orjson escapes nothing HTML cares about; inside <script type="application/json"> these three must not appear.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def to_script_json(obj) -> Markup:
    """A figure (or any plain value) as JSON safe to place inside a <script> element: serialised once, by orjson."""
    return Markup(orjson.dumps(obj, option=orjson.OPT_SERIALIZE_NUMPY).decode().translate(_SCRIPT_SAFE))
