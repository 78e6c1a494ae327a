"""Checks on the indicator table: sane values, one row per key."""

import dagster as dg

from pipeline.defs.indicators.assets import ind_values
from pipeline.defs.partitions import quarter_of
from pipeline.defs.resources import Workspace
from pipeline.lib import warehouse


def _failing(workspace: Workspace, sql_name: str, quarter_key: str):
    with workspace.connect(read_only=True) as con:
        return warehouse.query(con, sql_name, {"quarter_key": quarter_key})


def _result(rows) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=rows.empty, metadata={
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
