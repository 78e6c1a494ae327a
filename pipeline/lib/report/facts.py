"""The year's indicator values as objects the templates, figures and workbook read: one `Fact` per indicator.

A Fact knows its catalogue entry (title, unit, decimals, definition, whom disclosure control protects), its
year value, last year's value and its benchmark row (mart_comparison), and prints itself safely:

- in public mode a count of children or families from 1 to 5, and any percentage or rate built on one, is printed
  as a phrase ("fewer than 6", "not published (small numbers)"), never as the number; counts the catalogue marks
  `disclosure: none` (staff, training places) are published as they are;
- a value resting on part of the year (ind_values `status` 'partial') says what it covers and is never set
  against DfE's annual figures or last year's; a measure not received (`status` 'not_received', or no row at
  all) prints no number: a `MissingFact` says "not received" / "not available";
- where the figure differs from the one the partnership published before (config/published_figures.yaml), the
  Fact carries the author's note on why.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import ClassVar

import duckdb
import pandas as pd

from pipeline.lib import sdc
from pipeline.lib.indicators import load_catalogue
from pipeline.lib.paths import CONFIG_DIR
from pipeline.lib.periods import FinancialYear, Quarter
from pipeline.lib.render.data import require
from pipeline.lib.render.env import fmt_long_date
from pipeline.lib.report import words
from pipeline.lib.settings import partnership_settings, read_yaml

TOTAL = "total"
COMPLETE, PARTIAL, NOT_RECEIVED = "complete", "partial", "not_received"
PUBLISHED_FIGURES = CONFIG_DIR / "published_figures.yaml"


@dataclass(frozen=True)
class Meta:
    code: str
    title: str
    unit: str = "count"
    decimals: int = 0
    definition: str = ""
    section: str = ""
    polarity: str = "neutral"
    source: str = "indicator catalogue"
    disclosure: str = "children"   # 'children': small-number suppression applies; 'none': published as it is


def catalogue() -> dict[str, Meta]:
    """Indicator metadata: config/indicators.yaml, then the partner measures (config/partner_measures.csv)."""
    out: dict[str, Meta] = {}
    path = CONFIG_DIR / "partner_measures.csv"
    if path.exists():
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                out[row["measure_code"]] = Meta(
                    code=row["measure_code"], title=row["title"], unit=row.get("unit") or "count",
                    decimals=0 if (row.get("unit") or "count") == "count" else 1, definition=row.get("definition", ""),
                    section=row.get("report_section", ""), polarity=row.get("polarity") or "neutral",
                    source=f"multi-agency dataset ({row.get('agency', '')})",
                    disclosure=row.get("disclosure") or "children")
    for ind in load_catalogue():
        out[ind.code] = Meta(code=ind.code, title=ind.title, unit=ind.unit, decimals=int(ind.decimals or 0),
                             definition=ind.definition or "", section=ind.section, polarity=ind.polarity,
                             source=f"{ind.numerator}" + (f" / {ind.denominator}" if ind.denominator else ""),
                             disclosure=getattr(ind, "disclosure", None) or "children")
    return out


@dataclass(frozen=True)
class PublishedFigure:
    """A figure the partnership published before, and the author's note on why the pipeline's differs."""

    code: str
    year: str
    value: float
    publication: str
    reason: str
    text: str = ""         # as it was printed, when not the plain number ('81 in every 10,000')


def published_figures(path=None) -> dict[tuple[str, str], PublishedFigure]:
    """(code, year) -> the figure previously published (config/published_figures.yaml, or the file a hub member
    names as `published_figures`; absent file, or a member that names none: none)."""
    if path is None:
        # a hub member's block always has the key (None: another partnership's published figures never apply)
        path = partnership_settings().get("published_figures", PUBLISHED_FIGURES)
    if not path or not Path(path).exists():
        return {}
    path = Path(path)
    raw = read_yaml(path) or {}
    out = {}
    for i, entry in enumerate(raw.get("figures") or [], 1):
        missing_keys = [k for k in ("code", "year", "value", "publication", "reason") if entry.get(k) in (None, "")]
        if missing_keys:
            raise ValueError(f"{path.name}, figure {i} ({entry.get('code', '?')}): {', '.join(missing_keys)} missing; "
                             "each entry needs code, year, value, publication and reason")
        fig = PublishedFigure(code=str(entry["code"]), year=str(entry["year"]), value=float(entry["value"]),
                              publication=str(entry["publication"]), reason=str(entry["reason"]).strip(),
                              text=str(entry.get("text") or ""))
        out[(fig.code, fig.year)] = fig
    return out


# Age bands (DfE's and the report's own) sort by their first age; these words come before any number.
_AGE_FIRST = {"unborn": -2, "under 1": -1, "under 4": -0.5}
_LAST = ("unknown", "not known", "information not obtained", "not recorded")


def natural_order(labels: list[str], dimension: str) -> list[str]:
    """Categories in the order a reader expects: age bands by age; otherwise as given (largest first), with
    'Unknown' / 'Not known' last."""
    def key(item):
        i, label = item
        low = label.lower().strip()
        if low in _LAST:
            return (2, 0, i)
        if "age" in dimension:
            if low in _AGE_FIRST:
                return (0, _AGE_FIRST[low], i)
            m = re.match(r"(\d+)", low)
            return (0, float(m.group(1)), i) if m else (1, 0, i)
        return (0, 0, i)
    return [label for _, label in sorted(enumerate(labels), key=key)]


def _quarter_words(coverage: str) -> str:
    """'2022-23 Q1, 2022-23 Q2, 2022-23 Q3' -> 'the three quarters received, April to December 2022'."""
    quarters = []
    for label in [c.strip() for c in (coverage or "").split(",") if c.strip()]:
        try:
            quarters.append(Quarter.from_partition_key(label))
        except ValueError:
            return f"the quarters received ({coverage})"
    if not quarters:
        return "part of the year"
    n = len(quarters)
    count = {1: "the quarter received", 2: "the two quarters received", 3: "the three quarters received"}.get(
        n, f"the {n} quarters received")
    contiguous = all(b.start == a.end + dt.timedelta(days=1) for a, b in itertools.pairwise(quarters))
    if contiguous:
        first, last = quarters[0].start, quarters[-1].end
        span = (f"{first:%B} to {last:%B %Y}" if first.year == last.year else f"{first:%B %Y} to {last:%B %Y}")
        return f"{count}, {span}"
    return f"{count} ({', '.join(q.label for q in quarters)})"


def _num(v):
    return None if words.missing(v) or v is pd.NA else float(v)


@dataclass
class Part:
    """One group of a breakdown (e.g. 'Male' of cpp_by_gender), already through disclosure control."""

    label: str
    numerator: float | None
    pct_value: float | None
    count: str
    pct: str
    pct0: str
    status: str

    @property
    def suppressed(self) -> bool:
        return self.status in (sdc.PRIMARY, sdc.SECONDARY)


@dataclass
class Fact:
    meta: Meta
    row: dict
    year_label: str
    public: bool = True
    previous_row: dict | None = None
    previous_label: str | None = None
    bench: dict | None = None
    breakdown_rows: list[dict] = field(default_factory=list)
    published: PublishedFigure | None = None          # this year's figure as published before
    previous_published: PublishedFigure | None = None  # last year's, as last year's report gave it

    # ---- what the value rests on (ind_values status / coverage; absent columns mean a complete year) ----
    @property
    def status(self) -> str:
        value = self.row.get("status")
        return COMPLETE if words.missing(value) or value is None or value is pd.NA else str(value)

    @property
    def available(self) -> bool:
        return self.status != NOT_RECEIVED and self.raw_value is not None

    @property
    def partial(self) -> bool:
        return self.status == PARTIAL

    @property
    def coverage(self) -> str:
        return "" if words.missing(self.row.get("coverage")) else str(self.row.get("coverage") or "")

    @property
    def missing_quarters(self) -> str:
        value = self.row.get("missing_quarters")
        return "" if words.missing(value) or value is None else str(value)

    @property
    def covers(self) -> str:
        """'' for a whole year; 'In the three quarters received, April to December 2022' for a partial one."""
        return f"In {_quarter_words(self.coverage)}" if self.partial else ""

    @property
    def between(self) -> str:
        """'from 1st April 2022 through to 31st March 2023', or what a partial value covers."""
        if self.partial:
            return f"in {_quarter_words(self.coverage)}"
        start, end = self.row.get("period_start"), self.row.get("period_end")
        if isinstance(start, (dt.date, pd.Timestamp)) and isinstance(end, (dt.date, pd.Timestamp)):
            start, end = pd.Timestamp(start).date(), pd.Timestamp(end).date()
        else:
            fy = FinancialYear.from_label(self.year_label)
            start, end = fy.start, fy.end
        return f"from {fmt_long_date(start)} through to {fmt_long_date(end)}"

    @property
    def protects_children(self) -> bool:
        """Disclosure control applies (counts of children and families, and what is derived from them)."""
        value = self.row.get("disclosure")
        value = self.meta.disclosure if words.missing(value) or value is None else value
        return str(value) != "none"

    # ---- raw numbers (for Python code; templates use the printed forms below) ----
    @property
    def code(self) -> str:
        return self.meta.code

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def unit(self) -> str:
        return self.meta.unit

    @property
    def raw_value(self):
        return _num(self.row.get("value"))

    @property
    def raw_numerator(self):
        return _num(self.row.get("numerator"))

    @property
    def raw_denominator(self):
        return _num(self.row.get("denominator"))

    @property
    def suppressed(self) -> bool:
        """Public mode only: the count of children, or the count a percentage/rate is built on, is 1 to 5."""
        if not self.public or not self.protects_children:
            return False
        if sdc.is_small(self.raw_numerator):
            return True
        return self.unit == "percent" and sdc.is_small(self.raw_denominator)

    # ---- printed forms ----
    def _count_text(self, value) -> str:
        if words.missing(value):
            return words.NOT_AVAILABLE
        if self.public and self.protects_children and sdc.is_small(value):
            return words.SMALL_NUMBER
        return f"{round(value):,}"

    @property
    def count(self) -> str:
        """The count behind the indicator (the numerator; for a count indicator, the count itself)."""
        value = self.raw_numerator if self.raw_numerator is not None else (
            self.raw_value if self.unit == "count" else None)
        return self._count_text(value)

    @property
    def count_or_none(self) -> str:
        """The count, or 'None' when it is zero: how the report opens a sentence about nobody."""
        text = self.count
        return "None" if text == "0" else text

    @property
    def denominator(self) -> str:
        return self._count_text(self.raw_denominator)

    def _value_text(self, decimals: int) -> str:
        if self.suppressed:
            return words.WITHHELD if self.unit != "count" else words.SMALL_NUMBER
        return words.fmt(self.raw_value, self.unit, decimals)

    @property
    def text(self) -> str:
        """The value in its unit, at the catalogue's decimals: '29,563', '36.1%', '39.5'."""
        return self._value_text(self.meta.decimals)

    @property
    def pct(self) -> str:
        return self._value_text(self.meta.decimals if self.meta.decimals else 1)

    @property
    def pct0(self) -> str:
        """Whole-number percentage, as the report often prints them ('36%')."""
        return self._value_text(0)

    @property
    def rate(self) -> str:
        return self._value_text(self.meta.decimals or 1)

    @property
    def rate0(self) -> str:
        return self._value_text(0)

    # ---- year on year ----
    @property
    def previous(self) -> str:
        if not self.previous_row:
            return words.NOT_AVAILABLE
        prev = Fact(self.meta, self.previous_row, self.previous_label or "", self.public)
        return prev.text

    def _previous_fact(self) -> Fact | None:
        if not self.previous_row:
            return None
        prev = Fact(self.meta, self.previous_row, self.previous_label or "", self.public)
        return prev if prev.available and not prev.partial else None

    @property
    def change_sentence(self) -> str:
        """Year on year, only between two whole years."""
        prev = self._previous_fact()
        if prev is None or self.raw_value is None or self.partial:
            return ""
        if self.suppressed or prev.suppressed:
            return f"A comparison with {self.previous_label} is not published because the numbers are small."
        return words.change_sentence(self.raw_value, prev.raw_value, self.previous_label or "",
                                     self.unit, self.meta.decimals)

    @property
    def change_word(self) -> str:
        if self._previous_fact() is None or self.suppressed or self.partial:
            return ""
        return words.change_word(self.raw_value, _num(self.previous_row.get("value")), self.meta.decimals) or ""

    # ---- figures published before (config/published_figures.yaml) ----
    def _differs(self, value, published: PublishedFigure | None) -> bool:
        if published is None or value is None:
            return False
        return words.compare_word(value, published.value, self.meta.decimals) != "in line with"

    @property
    def difference_notes(self) -> list[str]:
        """Why this figure, or last year's beside it, differs from the one the partnership published before."""
        notes = []
        if self._differs(self.raw_value, self.published) and not self.suppressed:
            p = self.published
            notes.append(f"{self.title}, {p.year}: the {p.publication} gave {p.text or words.fmt(p.value, self.unit, self.meta.decimals)}; "
                         f"the pipeline gives {self.text}. {p.reason}")
        prev = self._previous_fact()
        if prev is not None and self._differs(prev.raw_value, self.previous_published) and not prev.suppressed:
            p = self.previous_published
            notes.append(f"{self.title}, {p.year}: the {p.publication} gave {p.text or words.fmt(p.value, self.unit, self.meta.decimals)}; "
                         f"the pipeline gives {prev.text}. {p.reason}")
        return notes

    # ---- benchmarks (mart_comparison) ----
    @property
    def comparable(self) -> bool:
        """DfE's figures are annual: only a whole year is set against them (mart_comparison says so too)."""
        if not self.bench or self.partial or not self.available:
            return False
        flag = self.bench.get("benchmark_comparable")
        return True if flag is None or words.missing(flag) else bool(flag)

    @property
    def benchmark_year(self) -> str:
        return (self.bench or {}).get("benchmark_year") or ""

    @property
    def comparators(self) -> list[tuple[str, float | None]]:
        b = self.bench or {}
        region = b.get("region_name") or "regional"
        return [(f"{region} average", _num(b.get("region_value"))),
                ("Statistical Neighbour average", _num(b.get("sn_mean"))),
                ("England average", _num(b.get("england")))]

    @property
    def vs_benchmarks(self) -> str:
        """'This is above the West Midlands average (19.1%), ... (DfE figures for 2022-23).' or ''."""
        if not self.comparable or self.suppressed or self.raw_value is None:
            return ""
        return words.benchmark_sentence(self.raw_value, self.comparators, self.unit, self.meta.decimals or 1,
                                        self.benchmark_year)

    def compared_with(self, which: str) -> str:
        """'above' / 'below' / 'in line with' one comparator: 'england', 'sn_mean' or 'region_value'."""
        if not self.comparable or self.suppressed:
            return ""
        return words.compare_word(self.raw_value, _num(self.bench.get(which)), self.meta.decimals or 1) or ""

    # ---- breakdowns ----
    @property
    def dimensions(self) -> list[str]:
        """The breakdowns this indicator has ('gender', 'age_band', 'report_age_band', ...), in row order."""
        return list(dict.fromkeys(str(r["breakdown"]) for r in self.breakdown_rows))

    @property
    def dimension(self) -> str:
        return self.dimensions[0] if self.dimensions else ""

    @cached_property
    def parts(self) -> list[Part]:
        """The groups of its first breakdown (see `by`)."""
        return self.by(self.dimension) if self.dimension else []

    def by(self, dimension: str) -> list[Part]:
        """Breakdown groups in their natural order (age bands by age, others largest first, unknown last),
        through primary and secondary suppression in public mode when the counts are of children."""
        rows = [r for r in self.breakdown_rows if str(r["breakdown"]) == dimension]
        if not rows:
            return []
        frame = pd.DataFrame(rows)
        frame = frame.sort_values("numerator", ascending=False, kind="stable")
        frame["label"] = frame["breakdown_value"].astype(str)
        order = natural_order(frame["label"].tolist(), dimension)
        frame = frame.set_index("label").loc[order].reset_index()
        totals = frame["denominator"].dropna()
        total = float(totals.iloc[0]) if len(totals) else float(frame["numerator"].sum())
        table = frame[["label", "numerator"]].set_index("label")
        table.loc["__total__"] = [total]
        pct = (100 * table["numerator"] / total) if total else table["numerator"] * float("nan")
        table["pct"] = pct
        if self.public and self.protects_children:
            done = sdc.suppress_counts(table, ["numerator"], total_row="__total__", pct_cols={"pct": "numerator"})
        else:
            done = table.assign(numerator_status=sdc.SHOWN, pct_status=sdc.SHOWN)
        out = []
        for label, r in done.drop(index="__total__").iterrows():
            hidden = r["numerator_status"] in (sdc.PRIMARY, sdc.SECONDARY)
            n, p = _num(r["numerator"]), _num(r["pct"])
            out.append(Part(
                label=str(label), numerator=None if hidden else n, pct_value=None if hidden else p,
                count=words.SMALL_NUMBER if hidden else words.fmt(n, "count", 0),
                pct=words.WITHHELD if hidden else words.fmt(p, "percent", 1),
                pct0=words.WITHHELD if hidden else words.fmt(p, "percent", 0),
                status=r["numerator_status"]))
        return out

    def part(self, label: str) -> Part | MissingPart:
        for p in self.parts:
            if p.label.lower() == label.lower():
                return p
        return MissingPart(label)

    @property
    def listing(self) -> str:
        """'341 (53%) Male, 285 (44%) Female and 15 (2%) Unborn'; hidden groups say 'fewer than 6'."""
        return words.join_words([f"{p.count} ({p.pct0}) {p.label}" if not p.suppressed else f"{p.count} {p.label}"
                                 for p in self.parts]) or words.NOT_AVAILABLE

    @property
    def shares(self) -> str:
        """'53% Male, 46% Female and 1% Unborn'."""
        return words.join_words([f"{p.pct0} {p.label}" if not p.suppressed else f"{p.label} {words.WITHHELD}"
                                 for p in self.parts]) or words.NOT_AVAILABLE

    def __str__(self) -> str:
        return self.text


