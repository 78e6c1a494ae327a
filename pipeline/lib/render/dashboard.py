"""The QPPA dashboard: one self-contained HTML file per quarter, plus an index of the quarters.

Everything a template shows is decided here, as plain values (formatted strings, rows, sentences): the
templates only lay them out. Sections come from the indicator catalogue (config/indicators.yaml `section`),
so a new indicator appears on the page without a template edit. Figures are built by figures.py and
embedded as JSON; the page draws them with the vendored plotly.js basic bundle (see reports/templates/README.md).

Tables that later stages build (mart_comparison, mart_reconciliation, bm_comparators, the intake's logs) are
optional: when one is missing the page says so and falls back (comparators straight from bm_comparators,
direction of travel from ind_values) instead of failing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.lib import atomic, sdc
from pipeline.lib.indicators import Indicator, load_catalogue
from pipeline.lib.paths import PROJECT_ROOT
from pipeline.lib.periods import FinancialYear, Quarter
from pipeline.lib.render import data, figures
from pipeline.lib.render.env import fmt_count, fmt_pct, fmt_value, make_environment
from pipeline.lib.render.provenance import Provenance

PLOTLY_BUNDLE = PROJECT_ROOT / "vendor" / "plotly" / "plotly-basic.min.js"

# Report order (the partnership's annual report, data section). A catalogue section not listed here is
# added after these with a title made from its name, so a new section never needs a code change to show.
SECTION_TITLES = {
    "front_door": ("Front door: contacts and referrals",
                   "Contacts, referrals, re-referrals, conversion to assessment and domestic abuse."),
    "assessments": ("Assessments", "Single assessments and their timeliness."),
    "s47": ("Section 47 enquiries and initial child protection conferences",
            "Enquiries under section 47 of the Children Act 1989 and the conferences that follow them."),
    "cin": ("Children in need", "Children open to children's social care on a child in need plan."),
    "child_protection": ("Child protection", "Children subject to a child protection plan. Neglect is a partnership priority."),
    "children_in_care": ("Children in care", "Children looked after by the local authority."),
    "missing": ("Missing and exploitation",
                "Missing episodes, return home interviews and risk of exploitation, a partnership priority."),
    "early_help": ("Early help", "Strengthening Families and multi-agency early help, a partnership priority."),
    "partners": ("Partner agencies", "Measures from the multi-agency dataset: police, health, education and others."),
    "training": ("Training and workforce development", "Partnership training: places, attendance and learning."),
}
# Catalogue sections shown inside one of the report's sections (the report has "Missing and exploitation",
# and domestic abuse sits with the front door). A section not named anywhere gets a section of its own.
SECTION_GROUP = {"exploitation": "missing", "domestic_abuse": "front_door", "police_protection": "partners",
                 "ae": "partners", "lado": "partners", "private_fostering": "partners", "health": "partners"}
PRIORITY_SECTIONS = {"child_protection": "Neglect", "missing": "Exploitation", "early_help": "Early help"}
DEMOGRAPHIC_DIMENSIONS = {"ethnicity_group": "Ethnicity", "ethnicity": "Ethnicity", "gender": "Gender",
                          "age_band": "Age band", "disability": "Disability"}
# Cohorts compared in the disproportionality section: catalogue code prefix -> (name, rate indicator).
COHORTS = {"cin": ("Children in need", "cin_rate_10k"), "cpp": ("Child protection plans", "cpp_rate_10k"),
           "cla": ("Children in care", "cla_rate_10k"), "eh": ("Early help", None)}
UNIT_AXIS = {"count": "Number", "percent": "Per cent", "rate_per_10k": "Per 10,000 children", "ratio": "Ratio",
             "mean": "Mean"}
RAG_WORDS = {"green": "Green", "amber": "Amber", "red": "Red"}


# ---- statistical disclosure control ----------------------------------------------------------------------------

def suppressed_breakdown(groups: list[str], counts: list, total) -> tuple[list[str], list[str], list[float | None]]:
    """One cohort's breakdown as it may be shown: (count texts, share texts, shares for the chart).

    pipeline.lib.sdc applies DfE's rule: counts 1-5 show as 'c'; if that leaves one hidden cell in the
    breakdown-plus-total margin, the next smallest is hidden too; a share built on a hidden count is 'c'.
    """
    frame = pd.DataFrame({"n": [*counts, total]}, index=[*groups, "__total__"], dtype="float")
    frame["share"] = [100 * n / total if total and not _nan(n) else float("nan") for n in frame["n"]]
    out = sdc.suppress_counts(frame, ["n"], total_row="__total__", pct_cols={"share": "n"}, pct_decimals=0)
    out = out.drop(index="__total__")
    return (list(out["n_published"]), list(out["share_published"]),
            [None if _nan(v) else float(v) for v in out["share"]])


def _nan(value) -> bool:
    """None, NaN, and pandas' NA/NaT (DuckDB's nullable integers arrive as pd.NA)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):     # a list or an array is not missing
        return False


