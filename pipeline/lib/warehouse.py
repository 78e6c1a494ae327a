"""DuckDB helpers: open the warehouse, run a SQL file with parameters, replace one partition.

Python owns DDL; SQL files hold one `select` each, so they can be tested on literal rows.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from pipeline.lib.paths import SQL_DIR


def connect(db_path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    db_path = Path(db_path)
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(db_path), read_only=read_only)


def sql_text(name: str) -> str:
    """Text of `sql/<layer>/<name>.sql`; `name` may be `ind/ind_contacts` or a bare stem."""
    path = SQL_DIR / f"{name}.sql"
    if not path.exists():
        matches = list(SQL_DIR.glob(f"*/{name}.sql"))
        if len(matches) != 1:
            raise FileNotFoundError(f"No single SQL file named {name}.sql under {SQL_DIR}")
        path = matches[0]
    return path.read_text(encoding="utf-8")


def query(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> pd.DataFrame:
    """Run a SQL file (its single select) with named parameters and return a DataFrame."""
    return con.execute(sql_text(name), params or {}).df()


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    # fetchall, not fetchone: DuckDB 2.0 treats a half-read result as unfinished and refuses the next query.
    rows = con.execute("select count(*) from information_schema.tables where table_name = ?", [table]).fetchall()
    return bool(rows[0][0])


def replace_rows(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, where: dict[str, object]
) -> int:
    """Idempotent write: delete the rows matching `where`, then insert `frame`.

    Creates the table from the frame's schema the first time. Columns are matched by name,
    so a frame may list them in any order.
    """
    con.register("_incoming", frame)
    try:
        if not table_exists(con, table):
            con.execute(f'create table "{table}" as select * from _incoming limit 0')
        if where:
            clause = " and ".join(f'"{k}" = ?' for k in where)
            con.execute(f'delete from "{table}" where {clause}', list(where.values()))
        con.execute(f'insert into "{table}" by name select * from _incoming')
    finally:
        con.unregister("_incoming")
    return len(frame)
