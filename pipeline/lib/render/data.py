"""Reading indicator values out of the warehouse for the dashboard and the report.

Every reader here degrades gracefully: a table that a later stage of the pipeline builds (mart_comparison,
mart_reconciliation, bm_comparators, the intake's log tables) may not exist yet, and the dashboard must still
build. Such a reader returns None (or an empty frame) and the page says what is missing.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.lib import warehouse
from pipeline.lib.periods import FinancialYear, Quarter


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return warehouse.table_exists(con, table)


def indicator_values(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("select * from ind_values order by quarter_key, indicator_code").df()


def headline(values: pd.DataFrame, code: str, period_type: str, period_label: str) -> pd.Series | None:
    rows = values[(values["indicator_code"] == code) & (values["period_type"] == period_type)
                  & (values["period_label"] == period_label) & (values["breakdown"] == "total")]
    return None if rows.empty else rows.iloc[0]


def quarter_series(values: pd.DataFrame, code: str, up_to: Quarter, period_type: str = "quarter") -> pd.DataFrame:
    """One row per quarter up to `up_to`: the quarter's own value, or (period_type='rolling_12m') the 12 months to it."""
    rows = values[(values["indicator_code"] == code) & (values["period_type"] == period_type)
                  & (values["breakdown"] == "total") & (values["quarter_key"] <= up_to.partition_key)]
    return rows.sort_values("quarter_key")[["quarter_key", "period_label", "numerator", "denominator", "value"]]


def year_value(values: pd.DataFrame, code: str, year: FinancialYear) -> pd.Series | None:
    return headline(values, code, "year", year.label)


def breakdown(values: pd.DataFrame, code: str, period_type: str, period_label: str) -> pd.DataFrame:
    rows = values[(values["indicator_code"] == code) & (values["period_type"] == period_type)
                  & (values["period_label"] == period_label) & (values["breakdown"] != "total")]
    return rows.sort_values("numerator", ascending=False)


def source_files(con: duckdb.DuckDBPyConnection, quarter_keys: list[str]) -> pd.DataFrame:
    if not has_table(con, "raw_files"):
        return pd.DataFrame(columns=["period_label", "relative_path", "sha256", "return_type", "agency", "status"])
    return con.execute("""
        select period_label, relative_path, sha256, return_type, agency, status
        from raw_files where present and period_key in (select unnest(?)) order by period_key, relative_path
    """, [quarter_keys]).df()


# ---- comparison with England, the region and statistical neighbours --------------------------------------------

def comparison(con: duckdb.DuckDBPyConnection, up_to: Quarter) -> pd.DataFrame | None:
    """mart_comparison (the contract in docs/contracts.md) up to the quarter, or None while it is not built."""
    if not has_table(con, "mart_comparison"):
        return None
    return con.execute("select * from mart_comparison where quarter_key <= ? order by quarter_key, indicator_code",
                       [up_to.partition_key]).df()


def comparators(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """bm_comparators: one row per DfE indicator x year (the LA, England, region, SN, rank, quartile, release)."""
    if not has_table(con, "bm_comparators"):
        return pd.DataFrame(columns=["indicator_code", "year_label", "la_value", "england", "region_name", "region_value",
                                     "sn_model", "sn_value", "sn_mean", "national_rank", "ranked_of", "quartile",
                                     "release", "release_date"])
    return con.execute("select * from bm_comparators order by indicator_code, year_label").df()


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
