"""Checks on the indicator tables, in the analyst's words: what each one protects, and what to do when it fails.

Each check runs one assertion in sql/ind/ or sql/mart/ (assert_*.sql: the rows that break it; none = pass),
tested on literal rows that pass and rows that fail (tests/indicators/test_assertions.py).
"""

import dagster as dg

from pipeline.defs.indicators.assets import ind_values, mart_comparison, mart_reconciliation
from pipeline.defs.partitions import each_partition, quarter_of
from pipeline.defs.resources import Workspace
from pipeline.lib import warehouse


def _failing(workspace: Workspace, sql_name: str, quarter_key: str):
    with workspace.connect(read_only=True) as con:
        return warehouse.query(con, sql_name, {"quarter_key": quarter_key})


def _result(rows, severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR) -> dg.AssetCheckResult:
    sample = rows.head(10).round(2)
    return dg.AssetCheckResult(passed=rows.empty, severity=severity, metadata={
        "failing rows": len(rows),
        "examples": dg.MetadataValue.md(sample.to_markdown(index=False) if len(rows) else "none")})


@dg.asset_check(asset=ind_values, blocking=True,
                description="No data is not zero: a figure whose return was not received has no value (never 0) "
                            "and every figure says whether it is complete, partial or not received. Fails if a "
                            "not-received figure has a number. Blocking: the dashboard and report would show it.")
@each_partition
def no_value_without_a_return(context: dg.AssetCheckExecutionContext, workspace: Workspace) -> dg.AssetCheckResult:
    return _result(_failing(workspace, "assert_no_value_without_a_return", quarter_of(context).partition_key))


@dg.asset_check(asset=ind_values,
                description="Every indicator in the catalogue has its headline row for the quarter, the 12 months "
                            "and (at Q4) the year, received or not, so a missing figure is never just absent.")
@each_partition
def every_indicator_has_a_headline_row(context: dg.AssetCheckExecutionContext,
                                       workspace: Workspace) -> dg.AssetCheckResult:
    # ref_indicators is the catalogue as ind_values last wrote it
    return _result(_failing(workspace, "assert_every_indicator_has_a_total_row", quarter_of(context).partition_key))


@dg.asset_check(asset=ind_values,
                description="No percentage is below 0 or above 100. A failure means a numerator counted something "
                            "its denominator did not: look at the indicator's SQL file.")
@each_partition
def percentages_within_0_and_100(context: dg.AssetCheckExecutionContext, workspace: Workspace) -> dg.AssetCheckResult:
    return _result(_failing(workspace, "assert_percentages_within_range", quarter_of(context).partition_key))


@dg.asset_check(asset=ind_values,
                description="Every percentage, rate or ratio that has a value has a denominator above zero (a rate "
                            "needs the ONS population of the year: run benchmarks_job if it is missing).")
@each_partition
def denominators_positive(context: dg.AssetCheckExecutionContext, workspace: Workspace) -> dg.AssetCheckResult:
    return _result(_failing(workspace, "assert_denominators_positive", quarter_of(context).partition_key))


@dg.asset_check(asset=ind_values, blocking=True,
                description="One row per indicator, period and breakdown value. Blocking: a duplicate would be "
                            "counted twice in every chart and table.")
@each_partition
def one_row_per_indicator_period_and_breakdown(context: dg.AssetCheckExecutionContext,
                                               workspace: Workspace) -> dg.AssetCheckResult:
    return _result(_failing(workspace, "assert_one_row_per_indicator_key", quarter_of(context).partition_key))


@dg.asset_check(asset=mart_comparison, blocking=True,
                description="One comparison row per indicator and period. Blocking: the dashboard and report read "
                            "one value per indicator and period.")
@each_partition
def one_row_per_indicator_and_period(context: dg.AssetCheckExecutionContext,
                                     workspace: Workspace) -> dg.AssetCheckResult:
    return _result(_failing(workspace, "assert_one_comparison_row_per_key", quarter_of(context).partition_key))


@dg.asset_check(asset=mart_comparison,
                description="Every RAG colour is green, amber or red and comes with its words (e.g. 'Worse than "
                            "statistical neighbours') and how it was decided: never colour alone.")
@each_partition
def rag_always_has_words(context: dg.AssetCheckExecutionContext, workspace: Workspace) -> dg.AssetCheckResult:
    return _result(_failing(workspace, "assert_rag_has_label", quarter_of(context).partition_key))


@dg.asset_check(asset=mart_reconciliation,
                description="Our figures agree, within the tolerance in config/indicators.yaml, with DfE's published "
                            "figures for completed years and with the partners' own counts of the same events. A "
                            "warning, not an error: a difference may be a late or corrected return, or a local "
                            "definition that differs from DfE's. The demo's returns are calibrated to the "
                            "partnership's 2022-23 report, whose figures differ from DfE's published ones, so the "
                            "demo warns here by design. Open the 'not agreeing' rows of mart_reconciliation and explain each.")
@each_partition
def reconciliation_within_tolerance(context: dg.AssetCheckExecutionContext,
                                    workspace: Workspace) -> dg.AssetCheckResult:
    return _result(_failing(workspace, "assert_reconciliation_within_tolerance", quarter_of(context).partition_key),
                   severity=dg.AssetCheckSeverity.WARN)
