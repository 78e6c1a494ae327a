"""Indicator assets: DfE-rule indicators per quarter, rolling 12 months and financial year."""

import dagster as dg

from pipeline.defs.partitions import quarter_of, quarter_partitions
from pipeline.defs.resources import Workspace
from pipeline.lib import benchmarks, indicators

# Rolling-12-month values read the three quarters before this one too.
_LAST_FOUR_QUARTERS = dg.TimeWindowPartitionMapping(start_offset=-3, allow_nonexistent_upstream_partitions=True)


@dg.asset(
    partitions_def=quarter_partitions,
    group_name="indicators",
    pool="duckdb_writer",
    kinds={"duckdb"},
    deps=[dg.AssetDep("quarterly_returns", partition_mapping=_LAST_FOUR_QUARTERS), dg.AssetDep("bm_published")],
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
        "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
    })
