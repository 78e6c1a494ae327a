"""A small hand-built warehouse for the dashboard's own tests: fast, and independent of the demo generator.

It holds what the dashboard reads, in the shapes docs/contracts.md gives: ind_values for every catalogue
indicator over 8 quarters (with demographic breakdowns for the *_by_* indicators), bm_comparators rows for
the benchmarked indicators, and the intake's log tables with an agency name and a file name that carry HTML,
so the tests can prove that agency text is escaped. Every table the dashboard requires is built unless a test
leaves it out (`without=`), to prove that a missing table is an error.

`empty_last_quarter=True` makes the last quarter's returns not received: its quarter rows have no value (status
'not_received', no breakdowns), its 12-month and year windows are 'partial' over the three quarters before (a
snapshot measure, which needs the window's last quarter, is 'not_received' in every window).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.lib.indicators import VALUE_COLUMNS, load_catalogue
from pipeline.lib.periods import Quarter

QUARTERS = [Quarter(2021, n) for n in range(1, 5)] + [Quarter(2022, n) for n in range(1, 5)]
HOSTILE_AGENCY = "Police <script>alert('x')</script> & Co"
HOSTILE_FILE = "annex_a <img src=x onerror=alert(1)>.xlsx"
DIMENSIONS = {"gender": ["Male", "Female", "Unborn"],
              "ethnicity_group": ["White British", "Mixed", "Asian or Asian British", "Black or Black British", "Other"],
              "age_band": ["Under 1", "1-4", "5-9", "10-15", "16-17"],
              "disability": ["Disabled", "Not disabled"],
              "source_group": ["Police", "Education", "Health", "Individual", "Other"],
              "month": ["Month 1", "Month 2", "Month 3"],
              "category": ["Neglect", "Emotional abuse", "Physical abuse", "Sexual abuse"],
              "placement_group": ["External foster", "Internal foster", "Connected carers", "Placed with parents"],
              "duration_band": ["Under 3 months", "3-6 months", "6-12 months", "Over 1 year"],
              "course": ["Core Working Together (CWT)", "Thresholds", "Hidden Men"],
              "report_age_band": ["0-4", "5-11", "12-16", "17+"]}


def _dimension(code: str) -> str | None:
    for suffix, dim in (("_by_gender", "gender"), ("_by_ethnicity", "ethnicity_group"), ("_by_age_band", "age_band"),
                        ("_by_disability", "disability"), ("_by_source", "source_group"), ("_by_month", "month"),
                        ("_by_category", "category"), ("_by_placement_group", "placement_group"),
                        ("_duration_band", "duration_band"), ("_report_age_band", "report_age_band")):
        if code.endswith(suffix):
            return dim
    return None


def _base(code: str) -> float:
    return 50 + int(hashlib.sha256(code.encode()).hexdigest()[:6], 16) % 900


def _status(ind, q: Quarter, period_type: str, empty_last: bool) -> tuple[str, str, str]:
    """(status, coverage, missing_quarters) of the window ending with quarter q."""
    window = [q] if period_type == "quarter" else [q.previous().previous().previous(), q.previous().previous(),
                                                   q.previous(), q]
    if not empty_last or q != QUARTERS[-1]:
        return "complete", ", ".join(w.label for w in window), ""
    if period_type == "quarter" or ind.counting_rule == "open_at_period_end":
        return "not_received", "", q.label
    return "partial", ", ".join(w.label for w in window[:-1]), q.label


def value_rows(empty_last_quarter: bool = False) -> pd.DataFrame:
    rows = []
    for ind in load_catalogue():
        base = _base(ind.code)
        dim = _dimension(ind.code)
        for i, q in enumerate(QUARTERS):
            start, end = q.rolling_year()
            windows = [("quarter", q.label, q.start, q.end, 1), ("rolling_12m", f"12 months to {q.end:%b %Y}", start, end, 4)]
            if q.number == 4:
                windows.append(("year", q.year.label, q.year.start, q.year.end, 4))
            for period_type, label, p_start, p_end, scale in windows:
                status, coverage, missing = _status(ind, q, period_type, empty_last_quarter)
                common = {"indicator_code": ind.code, "period_type": period_type, "period_label": label, "period_start": p_start,
                          "period_end": p_end, "quarter_key": q.partition_key, "unit": ind.unit, "population_year": 2021,
                          "status": status, "coverage": coverage, "missing_quarters": missing,
                          "sources": ", ".join(ind.sources), "disclosure": ind.disclosure}
                if status == "not_received":
                    rows.append({**common, "breakdown": "total", "breakdown_value": None, "numerator": None,
                                 "denominator": None, "value": None})
                    continue
                num = round(base * scale * (1 + 0.03 * i))
                if dim:
                    groups = DIMENSIONS[dim]
                    total = num
                    # the last group is small (1-5) so that suppression shows
                    counts = [max(total // (2 + k), 6) for k in range(len(groups) - 1)] + [3]
                    for g, n in zip(groups, counts):
                        value = 100 * n / total if ind.unit == "percent" else n
                        rows.append({**common, "breakdown": dim, "breakdown_value": g, "numerator": n,
                                     "denominator": total, "value": value})
                    rows.append({**common, "breakdown": "total", "breakdown_value": None, "numerator": total,
                                 "denominator": None, "value": total if ind.unit != "percent" else 100.0})
                    continue
                if ind.unit == "percent":
                    den = num * 3
                    value = 100 * num / den + i
                    num = round(value * den / 100)
                elif ind.unit == "rate_per_10k":
                    den = 85_920
                    value = 10_000 * num / den
                elif ind.unit in ("ratio", "mean"):
                    den = num // 2
                    value = num / den
                else:
                    den, value = None, num
                rows.append({**common, "breakdown": "total", "breakdown_value": None, "numerator": num,
                             "denominator": den, "value": value})
    return pd.DataFrame(rows, columns=VALUE_COLUMNS)


def comparator_rows(values: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for ind in load_catalogue():
        if not ind.benchmark:
            continue
        for year in ("2021-22", "2022-23"):
            la = values[(values.indicator_code == ind.code) & (values.period_type == "year")
                        & (values.period_label == year) & (values.breakdown == "total")]["value"]
            v = float(la.iloc[0]) if len(la) else None
            rows.append({"indicator_code": ind.benchmark, "label": ind.title, "year_label": year,
                         "time_period": int(year[:4]) + 1, "year_type": "financial", "la_value": v,
                         "england": v * 0.9 if v else None, "region_name": "West Midlands",
                         "region_value": v * 1.05 if v else None, "sn_model": "april_2021",
                         "sn_mean": v * 1.1 if v else None, "sn_value": v * 1.1 if v else None, "sn_count": 10,
                         "national_rank": 40, "ranked_of": 152, "quartile": "B", "polarity": ind.polarity,
                         "unit": ind.unit, "decimals": ind.decimals, "release": f"EES {int(year[:4]) + 2}",
                         "release_date": dt.date(int(year[:4]) + 2, 11, 1)})
    return pd.DataFrame(rows)


NEIGHBOURS = ["Wolverhampton", "Walsall", "Birmingham", "Derby", "Coventry", "Nottingham", "Peterborough",
              "Stoke-on-Trent", "Luton", "Blackburn with Darwen"]


def neighbour_rows(comparators: pd.DataFrame) -> pd.DataFrame:
    """Ten neighbours per comparator row, 0.82 to 1.18 times its sn_mean; in 2021-22 (the synthetic mart's
    benchmark year) the tenth is published as 'c' (a symbol, not a number)."""
    rows = []
    for c in comparators.itertuples():
        for k, name in enumerate(NEIGHBOURS):
            value = None if c.sn_mean is None or pd.isna(c.sn_mean) else c.sn_mean * (0.82 + 0.04 * k)
            withheld = k == 9 and c.year_label == "2021-22"
            rows.append({"indicator_code": c.indicator_code, "year_label": c.year_label, "sn_model": c.sn_model,
                         "neighbour_order": k + 1, "neighbour_dfe_code": str(330 + k), "neighbour_name": name,
                         "value_num": None if withheld else value, "status": "c" if withheld else "ok"})
    return pd.DataFrame(rows)


def mart_rows(values: pd.DataFrame) -> pd.DataFrame:
    """mart_comparison in the contract's shape for the total rows, rated so every RAG status appears."""
    cat = {i.code: i for i in load_catalogue()}
    tot = values[values["breakdown"] == "total"].sort_values("quarter_key")
    rows = []
    for (code, period_type), g in tot.groupby(["indicator_code", "period_type"]):
        ind = cat[code]
        back = 4 if period_type == "rolling_12m" else 1      # the previous 12 months; the previous quarter or year
        records = list(g.to_dict("records"))
        for n, r in enumerate(records):
            before = records[n - back] if n >= back else None
            prev = None if before is None or pd.isna(before["value"]) else before["value"]
            complete = r["status"] == "complete" and (before is None or before["status"] == "complete")
            rag = ["green", "amber", "red"][len(rows) % 3] if ind.benchmark and r["status"] == "complete" else None
            compare = complete and prev is not None and not pd.isna(r["value"])
            rows.append({"indicator_code": code, "title": ind.title, "section": ind.section, "unit": ind.unit,
                         "decimals": ind.decimals, "polarity": ind.polarity, "period_type": period_type,
                         "period_label": r["period_label"], "quarter_key": r["quarter_key"], "period_end": r["period_end"],
                         "value": r["value"], "numerator": r["numerator"], "denominator": r["denominator"],
                         "suppressed": False, "previous_label": None if before is None else before["period_label"],
                         "previous_value": prev, "change": r["value"] - prev if compare else None,
                         "direction": None if not compare else ("up" if r["value"] > prev else "down" if r["value"] < prev else "same"),
                         "travel": "not applicable" if not compare or ind.polarity == "neutral" else "improving",
                         "benchmark_year": "2021-22" if ind.benchmark else None,
                         "benchmark_release": "EES 2022" if ind.benchmark else None,
                         "la_published": r["value"] if ind.benchmark else None,
                         "england": r["value"] * 0.9 if ind.benchmark else None, "region_name": "West Midlands",
                         "region_value": r["value"] * 1.05 if ind.benchmark else None, "sn_model": "april_2021",
                         "sn_mean": r["value"] * 1.1 if ind.benchmark else None, "sn_median": None, "sn_count": 10,
                         "national_rank": 12 if ind.benchmark else None, "ranked_of": 150 if ind.benchmark else None,
                         "quartile": "A" if ind.benchmark else None, "gap_to_england": None, "gap_to_region": None,
                         "gap_to_sn": None, "rag": rag, "rag_label": {"green": "Better than statistical neighbours",
                         "amber": "Close to statistical neighbours", "red": "Worse than statistical neighbours"}.get(rag),
                         "rag_basis": "synthetic" if r["status"] == "complete" else f"Partial: rests on {r['coverage']}",
                         "reconciliation_diff": None, "benchmark_code": ind.benchmark,
                         "benchmark_comparable": r["status"] == "complete", "status": r["status"],
                         "coverage": r["coverage"], "missing_quarters": r["missing_quarters"],
                         "disclosure": r["disclosure"]})
    return pd.DataFrame(rows)


