"""The QPPA dashboard: one self-contained HTML file per quarter."""

import dagster as dg

from pipeline.defs.partitions import quarter_of, quarter_partitions
from pipeline.defs.resources import Workspace
from pipeline.lib import benchmarks
from pipeline.lib.render import dashboard


@dg.asset(partitions_def=quarter_partitions, group_name="reporting", kinds={"html"}, deps=["ind_values"])
def quarterly_dashboard(context: dg.AssetExecutionContext, workspace: Workspace) -> dg.MaterializeResult:
    """The QPPA subgroup's dashboard for the quarter: one self-contained HTML file (no network requests).

    Source: ind_values (all quarters up to this one, for trends), raw_files for provenance.
    Grain: one file per quarter, <data_dir>/output/dashboard/<2022-23-Q4>.html.
    """
    quarter = quarter_of(context)
    partnership = benchmarks.read_config()["partnership"]["name"]
    with workspace.connect(read_only=True) as con:
        path = dashboard.write_dashboard(con, quarter, workspace.output_dir, partnership)
    context.log.info(f"Dashboard written to {path}")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path)),
                                          "size_kb": round(path.stat().st_size / 1024)})
