"""The measure cards: each indicator's figures, change, comparators and RAG, its trend and its breakdowns.

One period per statement: the quarter beside its change on the previous quarter, the 12 months beside their
change on the previous 12 months (mart_comparison's previous value for each window). A window whose returns
were not received says "Not received" (never 0) and leaves a gap in the trend; a partial one says which quarters
it rests on ("partial: Q1-Q3").
"""

from __future__ import annotations

import re

from pipeline.lib.indicators import Indicator
from pipeline.lib.periods import Quarter
from pipeline.lib.render import data, figures
from pipeline.lib.render.env import fmt_count, fmt_value
from pipeline.lib.render.model import NOT_RECEIVED, Card, Chart, Period, Rag, coverage_text, is_missing

UNIT_AXIS = {"count": "Number", "percent": "Per cent", "rate_per_10k": "Per 10,000 children", "ratio": "Ratio",
             "mean": "Mean"}
COMPARATOR_NAMES = {"sn_mean": "statistical neighbours", "sn_median": "statistical neighbours (median)",
                    "england": "England", "region": "the region", "target": "the target"}
_UNIT_SCALE = {"percent": 100.0, "rate_per_10k": 10_000.0}
_OTHER = re.compile(r"^All other .*\((\d[\d,]*)\)$")


class Measures:
    """Builds a Card per indicator from ind_values and mart_comparison, for one quarter."""

    def __init__(self, values: data.ValueIndex, mart: dict[tuple, dict], quarter: Quarter, quarters: list[Quarter],
                 region: str, local_authority: str, chart_limits: dict, neighbours: dict[tuple, list[dict]] | None = None):
        self.quarter = quarter
        self.quarters = quarters
        self.region = region
        self.local_authority = local_authority
        self.rolling_label = f"12 months to {quarter.end:%b %Y}"
        self.chart_limits = chart_limits
        self.values = values
        self.mart = mart
        self.neighbours = neighbours or {}
        self._chart_ids: set[str] = set()

    # -- one indicator ------------------------------------------------------------------------------------------

    def row(self, code: str, period_type: str, label: str) -> dict | None:
        return self.values.totals.get((code, period_type, label))

    def _mart_row(self, code: str, period_type: str, label: str) -> dict | None:
        return self.mart.get((code, period_type, label))

    def fmt(self, ind: Indicator, value) -> str:
        return fmt_value(None if is_missing(value) else value, ind.unit, ind.decimals)

    def detail(self, ind: Indicator, row: dict | None) -> str:
        if row is None or ind.unit not in ("percent", "rate_per_10k") or is_missing(row["denominator"]):
            return ""
        if ind.unit == "percent":
            return f"{fmt_count(row['numerator'])} of {fmt_count(row['denominator'])}"
        return f"{fmt_count(row['numerator'])} children; population {fmt_count(row['denominator'])}"

    def breakdown_dimension(self, code: str) -> str | None:
        return self.values.dimension.get(code)

    def card(self, ind: Indicator, with_breakdown: bool = True) -> Card:
        snapshot = ind.counting_rule == "open_at_period_end"
        q_row = self.row(ind.code, "quarter", self.quarter.label)
        r_row = self.row(ind.code, "rolling_12m", self.rolling_label)
        card = Card(ind=ind, available=q_row is not None or r_row is not None, snapshot=snapshot,
                    quarter=self._period(ind, q_row, "quarter", self.quarter.label),
                    rolling=self._period(ind, r_row, "rolling_12m", self.rolling_label))
        if not card.available:
            return card
        card.sources = str((r_row if r_row is not None else q_row).get("sources") or "")
        self._benchmark(card)
        card.chart = self._trend_chart(card)
        card.trend = self.series(ind, "quarter" if snapshot else "rolling_12m")[0]
        if with_breakdown and (chart := self.breakdown_chart(ind)) is not None:
            card.breakdowns.append(chart)
        return card

    def _period(self, ind: Indicator, row: dict | None, period_type: str, label: str) -> Period:
        period = Period(label=label)
        if row is None:
            return period
        period.status = str(row.get("status") or "complete")
        if period.status == "not_received":
            period.value = NOT_RECEIVED
            return period
        if is_missing(row["value"]):            # received, but nothing to count or divide by: no value, not 0
            period.value = "-"
            return period
        period.value = self.fmt(ind, row["value"])
        period.number = float(row["value"])
        period.detail = self.detail(ind, row)
        if period.status == "partial":
            period.partial = coverage_text(row.get("coverage"), self.quarter.year.label)
        mart = self._mart_row(ind.code, period_type, label)
        if mart is None or is_missing(mart.get("previous_value")):
            return period
        current, previous = float(mart["value"]), float(mart["previous_value"])
        period.previous_label = str(mart.get("previous_label") or "")
        period.previous_value = self.fmt(ind, previous)
        direction = mart.get("direction")
        if not isinstance(direction, str):          # the mart gives none where a window is not complete
            return period
        period.direction = direction
        period.travel = mart.get("travel") if isinstance(mart.get("travel"), str) else "not applicable"
        diff, on = current - previous, period.previous_label
        if direction == "same" or diff == 0:
            period.change_text = f"No change on {on}"
        elif ind.unit == "percent":
            period.change_text = f"{'Up' if diff > 0 else 'Down'} {abs(diff):.{ind.decimals}f} percentage points on {on}"
        else:
            rel = f" ({abs(diff) / abs(previous):.0%})" if previous else ""
            period.change_text = f"{'Up' if diff > 0 else 'Down'} {fmt_value(abs(diff), ind.unit, ind.decimals)}{rel} on {on}"
        return period

    def _benchmark(self, card: Card) -> None:
        """Comparators and RAG from mart_comparison for the card's headline window (the mart owns the rule)."""
        ind = card.ind
        period_type, label = ("quarter", self.quarter.label) if card.snapshot else ("rolling_12m", self.rolling_label)
        mart = self._mart_row(ind.code, period_type, label)
        if mart is None:
            card.benchmark_note = "No comparison row in mart_comparison for this window."
            return
        against = (ind.rag or {}).get("against")
        value_of = {"sn_mean": mart.get("sn_mean"), "sn_median": mart.get("sn_median"), "england": mart.get("england"),
                    "region": mart.get("region_value"), "target": (ind.rag or {}).get("target")}
        comparator = value_of.get(against) if against else None
        card.rag = Rag(mart.get("rag") if isinstance(mart.get("rag"), str) else None,
                       str(mart.get("rag_label") or "Not rated"), str(mart.get("rag_basis") or ""),
                       comparator="" if is_missing(comparator) else self.fmt(ind, comparator),
                       comparator_name=COMPARATOR_NAMES.get(against, "") if against else "")
        if is_missing(mart.get("benchmark_year")):
            card.benchmark_note = "DfE publishes no comparable figure."
            return
        card.benchmarks = [
            {"name": "England", "value": self.fmt(ind, mart.get("england"))},
            {"name": str(mart.get("region_name") or self.region), "value": self.fmt(ind, mart.get("region_value"))},
            {"name": "Statistical neighbours (mean)", "value": self.fmt(ind, mart.get("sn_mean"))},
            {"name": f"{self.local_authority or 'LA'} as published by DfE", "value": self.fmt(ind, mart.get("la_published"))},
        ]
        card.comparators = {"england": self.fmt(ind, mart.get("england")),
                            "region": self.fmt(ind, mart.get("region_value")), "sn": self.fmt(ind, mart.get("sn_mean"))}
        card.benchmark_note = f"DfE {mart.get('benchmark_year')}, release {mart.get('benchmark_release')}"
        if mart.get("benchmark_comparable") is False or str(mart.get("benchmark_comparable")) == "False":
            card.benchmark_note += " (not compared: " + (card.rag.basis or "this window is not DfE's year") + ")"
        if not is_missing(mart.get("national_rank")) and not is_missing(mart.get("ranked_of")):
            card.rank_text = f"{int(mart['national_rank'])} of {int(mart['ranked_of'])}"
        card.quartile = mart.get("quartile") if isinstance(mart.get("quartile"), str) else None
        card.neighbours = self._neighbour_chart(ind, mart)

    def _neighbour_chart(self, ind: Indicator, mart: dict) -> Chart | None:
        """LAIT's statistical-neighbour chart: a bar per neighbour with its value as DfE published it, ours as DfE
        published it highlighted, and the neighbours' mean; for rates and percentages only (a count is a size)."""
        year = mart.get("benchmark_year")
        rows = self.neighbours.get((ind.benchmark, year)) if ind.unit in ("percent", "rate_per_10k") else None
        if not rows:
            return None
        la = self.local_authority or "Our area"
        bars = [(str(r["neighbour_name"]), None if is_missing(r["value_num"]) else float(r["value_num"]), "neighbour",
                 str(r["status"])) for r in rows]
        if not is_missing(mart.get("la_published")):
            bars.append((la, float(mart["la_published"]), "la", "ok"))
        if not is_missing(mart.get("sn_mean")):
            bars.append(("Statistical neighbours (mean)", float(mart["sn_mean"]), "mean", "ok"))
        bars.sort(key=lambda b: (b[1] is None, -(b[1] or 0.0)))       # highest first, no value last
        fmt = f",.{ind.decimals}f"
        fig = figures.neighbour_bars([b[0] for b in bars], [b[1] for b in bars], [b[2] for b in bars],
                                     UNIT_AXIS.get(ind.unit, ""), fmt)
        table = [[name, self.fmt(ind, v) if v is not None else f"no value ({status})"] for name, v, _, status in bars]
        with_value = [b for b in bars if b[2] == "neighbour" and b[1] is not None]
        summary = f"{ind.title}, DfE {year}: the {len(rows)} statistical neighbours"
        if with_value:
            hi, lo = max(with_value, key=lambda b: b[1]), min(with_value, key=lambda b: b[1])
            summary += f" ranged from {self.fmt(ind, lo[1])} ({lo[0]}) to {self.fmt(ind, hi[1])} ({hi[0]})"
        if not is_missing(mart.get("sn_mean")):
            summary += f", mean {self.fmt(ind, mart['sn_mean'])}"
        if not is_missing(mart.get("la_published")):
            higher = sum(1 for b in with_value if b[1] > float(mart["la_published"]))
            summary += f"; {la} {self.fmt(ind, mart['la_published'])}, {higher} of them higher"
        missing = [b[0] for b in bars if b[1] is None]
        if missing:
            summary += f"; no published value for {', '.join(missing)}"
        return Chart(self.chart_id(f"neighbours-{ind.code}"), fig, summary + ".", ["Local authority", UNIT_AXIS.get(ind.unit, "Value")],
                     table, f"{ind.title}: statistical neighbours, DfE {year}")

    # -- charts ---------------------------------------------------------------------------------------------------

    def chart_id(self, base: str) -> str:
        cid = re.sub(r"[^a-z0-9-]", "-", base.lower())
        while cid in self._chart_ids:
            cid += "-x"
        self._chart_ids.add(cid)
        return cid

    def series(self, ind: Indicator, period_type: str) -> tuple[list[float | None], list[str]]:
        """Values aligned with self.quarters (None where not received or absent) and each quarter's status."""
        by_key = self.values.by_quarter.get((ind.code, period_type), {})
        values, statuses = [], []
        for q in self.quarters:
            row = by_key.get(q.partition_key)
            v, s = (None, "absent") if row is None else (row["value"], row["status"])
            values.append(None if is_missing(v) or s == "not_received" else float(v))
            statuses.append(str(s or "complete"))
        return values, statuses

    def _trend_chart(self, card: Card) -> Chart | None:
        ind = card.ind
        labels = [q.label for q in self.quarters]
        qs, q_status = self.series(ind, "quarter")
        rs, r_status = self.series(ind, "rolling_12m")
        if all(s == "absent" for s in q_status + r_status):
            return None
        series = {("At quarter end" if card.snapshot else "This quarter"): (qs, q_status)}
        if not card.snapshot and any(s != "absent" for s in r_status):
            series["12 months to quarter end"] = (rs, r_status)
        comparators = self._comparator_series(ind, labels) if ind.unit != "count" else {}
        fmt = ",.0f" if ind.unit == "count" else f",.{ind.decimals}f"
        fig = figures.indicator_trend(labels, {k: v for k, (v, _) in series.items()}, comparators,
                                      UNIT_AXIS.get(ind.unit, ""), fmt)
        shown = [k for k, v in comparators.items() if any(x is not None for x in v)]
        columns = ["Quarter", *series.keys(), *shown]
        rows = []
        for i, label in enumerate(labels):
            cells = [label] + [self._cell(ind, vs[i], st[i]) for vs, st in series.values()]
            cells += [self.fmt(ind, comparators[k][i]) for k in shown]
            rows.append(cells)
        summary = trend_sentence(ind, labels, {k: v for k, (v, _) in series.items()},
                                 {k: comparators[k] for k in shown}, self.fmt, next(iter(series.values()))[1])
        return Chart(self.chart_id(f"chart-{ind.code}"), fig, summary, columns, rows, f"{ind.title} by quarter")

    def _cell(self, ind: Indicator, value, status: str) -> str:
        if status == "not_received":
            return NOT_RECEIVED
        text = self.fmt(ind, value)
        return f"{text} (partial)" if status == "partial" else text

    def _comparator_series(self, ind: Indicator, labels: list[str]) -> dict[str, list]:
        """DfE's yearly figures placed at the Q4 of their year: the 12 months to March are DfE's year."""
        out: dict[str, list] = {"England": [], self.region: [], "Statistical neighbours": []}
        for label in labels:
            q = Quarter.from_label(label)
            r = self.mart.get((ind.code, "year", q.year.label)) if q.number == 4 else None
            triple = (r.get("england"), r.get("region_value"), r.get("sn_mean")) if r else None
            for key, v in zip(out, triple or (None, None, None)):
                out[key].append(None if is_missing(v) else float(v))
        return out if any(v is not None for vs in out.values() for v in vs) else {}

    def breakdown_rows(self, ind: Indicator) -> tuple[list[dict], str]:
        """The breakdown for the quarter's end (snapshots) or the 12 months to it, falling back to the quarter."""
        order = [("quarter", self.quarter.label)] if ind.counting_rule == "open_at_period_end" else [
            ("rolling_12m", self.rolling_label), ("quarter", self.quarter.label)]
        for period_type, label in order:
            rows = self.values.parts.get((ind.code, period_type, label), [])
            if rows:
                when = (f"at {self.quarter.end:%-d %B %Y}" if period_type == "quarter" and ind.counting_rule == "open_at_period_end"
                        else ("in the " + label if period_type == "rolling_12m" else f"in {label}"))
                return rows, when
        return [], ""

    def chart_limit(self, ind: Indicator, breakdown: str) -> int:
        per = self.chart_limits.get("charts", {}) or {}
        return int(per.get(ind.code, per.get(breakdown, self.chart_limits.get("chart_categories", 12))))

    def breakdown_chart(self, ind: Indicator) -> Chart | None:
        rows, when = self.breakdown_rows(ind)
        if not rows:
            return None
        dim_key = str(rows[0]["breakdown"])
        dim = dim_key.replace("_", " ")
        rows = limit_rows(rows, ind.unit, self.chart_limit(ind, dim_key), dim)
        if dim_key == "month":
            rows = sorted(rows, key=lambda r: str(r["breakdown_value"]))
        groups = [str(r["breakdown_value"]) for r in rows]
        counts = [None if is_missing(r["numerator"]) else float(r["numerator"]) for r in rows]
        values = [None if is_missing(r["value"]) else float(r["value"]) for r in rows]
        as_count = ind.unit == "count"
        plotted = counts if as_count else values
        axis = "Number" if as_count else UNIT_AXIS.get(ind.unit, "")
        fig = figures.breakdown_bars(groups, plotted, axis, ",.0f" if as_count else f",.{ind.decimals}f")
        columns = [dim.capitalize(), "Number"] + ([] if as_count else [UNIT_AXIS.get(ind.unit, "Value")])
        table = [[g, fmt_count(c)] + ([] if as_count else [self.fmt(ind, v)]) for g, c, v in zip(groups, counts, values)]
        top = max(range(len(groups)), key=lambda i: (plotted[i] or 0))
        summary = (f"{ind.title} {when}: the largest group was {groups[top]} with {fmt_count(counts[top])}"
                   + ("." if as_count else f" ({self.fmt(ind, values[top])})."))
        return Chart(self.chart_id(f"breakdown-{ind.code}"), fig, summary, columns, table,
                     f"{ind.title} by {dim} {when}")


