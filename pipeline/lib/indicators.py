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

No data is not zero (docs/contracts.md, "Received, partial, not received"). Each indicator's sources (the
returns and lists it rests on) are derived from the tables its SQL file reads, by DuckDB's own parser; a
window's status says whether every quarter it needs was received (raw_files / raw_sheets):
'complete', 'partial' (computed from what was received, with its coverage) or 'not_received' (a 'total'
row with NULL values, never 0).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipeline.lib import warehouse
from pipeline.lib.paths import CONFIG_DIR, SQL_DIR
from pipeline.lib.periods import FinancialYear, Quarter, quarters_between
from pipeline.lib.returns.spec import load_code_lists, load_specs
from pipeline.lib.settings import read_yaml
from pipeline.lib.working_days import _holiday_array

PARTNER_MEASURES_FILE = CONFIG_DIR / "partner_measures.csv"
PARTNER_SQL = "ind_partners"
# The calendar ref_working_days covers; it must cover every date in the returns and the holidays package.
WORKING_DAYS_FROM, WORKING_DAYS_TO = dt.date(2010, 1, 1), dt.date(2035, 12, 31)

IND_SQL_DIR = SQL_DIR / "ind"
UNITS = {"count", "percent", "rate_per_10k", "ratio", "mean"}
POLARITIES = {"higher_is_better", "lower_is_better", "neutral"}
COUNTING_RULES = {"starting_in_period", "open_at_period_end", "ceased_in_period", "rolling_12_months", "in_period"}
# Who small-number suppression protects: 'children' (children, families, cases and what is derived from them)
# or 'none' (staff, training places, courses: published as they are).
DISCLOSURES = {"children", "none"}
COMPLETE, PARTIAL, NOT_RECEIVED = "complete", "partial", "not_received"

VALUE_COLUMNS = ["indicator_code", "period_type", "period_label", "period_start", "period_end", "quarter_key",
                 "breakdown", "breakdown_value", "numerator", "denominator", "value", "unit", "population_year",
                 "status", "coverage", "missing_quarters", "sources", "disclosure"]

# The intake's log tables and the reference tables this module builds: read by indicator SQL, never a source.
LOG_TABLES = {"raw_files", "raw_sheets", "raw_issues", "raw_mappings", "raw_quarantine"}
REFERENCE_TABLES = {"ref_codes", "ref_working_days", "ref_partner_measures", "ref_partner_ratios", "ref_indicators",
                    "ref_population", "ref_age_bands"}


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
    disclosure: str = "children"
    # Derived from the SQL file (the returns and lists it reads), never written in the YAML.
    sources: tuple[str, ...] = ()


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
    if ind.disclosure not in DISCLOSURES:
        problems.append(f"disclosure {ind.disclosure!r} (one of {sorted(DISCLOSURES)})")
    return problems


