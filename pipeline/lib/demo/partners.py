"""Partner agencies' monthly measures (the multi-agency dataset), one row per measure and month.

Every measure of config/partner_measures.csv is written. A `sum` measure's months add up to the year's
figure in targets.yaml; a `latest` measure's March value is the year-end figure (its other months drift
between the year ends); early-help measures are counted from the early-help cases (list 2), so both
returns agree. Pairs such as `*_in_timescale` / `*_due` keep the numerator within the denominator each month.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import numpy as np

from pipeline.lib.demo.allocate import apportion, split_capped
from pipeline.lib.demo.world import Ctx, month_starts


@dataclass
class MeasureRow:
    agency: str
    code: str
    title: str
    month: dt.date
    value: int
    narrative: str | None = None


def _denominator(code: str, codes: set[str]) -> str | None:
    if code.endswith("_in_timescale"):
        due = code[: -len("_in_timescale")] + "_due"
        return due if due in codes else None
    if code == "police_protection_children" and "police_protection_orders" in codes:
        return "police_protection_orders"  # an order involves at least one child
    return None


def build_partners(ctx: Ctx, eh_monthly: dict, contacts, cla_starts: list[dt.date]) -> list[MeasureRow]:
    rng = ctx.rng("partners")
    measures = ctx.partner_measures
    codes = {m["measure_code"] for m in measures}
    derived = ctx.targets.get("partner_measures_derived", {})
    months = month_starts(ctx.first_day, ctx.last_day)
    base_w = np.array([ctx.shape["month_weights"][(m.month - 4) % 12] for m in months])
    da_by_month = Counter(c.date.replace(day=1) for c in contacts if c.da and c.source == "6")
    police_da = np.array([da_by_month[m] for m in months], dtype=float)
    starts_by_month = Counter(d.replace(day=1) for d in cla_starts)
    iha = np.array([starts_by_month[m] for m in months], dtype=float) + 0.5
    special = {"police_da_notifications": police_da + 1, "health_iha_due": iha}

    values: dict[str, list[int]] = {}
    # Denominators before numerators.
    order = sorted(measures, key=lambda m: _denominator(m["measure_code"], codes) is not None)
    for m in order:
        code = m["measure_code"]
        if code in derived:
            source = derived[code]
            key = {"early_help_open": f"open:{source.get('service')}", "early_help_completed": "completed",
                   "early_help_closed": "closed", "early_help_closed_successful": "closed_successful"}[source["from"]]
            values[code] = [eh_monthly[key][month] for month in months]
            continue
        missing = [fy for fy in ctx.years if code not in ctx.year(fy).get("partners", {})]
        if missing:
            raise ValueError(f"partner measure {code}: no figure in targets.yaml for {missing}")
        if m["aggregation"] == "latest":
            values[code] = _latest_path(ctx, rng, code, months)
            continue
        out: list[int] = []
        for fy in ctx.years:
            idx = [i for i, month in enumerate(months) if ctx.fy_of(month) == fy]
            total = int(ctx.year(fy)["partners"][code])
            w = (special.get(code, base_w)[idx]) * rng.gamma(6.0, 1 / 6.0, len(idx))
            den = _denominator(code, codes)
            if den is None:
                out += apportion(total, w)
            elif code == "police_protection_children":
                orders = [values[den][i] for i in idx]
                out += [o + x for o, x in zip(orders, apportion(total - sum(orders), np.array(orders) + 1e-9))]
            else:
                out += split_capped(rng, total, [values[den][i] for i in idx], w)
        values[code] = out
    # Exploitation: the graded counts never exceed the children at risk.
    if "exploitation_at_risk" in values:
        parts = [c for c in ("exploitation_risk_low", "exploitation_risk_medium", "exploitation_risk_high") if c in values]
        for i in range(len(months)):
            graded = sum(values[c][i] for c in parts)
            values["exploitation_at_risk"][i] = max(values["exploitation_at_risk"][i], graded,
                                                    values.get("exploitation_cse", [0] * len(months))[i])

    notes = ctx.shape["narratives"]
    rows = []
    for m in measures:
        code = m["measure_code"]
        for month, value in zip(months, values[code]):
            note = None
            if rng.random() < 0.12:
                texts = notes.get(code, notes["default"])
                note = texts[int(rng.integers(len(texts)))]
            rows.append(MeasureRow(m["agency"], code, m["title"], month, int(value), note))
    return rows


def _latest_path(ctx: Ctx, rng, code: str, months: list[dt.date]) -> list[int]:
    """Monthly values through anchors: the first month, and each year's March (the year-end figure)."""
    start = ctx.targets.get("partner_latest_start", {}).get(code, ctx.year(ctx.years[0])["partners"][code])
    anchors = {0: int(start)}
    for fy in ctx.years:
        last = max(i for i, month in enumerate(months) if ctx.fy_of(month) == fy)
        anchors[last] = int(ctx.year(fy)["partners"][code])
    keys = sorted(anchors)
    out = []
    for i in range(len(months)):
        if i in anchors:
            out.append(anchors[i])
            continue
        a = max(k for k in keys if k < i)
        b = min(k for k in keys if k > i)
        t = (i - a) / (b - a)
        level = anchors[a] + t * (anchors[b] - anchors[a])
        out.append(max(0, round(level + rng.normal(0, max(0.5, 0.06 * level)))))
    return out
