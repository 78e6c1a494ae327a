"""DuckDB helpers: open the warehouse, run a SQL file with parameters, replace one partition; one run at a time.

Python owns DDL; SQL files hold one `select` each, so they can be tested on literal rows.

DuckDB lets one process write a database file, and no other process read it meanwhile. A run therefore holds
the warehouse's run lock (`RunLock`, an flock on `warehouse.duckdb.run-lock` that the system releases when the
process ends, however it ends) from its first step to its last, so a second run cannot slip in between two of
its steps; the second run stops at once with one line naming the process that holds it (`WarehouseBusy`).
In Dagster's UI, runs queue instead (dagster.yaml: one run at a time).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
import sys
from pathlib import Path
from typing import ClassVar, Self

import duckdb
import pandas as pd

from pipeline.lib.paths import SQL_DIR

LOCK_SUFFIX = ".run-lock"


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse. The message is one line saying which and what to do."""


def _busy(db_path: Path, holder: str) -> WarehouseBusy:
    return WarehouseBusy(f"Another run ({holder}) holds the warehouse {db_path}: wait for it to finish, "
                         "then run again.")


def connect(db_path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    db_path = Path(db_path)
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(db_path), read_only=read_only)
    except duckdb.IOException as err:
        # DuckDB's own words: 'Could not set lock on file ...: Conflicting lock is held in <exe> (PID 123) ...'
        if "lock" not in str(err).lower():
            raise
        pid = re.search(r"PID (\d+)", str(err))
        raise _busy(db_path, f"process {pid.group(1)}" if pid else "another process") from None


class RunLock:
    """The warehouse's run lock: held from `acquire()` to `release()`, or until the process ends.

    Re-entrant within a process (the CLI holds it across the jobs of one command, each job's run takes it
    again); another process trying to take it gets WarehouseBusy at once, naming the holder.
    """

    _held: ClassVar[dict[Path, list]] = {}  # lock file -> [open file, times acquired] in this process

    def __init__(self, db_path: str | Path):
        self.db_path = Path(db_path)
        self.path = self.db_path.with_name(self.db_path.name + LOCK_SUFFIX).resolve()
        self._acquired = False

    def acquire(self) -> Self:
        if self._acquired:
            return self
        held = RunLock._held.get(self.path)
        if held is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fh = self.path.open("a+", encoding="utf-8")
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                fh.close()
                raise _busy(self.db_path, holder) from None
            fh.seek(0)
            fh.truncate()
            started = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
            fh.write(f"process {os.getpid()}, {Path(sys.argv[0]).name or 'python'}, started {started}")
            fh.flush()
            held = RunLock._held[self.path] = [fh, 0]
        held[1] += 1
        self._acquired = True
        return self

    def release(self) -> None:
        if not self._acquired:
            return
        self._acquired = False
        held = RunLock._held[self.path]
        held[1] -= 1
        if held[1] == 0:
            del RunLock._held[self.path]
            fh = held[0]
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()

    def __enter__(self) -> Self:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


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