# ---- view model ------------------------------------------------------------------------------------------------

@dataclass
class Rag:
    status: str | None          # green | amber | red | None
    label: str                  # words: "Better than statistical neighbours"
    basis: str                  # how it was decided

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
class Card:
    ind: Indicator
    available: bool
    snapshot: bool                          # open_at_period_end: one value at the quarter's end
    quarter_value: str = "-"
    quarter_detail: str = ""
    rolling_value: str = "-"
    rolling_detail: str = ""
    rolling_label: str = ""
    previous_label: str = ""
    previous_value: str = "-"
    direction: str | None = None            # up | down | same
    travel: str = "not applicable"
    change_text: str = ""
    rag: Rag = field(default_factory=lambda: Rag(None, "Not rated", ""))
    benchmarks: list[dict] = field(default_factory=list)
    benchmark_note: str = ""
    rank_text: str = ""
    quartile: str | None = None
    chart: Chart | None = None
    breakdown: Chart | None = None
    demographic: bool = False

    @property
    def code(self) -> str:
        return self.ind.code

    @property
    def headline_value(self) -> str:
        return self.quarter_value if self.snapshot else self.rolling_value


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


class Dashboard:
    """Everything the quarter's page shows, read once from the warehouse."""

    def __init__(self, con: duckdb.DuckDBPyConnection, quarter: Quarter, partnership: dict):
        self.quarter = quarter
        self.partnership = partnership
        self.region = partnership.get("region", "Region")
        self.catalogue = load_catalogue()
        self.values = data.indicator_values(con)
        self.values = self.values[self.values["quarter_key"].astype(str) <= quarter.partition_key]
        # one small frame per indicator: filtering the whole table for every card cost seconds
        self._by_code = {code: frame for code, frame in self.values.groupby("indicator_code")}
        self._empty = self.values.iloc[0:0]
        self.mart = data.comparison(con, quarter)
        self._mart_by_code = {} if self.mart is None else {c: f for c, f in self.mart.groupby("indicator_code")}
        self.bm = data.comparators(con)
        self.quarters = [q for q in _quarters(self.values) if q <= quarter]
        self.rolling_label = f"12 months to {quarter.end:%b %Y}"
        self.notes: list[str] = []
        if self.mart is None:
            self.notes.append("mart_comparison is not built yet: comparators come straight from bm_comparators, "
                              "direction of travel from ind_values, and RAG ratings from the catalogue's rule.")
        if self.bm.empty:
            self.notes.append("No DfE benchmarks are loaded (bm_comparators is empty or missing).")
        self._chart_ids: set[str] = set()

    # -- one indicator ------------------------------------------------------------------------------------------

    def _of(self, code: str) -> pd.DataFrame:
        return self._by_code.get(code, self._empty)

    def _row(self, code: str, period_type: str, label: str) -> pd.Series | None:
        return data.headline(self._of(code), code, period_type, label)

    def _mart_row(self, code: str, period_type: str, label: str) -> pd.Series | None:
        if self.mart is None or code not in self._mart_by_code:
            return None
        mart = self._mart_by_code[code]
        rows = mart[(mart["period_type"] == period_type) & (mart["period_label"] == label)]
        return None if rows.empty else rows.iloc[0]

    def _fmt(self, ind: Indicator, value) -> str:
        return fmt_value(None if _nan(value) else value, ind.unit, ind.decimals)

    def _detail(self, ind: Indicator, row: pd.Series | None) -> str:
        if row is None or ind.unit not in ("percent", "rate_per_10k") or _nan(row["denominator"]):
            return ""
        if ind.unit == "percent":
            return f"{fmt_count(row['numerator'])} of {fmt_count(row['denominator'])}"
        return f"{fmt_count(row['numerator'])} children; population {fmt_count(row['denominator'])}"

    def card(self, ind: Indicator) -> Card:
        snapshot = ind.counting_rule == "open_at_period_end"
        q_row = self._row(ind.code, "quarter", self.quarter.label)
        r_row = self._row(ind.code, "rolling_12m", self.rolling_label)
        demographic = self._breakdown_dimension(ind.code) in DEMOGRAPHIC_DIMENSIONS
        card = Card(ind=ind, available=q_row is not None or r_row is not None, snapshot=snapshot,
                    demographic=demographic, rolling_label=self.rolling_label)
        if not card.available:
            return card
        card.quarter_value = self._fmt(ind, q_row["value"]) if q_row is not None else "-"
        card.quarter_detail = self._detail(ind, q_row)
        card.rolling_value = self._fmt(ind, r_row["value"]) if r_row is not None else "-"
        card.rolling_detail = self._detail(ind, r_row)
        self._travel(card, q_row)
        self._benchmark(card, r_row if not snapshot else q_row)
        card.chart = self._trend_chart(card)
        if not demographic:
            card.breakdown = self._breakdown_chart(ind)
        return card

    def _travel(self, card: Card, q_row: pd.Series | None) -> None:
        ind, prev = card.ind, self.quarter.previous()
        card.previous_label = prev.label
        mart = self._mart_row(ind.code, "quarter", self.quarter.label)
        if mart is not None and not _nan(mart.get("previous_value")):
            current, previous = mart["value"], mart["previous_value"]
            card.direction = mart.get("direction") if isinstance(mart.get("direction"), str) else None
            card.travel = mart.get("travel") if isinstance(mart.get("travel"), str) else "not applicable"
        else:
            p_row = self._row(ind.code, "quarter", prev.label)
            if q_row is None or p_row is None or _nan(q_row["value"]) or _nan(p_row["value"]):
                return
            current, previous = float(q_row["value"]), float(p_row["value"])
            card.direction = "up" if current > previous else "down" if current < previous else "same"
            card.travel = _travel_word(card.direction, ind.polarity)
        card.previous_value = self._fmt(ind, previous)
        diff = current - previous
        if card.direction == "same" or diff == 0:
            card.change_text = f"No change on {prev.label}"
        elif ind.unit == "percent":
            card.change_text = f"{'Up' if diff > 0 else 'Down'} {abs(diff):.{ind.decimals}f} percentage points on {prev.label}"
        else:
            rel = f" ({abs(diff) / abs(previous):.0%})" if previous else ""
            card.change_text = (f"{'Up' if diff > 0 else 'Down'} {fmt_value(abs(diff), ind.unit, ind.decimals)}{rel}"
                                f" on {prev.label}")

    def _comparator_year(self, code: str | None) -> pd.Series | None:
        """The newest DfE year published for the benchmark code, no later than the quarter's financial year."""
        if not code or self.bm.empty:
            return None
        rows = self.bm[(self.bm["indicator_code"] == code) & (self.bm["year_label"] <= self.quarter.year.label)]
        return None if rows.empty else rows.sort_values("year_label").iloc[-1]

    def _benchmark(self, card: Card, row: pd.Series | None) -> None:
        ind = card.ind
        mart = self._mart_row(ind.code, "rolling_12m", self.rolling_label) if not card.snapshot else None
        if mart is None:
            mart = self._mart_row(ind.code, "quarter", self.quarter.label)
        if mart is not None:
            # mart_comparison owns the comparison once it is built: its RAG (benchmark or target), its year
            if isinstance(mart.get("rag"), str) or isinstance(mart.get("rag_label"), str):
                card.rag = Rag(mart.get("rag") if isinstance(mart.get("rag"), str) else None,
                               str(mart.get("rag_label") or "Not rated"), str(mart.get("rag_basis") or ""))
            if _nan(mart.get("benchmark_year")):
                card.benchmark_note = "DfE publishes no comparable figure."
                return
            src = {"england": mart.get("england"), "region_name": mart.get("region_name") or self.region,
                   "region_value": mart.get("region_value"), "sn": mart.get("sn_mean"),
                   "national_rank": mart.get("national_rank"), "ranked_of": mart.get("ranked_of"),
                   "quartile": mart.get("quartile"), "year": mart.get("benchmark_year"),
                   "release": mart.get("benchmark_release"), "la": mart.get("la_published")}
        else:
            bm = self._comparator_year(ind.benchmark)
            if bm is None:
                card.benchmark_note = ("DfE publishes no comparable figure." if not ind.benchmark
                                       else "No DfE figure is loaded for this measure yet.")
                return
            src = {"england": bm.get("england"), "region_name": bm.get("region_name") or self.region,
                   "region_value": bm.get("region_value"), "sn": bm.get("sn_value", bm.get("sn_mean")),
                   "national_rank": bm.get("national_rank"), "ranked_of": bm.get("ranked_of"),
                   "quartile": bm.get("quartile"), "year": bm.get("year_label"), "release": bm.get("release"),
                   "la": bm.get("la_value")}
            card.rag = _rag_from_rule(ind, None if row is None else row["value"], src)
        card.benchmarks = [
            {"name": "England", "value": self._fmt(ind, src["england"])},
            {"name": str(src["region_name"]), "value": self._fmt(ind, src["region_value"])},
            {"name": "Statistical neighbours (mean)", "value": self._fmt(ind, src["sn"])},
            {"name": f"{self.partnership.get('local_authority', 'LA')} as published by DfE", "value": self._fmt(ind, src["la"])},
        ]
        card.benchmark_note = f"DfE {src['year']}, release {src['release']}"
        if not _nan(src["national_rank"]) and not _nan(src["ranked_of"]):
            card.rank_text = f"{int(src['national_rank'])} of {int(src['ranked_of'])}"
        card.quartile = src["quartile"] if isinstance(src["quartile"], str) else None

    # -- charts ---------------------------------------------------------------------------------------------------

    def _chart_id(self, base: str) -> str:
        cid = re.sub(r"[^a-z0-9-]", "-", base.lower())
        while cid in self._chart_ids:
            cid += "-x"
        self._chart_ids.add(cid)
        return cid

    def _trend_chart(self, card: Card) -> Chart | None:
        ind = card.ind
        labels = [q.label for q in self.quarters]
        qs = _aligned(data.quarter_series(self._of(ind.code), ind.code, self.quarter, "quarter"), labels)
        rs = _aligned(data.quarter_series(self._of(ind.code), ind.code, self.quarter, "rolling_12m"), labels)
        if all(v is None for v in qs) and all(v is None for v in rs):
            return None
        series = {("At quarter end" if card.snapshot else "This quarter"): qs}
        if not card.snapshot and any(v is not None for v in rs):
            series["12 months to quarter end"] = rs
        comparators = self._comparator_series(ind, labels) if ind.unit != "count" else {}
        fmt = ",.0f" if ind.unit == "count" else f",.{ind.decimals}f"
        fig = figures.indicator_trend(labels, series, comparators, UNIT_AXIS.get(ind.unit, ""), fmt)
        columns = ["Quarter", *series.keys(), *[k for k, v in comparators.items() if any(x is not None for x in v)]]
        rows = []
        for i, label in enumerate(labels):
            cells = [label] + [self._fmt(ind, s[i]) for s in series.values()]
            cells += [self._fmt(ind, v[i]) for k, v in comparators.items() if k in columns]
            rows.append(cells)
        summary = _trend_sentence(ind, labels, series, comparators, self._fmt)
        return Chart(self._chart_id(f"chart-{ind.code}"), _figure_json(fig), summary, columns, rows,
                     f"{ind.title} by quarter")

    def _comparator_series(self, ind: Indicator, labels: list[str]) -> dict[str, list]:
        """DfE's yearly figures placed at the Q4 of their year: the 12 months to March are DfE's year."""
        if self.mart is not None:
            mart = self._mart_by_code.get(ind.code, self.mart.iloc[0:0])
            rows = mart[mart["period_type"] == "year"]
            by_year = {r["period_label"]: (r.get("england"), r.get("region_value"), r.get("sn_mean"))
                       for _, r in rows.iterrows()}
        elif ind.benchmark and not self.bm.empty:
            rows = self.bm[self.bm["indicator_code"] == ind.benchmark]
            by_year = {r["year_label"]: (r.get("england"), r.get("region_value"), r.get("sn_value", r.get("sn_mean")))
                       for _, r in rows.iterrows()}
        else:
            return {}
        out = {"England": [], self.region: [], "Statistical neighbours": []}
        for label in labels:
            q = Quarter.from_label(label)
            triple = by_year.get(q.year.label) if q.number == 4 else None
            for key, v in zip(out, triple or (None, None, None)):
                out[key].append(None if _nan(v) else float(v))
        return out if any(v is not None for vs in out.values() for v in vs) else {}

    def _breakdown_dimension(self, code: str) -> str | None:
        frame = self._of(code)
        rows = frame[frame["breakdown"] != "total"]
        return None if rows.empty else str(rows["breakdown"].iloc[0])

    def _breakdown_rows(self, ind: Indicator) -> tuple[pd.DataFrame, str]:
        """The breakdown for the quarter's end (snapshots) or the 12 months to it, falling back to the quarter."""
        order = [("quarter", self.quarter.label)] if ind.counting_rule == "open_at_period_end" else [
            ("rolling_12m", self.rolling_label), ("quarter", self.quarter.label)]
        for period_type, label in order:
            rows = data.breakdown(self._of(ind.code), ind.code, period_type, label)
            if not rows.empty:
                when = f"at {self.quarter.end:%-d %B %Y}" if period_type == "quarter" and ind.counting_rule == "open_at_period_end" \
                    else ("in the " + label if period_type == "rolling_12m" else f"in {label}")
                return rows, when
        return pd.DataFrame(), ""

    def _breakdown_chart(self, ind: Indicator) -> Chart | None:
        rows, when = self._breakdown_rows(ind)
        if rows.empty:
            return None
        dim = str(rows["breakdown"].iloc[0]).replace("_", " ")
        if dim == "month" or dim == "course":
            rows = rows.sort_values("breakdown_value") if dim == "month" else rows
        groups = [str(g) for g in rows["breakdown_value"]]
        counts = [None if _nan(n) else float(n) for n in rows["numerator"]]
        shares = [None if _nan(n) or _nan(d) or not d else 100 * n / d for n, d in zip(rows["numerator"], rows["denominator"])]
        show_share = any(s is not None for s in shares)
        fig = figures.breakdown_bars(groups, shares if show_share else counts, "Per cent" if show_share else "Number",
                                     ",.1f" if show_share else ",.0f")
        columns = [dim.capitalize(), "Number"] + (["Share"] if show_share else [])
        table = [[g, fmt_count(c)] + ([fmt_pct(s)] if show_share else []) for g, c, s in zip(groups, counts, shares)]
        top = max(range(len(groups)), key=lambda i: (counts[i] or 0))
        summary = (f"{ind.title} {when}: the largest group was {groups[top]} with {fmt_count(counts[top])}"
                   + (f" ({fmt_pct(shares[top])})." if show_share else "."))
        return Chart(self._chart_id(f"breakdown-{ind.code}"), _figure_json(fig), summary, columns, table,
                     f"{ind.title} by {dim} {when}")

    # -- sections -------------------------------------------------------------------------------------------------

    def sections(self) -> list[Section]:
        keys = list(SECTION_TITLES)
        group = {i.code: SECTION_GROUP.get(i.section, i.section) for i in self.catalogue}
        for ind in self.catalogue:
            if group[ind.code] not in keys and ind.section != "data_quality":
                keys.append(group[ind.code])
        out = []
        for key in keys:
            inds = [i for i in self.catalogue if group[i.code] == key]
            cards = [self.card(i) for i in inds]
            title, intro = SECTION_TITLES.get(key, (key.replace("_", " ").capitalize(), ""))
            out.append(Section(key, title, intro, PRIORITY_SECTIONS.get(key),
                               [c for c in cards if c.available and not c.demographic],
                               [c.ind for c in cards if not c.available]))
        return out

    def tiles(self, sections: list[Section]) -> list[Card]:
        cards = {c.code: c for s in sections for c in s.cards}
        return [cards[i.code] for i in self.catalogue if i.headline and i.code in cards]

    # -- disproportionality ---------------------------------------------------------------------------------------

    def disproportionality(self) -> dict:
        """Shares of each cohort by ethnicity, gender, age band and disability, with small numbers suppressed."""
        tables = []
        for dim_key, dim_name in _unique_dims():
            cohorts = []
            for prefix, (cohort_name, _rate) in COHORTS.items():
                ind = next((i for i in self.catalogue if i.code.startswith(prefix + "_by_")
                            and self._breakdown_dimension(i.code) == dim_key), None)
                if ind is None:
                    continue
                rows, when = self._breakdown_rows(ind)
                if not rows.empty:
                    cohorts.append((cohort_name, ind, rows, when))
            if not cohorts:
                continue
            groups = list(dict.fromkeys(g for _, _, rows, _ in cohorts for g in rows["breakdown_value"].astype(str)))
            columns = [dim_name]
            cells: dict[str, list[str]] = {g: [g] for g in groups}
            fig_series = {}
            for cohort_name, ind, rows, when in cohorts:
                by_group = {str(r["breakdown_value"]): r for _, r in rows.iterrows()}
                counts = [by_group[g]["numerator"] if g in by_group else None for g in groups]
                total = next((r["denominator"] for r in by_group.values() if not _nan(r["denominator"])), None)
                if total is None:
                    total = sum(c for c in counts if not _nan(c))
                n_text, share_text, shares = suppressed_breakdown(groups, counts, total)
                for g, n, sh in zip(groups, n_text, share_text):
                    cells[g] += [n, sh]
                columns += [f"{cohort_name}: number", f"{cohort_name}: share"]
                fig_series[cohort_name] = shares
            fig = figures.cohort_shares(groups, fig_series)
            summary = _disproportionality_sentence(dim_name, groups, fig_series)
            tables.append(Chart(self._chart_id(f"disp-{dim_key}"), _figure_json(fig), summary, columns,
                                [cells[g] for g in groups], f"Children by {dim_name.lower()}, share of each cohort"))
        rates = []
        for prefix, (cohort_name, rate_code) in COHORTS.items():
            ind = next((i for i in self.catalogue if i.code == rate_code), None) if rate_code else None
            row = self._row(rate_code, "quarter", self.quarter.label) if ind else None
            if row is not None:
                rates.append({"cohort": cohort_name, "value": self._fmt(ind, row["value"]),
                              "detail": self._detail(ind, row)})
        return {"tables": tables, "rates": rates, "when": f"{self.quarter.end:%-d %B %Y}"}

    # -- data quality ---------------------------------------------------------------------------------------------

    def data_quality(self, con: duckdb.DuckDBPyConnection, expected: list[dict]) -> dict:
        files = data.files_for_quarter(con, self.quarter)
        due_days = self.partnership.get("returns_due_days")
        due = self.quarter.end + dt.timedelta(days=int(due_days)) if due_days else None
        arrivals = []
        seen = set()
        for exp in expected:
            matches = files[files["return_type"] == exp["return_type"]]
            seen.update(matches.index)
            if matches.empty:
                arrivals.append({"return_type": exp["return_type"], "agency": exp.get("agency", ""), "status": "Missing",
                                 "shape": "red", "files": "-", "received": "-"})
                continue
            current = matches[matches["is_current"].fillna(False)]
            loaded = current if not current.empty else matches[matches["status"] == "loaded"]
            latest = (loaded if not loaded.empty else matches).iloc[0]
            received = pd.Timestamp(latest["modified_at"]).date() if not _nan(latest["modified_at"]) else None
            if loaded.empty:
                status, shape = f"Rejected: {latest['message'] or latest['rule'] or 'see the feedback workbook'}", "red"
            elif due and received and received > due:
                status, shape = f"Late (due {due:%-d %B %Y})", "amber"
            else:
                status, shape = "Received", "green"
            arrivals.append({"return_type": exp["return_type"], "agency": exp.get("agency", ""), "status": status,
                             "shape": shape, "files": ", ".join(str(f) for f in matches["file_name"]),
                             "received": f"{received:%-d %b %Y}" if received else "-"})
        unexpected = files.drop(index=list(seen))
        sheets = data.sheets_for_quarter(con, self.quarter)
        by_agency = (sheets.groupby("agency", as_index=False)[["rows_read", "rows_loaded", "rows_quarantined"]].sum()
                     if not sheets.empty else sheets)
        recon = data.reconciliation(con, self.quarter)
        recon_rows = None
        if recon is None and self.mart is not None and "reconciliation_diff" in self.mart.columns:
            recon = self.mart[self.mart["reconciliation_diff"].notna()][
                ["indicator_code", "period_label", "value", "la_published", "reconciliation_diff"]]
        if recon is not None:
            recon_rows = {"columns": [str(c).replace("_", " ").capitalize() if "_" in str(c) else str(c) for c in recon.columns],
                          "rows": [[_cell(v) for v in r] for r in recon.itertuples(index=False)]}
        return {
            "arrivals": arrivals,
            "late_rule": (f"A return is late if it was filed more than {due_days} days after the quarter ended."
                          if due_days else "No deadline is set in config/partnership.yaml (returns_due_days), so "
                          "lateness is not assessed: the date each return was filed is shown."),
            "unexpected": [{"file": r["file_name"], "return_type": r["return_type"] or "-", "status": r["status"]}
                           for _, r in unexpected.iterrows()],
            "agencies": [{"agency": r["agency"], "read": fmt_count(r["rows_read"]), "loaded": fmt_count(r["rows_loaded"]),
                          "quarantined": fmt_count(r["rows_quarantined"])} for _, r in by_agency.iterrows()],
            "sheets": [{k: (fmt_count(v) if k.startswith("rows") or k == "blank_rows" else v) for k, v in r.items()}
                       for r in sheets.to_dict("records")],
            "issues": [{"agency": r["agency"], "rule": r["rule"], "severity": r["severity"], "example": r["example"],
                        "issues": fmt_count(r["issues"])} for _, r in data.top_issues(con, self.quarter).iterrows()],
            "reconciliation": recon_rows,
            "has_logs": data.has_table(con, "raw_files"),
        }


