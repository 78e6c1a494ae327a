"""Where each partnership's data lives, and the shared DfE reference every partnership reads.

One DuckDB file per partnership (`<data_dir>/partnerships/<slug>/warehouse.duckdb`): DuckDB admits one writer per
file, so two partnerships' runs never meet, and within a partnership the queue runs one at a time (deploy/
dagster.yaml's tag limit) under the same run lock as the single-partnership project. The measurement behind this
choice is in deploy/README.md.

DfE's reference files are loaded once into `<data_dir>/reference.duckdb`, written to a temporary file and renamed,
so a run reading the old one is never disturbed; each partnership's run copies the tables in when the reference's
build id differs from the one it copied last (attached read-only: any number of processes may read it at once).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.lib import benchmarks, warehouse
from pipeline.lib.warehouse import sql_text
from pipeline.regional.config import Partnership

REFERENCE_DB = "reference.duckdb"


@dataclass(frozen=True)
class PartnershipStore:
    data_dir: Path
    partnership: Partnership

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw" / self.partnership.slug

    @property
    def root(self) -> Path:
        return self.data_dir / "partnerships" / self.partnership.slug

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def db_path(self) -> Path:
        return self.root / "warehouse.duckdb"

    @contextlib.contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The partnership's warehouse for writing, under its run lock (another process gets WarehouseBusy)."""
        with warehouse.RunLock(self.db_path), warehouse.connect(self.db_path) as con:
            yield con

    def reading(self) -> duckdb.DuckDBPyConnection:
        return warehouse.connect(self.db_path, read_only=True)


def reference_path(data_dir: Path) -> Path:
    return Path(data_dir) / REFERENCE_DB


def build_reference(data_dir: Path, reference_dir: Path, config: dict) -> dict:
    """Load DfE's and ONS's files into reference.duckdb (atomically: a temp file renamed over the old)."""
    target = reference_path(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(partial)) as con:
            summary = benchmarks.load_reference(con, Path(reference_dir), config)
            build_id = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
            con.execute("create table ref_build as select ? as build_id", [build_id])
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return {**summary, "build_id": build_id}


def sync_reference(con: duckdb.DuckDBPyConnection, data_dir: Path) -> str:
    """Copy the reference tables into this partnership's warehouse if they are not this build's; its build id."""
    source = reference_path(data_dir)
    if not source.exists():
        raise FileNotFoundError(f"No reference warehouse at {source}: materialise regional_reference first "
                                "(it loads DfE's and ONS's files every partnership compares itself with).")
    con.execute(f"attach '{source}' as ref (read_only)")
    try:
        (build_id,) = con.execute("select build_id from ref.ref_build").fetchall()[0]
        # not warehouse.table_exists: information_schema would find the attached ref.ref_build too
        local = con.execute("select count(*) from duckdb_tables() where database_name = current_database() "
                            "and schema_name = 'main' and table_name = 'ref_build'").fetchall()[0][0]
        have = con.execute("select build_id from main.ref_build").fetchall()[0][0] if local else None
        if have != build_id:
            tables = [r[0] for r in con.execute(
                "select table_name from duckdb_tables() where database_name = 'ref'").fetchall()]
            con.execute("begin transaction")
            for table in tables:
                con.execute(f'create or replace table main."{table}" as select * from ref."{table}"')
            con.execute("commit")
    finally:
        con.execute("detach ref")
    return build_id


COMPARATOR_TABLES = ("bm_comparators", "bm_neighbour_values")   # each built from its sql/bm/<table>.sql


def ensure_comparators(con: duckdb.DuckDBPyConnection, config: dict, build_id: str) -> bool:
    """bm_comparators and bm_neighbour_values (benchmarks.build_comparators writes both) rebuilt only when what
    they are made from changed: the reference build, the partnership's comparator settings or their SQL (a
    fingerprint of these is kept beside them), or when either table is missing. True if they were rebuilt.
    A partnership's every quarter rebuilt them before (~0.3 s each, 612 times for England's year)."""
    fingerprint = hashlib.sha256(json.dumps(
        [build_id, benchmarks.comparator_params(config), *(sql_text(f"bm/{t}") for t in COMPARATOR_TABLES)],
        sort_keys=True, default=str).encode()).hexdigest()
    con.execute("create table if not exists regional_comparators_built (fingerprint varchar)")
    built = con.execute("select fingerprint from regional_comparators_built").fetchall()
    if built == [(fingerprint,)] and all(warehouse.table_exists(con, t) for t in COMPARATOR_TABLES):
        return False
    con.execute("begin transaction")
    benchmarks.build_comparators(con, config)
    con.execute("delete from regional_comparators_built")
    con.execute("insert into regional_comparators_built values (?)", [fingerprint])
    con.execute("commit")
    return True
