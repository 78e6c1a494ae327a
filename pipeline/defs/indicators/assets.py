"""Indicator assets: DfE-rule indicators per quarter, rolling 12 months and financial year; their comparison
with DfE's benchmarks; and the reconciliation of pipeline figures with published and partner figures."""

import dagster as dg

from pipeline.defs.partitions import last_five_quarters, last_four_quarters, quarter_of, quarter_partitions
from pipeline.defs.resources import Workspace
from pipeline.lib import benchmarks, comparison, indicators


def _md(frame) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.to_markdown(index=False) if len(frame) else "none")


@dg.asset(
    partitions_def=quarter_partitions,
    group_name="indicators",
    pool="duckdb_writer",
    kinds={"duckdb"},
    deps=[dg.AssetDep("quarterly_returns", partition_mapping=last_four_quarters), dg.AssetDep("bm_published")],
)
def ind_values(context: dg.AssetExecutionContext, workspace: Workspace) -> dg.MaterializeResult:
    """Every indicator in config/indicators.yaml for the quarter, the 12 months to its end and, at Q4, the year.

    Source: the stg_ views of the returns, ref_population (ONS 0-17) for rates. Grain: one row per
    indicator x period type x breakdown value for the quarter partition (table ind_values).
    """
    quarter = quarter_of(context)
    config = benchmarks.read_config()
    ons_code = config["partnership"]["ons_la_code"]
    with workspace.connect() as con:
        values = indicators.compute_quarter(con, quarter, ons_code)
        indicators.store_quarter(con, quarter, values)
    headline = values[(values["period_type"] == "quarter") & (values["breakdown"] == "total")]
    preview = headline[["indicator_code", "numerator", "denominator", "value"]].head(25)
    return dg.MaterializeResult(metadata={
        "quarter": quarter.label,
        "rows": len(values),
        "indicators": int(values["indicator_code"].nunique()),
        "preview": _md(preview),
    })


@dg.asset(
    partitions_def=quarter_partitions,
    group_name="indicators",
    pool="duckdb_writer",
    kinds={"duckdb"},
    deps=[dg.AssetDep("ind_values", partition_mapping=last_five_quarters), dg.AssetDep("bm_comparators")],
)
def mart_comparison(context: dg.AssetExecutionContext, workspace: Workspace) -> dg.MaterializeResult:
    """Each indicator's headline value beside its previous value, DfE's England / region / statistical-neighbour
    figures for the latest published year, its RAG rating (with words) and its difference from DfE's own figure.

    Source: ind_values (this and earlier quarters), bm_comparators, config/indicators.yaml. Grain: one row per
    indicator x period type x period for the quarter partition (table mart_comparison).
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
        "benchmark years": ", ".join(sorted(frame["benchmark_year"].dropna().unique())) or "none",
        "rated": _md(rated[["indicator_code", "period_label", "value", "rag", "rag_label"]].head(25)),
    })


@dg.asset(
    partitions_def=quarter_partitions,
    group_name="indicators",
    pool="duckdb_writer",
    kinds={"duckdb"},
    deps=[mart_comparison, "ind_values"],
)
def mart_reconciliation(context: dg.AssetExecutionContext, workspace: Workspace) -> dg.MaterializeResult:
    """Pipeline figures against the figures that should agree with them: DfE's published values for completed
    years, police domestic abuse notifications against police DA contacts, missing episodes against Annex A.

    Source: mart_comparison, ind_values, stg_missing_episodes, stg_children_in_care. Grain: one row per
    check x indicator x period for the quarter partition (table mart_reconciliation).
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