# ---- helpers -----------------------------------------------------------------------------------------------------

def _unique_dims() -> list[tuple[str, str]]:
    # both spellings of ethnicity are listed; only the one the data uses finds any rows
    return list(DEMOGRAPHIC_DIMENSIONS.items())


def _quarters(values: pd.DataFrame) -> list[Quarter]:
    keys = sorted(values["quarter_key"].astype(str).unique())
    return [Quarter.from_partition_key(k) for k in keys]


def _aligned(series: pd.DataFrame, labels: list[str]) -> list[float | None]:
    by_label = {q: v for q, v in zip(series["quarter_key"].astype(str), series["value"])}
    return [None if _nan(by_label.get(Quarter.from_label(lbl).partition_key)) else float(by_label[Quarter.from_label(lbl).partition_key])
            for lbl in labels]


def _figure_json(fig) -> dict:
    return json.loads(fig.to_json())


def _cell(value) -> str:
    if _nan(value):
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _travel_word(direction: str | None, polarity: str) -> str:
    if direction is None or polarity == "neutral":
        return "not applicable"
    if direction == "same":
        return "no change"
    good = (direction == "up") == (polarity == "higher_is_better")
    return "improving" if good else "worsening"


COMPARATOR_NAMES = {"sn_mean": "statistical neighbours", "england": "England", "region": "the region", "target": "the target"}


