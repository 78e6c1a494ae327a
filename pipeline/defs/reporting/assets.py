"""The QPPA dashboard: one self-contained HTML file per quarter, and the index of quarters."""

import dagster as dg

from pipeline.defs.partitions import each_partition, one_run_per_backfill, quarter_of, quarter_partitions
from pipeline.defs.resources import Workspace
from pipeline.lib import benchmarks
from pipeline.lib.render import dashboard


@dg.asset(partitions_def=quarter_partitions, backfill_policy=one_run_per_backfill, group_name="reporting", kinds={"html"},
          # every table the page shows (pipeline.lib.render.dashboard.REQUIRED_TABLES): built before the page is
          deps=["ind_values", "mart_comparison", "mart_reconciliation", "quarterly_returns", "intake_log"])
@each_partition
def quarterly_dashboard(context: dg.AssetExecutionContext, workspace: Workspace) -> dg.MaterializeResult:
    """The QPPA subgroup's dashboard for the quarter: one self-contained HTML file (no network requests).

    Source: ind_values (every quarter up to this one, for trends); mart_comparison for England, region and
    statistical neighbours; raw_files, raw_sheets, raw_issues (quarterly_returns) and mart_reconciliation for
    the data-quality section. A table that is missing is an error naming it, never an empty section.
    Grain: one file per quarter, <data_dir>/output/dashboard/<2022-23-Q4>.html; index.html (every quarter's
    file in the folder) is rewritten each time.
    """
    quarter = quarter_of(context)
    config = benchmarks.read_config()
    with workspace.connect(read_only=True) as con:
        path = dashboard.write_dashboard(con, quarter, workspace.output_dir, config["partnership"],
                                         config.get("expected_returns", []))
    index = dashboard.write_index(workspace.output_dir, config["partnership"])
    context.log.info(f"Dashboard written to {path}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(path)),
        "index": dg.MetadataValue.path(str(index)),
        "size_mb": dg.MetadataValue.float(round(path.stat().st_size / 1e6, 2)),
    })
