"""The annual report's exports for a financial year."""

import dagster as dg

from pipeline.defs.partitions import year_of, year_partitions, year_to_quarters
from pipeline.defs.resources import Workspace
from pipeline.lib.render import narrative


@dg.asset(
    partitions_def=year_partitions,
    group_name="reporting",
    kinds={"markdown"},
    deps=[dg.AssetDep("ind_values", partition_mapping=year_to_quarters)],
)
def annual_report(context: dg.AssetExecutionContext, workspace: Workspace) -> dg.MaterializeResult:
    """The annual report's data-section prose for the financial year, in the report's own voice.

    Source: ind_values year rows (computed with the year's Q4). Grain: one folder per year,
    <data_dir>/output/report/<2022-23>/.
    """
    year = year_of(context)
    out_dir = workspace.output_dir / "report" / year.label
    out_dir.mkdir(parents=True, exist_ok=True)
    with workspace.connect(read_only=True) as con:
        text = "\n".join(narrative.render_section(con, s, year) for s in narrative.SECTIONS)
    path = out_dir / "narrative.md"
    path.write_text(text, encoding="utf-8")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path)),
                                          "preview": dg.MetadataValue.md(text[:2000])})
