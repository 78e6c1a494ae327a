"""Reading indicator values out of the warehouse for the dashboard and the report.

The dashboard needs every table it shows (`require`): a table that is missing is an error naming the asset
that builds it, never an empty section ("No differences to report" over a reconciliation never built).
Readers that the report also uses still return None or an empty frame when a table is absent.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.lib import warehouse
from pipeline.lib.periods import Quarter


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return warehouse.table_exists(con, table)


class MissingTable(RuntimeError):
    """A table the dashboard shows is not in the warehouse."""


def require(con: duckdb.DuckDBPyConnection, tables: dict[str, str], what: str = "The dashboard") -> None:
    """Every table in `tables` (table -> the asset that builds it) exists, or one error naming all that do not."""
    missing = [f"{t} (asset {asset})" for t, asset in tables.items() if not has_table(con, t)]
    if missing:
        raise MissingTable(f"{what} shows tables that are not in the warehouse: {', '.join(missing)}. "
                           "Materialise those assets for the quarter first (quarter_job builds them in order).")


VALUE_FIELDS = ["indicator_code", "period_type", "period_label", "quarter_key", "breakdown", "breakdown_value",
                "numerator", "denominator", "value", "status", "coverage", "sources"]


COMPARISON_FIELDS = ["indicator_code", "period_type", "period_label", "value", "previous_label", "previous_value",
                     "direction", "travel", "benchmark_year", "benchmark_release", "benchmark_comparable", "la_published",
                     "england", "region_name", "region_value", "sn_mean", "sn_median", "national_rank", "ranked_of",
                     "quartile", "rag", "rag_label", "rag_basis"]


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


class ValueIndex:
    """ind_values up to a quarter as plain dicts, indexed the ways the page reads them (a pandas filter per card
    cost seconds a quarter; a dict lookup costs nothing)."""

    def __init__(self, rows: list[dict]):
        self.totals: dict[tuple, dict] = {}                 # (code, period_type, label) -> total row
        self.by_quarter: dict[tuple, dict] = {}             # (code, period_type) -> {quarter_key: total row}
        self.parts: dict[tuple, list[dict]] = {}            # (code, period_type, label) -> breakdown rows
        self.dimension: dict[str, str] = {}                 # code -> its breakdown's name
        self.quarter_keys: set[str] = set()
        for r in rows:
            key = (r["indicator_code"], r["period_type"], r["period_label"])
            self.quarter_keys.add(str(r["quarter_key"]))
            if r["breakdown"] == "total":
                self.totals[key] = r
                self.by_quarter.setdefault(key[:2], {})[str(r["quarter_key"])] = r
            else:
                self.parts.setdefault(key, []).append(r)
                self.dimension.setdefault(r["indicator_code"], str(r["breakdown"]))
        for parts in self.parts.values():                   # largest first, ties by name
            parts.sort(key=lambda r: (-(r["numerator"] if r["numerator"] is not None else -1), str(r["breakdown_value"])))


def indicator_values(con: duckdb.DuckDBPyConnection, up_to: Quarter) -> ValueIndex:
    return ValueIndex(_records(con, f"select {', '.join(VALUE_FIELDS)} from ind_values where quarter_key <= ?",
                               [up_to.partition_key]))


def comparison(con: duckdb.DuckDBPyConnection, up_to: Quarter) -> dict[tuple, dict]:
    """mart_comparison (docs/contracts.md) up to the quarter: (code, period_type, period_label) -> row."""
    rows = _records(con, f"select {', '.join(COMPARISON_FIELDS)} from mart_comparison where quarter_key <= ? "
                         "order by quarter_key", [up_to.partition_key])
    return {(r["indicator_code"], r["period_type"], r["period_label"]): r for r in rows}


def neighbour_values(con: duckdb.DuckDBPyConnection) -> dict[tuple, list[dict]]:
    """bm_neighbour_values: (benchmark code, DfE year) -> the ten statistical neighbours, in the model's order."""
    out: dict[tuple, list[dict]] = {}
    for r in _records(con, "select indicator_code, year_label, neighbour_order, neighbour_name, value_num, status "
                           "from bm_neighbour_values order by indicator_code, year_label, neighbour_order", []):
        out.setdefault((r["indicator_code"], r["year_label"]), []).append(r)
    return out


