"""The learning registers read back from the warehouse, as last filed, with code labels.

Each register is filed whole every quarter, so its latest filing from each agency is the register (the same rule
as sql/ind/ind_learning_*.sql: a row taken out of a register is out of it). Codes come back with their labels from
config/codes.yaml; several codes in a cell ('neglect; transitions') become a list. Plain pandas, no Dagster.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import duckdb
import pandas as pd

from pipeline.lib import warehouse
from pipeline.lib.returns.spec import CodeList, load_code_lists, load_specs

TABLES = {"reviews": "stg_reviews", "actions": "stg_actions", "audits": "stg_audits",
          "audit_cases": "stg_audit_cases", "audit_returns": "stg_audit_returns", "child_deaths": "stg_child_deaths"}
SPEC_OF = {"stg_reviews": ("reviews", "reviews"), "stg_actions": ("actions", "actions"),
           "stg_audits": ("audits", "audits"), "stg_audit_cases": ("audits", "audit_cases"),
           "stg_audit_returns": ("audits", "audit_returns"), "stg_child_deaths": ("child_deaths", "child_deaths")}


def _sheet(table: str):
    return_type, key = SPEC_OF[table]
    return next(s for s in load_specs()[return_type].sheets if s.key == key)


def as_last_filed(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """A register's rows as last filed by each agency: the same rule as the indicator SQL reads it."""
    sheet = _sheet(table)
    columns = [c.name for c in sheet.columns if c.stored]
    if not warehouse.table_exists(con, table):
        return pd.DataFrame(columns=["filed_by", "period_key", *columns])
    return con.execute(f"""
        with rows as (select * from {table}),
        latest as (select filed_by, max(period_key) as period_key from rows group by filed_by)
        select rows.* from rows
        join latest on latest.filed_by is not distinct from rows.filed_by and latest.period_key = rows.period_key
        order by rows.source_row
    """).df()


def _dates(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    for c in _sheet(table).columns:
        if c.type in ("date", "quarter") and c.name in frame:
            # always dates or None, an object column: a column with no date at all (no action closed yet) would
            # otherwise stay datetime64 with NaT, which no date can be compared with
            stamps = pd.to_datetime(frame[c.name])
            frame[c.name] = pd.Series([None if pd.isna(t) else t.date() for t in stamps], index=frame.index,
                                      dtype=object)
    return frame


@dataclass
class Registers:
    """Every learning register as last filed, read once from a connection."""

    reviews: pd.DataFrame
    actions: pd.DataFrame
    audits: pd.DataFrame
    audit_cases: pd.DataFrame
    audit_returns: pd.DataFrame
    child_deaths: pd.DataFrame

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> Registers:
        return cls(**{name: _dates(as_last_filed(con, table), table) for name, table in TABLES.items()})

    @cached_property
    def codes(self) -> dict[str, CodeList]:
        return load_code_lists()

    def label(self, list_name: str, code) -> str:
        if code is None or (isinstance(code, float) and pd.isna(code)) or code is pd.NA:
            return ""
        return self.codes[list_name].label(str(code))

    def labels(self, list_name: str, codes) -> list[str]:
        """'neglect; transitions' -> ['Neglect', 'Transitions to adult services']."""
        if codes is None or (not isinstance(codes, str) and pd.isna(codes)):
            return []
        return [self.label(list_name, c.strip()) for c in str(codes).split(";") if c.strip()]

    @property
    def partnership_area(self) -> str:
        """The CDOP area of this partnership (cdop_area group 'Partnership area'), e.g. 'Sandwell'."""
        areas = self.codes["cdop_area"].codes
        return next((c.label for c in areas if c.group == "Partnership area"), areas[0].label if areas else "")