@lru_cache(maxsize=64)
def sql_tables(sql_name: str, sql_dir: Path = IND_SQL_DIR) -> frozenset[str]:
    """The tables and views a SQL file reads, from DuckDB's own parser (CTE names left out)."""
    path = Path(sql_dir) / f"{sql_name}.sql"
    if not path.exists():
        raise FileNotFoundError(f"{path}: the SQL file an indicator names does not exist")
    parsed = json.loads(duckdb.execute("select json_serialize_sql(?)", [path.read_text(encoding="utf-8")])
                        .fetchall()[0][0])
    if parsed.get("error"):
        raise ValueError(f"{path.name}: DuckDB cannot parse it: {parsed.get('error_message')}")
    tables, ctes = set(), set()

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE":
                tables.add(node["table_name"])
            for entry in (node.get("cte_map") or {}).get("map", []):
                ctes.add(entry["key"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(parsed)
    return frozenset(tables - ctes)


@lru_cache(maxsize=4)
def list_tables() -> dict[str, str]:
    """stg_ and raw_ table of every list of every return -> 'return_type:sheet_key' (config/returns/*.yaml)."""
    out = {}
    for spec in load_specs().values():
        for sheet in spec.sheets:
            out[sheet.table] = out[sheet.raw_table] = f"{spec.return_type}:{sheet.key}"
    return out


def sources_of(sql_name: str, sql_dir: Path = IND_SQL_DIR) -> tuple[str, ...]:
    """The returns and lists ('annex_a:referrals') a SQL file rests on, from the tables it reads.

    A table that no return provides and that is not a reference or log table is an error: the indicator
    could never be received, so it would never have a value, and nobody would be told why.
    """
    provided = list_tables()
    sources, unknown = set(), []
    for table in sorted(sql_tables(sql_name, Path(sql_dir))):
        if table in LOG_TABLES or table in REFERENCE_TABLES:
            continue
        if table in provided:
            sources.add(provided[table])
        else:
            unknown.append(table)
    if unknown:
        raise ValueError(f"sql/ind/{sql_name}.sql reads {', '.join(unknown)}, which no return in config/returns/ "
                         "provides and which is not a reference table: add the list to the return's specification "
                         "or read a table that exists")
    if not sources:
        raise ValueError(f"sql/ind/{sql_name}.sql reads no return's list, so it could never be received")
    return tuple(sorted(sources))


def partner_measures(path: Path = PARTNER_MEASURES_FILE) -> pd.DataFrame:
    """config/partner_measures.csv as a frame; `aggregation` is sum (over the period) or latest (at its end),
    `disclosure` children (default) or none, `breakdown` month (a row per month, e.g. the LADO's table) or empty."""
    frame = pd.read_csv(path, dtype=str).fillna("")
    for column, allowed in (("aggregation", ["sum", "latest"]), ("disclosure", ["", *DISCLOSURES]),
                            ("breakdown", ["", "month"])):
        if column not in frame:
            frame[column] = ""
        bad = frame[~frame[column].isin(allowed)]
        if len(bad):
            raise ValueError(f"{path.name}: {column} must be one of {sorted(a for a in allowed if a)} "
                             f"(or empty where allowed): {', '.join(bad['measure_code'])}")
    bad = frame[(frame["breakdown"] == "month") & (frame["aggregation"] != "sum")]
    if len(bad):
        raise ValueError(f"{path.name}: a month breakdown needs aggregation sum: {', '.join(bad['measure_code'])}")
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
        "disclosure": row.get("disclosure") or "children",
    }


@lru_cache(maxsize=4)
def load_catalogue(path: Path = CONFIG_DIR / "indicators.yaml",
                   partner_file: Path = PARTNER_MEASURES_FILE, sql_dir: Path = IND_SQL_DIR) -> tuple[Indicator, ...]:
    raw = read_yaml(path)
    entries = list(raw["indicators"])
    described = {e["code"] for e in entries}
    entries += [_partner_indicator(r) for _, r in partner_measures(partner_file).iterrows()
                if r["measure_code"] not in described]
    out = []
    for entry in entries:
        if "sources" in entry:
            raise ValueError(f"config/indicators.yaml, indicator {entry['code']}: sources are derived from the SQL "
                             "file, not written by hand: remove the 'sources' key")
        ind = Indicator(**{k: entry.get(k) for k in Indicator.__dataclass_fields__ if k in entry})
        if ind.disclosure is None:
            ind = replace(ind, disclosure="children")
        problems = _problems(ind)
        if problems:
            raise ValueError(f"config/indicators.yaml, indicator {ind.code}: invalid {', '.join(problems)}")
        try:
            ind = replace(ind, sources=sources_of(ind.sql, sql_dir))
        except (ValueError, FileNotFoundError) as err:
            raise ValueError(f"config/indicators.yaml, indicator {ind.code}: {err}") from err
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
    measures = partner_measures()[["measure_code", "agency", "title", "unit", "aggregation", "polarity", "breakdown"]]
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
             "rag_target": (float(i.rag["target"]) if i.rag and i.rag.get("target") is not None else None),
             "disclosure": i.disclosure, "sources": ", ".join(i.sources)}
            for i in catalogue]
    frame = pd.DataFrame(rows).astype({"benchmark": "object", "rag_against": "object", "rag_target": "float64"})
    con.register("_catalogue", frame)
    try:
        con.execute("create or replace table ref_indicators as select * from _catalogue")
    finally:
        con.unregister("_catalogue")