def limit_rows(rows: list[dict], unit: str, limit: int, dim: str) -> list[dict]:
    """At most `limit` categories: the largest (rows come largest first), then one 'All other <dim> (n)' row
    adding up the rest.

    An 'All other ... (n)' row the indicators already made counts as its n categories. The other row's value is
    recomputed in the indicator's unit: a share of one total keeps that total; a mean or ratio adds both sides.
    """
    if len(rows) <= limit:
        return rows
    ordered = sorted(rows, key=lambda r: bool(_OTHER.match(str(r["breakdown_value"]))))  # stable: size order kept
    keep, rest = ordered[:limit], ordered[limit:]
    n_cats = sum(int(m.group(1).replace(",", "")) if (m := _OTHER.match(str(r["breakdown_value"]))) else 1 for r in rest)
    nums = [r["numerator"] for r in rest if not is_missing(r["numerator"])]
    numerator = float(sum(nums)) if nums else None
    dens = [float(r["denominator"]) for r in rest if not is_missing(r["denominator"])]
    scale = _UNIT_SCALE.get(unit, 1.0)
    if unit == "count" or not dens:
        denominator, value = None, numerator
    else:
        # shares of one total (a percent breakdown) keep it; a mean's or ratio's weighted sums add up
        denominator = dens[0] if len(set(dens)) == 1 else sum(dens)
        value = scale * numerator / denominator if denominator and numerator is not None else None
    other = {**rest[0], "breakdown_value": f"All other {dim} ({n_cats:,})", "numerator": numerator,
             "denominator": denominator, "value": value}
    return [*keep, other]