def _rag_from_rule(ind: Indicator, value, src: dict) -> Rag:
    """The catalogue's RAG rule, used only while mart_comparison is not built (it owns the rule afterwards)."""
    rule = ind.rag or {}
    against = rule.get("against")
    if not against or ind.polarity == "neutral" or _nan(value):
        return Rag(None, "Not rated", "No RAG rule in the catalogue" if not against else "Neutral measure")
    comparator = {"sn_mean": src["sn"], "england": src["england"], "region": src["region_value"],
                  "target": rule.get("target")}.get(against)
    if _nan(comparator):
        return Rag(None, "Not rated", f"No published value for {COMPARATOR_NAMES.get(against, against)}")
    tolerance = float(rule.get("tolerance", 0))
    better = (value - comparator) if ind.polarity == "higher_is_better" else (comparator - value)
    name = COMPARATOR_NAMES.get(against, against)
    basis = (f"{ind.title} compared with {name} ({fmt_value(comparator, ind.unit, ind.decimals)}); "
             f"amber within {tolerance:g} of it on the worse side")
    if better >= 0:
        return Rag("green", f"Better than {name}" if better > 0 else f"Level with {name}", basis)
    if -better <= tolerance:
        return Rag("amber", f"Slightly worse than {name}", basis)
    return Rag("red", f"Worse than {name}", basis)