def report_age_bands(path: Path = CONFIG_DIR / "indicators.yaml") -> pd.DataFrame:
    """config/indicators.yaml report_age_bands: the report's own age bands (whole years, `to` null = and over)."""
    bands = read_yaml(path).get("report_age_bands") or []
    rows = [{"label": str(b["label"]), "age_from": int(b["from"]),
             "age_to": None if b.get("to") is None else int(b["to"]), "band_order": n}
            for n, b in enumerate(bands, start=1)]
    frame = pd.DataFrame(rows, columns=["label", "age_from", "age_to", "band_order"]).astype({"age_to": "Int64"})
    for a, b in pairwise(rows):
        if a["age_to"] is None or b["age_from"] != a["age_to"] + 1:
            raise ValueError(f"config/indicators.yaml report_age_bands: {a['label']} and {b['label']} must meet "
                             "(each band starts the year after the one before ends)")
    return frame


def load_age_bands(con: duckdb.DuckDBPyConnection) -> None:
    """ref_age_bands: the report's own age bands, read by the report_age_band macro."""
    con.register("_bands", report_age_bands())
    try:
        con.execute("create or replace table ref_age_bands as select * from _bands")
    finally:
        con.unregister("_bands")


def load_reference_tables(con: duckdb.DuckDBPyConnection, catalogue: tuple[Indicator, ...] | None = None) -> None:
    """Every ref_ table and macro the indicator SQL reads."""
    load_age_bands(con)
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


def set_cdop_area(con: duckdb.DuckDBPyConnection, area_label: str) -> None:
    """Make `area_label` the 'Partnership area' of the cdop_area list in ref_codes, every other area not; an area
    not in the list leaves none as the partnership's (never another partnership's deaths counted as its own)."""
    con.execute("update ref_codes set code_group = case when label = ? then 'Partnership area' "
                "else 'Other CDOP area' end where code_list = 'cdop_area'", [area_label])


def population(con: duckdb.DuckDBPyConnection, ons_code: str, year: FinancialYear) -> tuple[float | None, int | None]:
    """0-17 population used for a financial year's rates: mid-year before the 31 March, else the latest published."""
    # fetchall, not fetchone: DuckDB keeps a half-read result open and refuses the next registration
    rows = con.execute("""
        select population_0_17, mid_year from ref_population
        where ons_code = ? and mid_year <= ? order by mid_year desc limit 1
    """, [ons_code, year.start_year]).fetchall()
    return (float(rows[0][0]), int(rows[0][1])) if rows else (None, None)


def windows(quarter: Quarter) -> list[tuple[str, str, dt.date, dt.date]]:
    """(period_type, label, start, end) for a quarter: the quarter, the 12 months to its end, and at Q4 the year."""
    start, end = quarter.rolling_year()
    out = [("quarter", quarter.label, quarter.start, quarter.end),
           ("rolling_12m", f"12 months to {quarter.end:%b %Y}", start, end)]
    if quarter.number == 4:
        out.append(("year", quarter.year.label, quarter.year.start, quarter.year.end))
    return out


# --- received, partial, not received ---------------------------------------------------------------

