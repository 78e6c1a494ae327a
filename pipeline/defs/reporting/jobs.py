"""Jobs the analyst runs: a quarter end to end, and the year's report. Partitions come from the assets."""

import dagster as dg

quarter_job = dg.define_asset_job(
    "quarter_job",
    selection=dg.AssetSelection.groups("returns", "indicators") | dg.AssetSelection.assets("quarterly_dashboard"),
    description="Read the quarter's returns, compute its indicators and build its dashboard.",
)

benchmarks_job = dg.define_asset_job(
    "benchmarks_job",
    selection=dg.AssetSelection.groups("benchmarks"),
    description="Reload DfE's published files and recompute the comparators (after a new DfE release).",
)

annual_report_job = dg.define_asset_job(
    "annual_report_job",
    selection=dg.AssetSelection.assets("annual_report"),
    description="Build the year's annual-report exports from its four quarters.",
)
