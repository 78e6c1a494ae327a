"""Indicators, computed with DfE's counting rules from the catalogue in config/indicators.yaml.

Each catalogue entry names the SQL file that computes it. A SQL file returns, for one window
($period_start to $period_end, inclusive), rows of (indicator_code, breakdown, breakdown_value,
numerator, denominator). Python turns those into values by unit: a count is the numerator, a
percentage 100 x numerator / denominator, a rate per 10,000 uses the ONS 0-17 population of the
financial year (DfE: mid-year estimate of the year before 31 March).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from pipeline.lib import warehouse
from pipeline.lib.paths import CONFIG_DIR
from pipeline.lib.periods import FinancialYear, Quarter
from pipeline.lib.returns.spec import load_code_lists

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


@lru_cache(maxsize=4)
def load_catalogue(path: Path = CONFIG_DIR / "indicators.yaml") -> tuple[Indicator, ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for entry in raw["indicators"]:
        ind = Indicator(**{k: entry.get(k) for k in Indicator.__dataclass_fields__ if k in entry})
        problems = [f"unit {ind.unit!r}" for _ in [0] if ind.unit not in UNITS]
        problems += [f"polarity {ind.polarity!r}" for _ in [0] if ind.polarity not in POLARITIES]
        problems += [f"counting_rule {ind.counting_rule!r}" for _ in [0] if ind.counting_rule not in COUNTING_RULES]
        if problems:
            raise ValueError(f"config/indicators.yaml, indicator {ind.code}: invalid {', '.join(problems)}")
        out.append(ind)
    codes = [i.code for i in out]
    if len(codes) != len(set(codes)):
        raise ValueError("config/indicators.yaml: indicator codes must be unique")
    return tuple(out)


def catalogue_by_code() -> dict[str, Indicator]:
    return {i.code: i for i in load_catalogue()}


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
    load_code_table(con)
    pop, pop_year = population(con, ons_code, quarter.year)
    frames = []
    for sql_name in sorted({i.sql for i in catalogue}):
        for period_type, label, start, end in windows(quarter):
            rows = warehouse.query(con, sql_name, {"period_start": start, "period_end": end})
            rows = rows[rows["indicator_code"].isin(by_code)]
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
