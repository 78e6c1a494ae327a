"""Which columns of a list the figures need, derived from the SQL that computes them (so it cannot drift).

A column is needed when an indicator or mart query (sql/ind/*.sql, sql/mart/*.sql) that reads the list's table
names it, when it is part of the list's natural key or of the rule that places a row in a period, or when the
specification says `needed: true`. Lists read by Python code (the learning registers) need every column.

A bad value in a needed column quarantines the row; in any other column the cell is left empty, the row is
loaded and the problem is a warning naming the cell.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import duckdb

from pipeline.lib.paths import SQL_DIR
from pipeline.lib.returns.spec import SheetSpec

PIPELINE_DIR = Path(__file__).resolve().parents[2]


def _walk(node, tables: set[str], columns: set[str]) -> None:
    if isinstance(node, dict):
        if node.get("type") == "BASE_TABLE":
            tables.add(node["table_name"])
        if node.get("class") == "COLUMN_REF":
            columns.add(node["column_names"][-1].lower())
        for value in node.values():
            _walk(value, tables, columns)
    elif isinstance(node, list):
        for value in node:
            _walk(value, tables, columns)


@lru_cache(maxsize=64)
def sql_uses(path: Path) -> tuple[frozenset[str], frozenset[str]]:
    """(tables read, column names referenced) of one SQL file, from DuckDB's own parser."""
    parsed = json.loads(duckdb.execute("select json_serialize_sql(?)", [path.read_text(encoding="utf-8")])
                        .fetchall()[0][0])
    if parsed.get("error"):
        raise ValueError(f"{path.name}: DuckDB cannot parse it: {parsed.get('error_message')}")
    tables: set[str] = set()
    columns: set[str] = set()
    _walk(parsed, tables, columns)
    return frozenset(tables), frozenset(columns)


@lru_cache(maxsize=1)
def _consumers() -> tuple[tuple[str, frozenset[str], frozenset[str], tuple[str, ...]], ...]:
    """(sql name, tables, columns, indicator codes it computes) of every indicator and mart query."""
    from pipeline.lib.indicators import load_catalogue  # indicators imports the spec module

    codes: dict[str, list[str]] = {}
    for ind in load_catalogue():
        codes.setdefault(ind.sql, []).append(ind.code)
    out = []
    for folder in ("ind", "mart"):
        for path in sorted((SQL_DIR / folder).glob("*.sql")):
            if path.stem == "macros" or path.stem.startswith("assert_"):
                continue
            tables, columns = sql_uses(path)
            out.append((path.stem, tables, columns, tuple(codes.get(path.stem, [path.stem]))))
    return tuple(out)


@lru_cache(maxsize=1)
def _python_tables() -> frozenset[str]:
    """stg_ tables named in library code outside the intake: read in Python, so every column is needed.

    (pipeline/defs only wires assets together; its docstrings name tables without reading their columns.)
    """
    names: set[str] = set()
    for path in (PIPELINE_DIR / "lib").rglob("*.py"):
        if path.relative_to(PIPELINE_DIR / "lib").parts[0] == "returns":
            continue
        names |= set(re.findall(r"\b(stg_[a-z0-9_]+)", path.read_text(encoding="utf-8")))
    return frozenset(names)


def structural(sheet: SheetSpec) -> set[str]:
    """Columns the intake itself needs: the natural key and the dates that place a row in a period."""
    period = sheet.period
    dates = {period.get("date"), period.get("start"), period.get("end"), *period.get("dates", [])}
    return {*sheet.natural_key, *(d for d in dates if d)}


@lru_cache(maxsize=64)
def _needed_by(sheet_key: str, table: str, raw_table: str, column_names: tuple[str, ...],
               forced: tuple[str, ...], always: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    python = table in _python_tables() or raw_table in _python_tables()
    out: dict[str, list[str]] = {}
    for name in column_names:
        users = ["(the intake: key or period)"] if name in always else []
        if name in forced:
            users.append("(the specification)")
        if python:
            users.append("(the learning registers)")
        for _, tables, columns, codes in _consumers():
            if (table in tables or raw_table in tables) and name.lower() in columns:
                users += [c for c in codes if c not in users]
        out[name] = users
    return {k: tuple(v) for k, v in out.items()}


def needed_by(sheet: SheetSpec) -> dict[str, tuple[str, ...]]:
    """Column name -> what needs it (indicator codes, or the intake); an empty tuple: nothing needs it."""
    return _needed_by(sheet.key, sheet.table, sheet.raw_table, tuple(c.name for c in sheet.columns),
                      tuple(c.name for c in sheet.columns if c.needed), tuple(sorted(structural(sheet))))


def indicators_reading(sheet: SheetSpec) -> tuple[str, ...]:
    """Every indicator (or mart) computed from the list: a quarantined row is missing from all of them."""
    out: list[str] = []
    for _, tables, _, codes in _consumers():
        if sheet.table in tables or sheet.raw_table in tables:
            out += [c for c in codes if c not in out]
    return tuple(out)