def log_rows(quarter: Quarter) -> dict[str, pd.DataFrame]:
    key = quarter.partition_key
    files = pd.DataFrame([
        {"file_id": "f1", "period_key": key, "period_label": quarter.label, "relative_path": f"{quarter.folder}/{HOSTILE_FILE}",
         "file_name": HOSTILE_FILE, "sha256": "a" * 64, "size_bytes": 1000, "modified_at": dt.datetime(2023, 4, 10),
         "return_type": "annex_a", "agency": HOSTILE_AGENCY, "status": "loaded", "rule": None, "message": None,
         "present": True, "is_current": True},
        {"file_id": "f2", "period_key": key, "period_label": quarter.label, "relative_path": f"{quarter.folder}/training.xlsx",
         "file_name": "training.xlsx", "sha256": "b" * 64, "size_bytes": 900, "modified_at": dt.datetime(2023, 4, 12),
         "return_type": "training_uptake", "agency": "Learning and development", "status": "loaded", "rule": None,
         "message": None, "present": True, "is_current": True},
    ])
    sheets = pd.DataFrame([
        {"file_id": "f1", "period_key": key, "sheet_key": "contacts", "sheet_title": "List 1: contacts", "sheet_name": "List 1",
         "header_row": 1, "rows_read": 120, "rows_loaded": 117, "rows_quarantined": 3, "rows_outside_period": 0,
         "blank_rows": 0, "status": "loaded"},
        {"file_id": "f2", "period_key": key, "sheet_key": "courses", "sheet_title": "Courses", "sheet_name": "Courses",
         "header_row": 1, "rows_read": 20, "rows_loaded": 20, "rows_quarantined": 0, "rows_outside_period": 0,
         "blank_rows": 1, "status": "loaded"},
    ])
    issues = pd.DataFrame([
        {"file_id": "f1", "period_key": key, "file_name": HOSTILE_FILE, "agency": HOSTILE_AGENCY, "sheet_name": "List 1",
         "source_row": r, "column_name": "Date of Contact", "value": "31/02/2023", "rule": "date_invalid",
         "severity": "error", "message": "<b>Not a date</b>"} for r in (5, 9, 11)])
    return {"raw_files": files, "raw_sheets": sheets, "raw_issues": issues}


