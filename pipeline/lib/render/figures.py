"""Figure builders: one plotly template for every chart; builders return go.Figure and do no I/O."""

from __future__ import annotations

import pandas as pd
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


def quarterly_trend(points: pd.DataFrame, title: str, y_title: str) -> go.Figure:
    """A line of quarterly values: `points` has columns period_label and value, oldest first."""
    fig = go.Figure(go.Scatter(
        x=points["period_label"], y=points["value"], mode="lines+markers", name=title,
        hovertemplate="%{x}: %{y:,}<extra></extra>",
    ))
    fig.update_layout(template=register_template(), title={"text": title}, yaxis_title=y_title, height=360)
    return fig
