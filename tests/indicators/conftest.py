"""Fixtures for the indicator tests: a real in-memory DuckDB with the intake's own tables and stg_ views.

Rows are given as literal dicts and inserted into raw_<list> under a current raw_files entry for their
quarter, so the SQL under test reads the same stg_ views (de-duplicated, latest version) as in production.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from pipeline.lib import indicators, warehouse
from pipeline.lib.returns.spec import load_specs
from pipeline.lib.returns.store import ensure_tables

D = dt.date
YEAR = {"period_start": D(2022, 4, 1), "period_end": D(2023, 3, 31)}
Q4 = {"period_start": D(2023, 1, 1), "period_end": D(2023, 3, 31)}

SHEETS = {sheet.table: sheet for spec in load_specs().values() for sheet in spec.sheets}
RETURN_OF = {sheet.table: spec.return_type for spec in load_specs().values() for sheet in spec.sheets}


@pytest.fixture
def con():
    c = duckdb.connect()
    ensure_tables(c, load_specs())
    indicators.load_reference_tables(c)
    yield c
    c.close()


def given(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict], period_key: str = "2022-23-Q4",
          file_name: str = "return.xlsx") -> None:
    """Load literal rows as the current return of `table` (a stg_ name) for the quarter `period_key`.

    The list is logged as received for the quarter (raw_files current, raw_sheets 'loaded', or 'empty' when
    `rows` is empty), as the intake logs it.
    """
    sheet = SHEETS[table]
    file_id = f"{file_name}:{period_key}"
    if not con.execute("select count(*) from raw_files where file_id = ? and period_key = ?",
                       [file_id, period_key]).fetchall()[0][0]:
        con.execute("insert into raw_files (file_id, period_key, file_name, modified_at, return_type, status, present, "
                    "is_current) values (?, ?, ?, timestamp '2023-04-10 09:00', ?, 'loaded', true, true)",
                    [file_id, period_key, file_name, RETURN_OF[table]])
    con.execute("delete from raw_sheets where file_id = ? and period_key = ? and sheet_key = ?",
                [file_id, period_key, sheet.key])
    con.execute("insert into raw_sheets (file_id, period_key, sheet_key, sheet_title, sheet_name, rows_read, "
                "rows_loaded, rows_quarantined, status) values (?, ?, ?, ?, ?, ?, ?, 0, ?)",
                [file_id, period_key, sheet.key, sheet.title, sheet.title, len(rows), len(rows),
                 "loaded" if rows else "empty"])
    for n, row in enumerate(rows, start=2):
        unknown = set(row) - {c.name for c in sheet.columns}
        assert not unknown, f"{table} has no columns {unknown}"
        columns = ["file_id", "period_key", "source_row", *row]
        con.execute(f"insert into {sheet.raw_table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
                    [file_id, period_key, n, *row.values()])


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict = YEAR):
    return warehouse.query(con, sql, params)


def totals(con: duckdb.DuckDBPyConnection, sql: str, params: dict = YEAR) -> dict[str, tuple]:
    """indicator_code -> (numerator, denominator) of the 'total' rows; None for a missing denominator."""
    rows = run(con, sql, params)
    rows = rows[rows["breakdown"] == "total"]
    return {r.indicator_code: (_plain(r.numerator), _plain(r.denominator)) for r in rows.itertuples()}


def breakdown(con: duckdb.DuckDBPyConnection, sql: str, code: str, params: dict = YEAR) -> dict[str, tuple]:
    rows = run(con, sql, params)
    rows = rows[(rows["indicator_code"] == code) & (rows["breakdown"] != "total")]
    return {r.breakdown_value: (_plain(r.numerator), _plain(r.denominator)) for r in rows.itertuples()}


def _plain(v):
    if pd.isna(v):
        return None
    return int(v) if float(v).is_integer() else float(v)
