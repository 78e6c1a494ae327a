"""The dashboard's view model: plain values the templates lay out (formatted strings, rows, sentences)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline.lib.indicators import Indicator
from pipeline.lib.periods import Quarter
from pipeline.lib.returns.spec import load_specs

RAG_WORDS = {"green": "Green", "amber": "Amber", "red": "Red"}
NOT_RECEIVED = "Not received"


def is_missing(value) -> bool:
    """None, NaN, and pandas' NA/NaT (DuckDB's nullable integers arrive as pd.NA)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):     # a list or an array is not missing
        return False


def coverage_text(coverage: str | None, year_label: str) -> str:
    """'2022-23 Q1, 2022-23 Q2, 2022-23 Q3' -> 'partial: Q1-Q3' (the year named only when it is not the page's).

    Runs of consecutive quarters are joined with a dash; a gap starts a new run ('Q1-Q2, Q4')."""
    labels = [s.strip() for s in str(coverage or "").split(",") if s.strip()]
    if not labels:
        return "partial: no quarter received"
    quarters = sorted(Quarter.from_label(lbl) for lbl in labels)
    runs: list[list[Quarter]] = [[quarters[0]]]
    for q in quarters[1:]:
        if q == runs[-1][-1].next():
            runs[-1].append(q)
        else:
            runs.append([q])

    def name(q: Quarter) -> str:
        return f"Q{q.number}" if q.year.label == year_label else q.label

    parts = [name(r[0]) if len(r) == 1 else f"{name(r[0])}-{name(r[-1])}" for r in runs]
    return "partial: " + ", ".join(parts)


def source_names(sources: str) -> list[str]:
    """ind_values' sources ('annex_a:early_help, multi_agency:partner_measures') in words: the return's title and,
    where it has several sheets, the sheet's ("Children's social care (Ofsted Annex A), List 2: Early help")."""
    specs = load_specs()
    out = []
    for source in filter(None, (s.strip() for s in str(sources or "").split(","))):
        return_type, _, sheet_key = source.partition(":")
        spec = specs.get(return_type)
        if spec is None:
            raise ValueError(f"ind_values names a source {source!r} that no return in config/returns/ describes")
        sheet = next((s for s in spec.sheets if s.key == sheet_key), None)
        out.append(spec.title if sheet is None or len(spec.sheets) == 1 else f"{spec.title}, {sheet.title}")
    return out


@dataclass
class Rag:
    status: str | None          # green | amber | red | None
    label: str                  # words: "Better than statistical neighbours"
    basis: str                  # how it was decided
    comparator: str = ""        # the value it was rated against, formatted: "21.4%"
    comparator_name: str = ""   # "statistical neighbours"

    @property
    def word(self) -> str:
        return RAG_WORDS.get(self.status or "", "Not rated")


@dataclass
class Chart:
    id: str
    figure: dict
    summary: str
    columns: list[str]
    rows: list[list[str]]
    caption: str


@dataclass
class Period:
    """One period's figure on a card: the value, what it rests on and its change on the period before."""
    label: str                              # "2022-23 Q4", "12 months to Mar 2023"
    value: str = "-"
    number: float | None = None             # the value itself, for sorting
    detail: str = ""                        # "1,234 of 5,678"
    status: str = "complete"                # complete | partial | not_received
    partial: str = ""                       # "partial: Q1-Q3"
    previous_label: str = ""
    previous_value: str = ""
    direction: str | None = None            # up | down | same
    travel: str = "not applicable"
    change_text: str = ""

    @property
    def received(self) -> bool:
        return self.status != "not_received"


@dataclass
class Card:
    ind: Indicator
    available: bool
    snapshot: bool                          # open_at_period_end: one value at the quarter's end
    quarter: Period
    rolling: Period
    rag: Rag = field(default_factory=lambda: Rag(None, "Not rated", ""))
    benchmarks: list[dict] = field(default_factory=list)
    benchmark_note: str = ""
    rank_text: str = ""
    quartile: str | None = None
    chart: Chart | None = None
    neighbours: Chart | None = None         # each statistical neighbour's value beside ours (rates and percentages)
    breakdowns: list[Chart] = field(default_factory=list)
    sources: str = ""                       # "annex_a:referrals": the returns the figure rests on
    comparators: dict[str, str] = field(default_factory=dict)   # england / region / sn -> formatted value
    trend: list[float | None] = field(default_factory=list)     # the headline window, each quarter (sparkline)
    also: list[Card] = field(default_factory=list)  # the same measure from another return, or its count (same_measure)

    @property
    def code(self) -> str:
        return self.ind.code

    @property
    def source_names(self) -> list[str]:
        """The returns this card's figure and the figures merged into it rest on, in words."""
        names = [name for c in (self, *self.also) for name in source_names(c.sources)]
        return list(dict.fromkeys(names))

    @property
    def headline(self) -> Period:
        """The card's first figure: the position at the quarter's end, or the 12 months to it."""
        return self.quarter if self.snapshot else self.rolling

    # the templates' and tests' names for the two figures
    @property
    def quarter_value(self) -> str:
        return self.quarter.value

    @property
    def rolling_value(self) -> str:
        return self.rolling.value

    @property
    def headline_value(self) -> str:
        return self.headline.value


@dataclass
class Section:
    key: str
    title: str
    intro: str
    priority: str | None
    cards: list[Card]
    missing: list[Indicator]

    @property
    def anchor(self) -> str:
        return f"section-{self.key.replace('_', '-')}"
