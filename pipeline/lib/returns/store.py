"""DuckDB tables for the intake. Python owns this DDL; it is generated from the return specifications.

raw_files      one row per file ever filed (every version), with its status and whether it is current
raw_sheets     one row per file x list: rows read, loaded, quarantined, outside the period, blank
raw_issues     one row per problem found (file, sheet, Excel row, column, value, rule, message)
raw_mappings   one row per tolerant mapping applied (heading variants, code spellings, date forms)
raw_quarantine one row per quarantined input row, with its rules
raw_<list>     every loaded row of every version of a list, typed, pseudonymised, with lineage
stg_<list>     view: the current version of each return, de-duplicated on the list's natural key; as of a quarter
               when the DuckDB variable `as_of_period` is set (pipeline.lib.indicators.as_of): only returns filed
               for that quarter or earlier, so a quarter's figures never change when a later quarter is filed
"""

from __future__ import annotations

import hashlib

import duckdb

from pipeline.lib.returns.spec import ReturnSpec, SheetSpec

SQL_TYPES = {"child_id": "varchar", "code": "varchar", "measure": "varchar", "date": "date", "datetime": "timestamp",
             "integer": "bigint", "number": "double", "text": "varchar", "postcode": "varchar",
             "codes": "varchar", "reference": "varchar", "free_text": "varchar", "quarter": "date", "indicator": "varchar"}

LOG_TABLES = {
    "raw_files": """file_id varchar, period_key varchar, period_label varchar, relative_path varchar, file_name varchar,
        sha256 varchar, size_bytes bigint, modified_at timestamp, return_type varchar, agency varchar, status varchar,
        rule varchar, message varchar, present boolean, is_current boolean""",
    "raw_sheets": """file_id varchar, period_key varchar, sheet_key varchar, sheet_title varchar, sheet_name varchar,
        header_row integer, rows_read bigint, rows_loaded bigint, rows_quarantined bigint, rows_outside_period bigint,
        blank_rows bigint, status varchar, reason varchar""",
    "raw_issues": """file_id varchar, period_key varchar, file_name varchar, agency varchar, sheet_name varchar,
        source_row bigint, column_name varchar, value varchar, rule varchar, severity varchar, message varchar""",
    "raw_mappings": """file_id varchar, period_key varchar, file_name varchar, sheet_name varchar, kind varchar,
        column_name varchar, from_value varchar, to_value varchar, rows bigint""",
    "raw_quarantine": "file_id varchar, period_key varchar, sheet_key varchar, source_row bigint, rules varchar",
}

LINEAGE = "file_id varchar, period_key varchar, filed_by varchar, source_file varchar, source_sheet varchar, source_row bigint, in_period boolean"


def data_columns(sheet: SheetSpec) -> list[tuple[str, str]]:
    return [(c.name, SQL_TYPES[c.type]) for c in sheet.columns if c.stored]


def ensure_tables(con: duckdb.DuckDBPyConnection, specs: dict[str, ReturnSpec]) -> None:
    for table, columns in LOG_TABLES.items():
        con.execute(f"create table if not exists {table} ({columns})")
    existing: dict[str, set[str]] = {}
    # duckdb_columns() lists what information_schema.columns does (user tables and views) at a fifth of the cost
    for table, column in con.execute("select table_name, column_name from duckdb_columns() where not internal").fetchall():
        existing.setdefault(table, set()).add(column)
    if "reason" not in existing.get("raw_sheets", {"reason"}):   # a warehouse from before sheets not read were kept
        con.execute("alter table raw_sheets add column reason varchar")
    # Each view carries a stamp of its SQL (its comment): one whose SQL is unchanged is not built again (that was
    # ~50 ms of every intake for 21 views). DuckDB binds a view's `r.*` when it is queried, so a column added below
    # shows in the view without rebuilding it (tests/returns/test_store_views.py).
    stamps = dict(con.execute("select view_name, comment from duckdb_views() where not internal").fetchall())
    ddl: list[str] = []   # sent as one script: a round trip per statement cost a third more
    for spec in specs.values():
        for sheet in spec.sheets:
            cols = ", ".join(f"{name} {sql_type}" for name, sql_type in data_columns(sheet))
            if sheet.raw_table not in existing:
                ddl.append(f"create table {sheet.raw_table} ({LINEAGE}, {cols})")
            else:
                ddl += _new_columns(sheet, existing[sheet.raw_table])
            sql = _view_sql(sheet)
            stamp = hashlib.sha256(sql.encode()).hexdigest()[:16]
            if stamps.get(sheet.table) != stamp:
                ddl += [sql, f"comment on view {sheet.table} is '{stamp}'"]
    if ddl:
        con.execute(";\n".join(ddl))


def _view_sql(sheet: SheetSpec) -> str:
    key = ", ".join(f"r.{k}" for k in sheet.natural_key)
    plain_key = ", ".join(sheet.natural_key)
    return f"""
                create or replace view {sheet.table} as
                with versions as (
                    select r.*, f.modified_at as _modified_at, f.file_name as _file_name,
                        -- the n-th row with this key in its file: lets repeated keys survive de-duplication
                        row_number() over (partition by r.file_id, r.period_key, {key} order by r.source_row) as _key_occurrence
                    from {sheet.raw_table} r
                    join raw_files f on f.file_id = r.file_id and f.period_key = r.period_key
                    where f.is_current
                      -- as of a quarter: no later return (period keys '2022-23-Q4' sort in time order)
                      and r.period_key <= coalesce(getvariable('as_of_period'), r.period_key)
                )
                select * exclude (_version_rank, _modified_at, _file_name, _key_occurrence) from (
                    select *, row_number() over (
                        partition by {plain_key}, _key_occurrence
                        order by period_key desc, _modified_at desc, _file_name desc, source_row
                    ) as _version_rank
                    from versions
                ) where _version_rank = 1
            """


def _new_columns(sheet: SheetSpec, existing: set[str]) -> list[str]:
    """A column added to a specification later is added to the existing table, not a reason to rebuild."""
    return [f"alter table {sheet.raw_table} add column {name} {sql_type}"
            for name, sql_type in data_columns(sheet) if name not in existing]