def _trend_sentence(ind: Indicator, labels, series: dict, comparators: dict, fmt) -> str:
    name, values = next(iter(series.items()))
    points = [(lbl, v) for lbl, v in zip(labels, values) if v is not None]
    if not points:
        return f"No quarterly values for {ind.title.lower()} yet."
    last_label, last = points[-1]
    when = "at the end of" if name == "At quarter end" else "in"
    text = f"{ind.title}: {fmt(ind, last)} {when} {last_label}"
    if len(points) > 1:
        prev_label, prev = points[-2]
        word = "up from" if last > prev else "down from" if last < prev else "the same as"
        text += f", {word} {fmt(ind, prev)} in {prev_label}"
        lo = min(points, key=lambda p: p[1])
        hi = max(points, key=lambda p: p[1])
        text += (f". Over the {len(points)} quarters shown it ranged from {fmt(ind, lo[1])} ({lo[0]})"
                 f" to {fmt(ind, hi[1])} ({hi[0]})")
    text += "."
    rolling = series.get("12 months to quarter end")
    if rolling and rolling[-1] is not None:
        text += f" In the 12 months to the end of {last_label} it was {fmt(ind, rolling[-1])}."
    latest_bm = {k: next((v for v in reversed(vs) if v is not None), None) for k, vs in comparators.items()}
    latest_bm = {k: v for k, v in latest_bm.items() if v is not None}
    if latest_bm:
        text += " Latest DfE comparators: " + ", ".join(f"{k} {fmt(ind, v)}" for k, v in latest_bm.items()) + "."
    return text


