"""The year's indicator values as objects the templates, figures and workbook read: one `Fact` per indicator.

A Fact knows its catalogue entry (title, unit, decimals, definition), its year value, last year's value and
its benchmark row (mart_comparison), and prints itself safely: in public mode a count of 1 to 5, and any
percentage or rate built on one, is printed as a phrase ("fewer than 6", "not published (small numbers)"),
never as the number. A code with no value gives a `MissingFact` that prints "not available", so a template
never crashes on an indicator that has not landed yet.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

import duckdb
import pandas as pd

from pipeline.lib import sdc, warehouse
from pipeline.lib.indicators import load_catalogue
from pipeline.lib.paths import CONFIG_DIR
from pipeline.lib.periods import FinancialYear
from pipeline.lib.report import words

TOTAL = "total"


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
                    source=f"multi-agency dataset ({row.get('agency', '')})")
    for ind in load_catalogue():
        out[ind.code] = Meta(code=ind.code, title=ind.title, unit=ind.unit, decimals=int(ind.decimals or 0),
                             definition=ind.definition or "", section=ind.section, polarity=ind.polarity,
                             source=f"{ind.numerator}" + (f" / {ind.denominator}" if ind.denominator else ""))
    return out


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
    available: bool = True

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
        """Public mode only: the count, or the count a percentage/rate is built on, is 1 to 5."""
        if not self.public:
            return False
        if sdc.is_small(self.raw_numerator):
            return True
        return self.unit == "percent" and sdc.is_small(self.raw_denominator)

    # ---- printed forms ----
    def _count_text(self, value) -> str:
        if words.missing(value):
            return words.NOT_AVAILABLE
        if self.public and sdc.is_small(value):
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

    @property
    def change_sentence(self) -> str:
        if not self.previous_row or self.raw_value is None:
            return ""
        prev = Fact(self.meta, self.previous_row, self.previous_label or "", self.public)
        if self.suppressed or prev.suppressed:
            return f"A comparison with {self.previous_label} is not published because the numbers are small."
        return words.change_sentence(self.raw_value, prev.raw_value, self.previous_label or "",
                                     self.unit, self.meta.decimals)

    @property
    def change_word(self) -> str:
        if not self.previous_row or self.suppressed:
            return ""
        return words.change_word(self.raw_value, _num(self.previous_row.get("value")), self.meta.decimals) or ""

    # ---- benchmarks (mart_comparison) ----
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
        if not self.bench or self.suppressed or self.raw_value is None:
            return ""
        return words.benchmark_sentence(self.raw_value, self.comparators, self.unit, self.meta.decimals or 1,
                                        self.benchmark_year)

    def compared_with(self, which: str) -> str:
        """'above' / 'below' / 'in line with' one comparator: 'england', 'sn_mean' or 'region_value'."""
        if not self.bench or self.suppressed:
            return ""
        return words.compare_word(self.raw_value, _num(self.bench.get(which)), self.meta.decimals or 1) or ""

    # ---- breakdowns ----
    @cached_property
    def parts(self) -> list[Part]:
        """Breakdown groups, largest first, through primary and secondary suppression in public mode."""
        if not self.breakdown_rows:
            return []
        frame = pd.DataFrame(self.breakdown_rows)
        frame = frame.sort_values("numerator", ascending=False, kind="stable")
        frame["label"] = frame["breakdown_value"].astype(str)
        totals = frame["denominator"].dropna()
        total = float(totals.iloc[0]) if len(totals) else float(frame["numerator"].sum())
        table = frame[["label", "numerator"]].set_index("label")
        table.loc["__total__"] = [total]
        pct = (100 * table["numerator"] / total) if total else table["numerator"] * float("nan")
        table["pct"] = pct
        if self.public:
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
    """An indicator with no value for the year: everything prints 'not available'."""

    available = False
    suppressed = False
    parts: ClassVar[list] = []
    bench = None
    raw_value = raw_numerator = raw_denominator = None

    def __init__(self, meta: Meta, year_label: str):
        self.meta, self.year_label = meta, year_label
        self.code, self.title, self.unit = meta.code, meta.title, meta.unit

    count = denominator = text = pct = pct0 = rate = rate0 = previous = listing = shares = words.NOT_AVAILABLE
    change_sentence = change_word = vs_benchmarks = benchmark_year = ""

    def part(self, label: str) -> MissingPart:
        return MissingPart(label)

    def compared_with(self, which: str) -> str:
        return ""

    def __str__(self) -> str:
        return words.NOT_AVAILABLE


class Facts:
    """code -> Fact, by attribute (`ind.contacts_total`) or key; an unknown code gives a MissingFact."""

    def __init__(self, facts: dict[str, Fact], year_label: str, meta: dict[str, Meta]):
        self._facts, self._year_label, self._meta = facts, year_label, meta

    def __getitem__(self, code: str) -> Fact | MissingFact:
        if code in self._facts:
            return self._facts[code]
        return MissingFact(self._meta.get(code) or Meta(code=code, title=code.replace("_", " ").capitalize()),
                           self._year_label)

    def __getattr__(self, code: str) -> Fact | MissingFact:
        if code.startswith("_"):
            raise AttributeError(code)
        return self[code]

    def __contains__(self, code: str) -> bool:
        return code in self._facts

    def __iter__(self):
        return iter(self._facts.values())

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

    def facts(self, public: bool = True) -> Facts:
        out: dict[str, Fact] = {}
        v = self.values
        this = v[(v["period_type"] == "year") & (v["period_label"] == self.year.label)]
        prev = v[(v["period_type"] == "year") & (v["period_label"] == self.year.previous().label)]
        bench = {r["indicator_code"]: r for r in self.comparison.to_dict("records")} if len(self.comparison) else {}
        for code, rows in this.groupby("indicator_code", sort=False):
            total = rows[rows["breakdown"] == TOTAL]
            parts = rows[rows["breakdown"] != TOTAL]
            prev_total = prev[(prev["indicator_code"] == code) & (prev["breakdown"] == TOTAL)]
            meta = self.meta.get(code) or Meta(code=code, title=code.replace("_", " ").capitalize(),
                                               unit=str(rows["unit"].iloc[0] or "count"))
            row = total.iloc[0].to_dict() if len(total) else {}
            out[code] = Fact(meta=meta, row=row, year_label=self.year.label, public=public,
                             previous_row=prev_total.iloc[0].to_dict() if len(prev_total) else None,
                             previous_label=self.year.previous().label, bench=bench.get(code),
                             breakdown_rows=parts.to_dict("records"))
        return Facts(out, self.year.label, self.meta)

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


def load_year(con: duckdb.DuckDBPyConnection, year: FinancialYear) -> YearData:
    quarter_keys = [q.partition_key for q in year.quarters]
    if warehouse.table_exists(con, "ind_values"):
        values = con.execute("""
            select * from ind_values
            where (period_type = 'year' and period_label in (?, ?))
               or (period_type = 'quarter' and cast(quarter_key as varchar) in (select unnest(?)))
            order by indicator_code, quarter_key, breakdown, breakdown_value
        """, [year.label, year.previous().label, quarter_keys]).df()
    else:
        values = pd.DataFrame(columns=["indicator_code", "period_type", "period_label", "quarter_key", "breakdown",
                                       "breakdown_value", "numerator", "denominator", "value", "unit"])
    comparison = pd.DataFrame()
    if warehouse.table_exists(con, "mart_comparison"):
        comparison = con.execute("""select * from mart_comparison where period_type = 'year' and period_label = ?""",
                                 [year.label]).df()
    sources = pd.DataFrame(columns=["period_label", "relative_path", "sha256", "return_type", "agency", "status"])
    if warehouse.table_exists(con, "raw_files"):
        sources = con.execute("""
            select period_label, relative_path, sha256, return_type, agency, status
            from raw_files where present and cast(period_key as varchar) in (select unnest(?))
            order by period_key, relative_path
        """, [quarter_keys]).df()
    return YearData(year=year, values=values, comparison=comparison, sources=sources, meta=catalogue())
