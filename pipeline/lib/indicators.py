"""Indicators, computed with DfE's counting rules from the catalogue in config/indicators.yaml.

Each catalogue entry names the SQL file that computes it. A SQL file returns, for one window
($period_start to $period_end, inclusive), rows of (indicator_code, breakdown, breakdown_value,
numerator, denominator). Python turns those into values by unit: a count is the numerator, a
percentage 100 x numerator / denominator, a rate per 10,000 uses the ONS 0-17 population of the
financial year (DfE: mid-year estimate of the year before 31 March).

Reference tables the SQL reads, (re)built here before every run (Python owns DDL):
    ref_codes             one row per code list x code (label, group)
    ref_working_days      one row per calendar day: is it a working day in England, and its running number
    ref_partner_measures  config/partner_measures.csv (how each partner measure aggregates over a period)
    ref_partner_ratios    catalogue indicators that divide one partner measure by another
    ref_indicators        the catalogue itself (for the comparison mart)

Partner measures need no catalogue entry: every row of config/partner_measures.csv becomes an
indicator (code = measure_code) unless the YAML already describes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipeline.lib import warehouse
from pipeline.lib.paths import CONFIG_DIR, SQL_DIR
from pipeline.lib.periods import FinancialYear, Quarter
from pipeline.lib.returns.spec import load_code_lists
from pipeline.lib.settings import read_yaml
from pipeline.lib.working_days import _holiday_array

PARTNER_MEASURES_FILE = CONFIG_DIR / "partner_measures.csv"
PARTNER_SQL = "ind_partners"
# The calendar ref_working_days covers; it must cover every date in the returns and the holidays package.
WORKING_DAYS_FROM, WORKING_DAYS_TO = dt.date(2010, 1, 1), dt.date(2035, 12, 31)

UNITS = {"count", "percent", "rate_per_10k", "ratio", "mean"}
POLARITIES = {"higher_is_better", "lower_is_better", "neutral"}
COUNTING_RULES = {"starting_in_period", "open_at_period_end", "ceased_in_period", "rolling_12_months", "in_period"}

VALUE_COLUMNS = ["indicator_code", "period_type", "period_label", "period_start", "period_end", "quarter_key",
                 "breakdown", "breakdown_value", "numerator", "denominator", "value", "unit", "population_year"]


@dataclass(frozen=True)
class Indicator:
    code: str
    title: str
    section: str
    definition: str
    numerator: str
    denominator: str | None
    counting_rule: str
    unit: str
    polarity: str
    decimals: int
    sql: str
    benchmark: str | None = None
    rag: dict | None = None
    headline: bool = False
    report_label: str | None = None
    # A partner ratio: numerator and denominator are two measures of config/partner_measures.csv.
    partner_numerator: str | None = None
    partner_denominator: str | None = None


RAG_AGAINST = {"sn_mean", "sn_median", "england", "region", "target"}


def _problems(ind: Indicator) -> list[str]:
    problems = []
    if ind.unit not in UNITS:
        problems.append(f"unit {ind.unit!r}")
    if ind.polarity not in POLARITIES:
        problems.append(f"polarity {ind.polarity!r}")
    if ind.counting_rule not in COUNTING_RULES:
        problems.append(f"counting_rule {ind.counting_rule!r}")
    if ind.rag:
        if ind.rag.get("against") not in RAG_AGAINST:
            problems.append(f"rag against {ind.rag.get('against')!r} (one of {sorted(RAG_AGAINST)})")
        if ind.rag.get("against") == "target" and ind.rag.get("target") is None:
            problems.append("rag against target without a target")
        if ind.polarity == "neutral":
            problems.append("a rag rule on a neutral indicator (no direction is better)")
    if bool(ind.partner_numerator) != bool(ind.partner_denominator):
        problems.append("partner ratio needs both partner_numerator and partner_denominator")
    return problems


def partner_measures(path: Path = PARTNER_MEASURES_FILE) -> pd.DataFrame:
    """config/partner_measures.csv as a frame; `aggregation` is sum (over the period) or latest (at its end)."""
    frame = pd.read_csv(path, dtype=str).fillna("")
    bad = frame[~frame["aggregation"].isin(["sum", "latest"])]
    if len(bad):
        raise ValueError(f"{path.name}: aggregation must be sum or latest: {', '.join(bad['measure_code'])}")
    return frame


def _partner_indicator(row: pd.Series) -> dict:
    latest = row["aggregation"] == "latest"
    return {
        "code": row["measure_code"], "title": row["title"], "section": row["report_section"] or "partners",
        "definition": f"{row['definition']} Reported by {row['agency']} in the multi-agency dataset.",
        "numerator": ("Value for the last month of the period" if latest else "Sum of the monthly values in the period"),
        "denominator": None,
        "counting_rule": "open_at_period_end" if latest else "in_period",
        "unit": row["unit"] or "count", "polarity": row["polarity"] or "neutral", "decimals": 0, "sql": PARTNER_SQL,
    }


@lru_cache(maxsize=4)
def load_catalogue(path: Path = CONFIG_DIR / "indicators.yaml",
                   partner_file: Path = PARTNER_MEASURES_FILE) -> tuple[Indicator, ...]:
    raw = read_yaml(path)
    entries = list(raw["indicators"])
    described = {e["code"] for e in entries}
    entries += [_partner_indicator(r) for _, r in partner_measures(partner_file).iterrows()
                if r["measure_code"] not in described]
    out = []
    for entry in entries:
        ind = Indicator(**{k: entry.get(k) for k in Indicator.__dataclass_fields__ if k in entry})
        problems = _problems(ind)
        if problems:
            raise ValueError(f"config/indicators.yaml, indicator {ind.code}: invalid {', '.join(problems)}")
        out.append(ind)
    codes = [i.code for i in out]
    if len(codes) != len(set(codes)):
        raise ValueError("config/indicators.yaml: indicator codes must be unique")
    return tuple(out)


def catalogue_by_code() -> dict[str, Indicator]:
    return {i.code: i for i in load_catalogue()}


def reconciliation_tolerances(path: Path = CONFIG_DIR / "indicators.yaml") -> pd.DataFrame:
    """How far a pipeline figure may stray from the figure it is reconciled with, per unit."""
    raw = read_yaml(path)
    rows = [{"unit": unit, "tolerance": float(rule["tolerance"]), "relative": bool(rule.get("relative", False))}
            for unit, rule in raw["reconciliation_tolerance"].items()]
    return pd.DataFrame(rows)


def working_days_frame(first: dt.date = WORKING_DAYS_FROM, last: dt.date = WORKING_DAYS_TO) -> pd.DataFrame:
    """One row per day: is_working_day (England) and working_day_number, the running count of working days.

    For an end on or after the start, the difference of the two days' numbers is
    pipeline.lib.working_days.working_days_between(start, end):
    working days after the start up to and including the end, same day = 0.
    """
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    working = np.is_busday(days, holidays=_holiday_array())
    return pd.DataFrame({"day": days.astype("datetime64[s]"), "is_working_day": working,
                         "working_day_number": np.cumsum(working).astype("int64")})


def load_working_days(con: duckdb.DuckDBPyConnection) -> None:
    """ref_working_days: SQL cannot know England's bank holidays, so the calendar is a table."""
    frame = working_days_frame()
    con.register("_working_days", frame)
    try:
        con.execute("""create or replace table ref_working_days as
                       select day::date as day, is_working_day, working_day_number from _working_days""")
    finally:
        con.unregister("_working_days")