@dataclass
class MissingPart:
    label: str
    count: str = words.NOT_AVAILABLE
    pct: str = words.NOT_AVAILABLE
    pct0: str = words.NOT_AVAILABLE
    suppressed: bool = False
    numerator: None = None
    pct_value: None = None


class MissingFact:
    """An indicator with no value for the year (no row, or its returns not received): no number is ever
    printed; everything says 'not available' (or 'not received')."""

    available = False
    suppressed = partial = comparable = False
    parts: ClassVar[list] = []
    dimensions: ClassVar[list] = []
    bench = published = previous_published = None
    raw_value = raw_numerator = raw_denominator = None
    covers = between = coverage = missing_quarters = dimension = ""

    def __init__(self, meta: Meta, year_label: str, status: str = "missing", missing_quarters: str = ""):
        self.meta, self.year_label, self.status = meta, year_label, status
        self.code, self.title, self.unit = meta.code, meta.title, meta.unit
        self.missing_quarters = missing_quarters
        text = "not received" if status == NOT_RECEIVED else words.NOT_AVAILABLE
        self.count = self.denominator = self.text = self.pct = self.pct0 = self.rate = self.rate0 = text
        self.previous = self.listing = self.shares = self.count_or_none = text

    change_sentence = change_word = vs_benchmarks = benchmark_year = ""

    def part(self, label: str) -> MissingPart:
        return MissingPart(label)

    def by(self, dimension: str) -> list:
        return []

    def compared_with(self, which: str) -> str:
        return ""

    def __str__(self) -> str:
        return words.NOT_AVAILABLE