def trend_sentence(ind: Indicator, labels, series: dict, comparators: dict, fmt, statuses: list[str]) -> str:
    """What the trend shows, in words; `statuses` are the first line's (a gap is 'not received' only if it was)."""
    name, values = next(iter(series.items()))
    points = [(lbl, v) for lbl, v in zip(labels, values) if v is not None]
    if not points:
        why = ("the returns it rests on were not received" if all(st == "not_received" for st in statuses if st != "absent")
               else "nothing to count in the returns received")
        return f"No quarterly values for {ind.title.lower()} yet: {why}."
    last_label, last = points[-1]
    when = "at the end of" if name == "At quarter end" else "in"
    text = f"{ind.title}: {fmt(ind, last)} {when} {last_label}"
    if last_label != labels[-1]:
        why = "not received" if statuses[-1] == "not_received" else "no value"
        text = f"{ind.title}: {why} for {labels[-1]}; {fmt(ind, last)} {when} {last_label}"
    if len(points) > 1:
        prev_label, prev = points[-2]
        word = "up from" if last > prev else "down from" if last < prev else "the same as"
        text += f", {word} {fmt(ind, prev)} in {prev_label}"
        lo = min(points, key=lambda p: p[1])
        hi = max(points, key=lambda p: p[1])
        text += (f". Over the {len(points)} quarters with a value it ranged from {fmt(ind, lo[1])} ({lo[0]})"
                 f" to {fmt(ind, hi[1])} ({hi[0]})")
    text += "."
    missing = [lbl for lbl, v, st in zip(labels, values, statuses) if v is None and st == "not_received"]
    if missing:
        text += f" Not received: {', '.join(missing)}."
    rolling = series.get("12 months to quarter end")
    if rolling and rolling[-1] is not None:
        text += f" In the 12 months to the end of {labels[-1]} it was {fmt(ind, rolling[-1])}."
    latest_bm = {k: next((v for v in reversed(vs) if v is not None), None) for k, vs in comparators.items()}
    latest_bm = {k: v for k, v in latest_bm.items() if v is not None}
    if latest_bm:
        text += " Latest DfE comparators: " + ", ".join(f"{k} {fmt(ind, v)}" for k, v in latest_bm.items()) + "."
    return text
