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
            "examples": dg.MetadataValue.md(markdown_table(failing.head(20))),
        },
    )


@dg.asset_check(asset=bm_published, blocking=True, pool="duckdb_writer")
def every_published_value_parsed(workspace: Workspace) -> dg.AssetCheckResult:
    """Every published cell is a number or a known DfE symbol; else a new release changed format."""
    return _check(workspace, "assert_every_published_value_parsed")


@dg.asset_check(asset=bm_published, pool="duckdb_writer")
def every_mapped_measure_published(workspace: Workspace) -> dg.AssetCheckResult:
    """Each measure in benchmark_measures.yaml found numbers (catches a renamed column or Short Desc)."""
    return _check(workspace, "assert_every_mapped_measure_published")


@dg.asset_check(asset=bm_published, pool="duckdb_writer")
def polarity_agrees_between_sources(workspace: Workspace) -> dg.AssetCheckResult:
    """EES polarity stated in the mapping agrees with the LAIT dictionary, so ranks never flip."""
    return _check(workspace, "assert_polarity_agrees_between_sources")


@dg.asset_check(asset=bm_comparators, blocking=True, pool="duckdb_writer")
def one_row_per_indicator_and_year(workspace: Workspace) -> dg.AssetCheckResult:
    """bm_comparators has exactly one comparator per indicator and year."""
    return _check(workspace, "assert_one_row_per_indicator_and_year")


@dg.asset_check(asset=bm_comparators, pool="duckdb_writer")
def england_values_present_every_year(workspace: Workspace) -> dg.AssetCheckResult:
    """Every comparator row carries England's published value."""
    return _check(workspace, "assert_england_values_present_every_year")


@dg.asset_check(asset=bm_comparators, pool="duckdb_writer")
def england_within_la_range(workspace: Workspace) -> dg.AssetCheckResult:
    """A rate or % for England lies within the LA range; outside it, the 'England' figure is suspect.

    A warning, not an error: the published value is kept as published, and a reader is told.
    """
    return _check(workspace, "assert_england_within_la_range", dg.AssetCheckSeverity.WARN)