def load_partner_tables(con: duckdb.DuckDBPyConnection, catalogue: tuple[Indicator, ...] | None = None) -> None:
    """ref_partner_measures (the CSV) and ref_partner_ratios (catalogue entries dividing two measures)."""
    catalogue = catalogue or load_catalogue()
    measures = partner_measures()[["measure_code", "agency", "title", "unit", "aggregation", "polarity"]]
    ratios = pd.DataFrame([{"indicator_code": i.code, "numerator_measure": i.partner_numerator,
                            "denominator_measure": i.partner_denominator}
                           for i in catalogue if i.partner_numerator],
                          columns=["indicator_code", "numerator_measure", "denominator_measure"])
    for table, frame in (("ref_partner_measures", measures), ("ref_partner_ratios", ratios)):
        con.register("_frame", frame)
        try:
            con.execute(f"create or replace table {table} as select * from _frame")
        finally:
            con.unregister("_frame")


def load_catalogue_table(con: duckdb.DuckDBPyConnection, catalogue: tuple[Indicator, ...] | None = None) -> None:
    """ref_indicators: the catalogue as a table (titles, units, polarity, benchmark and RAG rule) for SQL."""
    catalogue = catalogue or load_catalogue()
    rows = [{"indicator_code": i.code, "title": i.title, "section": i.section, "unit": i.unit,
             "decimals": int(i.decimals), "polarity": i.polarity, "counting_rule": i.counting_rule,
             "benchmark": i.benchmark, "rag_against": (i.rag or {}).get("against"),
             "rag_tolerance": float((i.rag or {}).get("tolerance", 0) or 0),
             "rag_target": (float(i.rag["target"]) if i.rag and i.rag.get("target") is not None else None)}
            for i in catalogue]
    frame = pd.DataFrame(rows).astype({"benchmark": "object", "rag_against": "object", "rag_target": "float64"})
    con.register("_catalogue", frame)
    try:
        con.execute("create or replace table ref_indicators as select * from _catalogue")
    finally:
        con.unregister("_catalogue")


