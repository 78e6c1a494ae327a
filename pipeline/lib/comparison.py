"""The comparison and reconciliation marts: indicator values beside DfE's benchmarks and each other.

mart_comparison      one row per indicator x period type x period (the 'total' breakdown) per quarter partition:
                     previous value and direction of travel, DfE benchmark year and comparators, gaps,
                     RAG with words, and the difference from DfE's published LA value for completed years.
mart_reconciliation  one row per check x indicator x period per quarter partition: pipeline figures set
                     against the figures that should agree with them (DfE's published values, partner returns).

The logic is SQL (sql/mart/); this module loads the reference tables it reads, runs it and stores one
partition (delete-then-insert). Nothing here imports Dagster.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.lib import indicators, warehouse
from pipeline.lib.periods import Quarter

COMPARISON_COLUMNS = [
    "indicator_code", "title", "section", "unit", "decimals", "polarity", "period_type", "period_label", "quarter_key",
    "period_end", "value", "numerator", "denominator", "suppressed", "previous_label", "previous_value", "change",
    "direction", "travel", "benchmark_year", "benchmark_release", "la_published", "england", "region_name",
    "region_value", "sn_model", "sn_mean", "sn_median", "sn_count", "national_rank", "ranked_of", "quartile",
    "gap_to_england", "gap_to_region", "gap_to_sn", "rag", "rag_label", "rag_basis", "reconciliation_diff",
    # added to the contract: which DfE measure was used, and whether DfE's annual figure is comparable
    "benchmark_code", "benchmark_comparable",
    # received, partial, not received (from ind_values), and whom disclosure control protects
    "status", "coverage", "missing_quarters", "disclosure",
]

RECONCILIATION_COLUMNS = [
    "check_code", "indicator_code", "check_title", "period_type", "period_label", "quarter_key", "period_end",
    "pipeline_label", "pipeline_value", "compared_label", "compared_value", "difference", "tolerance",
    "tolerance_relative", "beyond_tolerance", "status",
]


_TYPES = {
    "mart_comparison": """indicator_code varchar, title varchar, section varchar, unit varchar, decimals integer,
        polarity varchar, period_type varchar, period_label varchar, quarter_key varchar, period_end date,
        value double, numerator double, denominator double, suppressed boolean, previous_label varchar,
        previous_value double, change double, direction varchar, travel varchar, benchmark_year varchar,
        benchmark_release varchar, la_published double, england double, region_name varchar, region_value double,
        sn_model varchar, sn_mean double, sn_median double, sn_count bigint, national_rank bigint, ranked_of bigint,
        quartile varchar, gap_to_england double, gap_to_region double, gap_to_sn double, rag varchar,
        rag_label varchar, rag_basis varchar, reconciliation_diff double, benchmark_code varchar,
        benchmark_comparable boolean, status varchar, coverage varchar, missing_quarters varchar,
        disclosure varchar""",
    "mart_reconciliation": """check_code varchar, indicator_code varchar, check_title varchar, period_type varchar,
        period_label varchar, quarter_key varchar, period_end date, pipeline_label varchar, pipeline_value double,
        compared_label varchar, compared_value double, difference double, tolerance double,
        tolerance_relative boolean, beyond_tolerance boolean, status varchar""",
}


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The marts' DDL, so an empty first partition still gives typed columns; a column added since is added."""
    for table, columns in _TYPES.items():
        con.execute(f"create table if not exists {table} ({columns})")
        existing = {r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_name = ?", [table]).fetchall()}
        for column in columns.split(","):
            name, sql_type = column.split()
            if name not in existing:
                con.execute(f"alter table {table} add column {name} {sql_type}")


def load_tolerances(con: duckdb.DuckDBPyConnection) -> None:
    frame = indicators.reconciliation_tolerances()
    con.register("_tolerances", frame)
    try:
        con.execute("create or replace table ref_reconciliation_tolerance as select * from _tolerances")
    finally:
        con.unregister("_tolerances")


def compare_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> pd.DataFrame:
    """mart_comparison rows for one quarter partition (needs ind_values and bm_comparators)."""
    indicators.load_catalogue_table(con)
    frame = warehouse.query(con, "mart_comparison", {"quarter_key": quarter.partition_key})
    return frame[COMPARISON_COLUMNS]


def store_comparison(con: duckdb.DuckDBPyConnection, quarter: Quarter, frame: pd.DataFrame) -> int:
    ensure_tables(con)
    return warehouse.replace_rows(con, "mart_comparison", frame, where={"quarter_key": quarter.partition_key})


def reconcile_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> pd.DataFrame:
    """mart_reconciliation rows for every window of one quarter partition (needs mart_comparison)."""
    load_tolerances(con)
    ensure_tables(con)
    frames = []
    for period_type, label, start, end in indicators.windows(quarter):
        frames.append(warehouse.query(con, "mart_reconciliation", {
            "quarter_key": quarter.partition_key, "period_type": period_type, "period_label": label,
            "period_start": start, "period_end": end}))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=RECONCILIATION_COLUMNS)
    return pd.concat(frames, ignore_index=True)[RECONCILIATION_COLUMNS]


def store_reconciliation(con: duckdb.DuckDBPyConnection, quarter: Quarter, frame: pd.DataFrame) -> int:
    ensure_tables(con)
    return warehouse.replace_rows(con, "mart_reconciliation", frame, where={"quarter_key": quarter.partition_key})
