"""Indicator assets: DfE-rule indicators per quarter, rolling 12 months and financial year; their comparison
with DfE's benchmarks; and the reconciliation of pipeline figures with published and partner figures.

Each asset depends on every table it reads (tests/indicators/test_asset_dependencies.py derives the tables from
the SQL and checks), so Dagster never builds one before the tables it shows.
"""

import dagster as dg

from pipeline.defs.partitions import (
    each_partition,
    last_five_quarters,
    last_four_quarters,
    one_run_per_backfill,
    quarter_of,
    quarter_partitions,
)
from pipeline.defs.resources import Workspace
from pipeline.lib import benchmarks, comparison, indicators


def _md(frame) -> dg.MetadataValue:
    """A markdown table with numbers rounded for reading (no 83.72999999999999)."""
    if not len(frame):
        return dg.MetadataValue.md("none")
    return dg.MetadataValue.md(frame.round(2).to_markdown(index=False))


def _counts(series) -> dg.MetadataValue:
    return dg.MetadataValue.json({str(k): int(v) for k, v in series.value_counts().sort_index().items()})


@dg.asset(
    partitions_def=quarter_partitions,
    backfill_policy=one_run_per_backfill,
    group_name="indicators",
    pool="duckdb_writer",
    kinds={"duckdb"},
    # the rolling 12 months read the quarter's returns and the three before; rates read ref_population
    deps=[dg.AssetDep("quarterly_returns", partition_mapping=last_four_quarters), dg.AssetDep("bm_published")],
)
@each_partition
def ind_values(context: dg.AssetExecutionContext, workspace: Workspace) -> dg.MaterializeResult:
    """The partnership's indicators for the quarter, the 12 months to its end and (at Q4) the year, counted
    with DfE's rules (config/indicators.yaml). A figure whose return was not received says so: no value and
    status 'not received', never 0; a 12-month or year figure missing a quarter is marked partial with the
    quarters it covers.

    Reads the returns (stg_ tables, raw_files, raw_sheets) and ONS populations (ref_population).
    Table ind_values: one row per indicator x period x breakdown value.
    """
    quarter = quarter_of(context)
    config = benchmarks.read_config()
    ons_code = config["partnership"]["ons_la_code"]
    with workspace.connect() as con:
        values = indicators.compute_quarter(con, quarter, ons_code)
        indicators.store_quarter(con, quarter, values)
    totals = values[values["breakdown"] == "total"]
    headline = totals[totals["period_type"] == "quarter"]
    not_received = headline[headline["status"] == indicators.NOT_RECEIVED]
    preview = headline[["indicator_code", "status", "numerator", "denominator", "value"]].head(25)
    return dg.MaterializeResult(metadata={
        "quarter": quarter.label,
        "rows": len(values),
        "indicators": int(values["indicator_code"].nunique()),
        "status of the quarter's figures": _counts(headline["status"]),
        "status of the 12-month figures": _counts(totals.loc[totals["period_type"] == "rolling_12m", "status"]),
        "not received this quarter": dg.MetadataValue.md(
            ", ".join(sorted(set(not_received["sources"]))) or "every return was received"),
        "preview": _md(preview),
    })


@dg.asset(
    partitions_def=quarter_partitions,
    backfill_policy=one_run_per_backfill,
    group_name="indicators",
    pool="duckdb_writer",
    kinds={"duckdb"},
    # previous values: the quarter before and the same window a year earlier (five quarters)
    deps=[dg.AssetDep("ind_values", partition_mapping=last_five_quarters), dg.AssetDep("bm_comparators")],
)
@each_partition
def mart_comparison(context: dg.AssetExecutionContext, workspace: Workspace) -> dg.MaterializeResult:
    """Each indicator beside its previous value and DfE's England, West Midlands and statistical-neighbour
    figures for the latest published year, with a RAG rating in words and the difference from DfE's own figure.
    Only a complete period is compared with DfE's annual figures: a partial one says why not.

    Reads ind_values (this and the four quarters before), bm_comparators and the catalogue.
    Table mart_comparison: one row per indicator x period.
    """
    quarter = quarter_of(context)
    with workspace.connect() as con:
        frame = comparison.compare_quarter(con, quarter)
        comparison.store_comparison(con, quarter, frame)
    rated = frame[frame["rag"].notna()]
    return dg.MaterializeResult(metadata={
        "quarter": quarter.label,
        "rows": len(frame),
        "rag": dg.MetadataValue.json({k: int(v) for k, v in rated["rag"].value_counts().items()}),
        "not compared (partial or not received)": int((frame["status"] != indicators.COMPLETE).sum()),
        "benchmark years": ", ".join(sorted(frame["benchmark_year"].dropna().unique())) or "none",
        "rated": _md(rated[["indicator_code", "period_label", "value", "rag", "rag_label"]].head(25)),
    })


@dg.asset(
    partitions_def=quarter_partitions,
    backfill_policy=one_run_per_backfill,
    group_name="indicators",
    pool="duckdb_writer",
    kinds={"duckdb"},
    deps=[mart_comparison, "ind_values",
          # the missing-episode check reads the missing return and Annex A list 8 directly
          dg.AssetDep("quarterly_returns", partition_mapping=last_four_quarters)],
)
@each_partition
def mart_reconciliation(context: dg.AssetExecutionContext, workspace: Workspace) -> dg.MaterializeResult:
    """Our figures against the figures that should agree with them: DfE's published figures for completed
    years, police domestic abuse notifications against police domestic abuse contacts, missing episodes in the
    missing return against Annex A list 8. A difference is for a person to look at (a late return, a different
    definition), not necessarily an error.

    Reads mart_comparison, ind_values, stg_missing_episodes and stg_children_in_care.
    Table mart_reconciliation: one row per check x indicator x period.
    """
    quarter = quarter_of(context)
    with workspace.connect() as con:
        frame = comparison.reconcile_quarter(con, quarter)
        comparison.store_reconciliation(con, quarter, frame)
    flagged = frame[frame["status"] != "agrees"]
    return dg.MaterializeResult(metadata={
        "quarter": quarter.label,
        "rows": len(frame),
        "beyond tolerance": int(frame["beyond_tolerance"].sum()),
        "not agreeing": _md(flagged[["check_code", "indicator_code", "period_label", "pipeline_value",
                                     "compared_value", "status"]].head(25)),
    })