def build(path: Path, *, without: tuple[str, ...] = (), empty_last_quarter: bool = False,
          values: pd.DataFrame | None = None) -> Path:
    """The warehouse at `path`: every table the dashboard reads, except those named in `without`."""
    values = value_rows(empty_last_quarter) if values is None else values
    with duckdb.connect(str(path)) as con:
        con.register("v", values)
        if "ind_values" not in without:
            con.execute("create table ind_values as select * from v")
        comparators = comparator_rows(values)
        if "bm_comparators" not in without:
            con.register("c", comparators)
            con.execute("create table bm_comparators as select * from c")
        if "bm_neighbour_values" not in without:
            con.register("n", neighbour_rows(comparators))
            con.execute("create table bm_neighbour_values as select * from n")
        for table, frame in log_rows(QUARTERS[-1]).items():
            if table not in without:
                con.register("t", frame)
                con.execute(f"create table {table} as select * from t")
                con.unregister("t")
        if "mart_reconciliation" not in without:
            con.execute("""create table mart_reconciliation as select * from (values
                ('dfe_published', 'referrals_total', 'Pipeline against DfE published', 'year', '2022-23', '2022-23-Q4',
                 date '2023-03-31', 'pipeline', 4194.0, 'DfE published', 4190.0, 4.0, 0.0, 0.0, true, 'beyond tolerance'),
                ('missing_episodes_vs_annex_a', 'missing_episodes', 'Missing episodes against Annex A', 'quarter',
                 '2022-23 Q4', '2022-23-Q4', date '2023-03-31', 'pipeline', 420.0, 'Annex A', 420.0, 0.0, 0.0, 0.0,
                 false, 'agrees'))
                t(check_code, indicator_code, check_title, period_type, period_label, quarter_key, period_end,
                  pipeline_label, pipeline_value, compared_label, compared_value, difference, tolerance,
                  tolerance_relative, beyond_tolerance, status)""")
        if "mart_comparison" not in without:
            con.register("m", mart_rows(values))
            con.execute("create table mart_comparison as select * from m")
    return path
