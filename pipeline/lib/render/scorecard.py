"""The scorecard: the page opens on one table of every headline measure (LAIT's and ChAT's first view).

A row per measure that the catalogue marks `headline` or that DfE benchmarks (a measure with England, West
Midlands and statistical-neighbour figures), grouped by the report's sections with the partnership's priorities
named; the quarter, the 12 months, direction of travel, comparators, quartile, RAG in words and a sparkline.
The sparkline is drawn here as a small SVG (no plotly, so it prints and costs nothing); a quarter not received is
a gap in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from pipeline.lib.render.model import Card, Section

TRAVEL_WORDS = {"improving": "Improving", "worsening": "Worsening", "no change": "No change",
                "not applicable": "Not applicable"}


@dataclass
class Group:
    title: str
    priority: str | None
    anchor: str
    cards: list[Card]


def in_scorecard(card: Card) -> bool:
    return card.ind.headline or bool(card.ind.benchmark)


def scorecard(sections: list[Section]) -> list[Group]:
    groups = [Group(s.title, s.priority, s.anchor, [c for c in s.cards if in_scorecard(c)]) for s in sections]
    # the partnership's priorities first, then the report's order
    return sorted([g for g in groups if g.cards], key=lambda g: g.priority is None)


def travel_word(card: Card) -> str:
    period = card.headline
    if not period.received:
        return "Not received"
    if period.status == "partial":
        return "Partial period"
    if not period.direction:
        return "No earlier period"
    return TRAVEL_WORDS.get(period.travel, period.travel.capitalize())


def sparkline(values: list[float | None], width: int = 96, height: int = 24) -> Markup:
    """A line through the quarters with a value; None breaks the line. Decorative: the row says the figures."""
    points = [v for v in values if v is not None]
    if len(points) < 2:
        return Markup("")
    lo, hi = min(points), max(points)
    span = (hi - lo) or 1.0
    step = (width - 4) / max(1, len(values) - 1)
    segments: list[list[str]] = [[]]
    last = None
    for i, v in enumerate(values):
        if v is None:
            segments.append([])
            continue
        x, y = 2 + i * step, height - 2 - (v - lo) / span * (height - 4)
        segments[-1].append(f"{x:.1f},{y:.1f}")
        last = (x, y)
    lines = "".join(f'<polyline points="{" ".join(seg)}"/>' for seg in segments if len(seg) > 1)
    dots = "".join(f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="1.5"/>' for seg in segments
                   if len(seg) == 1 for p in seg)
    end = f'<circle class="end" cx="{last[0]:.1f}" cy="{last[1]:.1f}" r="2.5"/>' if last else ""
    return Markup(f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
                  f'aria-hidden="true" focusable="false"><g fill="none" stroke="#0072B2" stroke-width="1.5">{lines}</g>'
                  f'<g fill="#0072B2">{dots}{end}</g></svg>')