def received_lists(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """'return_type:sheet_key' -> the quarters (partition keys) for which that list was received.

    Received (docs/contracts.md): a current file of the return, filed for the quarter, had the sheet read
    (raw_sheets status 'loaded' or 'empty'; an empty list, headings and no rows, is a real zero). A sheet
    whose every row was quarantined gave no data, so it does not count as received: its zero would be false.
    """
    if not (warehouse.table_exists(con, "raw_files") and warehouse.table_exists(con, "raw_sheets")):
        return {}
    rows = con.execute("""
        select distinct f.return_type || ':' || s.sheet_key, s.period_key
        from raw_sheets as s
        inner join raw_files as f on f.file_id = s.file_id and f.period_key = s.period_key
        where f.is_current
          and (s.status = 'empty' or (s.status = 'loaded' and (coalesce(s.rows_loaded, 0) > 0
                                                               or coalesce(s.rows_read, 0) = 0)))
    """).fetchall()
    out: dict[str, set[str]] = {}
    for source, period_key in rows:
        out.setdefault(source, set()).add(period_key)
    return out


def partner_measure_quarters(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """measure_code -> the quarters in which the multi-agency dataset holds a value for it.

    Several agencies send the dataset; one agency's measures being there says nothing about another's, so a
    partner measure is received for a quarter only where it has a value for a month of that quarter.
    """
    if not warehouse.table_exists(con, "stg_partner_measures"):
        return {}
    rows = con.execute("select distinct measure_code, period_start from stg_partner_measures "
                       "where value is not null").fetchall()
    out: dict[str, set[str]] = {}
    for code, start in rows:
        out.setdefault(code, set()).add(Quarter.containing(start).partition_key)
    return out


def needed_quarters(counting_rule: str, start: dt.date, end: dt.date) -> list[Quarter]:
    """The quarters whose returns a window's value needs: all of them for a flow, the last for a snapshot, the
    four ending at the window's end for a 12-month measure (rolling_12_months)."""
    last = Quarter.containing(end)
    if counting_rule == "open_at_period_end":
        return [last]
    if counting_rule == "rolling_12_months":
        # always the 12 months to the window's end, whatever the window: the four quarters ending there
        return quarters_between(Quarter(last.fy_start - 1, last.number).next(), last)
    return quarters_between(Quarter.containing(start), last)


@dataclass(frozen=True)
class Coverage:
    status: str
    coverage: str
    missing_quarters: str


def coverage(ind: Indicator, start: dt.date, end: dt.date, received: dict[str, set[str]],
             partner_quarters: dict[str, set[str]]) -> Coverage:
    """Whether every quarter a window needs was received for every list the indicator rests on."""
    measures = [m for m in (ind.partner_numerator, ind.partner_denominator) if m] or [ind.code]
    needed = needed_quarters(ind.counting_rule, start, end)

    def covered(q: Quarter) -> bool:
        key = q.partition_key
        if not all(key in received.get(source, ()) for source in ind.sources):
            return False
        return ind.sql != PARTNER_SQL or all(key in partner_quarters.get(m, ()) for m in measures)

    have = [q for q in needed if covered(q)]
    missing = [q for q in needed if q not in have]
    status = COMPLETE if not missing else NOT_RECEIVED if not have else PARTIAL
    return Coverage(status, ", ".join(q.label for q in have), ", ".join(q.label for q in missing))


# --- bounded breakdowns ------------------------------------------------------------------------------

# Breakdowns whose categories come from agency text (course titles, e-learning modules) can have any number of
# values; beyond the limit the smallest are added up into one "All other ..." row, so ind_values stays small.
DEFAULT_BREAKDOWN_LIMIT = 30
OTHER_PREFIX = "All other"
_PLURALS = {"course": "courses", "module": "modules", "category": "categories", "source_group": "sources",
            "ethnicity_group": "ethnic groups", "month": "months", "placement_group": "placement groups"}


def breakdown_limit(path: Path = CONFIG_DIR / "indicators.yaml") -> int:
    limit = read_yaml(path).get("breakdown_limit", DEFAULT_BREAKDOWN_LIMIT)
    if not isinstance(limit, int) or limit < 1:
        raise ValueError(f"config/indicators.yaml: breakdown_limit must be a whole number of 1 or more, not {limit!r}")
    return limit


def other_label(breakdown: str, n: int) -> str:
    """'All other courses (12)': what the row adds up, and how many categories are in it."""
    return f"{OTHER_PREFIX} {_PLURALS.get(breakdown, breakdown.replace('_', ' ') + ' values')} ({n:,})"


def limit_categories(rows: pd.DataFrame, by_code: dict[str, Indicator], limit: int) -> pd.DataFrame:
    """Keep each breakdown's `limit` largest categories and add the rest into one 'All other ...' row.

    The categories kept are the same for every indicator of one SQL file that shares the breakdown (the course
    table's spaces, places and no-shows line up), chosen by the first such count indicator of the catalogue
    (else the first indicator): largest numerator first, ties by name. The other row adds numerators; a mean or
    ratio adds its denominators too (weighted sums add up), a share keeps the total as denominator.
    """
    parts = rows[rows["breakdown"] != "total"]
    if parts.empty or parts.groupby(["indicator_code", "breakdown"]).size().max() <= limit:
        return rows
    order = {code: n for n, code in enumerate(by_code)}
    kept = [rows[rows["breakdown"] == "total"]]
    for breakdown, group in parts.groupby("breakdown", sort=False):
        codes = sorted(group["indicator_code"].unique(), key=lambda c: (by_code[c].unit != "count", order[c]))
        lead = group[group["indicator_code"] == codes[0]]
        if lead["breakdown_value"].nunique() <= limit and group.groupby("indicator_code").size().max() <= limit:
            kept.append(group)
            continue
        ranked = lead.assign(_n=lead["numerator"].astype("float64").fillna(-1)).sort_values(
            ["_n", "breakdown_value"], ascending=[False, True])
        top = set(ranked["breakdown_value"].head(limit))
        for code in codes:
            own = group[group["indicator_code"] == code]
            inside, rest = own[own["breakdown_value"].isin(top)], own[~own["breakdown_value"].isin(top)]
            kept.append(inside)
            if rest.empty:
                continue
            unit = by_code[code].unit
            denominator = (rest["denominator"].max() if unit in ("percent", "rate_per_10k")
                           else rest["denominator"].sum(min_count=1) if unit in ("mean", "ratio") else None)
            kept.append(pd.DataFrame([{"indicator_code": code, "breakdown": breakdown,
                                       "breakdown_value": other_label(breakdown, len(rest)),
                                       "numerator": rest["numerator"].sum(min_count=1), "denominator": denominator}]))
    return pd.concat(kept, ignore_index=True)


# --- computing a quarter -------------------------------------------------------------------------------

@contextlib.contextmanager
def as_of(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> Iterator[None]:
    """The stg_ views as they stood when `quarter` was filed: returns of later quarters left out.

    A quarter's snapshot (plans open at its end, their category, the latest review) is read from its own
    return, not from a later one's look-back, so a quarter's figures are the same whenever they are computed.
    """
    con.execute("set variable as_of_period = ?", [quarter.partition_key])
    try:
        yield
    finally:
        con.execute("reset variable as_of_period")


@contextlib.contextmanager
def stg_views_computed_once(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Within: each stg_ view read from a temporary table of the same name, computed once (DuckDB reads the temp
    schema first), dropped after. The indicators' SQL reads each view over three or four windows, and recomputing
    the views' version ranking every time was half the quarter's SQL time (measured 5.5 s -> 2.8 s, one quarter);
    a reader of a few views once (the dashboard's registers) is better without it."""
    views = [row[0] for row in con.execute(
        "select view_name from duckdb_views() where not internal and schema_name = 'main' "
        "and database_name = current_database() and view_name like 'stg\\_%' escape '\\'").fetchall()]
    try:
        for view in views:
            con.execute(f'create or replace temp table "{view}" as select * from main."{view}"')
        yield
    finally:
        for view in views:
            con.execute(f'drop table if exists temp.main."{view}"')


def compute_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter, ons_code: str,
                    catalogue: tuple[Indicator, ...] | None = None, limit: int | None = None,
                    cdop_area: str | None = None) -> pd.DataFrame:
    """All catalogue indicators for every window of `quarter`, as rows of VALUE_COLUMNS.

    Every indicator has a 'total' row in every window. Where none of the quarters a window needs was received
    the row's numerator, denominator and value are NULL (status 'not_received'); no breakdown rows.
    `cdop_area`: the CDOP area that is this partnership's own, when it is not the one config/codes.yaml names
    (regional mode: each Black Country partnership files the same CDOP return).
    """
    catalogue = catalogue or load_catalogue()
    by_code = {i.code: i for i in catalogue}
    limit = limit or breakdown_limit()
    load_reference_tables(con, catalogue)
    if cdop_area is not None:
        set_cdop_area(con, cdop_area)
    pop, pop_year = population(con, ons_code, quarter.year)
    received, partner_quarters = received_lists(con), partner_measure_quarters(con)
    covers = {(i.code, w[0]): coverage(i, w[2], w[3], received, partner_quarters)
              for i in catalogue for w in windows(quarter)}
    with as_of(con, quarter), stg_views_computed_once(con):
        values = pd.concat(_compute_windows(con, quarter, catalogue, covers, limit), ignore_index=True)
    values["unit"] = values["indicator_code"].map(lambda c: by_code[c].unit)
    values["numerator"] = pd.to_numeric(values["numerator"], errors="coerce").astype("float64")
    values["denominator"] = pd.to_numeric(values["denominator"], errors="coerce").astype("float64")
    cov = [covers[(c, t)] for c, t in zip(values["indicator_code"], values["period_type"], strict=True)]
    values["status"] = [c.status for c in cov]
    values["coverage"] = [c.coverage for c in cov]
    values["missing_quarters"] = [c.missing_quarters for c in cov]
    values["sources"] = values["indicator_code"].map(lambda c: ", ".join(by_code[c].sources))
    values["disclosure"] = values["indicator_code"].map(lambda c: by_code[c].disclosure)
    # a rate's denominator is the population, and only where there is something to divide
    rate = (values["unit"] == "rate_per_10k") & (values["status"] != NOT_RECEIVED)
    values.loc[rate, "denominator"] = pop
    values["population_year"] = pop_year if pop is not None else None
    values["value"] = _value(values)
    return values[VALUE_COLUMNS]


def _compute_windows(con: duckdb.DuckDBPyConnection, quarter: Quarter, catalogue: tuple[Indicator, ...],
                     covers: dict, limit: int) -> list[pd.DataFrame]:
    """Every SQL file over every window of the quarter, with a total row for each of its indicators."""
    by_code = {i.code: i for i in catalogue}
    frames = []
    for sql_name in sorted({i.sql for i in catalogue}):
        # keep an indicator's rows from its own SQL file only (a partner measure may share a code)
        own_codes = [i.code for i in catalogue if i.sql == sql_name]
        for period_type, label, start, end in windows(quarter):
            wanted = [c for c in own_codes if covers[(c, period_type)].status != NOT_RECEIVED]
            rows = (warehouse.query(con, sql_name, {"period_start": start, "period_end": end})
                    if wanted else pd.DataFrame(columns=["indicator_code", "breakdown", "breakdown_value",
                                                         "numerator", "denominator"]))
            rows = rows[rows["indicator_code"].isin(wanted)]
            rows = limit_categories(rows, by_code, limit)
            # a total row for every indicator, received or not: NULL is "no data", never 0
            have_total = set(rows.loc[rows["breakdown"] == "total", "indicator_code"])
            absent = [{"indicator_code": c, "breakdown": "total", "breakdown_value": "All", "numerator": None,
                       "denominator": None} for c in own_codes if c not in have_total]
            if absent:
                rows = pd.concat([rows, pd.DataFrame(absent)], ignore_index=True) if len(rows) else pd.DataFrame(absent)
            frames.append(rows.assign(period_type=period_type, period_label=label, period_start=start,
                                      period_end=end, quarter_key=quarter.partition_key))
    return frames


def _value(values: pd.DataFrame) -> pd.Series:
    num, den, unit = values["numerator"], values["denominator"], values["unit"]
    safe_den = den.where(den > 0)
    out = num.copy()
    out = out.mask(unit == "percent", 100 * num / safe_den)
    out = out.mask(unit == "rate_per_10k", 10000 * num / safe_den)
    out = out.mask(unit.isin(["ratio", "mean"]), num / safe_den)
    return out


_VALUE_TYPES = {"status": "varchar", "coverage": "varchar", "missing_quarters": "varchar", "sources": "varchar",
                "disclosure": "varchar"}


def store_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter, values: pd.DataFrame) -> int:
    """Replace the quarter's rows of ind_values (a warehouse from before a column existed gains it)."""
    if warehouse.table_exists(con, "ind_values"):
        existing = {r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_name = 'ind_values'").fetchall()}
        for column, sql_type in _VALUE_TYPES.items():
            if column not in existing:
                con.execute(f"alter table ind_values add column {column} {sql_type}")
    return warehouse.replace_rows(con, "ind_values", values, where={"quarter_key": quarter.partition_key})
