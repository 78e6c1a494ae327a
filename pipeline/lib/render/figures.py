"""Figure builders: one plotly template for every chart; builders return go.Figure and do no I/O."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

# Okabe-Ito: distinguishable with the common forms of colour-blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
TEMPLATE_NAME = "safeguarding"


def register_template() -> str:
    if TEMPLATE_NAME not in pio.templates:
        pio.templates[TEMPLATE_NAME] = go.layout.Template(layout=go.Layout(
            font={"family": "Arial, Helvetica, sans-serif", "size": 14, "color": "#1b1b1b"},
            colorway=PALETTE,
            paper_bgcolor="white",
            plot_bgcolor="white",
            margin={"l": 60, "r": 20, "t": 50, "b": 50},
            xaxis={"showgrid": False, "linecolor": "#505a5f", "ticks": "outside"},
            yaxis={"gridcolor": "#e5e5e5", "linecolor": "#505a5f", "rangemode": "tozero"},
            legend={"orientation": "h", "y": -0.2},
            hoverlabel={"font": {"size": 14}},
        ))
    return TEMPLATE_NAME


# Comparator lines keep the same colour and dash in every chart, so a reader learns them once.
COMPARATOR_STYLE = {
    "England": {"color": PALETTE[7], "dash": "dash", "symbol": "square"},
    "Region": {"color": PALETTE[5], "dash": "dot", "symbol": "diamond"},
    "Statistical neighbours": {"color": PALETTE[3], "dash": "dashdot", "symbol": "triangle-up"},
}
SERIES_STYLE = {
    "quarter": {"color": PALETTE[0], "symbol": "circle", "dash": "solid"},
    "rolling_12m": {"color": PALETTE[1], "symbol": "circle-open", "dash": "solid"},
}


def indicator_trend(quarters: list[str], series: dict[str, list], comparators: dict[str, list], y_title: str,
                    hover_format: str = ",.1f") -> go.Figure:
    """Quarterly trend of one indicator, with DfE comparators placed at the quarter their year ends.

    `series` maps a legend name to values aligned with `quarters` ("This quarter", "12 months to quarter end");
    `comparators` maps "England" / "<region>" / "Statistical neighbours" to values aligned with `quarters`
    (None where nothing is published). Markers as well as colour and dash tell the lines apart.
    """
    fig = go.Figure()
    for i, (name, ys) in enumerate(series.items()):
        style = list(SERIES_STYLE.values())[i % len(SERIES_STYLE)]
        fig.add_trace(go.Scatter(
            x=quarters, y=ys, name=name, mode="lines+markers",
            line={"color": style["color"], "width": 3, "dash": style["dash"]},
            marker={"symbol": style["symbol"], "size": 8},
            hovertemplate=f"%{{x}}: %{{y:{hover_format}}}<extra>{name}</extra>",
        ))
    for name, ys in comparators.items():
        if all(v is None for v in ys):
            continue
        style = COMPARATOR_STYLE.get(name, COMPARATOR_STYLE["Region"])
        fig.add_trace(go.Scatter(
            x=quarters, y=ys, name=name, mode="lines+markers", connectgaps=True,
            line={"color": style["color"], "width": 2, "dash": style["dash"]},
            marker={"symbol": style["symbol"], "size": 9},
            hovertemplate=f"%{{x}}: %{{y:{hover_format}}}<extra>{name}</extra>",
        ))
    fig.update_layout(template=register_template(), height=300, yaxis_title=y_title, showlegend=True,
                      margin={"l": 60, "r": 20, "t": 10, "b": 40},
                      legend={"orientation": "h", "y": -0.25, "x": 0})
    # "Q1" over "2021-22": eight or more quarters fit without rotated, clipped labels.
    fig.update_xaxes(type="category", tickangle=0, tickvals=quarters,
                     ticktext=[f"{q.split()[-1]}<br>{q.split()[0]}" if " " in q else q for q in quarters])
    return fig


def breakdown_bars(groups: list[str], values: list, x_title: str, hover_format: str = ",.1f") -> go.Figure:
    """Horizontal bars of one breakdown (largest first, top to bottom); suppressed groups have no bar."""
    fig = go.Figure(go.Bar(
        y=groups, x=values, orientation="h", marker={"color": PALETTE[0]},
        hovertemplate=f"%{{y}}: %{{x:{hover_format}}}<extra></extra>",
    ))
    fig.update_layout(template=register_template(), height=max(180, 60 + 28 * len(groups)), xaxis_title=x_title,
                      showlegend=False, margin={"l": 10, "r": 20, "t": 10, "b": 40})
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(rangemode="tozero", gridcolor="#e5e5e5")
    return fig


def cohort_shares(groups: list[str], series: dict[str, list]) -> go.Figure:
    """Grouped horizontal bars: each cohort's share (%) by group; suppressed shares (None) draw no bar."""
    fig = go.Figure()
    for i, (cohort, shares) in enumerate(series.items()):
        fig.add_trace(go.Bar(
            y=groups, x=shares, name=cohort, orientation="h", marker={"color": PALETTE[i % len(PALETTE)],
                                                                        "pattern": {"shape": ["", "/", ".", "x"][i % 4]}},
            hovertemplate=f"%{{y}}: %{{x:.0f}}%<extra>{cohort}</extra>",
        ))
    fig.update_layout(template=register_template(), barmode="group", xaxis_title="Per cent of the cohort",
                      height=max(240, 80 + 18 * len(groups) * max(1, len(series))),
                      margin={"l": 10, "r": 20, "t": 10, "b": 40}, legend={"orientation": "h", "y": -0.2, "x": 0})
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(rangemode="tozero", gridcolor="#e5e5e5", ticksuffix="%")
    return fig