def _disproportionality_sentence(dim_name: str, groups: list[str], series: dict[str, list]) -> str:
    parts = []
    for cohort, shares in series.items():
        shown = [(g, s) for g, s in zip(groups, shares) if s is not None]
        if shown:
            g, s = max(shown, key=lambda p: p[1])
            parts.append(f"{cohort}: {g} is the largest group ({s:.0f}%)")
    return f"By {dim_name.lower()}: " + "; ".join(parts) + "." if parts else f"No {dim_name.lower()} breakdown yet."


# ---- rendering ---------------------------------------------------------------------------------------------------

def render_dashboard(con: duckdb.DuckDBPyConnection, quarter: Quarter, partnership: dict | str,
                     expected_returns: list[dict] | None = None, plotly_js: str | None = None) -> str:
    partnership = {"name": partnership} if isinstance(partnership, str) else partnership
    board = Dashboard(con, quarter, partnership)
    sections = board.sections()
    keys = [q.partition_key for q in board.quarters]
    provenance = Provenance.for_files(quarter.label, data.source_files(con, keys))
    env = make_environment()
    return env.get_template("dashboard/base.html.j2").render(
        partnership=partnership["name"], la=partnership.get("local_authority", ""), region=board.region, quarter=quarter,
        rolling_label=board.rolling_label, quarter_labels=[q.label for q in board.quarters],
        tiles=board.tiles(sections), sections=sections, disproportionality=board.disproportionality(),
        data_quality=board.data_quality(con, expected_returns or []), notes=board.notes,
        provenance=provenance, plotly_js=plotly_js if plotly_js is not None else plotly_bundle(),
    )


