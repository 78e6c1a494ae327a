"""Checks on the benchmark tables, each named as the assertion it makes.

The assertions themselves are SQL files in sql/bm/ (assert_<name>.sql) returning offending rows,
so they are tested on literal rows without Dagster.
"""

from __future__ import annotations

import dagster as dg

from pipeline.defs.benchmarks.assets import bm_comparators, bm_published, markdown_table
from pipeline.defs.resources import Workspace
from pipeline.lib import benchmarks


def _check(
    workspace: Workspace, assertion: str, severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR
) -> dg.AssetCheckResult:
    with workspace.connect(read_only=True) as con:
        failing = benchmarks.failing_rows(con, assertion)
    return dg.AssetCheckResult(
        passed=failing.empty,
        severity=severity,
        metadata={
            "failing rows": dg.MetadataValue.int(len(failing)),
            "examples": dg.MetadataValue.md(markdown_table(failing.head(20).round(2))),
        },
    )


@dg.asset_check(
    asset=bm_published, blocking=True, pool="duckdb_writer",
    description="Every DfE/ONS file a pattern in config/benchmark_measures.yaml matched gave rows for each measure "
                "mapped to it. A file that matches and yields nothing is usually a release that renamed a column "
                "or a label: the failing row names the file, the columns it was expected to have and those it "
                "has. Add the new name to column_aliases / value_aliases in the mapping (never edit the file). "
                "Blocking: without it the comparators would quietly fall back to another source.")
def every_reference_file_yields_rows(workspace: Workspace) -> dg.AssetCheckResult:
    return _check(workspace, "assert_every_reference_file_yields_rows")


@dg.asset_check(
    asset=bm_published, blocking=True, pool="duckdb_writer",
    description="Every published cell is a number or one of DfE's symbols (c, x, z, low, k, u, and the older : ~ -). "
                "A failure means a release changed its number format: the examples show the cells.")
def every_published_value_parsed(workspace: Workspace) -> dg.AssetCheckResult:
    return _check(workspace, "assert_every_published_value_parsed")


@dg.asset_check(
    asset=bm_published, blocking=True, pool="duckdb_writer",
    description="Each measure in config/benchmark_measures.yaml found at least one published number across all "
                "releases (catches a renamed EES column, filter value or LAIT Short Desc). Blocking: a measure "
                "with no value would leave its indicator without a benchmark and nobody told.")
def every_mapped_measure_published(workspace: Workspace) -> dg.AssetCheckResult:
    return _check(workspace, "assert_every_mapped_measure_published")


@dg.asset_check(
    asset=bm_published, pool="duckdb_writer",
    description="The polarity stated for an EES measure (which direction is better) agrees with the LAIT data "
                "dictionary, so a new release never flips a national rank or quartile.")
def polarity_agrees_between_sources(workspace: Workspace) -> dg.AssetCheckResult:
    return _check(workspace, "assert_polarity_agrees_between_sources")


@dg.asset_check(
    asset=bm_comparators, blocking=True, pool="duckdb_writer",
    description="Exactly one comparator per indicator and year (the newest release that has a value).")
def one_row_per_indicator_and_year(workspace: Workspace) -> dg.AssetCheckResult:
    return _check(workspace, "assert_one_row_per_indicator_and_year")


@dg.asset_check(
    asset=bm_comparators, pool="duckdb_writer",
    description="Every comparator carries England's published value, unless the mapping excludes it and says why "
                "(england_note: e.g. LAIT's first-time entrants, whose England row is not a rate).")
def england_values_present_every_year(workspace: Workspace) -> dg.AssetCheckResult:
    return _check(workspace, "assert_england_values_present_every_year")


@dg.asset_check(
    asset=bm_comparators, pool="duckdb_writer",
    description="For a rate or percentage, England's value lies within the range of LA values. Outside it, the "
                "'England' figure is a different statistic under the same name: exclude it in the mapping "
                "(england_excluded) with the reason. A warning: the published value is kept as published.")
def england_within_la_range(workspace: Workspace) -> dg.AssetCheckResult:
    return _check(workspace, "assert_england_within_la_range", dg.AssetCheckSeverity.WARN)