class Facts:
    """code -> Fact, by attribute (`ind.contacts_total`) or key; an unknown code gives a MissingFact."""

    def __init__(self, facts: dict[str, Fact], year_label: str, meta: dict[str, Meta]):
        self._facts, self._year_label, self._meta = facts, year_label, meta
        self.used: list[str] = []   # codes read, in order (the notes on published figures follow them)
        self.used_in_text: set[str] = set()   # every code the narrative read (the appendix defines them)

    def __getitem__(self, code: str) -> Fact | MissingFact:
        if code not in self.used:
            self.used.append(code)
        fact = self._facts.get(code)
        if fact is not None and fact.available:
            return fact
        meta = self._meta.get(code) or (fact.meta if fact is not None else
                                        Meta(code=code, title=code.replace("_", " ").capitalize()))
        if fact is not None:
            return MissingFact(meta, self._year_label, fact.status, fact.missing_quarters)
        return MissingFact(meta, self._year_label)

    def get(self, *codes: str) -> Fact | MissingFact:
        """The first of `codes` that has a value (e.g. the report's own age bands, else DfE's)."""
        for code in codes:
            if code in self._facts and self._facts[code].available:
                return self[code]
        return self[codes[-1]]

    def fact(self, code: str) -> Fact | None:
        """The Fact itself, whatever its status (None when there is no row); not counted as used."""
        return self._facts.get(code)

    def __getattr__(self, code: str) -> Fact | MissingFact:
        if code.startswith("_"):
            raise AttributeError(code)
        return self[code]

    def __contains__(self, code: str) -> bool:
        return code in self._facts and self._facts[code].available

    def __iter__(self):
        return iter(f for f in self._facts.values() if f.available)

    def __len__(self) -> int:
        return len(self._facts)