def plotly_bundle() -> str:
    """The vendored plotly.js basic bundle (scatter, bar, pie): 1.2 MB instead of the full 4.8 MB."""
    return PLOTLY_BUNDLE.read_text(encoding="utf-8")


def dashboard_path(output_dir: Path, quarter: Quarter) -> Path:
    return output_dir / "dashboard" / f"{quarter.label.replace(' ', '-')}.html"


def write_dashboard(con: duckdb.DuckDBPyConnection, quarter: Quarter, output_dir: Path, partnership: dict | str,
                    expected_returns: list[dict] | None = None) -> Path:
    path = dashboard_path(output_dir, quarter)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, render_dashboard(con, quarter, partnership, expected_returns))
    return path


_PAGE = re.compile(r"^(20\d\d-\d\d)-Q([1-4])\.html$")


def write_index(output_dir: Path, partnership: dict | str) -> Path:
    """index.html: every quarter's dashboard found in the folder, newest first (no plotly, no network)."""
    partnership = {"name": partnership} if isinstance(partnership, str) else partnership
    folder = output_dir / "dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    pages = []
    for f in folder.glob("*.html"):
        if m := _PAGE.match(f.name):
            q = Quarter(FinancialYear.from_label(m.group(1)).start_year, int(m.group(2)))
            pages.append({"quarter": q, "href": f.name, "size_mb": f"{f.stat().st_size / 1e6:.1f}",
                          "written": dt.datetime.fromtimestamp(f.stat().st_mtime).strftime("%-d %B %Y %H:%M")})
    pages.sort(key=lambda p: p["quarter"], reverse=True)
    by_year: dict[str, list] = {}
    for p in pages:
        by_year.setdefault(p["quarter"].year.label, []).append(p)
    path = folder / "index.html"
    html = make_environment().get_template("dashboard/index.html.j2").render(
        partnership=partnership["name"], by_year=by_year, provenance=Provenance(period_label="all quarters"))
    atomic.write_text(path, html)
    return path