def source_files(con: duckdb.DuckDBPyConnection, quarter_keys: list[str]) -> pd.DataFrame:
    if not has_table(con, "raw_files"):
        return pd.DataFrame(columns=["period_label", "relative_path", "sha256", "return_type", "agency", "status"])
    return con.execute("""
        select period_label, relative_path, sha256, return_type, agency, status
        from raw_files where present and period_key in (select unnest(?)) order by period_key, relative_path
    """, [quarter_keys]).df()


# ---- data quality --------------------------------------------------------------------------------------------

def files_for_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> pd.DataFrame:
    """Every file filed for the quarter that is still in its folder, newest version first."""
    cols = ["return_type", "agency", "file_name", "relative_path", "status", "rule", "message", "modified_at",
            "is_current", "size_bytes"]
    if not has_table(con, "raw_files"):
        return pd.DataFrame(columns=cols)
    return con.execute(f"""
        select {", ".join(cols)} from raw_files
        where period_key = ? and present
        order by return_type, modified_at desc
    """, [quarter.partition_key]).df()


def sheets_for_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> pd.DataFrame:
    """Rows read, loaded and quarantined per agency and list, for the current version of each return."""
    if not (has_table(con, "raw_files") and has_table(con, "raw_sheets")):
        return pd.DataFrame(columns=["agency", "return_type", "file_name", "sheet", "rows_read", "rows_loaded",
                                     "rows_quarantined", "rows_outside_period", "blank_rows"])
    return con.execute("""
        select coalesce(f.agency, 'Unknown') as agency, f.return_type, f.file_name,
               coalesce(s.sheet_title, s.sheet_name, s.sheet_key) as sheet,
               s.rows_read, s.rows_loaded, s.rows_quarantined, s.rows_outside_period, s.blank_rows
        from raw_sheets s join raw_files f on f.file_id = s.file_id and f.period_key = s.period_key
        where s.period_key = ? and f.present and f.is_current
        order by agency, f.return_type, sheet
    """, [quarter.partition_key]).df()


def top_issues(con: duckdb.DuckDBPyConnection, quarter: Quarter, limit: int = 10) -> pd.DataFrame:
    """The most frequent problems found in the quarter's returns, by agency, rule and severity."""
    if not has_table(con, "raw_issues"):
        return pd.DataFrame(columns=["agency", "rule", "severity", "example", "issues", "rows"])
    return con.execute("""
        select coalesce(agency, 'Unknown') as agency, rule, severity, any_value(message) as example,
               count(*) as issues, count(distinct file_id || ':' || coalesce(sheet_name, '') || ':' || coalesce(source_row::varchar, '')) as rows
        from raw_issues where period_key = ?
        group by all order by issues desc, agency, rule limit ?
    """, [quarter.partition_key, limit]).df()


RECONCILIATION_COLUMNS = {"check_title": "Check", "indicator_code": "Indicator", "period_label": "Period",
                          "pipeline_value": "Pipeline", "compared_label": "Compared with", "compared_value": "Their figure",
                          "difference": "Difference", "tolerance": "Tolerance", "status": "Status"}


def reconciliation(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> pd.DataFrame | None:
    """mart_reconciliation rows computed for the quarter, differences beyond tolerance first, with readable
    column names (docs/contracts.md); None while the table is not built."""
    if not has_table(con, "mart_reconciliation"):
        return None
    frame = con.execute("select * from mart_reconciliation").df()
    if "quarter_key" in frame.columns:
        frame = frame[frame["quarter_key"].astype(str) == quarter.partition_key]
    if "status" in frame.columns:
        order = {"beyond tolerance": 0, "one side missing": 2}
        frame = frame.assign(_o=frame["status"].map(lambda s: order.get(s, 1))).sort_values("_o").drop(columns="_o")
    keep = [c for c in RECONCILIATION_COLUMNS if c in frame.columns]
    return frame[keep].rename(columns=RECONCILIATION_COLUMNS) if keep else frame
