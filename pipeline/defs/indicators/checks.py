"""Checks on the indicator tables: sane values, one row per key, RAG always in words, reconciliation."""

import dagster as dg

from pipeline.defs.indicators.assets import ind_values, mart_comparison, mart_reconciliation
from pipeline.defs.partitions import quarter_of
from pipeline.defs.resources import Workspace
from pipeline.lib import warehouse


def _failing(workspace: Workspace, sql_name: str, quarter_key: str):
    with workspace.connect(read_only=True) as con:
        return warehouse.query(con, sql_name, {"quarter_key": quarter_key})


def _result(rows, severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=rows.empty, severity=severity, metadata={
        "failing_rows": len(rows), "sample": dg.MetadataValue.md(rows.head(10).to_markdown(index=False) if len(rows) else "none")})


@dg.asset_check(asset=ind_values)
def percentages_within_0_and_100(context: dg.AssetCheckExecutionContext, workspace: Workspace) -> dg.AssetCheckResult:
    """No percentage below 0 or above 100."""
    return _result(_failing(workspace, "assert_percentages_within_range", quarter_of(context).partition_key))


@dg.asset_check(asset=ind_values)
def denominators_positive(context: dg.AssetCheckExecutionContext, workspace: Workspace) -> dg.AssetCheckResult:
    """Every percentage, rate or ratio with a value has a denominator above zero."""
    return _result(_failing(workspace, "assert_denominators_positive", quarter_of(context).partition_key))


@dg.asset_check(asset=ind_values, blocking=True)
def one_row_per_indicator_period_and_breakdown(context: dg.AssetCheckExecutionContext, workspace: Workspace) -> dg.AssetCheckResult:
    """The table's key is unique: indicator, period type, period, breakdown and value."""
    return _result(_failing(workspace, "assert_one_row_per_indicator_key", quarter_of(context).partition_key))


@dg.asset_check(asset=mart_comparison, blocking=True)
def one_row_per_indicator_and_period(context: dg.AssetCheckExecutionContext, workspace: Workspace) -> dg.AssetCheckResult:
    """mart_comparison's key is unique: indicator, period type, period."""
    return _result(_failing(workspace, "assert_one_comparison_row_per_key", quarter_of(context).partition_key))


@dg.asset_check(asset=mart_comparison)
def rag_always_has_words(context: dg.AssetCheckExecutionContext, workspace: Workspace) -> dg.AssetCheckResult:
    """Every RAG colour is one of green/amber/red and comes with a label and its basis (never colour alone)."""
    return _result(_failing(workspace, "assert_rag_has_label", quarter_of(context).partition_key))


@dg.asset_check(asset=mart_reconciliation)
def reconciliation_within_tolerance(context: dg.AssetCheckExecutionContext, workspace: Workspace) -> dg.AssetCheckResult:
    """Pipeline figures agree with DfE's published and partners' figures within tolerance (a warning: the
    difference may be a late return or a definition, and a person should look)."""
    return _result(_failing(workspace, "assert_reconciliation_within_tolerance", quarter_of(context).partition_key),
                   severity=dg.AssetCheckSeverity.WARN)
