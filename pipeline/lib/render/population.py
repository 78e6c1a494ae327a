"""Who the children are: each cohort's shares by ethnicity, gender, age band and disability, small numbers
suppressed as DfE does (pipeline.lib.sdc), the table and the chart hiding the same cells."""

from __future__ import annotations

import pandas as pd

from pipeline.lib import sdc
from pipeline.lib.indicators import Indicator
from pipeline.lib.render import figures
from pipeline.lib.render.measures import Measures
from pipeline.lib.render.model import Chart, is_missing

DEMOGRAPHIC_DIMENSIONS = {"ethnicity_group": "Ethnicity", "ethnicity": "Ethnicity", "gender": "Gender",
                          "age_band": "Age band", "disability": "Disability"}
# Cohorts compared: catalogue code prefix -> (name, rate indicator).
COHORTS = {"cin": ("Children in need", "cin_rate_10k"), "cpp": ("Child protection plans", "cpp_rate_10k"),
           "cla": ("Children in care", "cla_rate_10k"), "eh": ("Early help", None)}


def suppressed_breakdowns(groups: list[str], cohorts: dict[str, tuple[list, float]]
                          ) -> dict[str, tuple[list[str], list[str], list[float | None]]]:
    """Each cohort's breakdown as it may be shown: cohort -> (count texts, share texts, shares for the chart).

    pipeline.lib.sdc applies DfE's rule: counts 1-5 show as 'c'; if that leaves one hidden cell in the
    breakdown-plus-total margin, the next smallest is hidden too; a share built on a hidden count is 'c'.
    All cohorts of one dimension go through one call (each is its own column with its own total).
    """
    frame = pd.DataFrame(index=[*groups, "__total__"])
    pct = {}
    for k, (name, (counts, total)) in enumerate(cohorts.items()):
        n = [*[None if is_missing(c) else float(c) for c in counts], total]
        frame[f"n{k}"] = pd.Series(n, index=frame.index, dtype="float")
        frame[f"s{k}"] = [100 * c / total if total and c is not None else float("nan") for c in n]
        pct[f"s{k}"] = f"n{k}"
    out = sdc.suppress_counts(frame, [f"n{k}" for k in range(len(cohorts))], total_row="__total__", pct_cols=pct,
                              pct_decimals=0).drop(index="__total__")
    return {name: (list(out[f"n{k}_published"]), list(out[f"s{k}_published"]),
                   [None if is_missing(v) else float(v) for v in out[f"s{k}"]])
            for k, name in enumerate(cohorts)}


def is_demographic(measures: Measures, ind: Indicator) -> bool:
    return measures.breakdown_dimension(ind.code) in DEMOGRAPHIC_DIMENSIONS


def _sentence(dim_name: str, groups: list[str], series: dict[str, list]) -> str:
    parts = []
    for cohort, shares in series.items():
        shown = [(g, s) for g, s in zip(groups, shares) if s is not None]
        if shown:
            g, s = max(shown, key=lambda p: p[1])
            parts.append(f"{cohort}: {g} is the largest group ({s:.0f}%)")
    return f"By {dim_name.lower()}: " + "; ".join(parts) + "." if parts else f"No {dim_name.lower()} breakdown yet."


def disproportionality(measures: Measures, catalogue: list[Indicator]) -> dict:
    tables = []
    # both spellings of ethnicity are listed; only the one the data uses finds any rows
    for dim_key, dim_name in DEMOGRAPHIC_DIMENSIONS.items():
        cohorts = []
        for prefix, (cohort_name, _rate) in COHORTS.items():
            ind = next((i for i in catalogue if i.code.startswith(prefix + "_by_")
                        and measures.breakdown_dimension(i.code) == dim_key), None)
            if ind is None:
                continue
            rows, _when = measures.breakdown_rows(ind)
            if rows:
                cohorts.append((cohort_name, rows))
        if not cohorts:
            continue
        groups = list(dict.fromkeys(str(r["breakdown_value"]) for _, rows in cohorts for r in rows))
        columns = [dim_name]
        cells: dict[str, list[str]] = {g: [g] for g in groups}
        fig_series = {}
        inputs = {}
        for cohort_name, rows in cohorts:
            by_group = {str(r["breakdown_value"]): r for r in rows}
            counts = [by_group[g]["numerator"] if g in by_group else None for g in groups]
            total = next((r["denominator"] for r in by_group.values() if not is_missing(r["denominator"])), None)
            if total is None:
                total = sum(c for c in counts if not is_missing(c))
            inputs[cohort_name] = (counts, float(total))
        for cohort_name, (n_text, share_text, shares) in suppressed_breakdowns(groups, inputs).items():
            for g, n, sh in zip(groups, n_text, share_text):
                cells[g] += [n, sh]
            columns += [f"{cohort_name}: number", f"{cohort_name}: share"]
            fig_series[cohort_name] = shares
        tables.append(Chart(measures.chart_id(f"disp-{dim_key}"), figures.cohort_shares(groups, fig_series),
                            _sentence(dim_name, groups, fig_series), columns, [cells[g] for g in groups],
                            f"Children by {dim_name.lower()}, share of each cohort"))
    rates = []
    by_code = {i.code: i for i in catalogue}
    for cohort_name, rate_code in COHORTS.values():
        ind = by_code.get(rate_code) if rate_code else None
        row = measures.row(rate_code, "quarter", measures.quarter.label) if ind else None
        if row is not None and not is_missing(row["value"]):
            rates.append({"cohort": cohort_name, "value": measures.fmt(ind, row["value"]),
                          "detail": measures.detail(ind, row)})
    return {"tables": tables, "rates": rates, "when": f"{measures.quarter.end:%-d %B %Y}"}
