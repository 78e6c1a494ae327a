"""Reading indicator values out of the warehouse for the dashboard and the report."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.lib.periods import FinancialYear, Quarter


def indicator_values(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("select * from ind_values order by quarter_key, indicator_code").df()


def headline(values: pd.DataFrame, code: str, period_type: str, period_label: str) -> pd.Series | None:
    rows = values[(values["indicator_code"] == code) & (values["period_type"] == period_type)
                  & (values["period_label"] == period_label) & (values["breakdown"] == "total")]
    return None if rows.empty else rows.iloc[0]


def quarter_series(values: pd.DataFrame, code: str, up_to: Quarter) -> pd.DataFrame:
    rows = values[(values["indicator_code"] == code) & (values["period_type"] == "quarter")
                  & (values["breakdown"] == "total") & (values["quarter_key"] <= up_to.partition_key)]
    return rows.sort_values("quarter_key")[["quarter_key", "period_label", "numerator", "denominator", "value"]]


def year_value(values: pd.DataFrame, code: str, year: FinancialYear) -> pd.Series | None:
    return headline(values, code, "year", year.label)


def breakdown(values: pd.DataFrame, code: str, period_type: str, period_label: str) -> pd.DataFrame:
    rows = values[(values["indicator_code"] == code) & (values["period_type"] == period_type)
                  & (values["period_label"] == period_label) & (values["breakdown"] != "total")]
    return rows.sort_values("numerator", ascending=False)


def source_files(con: duckdb.DuckDBPyConnection, quarter_keys: list[str]) -> pd.DataFrame:
    return con.execute("""
        select period_label, relative_path, sha256, return_type, agency, status
        from raw_files where present and period_key in (select unnest(?)) order by period_key, relative_path
    """, [quarter_keys]).df()
