"""A small warehouse built from literal rows: the report's own 2022-23 numbers, no pipeline run needed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.lib.periods import FinancialYear

YEAR = FinancialYear.from_label("2022-23")
PREV = YEAR.previous()

# code: (numerator, denominator, value, unit) for the year; numbers from the 2022-23 report.
YEAR_ROWS = {
    "contacts_total": (29_563, None, 29_563, "count"),
    "contacts_police_pct": (10_581, 29_563, 35.79, "percent"),
    "contacts_education_pct": (4_489, 29_563, 15.18, "percent"),
    "contacts_outcome_sct_pct": (7_010, 29_563, 23.71, "percent"),
    "contacts_domestic_abuse_pct": (4_798, 29_563, 16.23, "percent"),
    "contacts_met_eh_threshold_pct": (8_600, 29_726, 28.93, "percent"),
    "referrals_total": (4_194, None, 4_194, "count"),
    "rereferrals_pct": (967, 4_194, 23.06, "percent"),
    "cpp_at_end": (339, None, 339, "count"),
    "cpp_rate_10k": (339, 85_920, 39.46, "rate_per_10k"),
    "cpp_started": (344, None, 344, "count"),
    "cpp_ended": (399, None, 399, "count"),
    "missing_episodes": (1_678, None, 1_678, "count"),
    "missing_children": (1_053, None, 1_053, "count"),
    "private_fostering_arrangements": (13, None, 13, "count"),
    "ae_alcohol": (4, None, 4, "count"),
    "police_protection_orders": (84, None, 84, "count"),
    "police_protection_children": (130, None, 130, "count"),
}
PREV_ROWS = {
    "contacts_domestic_abuse_pct": (4_900, 28_994, 16.9, "percent"),
    "private_fostering_arrangements": (9, None, 9, "count"),
    "contacts_total": (29_000, None, 29_000, "count"),
}
BREAKDOWNS = {
    ("cpp_by_gender", "gender"): [("Male", 183), ("Female", 146), ("Unborn", 10)],
    ("referrals_by_source", "source_group"): [("Police", 1_436), ("Education", 850), ("Health", 700),
                                              ("Individual", 600), ("Other", 608)],
    ("training_spaces", "course"): [("Core Working Together (CWT)", 371), ("Thresholds", 150), ("Hidden Men", 120),
                                    ("=HYPERLINK(\"http://x\")", 3)],
    ("training_allocated", "course"): [("Core Working Together (CWT)", 371), ("Thresholds", 127), ("Hidden Men", 73),
                                       ("=HYPERLINK(\"http://x\")", 3)],
    ("training_no_shows", "course"): [("Core Working Together (CWT)", 42), ("Thresholds", 21), ("Hidden Men", 4),
                                      ("=HYPERLINK(\"http://x\")", 0)],
    ("elearning_completions", "module"): [("ICON: 'Babies cry, you can cope'", 285), ("SCSP Neglect Awareness", 270),
                                          ("SCSP Private Fostering Module", 15)],
}
QUARTERS = {"contacts_total": [7_496, 7_072, 7_233, 7_925]}
QUARTER_PCT = {"contacts_met_eh_threshold_pct": [(2_338, 7_496), (2_330, 7_072), (2_060, 7_233), (1_872, 7_925)]}
BENCH = {"rereferrals_pct": {"england": 21.5, "region_value": 19.1, "sn_mean": 20.4},
         "cpp_rate_10k": {"england": 42.1, "region_value": None, "sn_mean": 52.6},
         # A count has DfE figures too (England's 403,090 children in need): never drawn against Sandwell's.
         "cpp_at_end": {"england": 50_920, "region_value": 6_100, "sn_mean": 520}}


def _row(code, ptype, label, q_key, breakdown, bvalue, num, den, value, unit):
    return {"indicator_code": code, "period_type": ptype, "period_label": label, "period_start": None, "period_end": None,
                "quarter_key": q_key, "breakdown": breakdown, "breakdown_value": bvalue, "numerator": num, "denominator": den,
                "value": value, "unit": unit, "population_year": None}


def with_status(frame: pd.DataFrame, status: str = "complete", coverage: str = "", missing: str = "",
                disclosure: dict[str, str] | None = None) -> pd.DataFrame:
    """The contract's columns (docs/contracts.md): status, coverage, missing_quarters, sources, disclosure."""
    frame = frame.copy()
    this_year = (frame["period_type"] == "year") & (frame["period_label"] == YEAR.label)
    frame["status"] = "complete"
    frame.loc[this_year, "status"] = status
    frame["coverage"] = ", ".join(q.label for q in YEAR.quarters)
    frame.loc[this_year, "coverage"] = coverage or ", ".join(q.label for q in YEAR.quarters)
    frame["missing_quarters"] = ""
    frame.loc[this_year, "missing_quarters"] = missing
    frame["sources"] = "annex_a:contacts"
    if disclosure is not None:   # else each figure's disclosure comes from the catalogue, as in the pipeline
        frame["disclosure"] = [disclosure.get(c, "children") for c in frame["indicator_code"]]
    return frame


def build_rows(year_rows=YEAR_ROWS, prev_rows=PREV_ROWS, breakdowns=BREAKDOWNS) -> pd.DataFrame:
    q4 = YEAR.quarters[-1].partition_key
    rows = [_row(c, "year", YEAR.label, q4, "total", None, *v) for c, v in year_rows.items()]
    rows += [_row(c, "year", PREV.label, PREV.quarters[-1].partition_key, "total", None, *v) for c, v in prev_rows.items()]
    for (code, dim), groups in breakdowns.items():
        total = sum(n for _, n in groups)
        unit = "count" if code.startswith(("training", "elearning")) else "percent"
        for label, n in groups:
            rows.append(_row(code, "year", YEAR.label, q4, dim, label, n, total if unit == "percent" else None,
                             100 * n / total if unit == "percent" else n, unit))
        if unit == "count":
            rows.append(_row(code, "year", YEAR.label, q4, "total", None, total, None, total, "count"))
    for code, values in QUARTERS.items():
        for q, n in zip(YEAR.quarters, values):
            rows.append(_row(code, "quarter", q.label, q.partition_key, "total", None, n, None, n, "count"))
    for code, values in QUARTER_PCT.items():
        for q, (n, d) in zip(YEAR.quarters, values):
            rows.append(_row(code, "quarter", q.label, q.partition_key, "total", None, n, d, 100 * n / d, "percent"))
    return with_status(pd.DataFrame(rows))   # every figure complete unless a test says otherwise


def build_warehouse(path: Path, values: pd.DataFrame | None = None) -> Path:
    values = build_rows() if values is None else values
    bench = pd.DataFrame([dict(indicator_code=c, period_type="year", period_label=YEAR.label, benchmark_year="2022-23",
                               region_name="West Midlands", **b) for c, b in BENCH.items()])
    files = pd.DataFrame([{"period_key": q.partition_key, "period_label": q.label, "relative_path": f"2022-23/Q{i}/annex_a.xlsx",
                               "sha256": f"{i:064x}", "return_type": "annex_a", "agency": "Children's social care",
                               "status": "loaded", "present": True} for i, q in enumerate(YEAR.quarters, 1)])
    with duckdb.connect(str(path)) as con:
        for name, frame in {"ind_values": values, "mart_comparison": bench, "raw_files": files}.items():
            con.register("_f", frame)
            con.execute(f"create or replace table {name} as select * from _f")
            con.unregister("_f")
    return path


@pytest.fixture
def warehouse(tmp_path) -> Path:
    return build_warehouse(tmp_path / "warehouse.duckdb")
