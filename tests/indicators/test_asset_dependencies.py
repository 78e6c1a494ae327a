"""Outputs depend on what they show: each indicator asset depends on every table its SQL reads.

The tables are read from the SQL files by DuckDB's parser (pipeline.lib.indicators.sql_tables), so a table
added to a query without the dependency fails here, instead of Dagster building the asset before its input.
"""

from __future__ import annotations

import dagster as dg
import pytest

from pipeline.defs.indicators.assets import ind_values, mart_comparison, mart_reconciliation
from pipeline.lib import indicators
from pipeline.lib.paths import SQL_DIR

# Which asset writes each table an indicator query may read.
WRITTEN_BY = {"ind_values": "ind_values", "bm_comparators": "bm_comparators", "mart_comparison": "mart_comparison",
              "ref_population": "bm_published"}
# Reference tables each asset (re)builds itself before it queries.
OWN_TABLES = {"ref_codes", "ref_working_days", "ref_partner_measures", "ref_partner_ratios", "ref_indicators",
              "ref_age_bands", "ref_reconciliation_tolerance"}


def upstream(table: str) -> str | None:
    if table in OWN_TABLES:
        return None
    if table.startswith(("stg_", "raw_")):
        return "quarterly_returns"          # the intake writes the lists and its logs (raw_files, raw_sheets)
    if table in WRITTEN_BY:
        return WRITTEN_BY[table]
    raise AssertionError(f"no asset is known to write {table}: add it to WRITTEN_BY or OWN_TABLES")


def missing_dependencies(asset: dg.AssetsDefinition, sql_files: list[tuple[str, str]]) -> set[str]:
    deps = {dep.asset_key.to_user_string() for dep in asset.get_asset_spec().deps}
    needed = {upstream(t) for layer, name in sql_files for t in indicators.sql_tables(name, SQL_DIR / layer)}
    return needed - {None} - deps


IND_FILES = [("ind", i.sql) for i in indicators.load_catalogue()]


@pytest.mark.parametrize(("asset", "sql_files"), [
    (ind_values, IND_FILES),
    (mart_comparison, [("mart", "mart_comparison")]),
    (mart_reconciliation, [("mart", "mart_reconciliation")]),
])
def test_every_table_read_is_a_dependency(asset, sql_files):
    assert missing_dependencies(asset, sql_files) == set()


def test_a_table_read_without_its_dependency_is_caught():
    # mart_comparison's dependencies cannot build what mart_reconciliation reads (the returns)
    assert missing_dependencies(mart_comparison, [("mart", "mart_reconciliation")]) == {"quarterly_returns",
                                                                                      "mart_comparison"}


def test_every_indicator_check_and_asset_says_what_it_is_for():
    from pipeline.defs.indicators import checks

    specs = [spec for value in vars(checks).values() if isinstance(value, dg.AssetChecksDefinition)
             for spec in value.check_specs]
    assert len(specs) >= 8
    for spec in specs:
        assert len(spec.description or "") > 60, spec.name
    for asset in (ind_values, mart_comparison, mart_reconciliation):
        description = asset.get_asset_spec().description or ""
        assert "Reads" in description and "Table" in description, asset.key