def load_reference_tables(con: duckdb.DuckDBPyConnection, catalogue: tuple[Indicator, ...] | None = None) -> None:
    """Every ref_ table and macro the indicator SQL reads."""
    con.execute((SQL_DIR / "ind" / "macros.sql").read_text(encoding="utf-8"))
    load_code_table(con)
    load_working_days(con)
    load_partner_tables(con, catalogue)
    load_catalogue_table(con, catalogue)


def load_code_table(con: duckdb.DuckDBPyConnection) -> None:
    """ref_codes: every code list as rows, so SQL can group codes (e.g. source 2A, 2B -> Education)."""
    rows = [{"code_list": name, "code": c.code, "label": c.label, "code_group": c.group or c.label}
            for name, codes in load_code_lists().items() for c in codes.codes]
    warehouse.replace_rows(con, "ref_codes", pd.DataFrame(rows), where={})
    con.execute("delete from ref_codes where rowid not in (select max(rowid) from ref_codes group by code_list, code)")


def population(con: duckdb.DuckDBPyConnection, ons_code: str, year: FinancialYear) -> tuple[float | None, int | None]:
    """0-17 population used for a financial year's rates: mid-year before the 31 March, else the latest published."""
    row = con.execute("""
        select population_0_17, mid_year from ref_population
        where ons_code = ? and mid_year <= ? order by mid_year desc limit 1
    """, [ons_code, year.start_year]).fetchone()
    return (float(row[0]), int(row[1])) if row else (None, None)


def windows(quarter: Quarter) -> list[tuple[str, str, dt.date, dt.date]]:
    """(period_type, label, start, end) for a quarter: the quarter, the 12 months to its end, and at Q4 the year."""
    start, end = quarter.rolling_year()
    out = [("quarter", quarter.label, quarter.start, quarter.end),
           ("rolling_12m", f"12 months to {quarter.end:%b %Y}", start, end)]
    if quarter.number == 4:
        out.append(("year", quarter.year.label, quarter.year.start, quarter.year.end))
    return out


def compute_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter, ons_code: str,
                    catalogue: tuple[Indicator, ...] | None = None) -> pd.DataFrame:
    """All catalogue indicators for every window of `quarter`, as rows of VALUE_COLUMNS."""
    catalogue = catalogue or load_catalogue()
    by_code = {i.code: i for i in catalogue}
    load_reference_tables(con, catalogue)
    pop, pop_year = population(con, ons_code, quarter.year)
    frames = []
    for sql_name in sorted({i.sql for i in catalogue}):
        for period_type, label, start, end in windows(quarter):
            rows = warehouse.query(con, sql_name, {"period_start": start, "period_end": end})
            # keep an indicator's rows from its own SQL file only (a partner measure may share a code)
            own_codes = {code for code, ind in by_code.items() if ind.sql == sql_name}
            rows = rows[rows["indicator_code"].isin(own_codes)]
            if rows.empty:
                continue
            rows = rows.assign(period_type=period_type, period_label=label, period_start=start, period_end=end,
                               quarter_key=quarter.partition_key)
            frames.append(rows)
    if not frames:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    values = pd.concat(frames, ignore_index=True)
    values["unit"] = values["indicator_code"].map(lambda c: by_code[c].unit)
    values["numerator"] = values["numerator"].astype("float64")
    values["denominator"] = values["denominator"].astype("float64")
    rate = values["unit"] == "rate_per_10k"
    values.loc[rate, "denominator"] = pop
    values["population_year"] = pop_year if pop is not None else None
    values["value"] = _value(values)
    return values[VALUE_COLUMNS]


def _value(values: pd.DataFrame) -> pd.Series:
    num, den, unit = values["numerator"], values["denominator"], values["unit"]
    safe_den = den.where(den > 0)
    out = num.copy()
    out = out.mask(unit == "percent", 100 * num / safe_den)
    out = out.mask(unit == "rate_per_10k", 10000 * num / safe_den)
    out = out.mask(unit.isin(["ratio", "mean"]), num / safe_den)
    return out


def store_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter, values: pd.DataFrame) -> int:
    return warehouse.replace_rows(con, "ind_values", values, where={"quarter_key": quarter.partition_key})