@dataclass
class YearData:
    """Everything the exports read for one financial year, pulled from the warehouse once."""

    year: FinancialYear
    values: pd.DataFrame          # ind_values rows: this year's and last year's 'year' rows, this year's quarters
    comparison: pd.DataFrame      # mart_comparison 'year' rows for the year (may be empty)
    sources: pd.DataFrame         # raw_files of the year's quarters
    meta: dict[str, Meta]
    published: dict[tuple[str, str], PublishedFigure] = field(default_factory=published_figures)
    # code -> Fact, per `public`: built once (the report's figures and its narrative each read them; building
    # them was a third of a report's time). Each facts() call still gets its own Facts and so its own `used`.
    _fact_cache: dict[bool, dict[str, Fact]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def missing_quarters(self) -> list[str]:
        """The year's quarters some figure lacks a return for ('2022-23 Q1', ...), in order; [] for a whole year.

        From ind_values' status / missing_quarters, the one place 'partial' is decided
        (pipeline.lib.indicators.coverage; docs/contracts.md). A figure with no return in any quarter of the
        year is 'not received' (said as such, never written as a figure): it does not make the year partial,
        only a figure resting on some quarters does."""
        v = self.values
        this = v[(v["period_type"] == "year") & (v["period_label"] == self.year.label) & (v["breakdown"] == TOTAL)]
        if "status" not in this.columns or (len(this) and this["status"].isna().any()):
            raise ValueError("ind_values has figures without a status (complete, partial, not_received): the "
                             "warehouse was built by an older pipeline. Rematerialise ind_values for the year.")
        labels = [q.label for q in self.year.quarters]
        gone: set[str] = set()
        for text in this.loc[this["status"] == PARTIAL, "missing_quarters"].dropna():
            gone |= {t.strip() for t in str(text).split(",") if t.strip()}
        unknown = [t for t in gone if t not in labels]
        return [q for q in labels if q in gone] + sorted(unknown)

    def has_year(self) -> bool:
        v = self.values
        return bool(((v["period_type"] == "year") & (v["period_label"] == self.year.label)).any())

    def facts(self, public: bool = True) -> Facts:
        if public not in self._fact_cache:
            self._fact_cache[public] = self._build_facts(public)
        return Facts(self._fact_cache[public], self.year.label, self.meta)

    def _build_facts(self, public: bool) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        v = self.values
        this = v[(v["period_type"] == "year") & (v["period_label"] == self.year.label)]
        prev = v[(v["period_type"] == "year") & (v["period_label"] == self.year.previous().label)]
        bench = {r["indicator_code"]: r for r in self.comparison.to_dict("records")} if len(self.comparison) else {}
        # plain records grouped in Python: a filtered frame per indicator cost ~1 s a report
        by_code: dict[str, list[dict]] = {}
        for r in this.to_dict("records"):
            by_code.setdefault(r["indicator_code"], []).append(r)
        prev_total: dict[str, dict] = {}
        for r in prev.to_dict("records"):
            if r["breakdown"] == TOTAL:
                prev_total.setdefault(r["indicator_code"], r)
        for code, rows in by_code.items():
            totals = [r for r in rows if r["breakdown"] == TOTAL]
            meta = self.meta.get(code) or Meta(code=code, title=code.replace("_", " ").capitalize(),
                                               unit=str(rows[0]["unit"] or "count"))
            out[code] = Fact(meta=meta, row=dict(totals[0]) if totals else {}, year_label=self.year.label,
                             public=public, previous_row=prev_total.get(code),
                             previous_label=self.year.previous().label, bench=bench.get(code),
                             breakdown_rows=[r for r in rows if r["breakdown"] != TOTAL],
                             published=self.published.get((code, self.year.label)),
                             previous_published=self.published.get((code, self.year.previous().label)))
        return out

    def quarter_rows(self, code: str, breakdown: str = TOTAL) -> pd.DataFrame:
        v = self.values
        rows = v[(v["indicator_code"] == code) & (v["period_type"] == "quarter") & (v["breakdown"] == breakdown)]
        return rows.sort_values(["quarter_key", "breakdown_value"])

    def year_rows(self, code: str, breakdown: str | None = None) -> pd.DataFrame:
        v = self.values
        rows = v[(v["indicator_code"] == code) & (v["period_type"] == "year") & (v["period_label"] == self.year.label)]
        if breakdown is not None:
            rows = rows[rows["breakdown"] == breakdown]
        return rows


# table -> the asset that builds it: the report reads every one, so a missing table is an error naming the asset,
# never a report with no benchmarks or no figures that reads as complete (pipeline/defs/reporting/report_assets.py)
REQUIRED_TABLES = {"ind_values": "ind_values", "mart_comparison": "mart_comparison", "raw_files": "quarterly_returns"}


def load_year(con: duckdb.DuckDBPyConnection, year: FinancialYear) -> YearData:
    require(con, REQUIRED_TABLES, what=f"The {year.label} annual report")
    quarter_keys = [q.partition_key for q in year.quarters]
    values = con.execute("""
        select * from ind_values
        where (period_type = 'year' and period_label in (?, ?))
           or (period_type = 'quarter' and cast(quarter_key as varchar) in (select unnest(?)))
        order by indicator_code, quarter_key, breakdown, breakdown_value
    """, [year.label, year.previous().label, quarter_keys]).df()
    comparison = con.execute("""select * from mart_comparison where period_type = 'year' and period_label = ?""",
                             [year.label]).df()
    sources = con.execute("""
        select period_label, relative_path, sha256, return_type, agency, status
        from raw_files where present and cast(period_key as varchar) in (select unnest(?))
        order by period_key, relative_path
    """, [quarter_keys]).df()
    return YearData(year=year, values=values, comparison=comparison, sources=sources, meta=catalogue())
