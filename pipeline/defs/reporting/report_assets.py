"""The annual report's exports for a financial year."""

import dagster as dg

from pipeline.defs.partitions import year_of, year_partitions, year_to_quarters
from pipeline.defs.resources import Workspace
from pipeline.lib.report import build


class AnnualReportConfig(dg.Config):
    """`internal: true` builds the QPPA's unsuppressed version (output/report/<year>-internal/), marked on every page."""

    internal: bool = False


@dg.asset(
    partitions_def=year_partitions,
    group_name="reporting",
    kinds={"markdown", "docx", "xlsx"},
    deps=[dg.AssetDep("ind_values", partition_mapping=year_to_quarters)],
)
def annual_report(context: dg.AssetExecutionContext, workspace: Workspace,
                  config: AnnualReportConfig) -> dg.MaterializeResult:
    """The annual report's data section for the financial year: narrative (md, html), figures (PNG, SVG),
    figures.xlsx, data-section.docx and provenance.json, disclosure-controlled unless `internal`.

    Source: ind_values (year rows from the year's Q4, quarter rows), mart_comparison when present, raw_files.
    Grain: one folder per year, <data_dir>/output/report/<2022-23>/.
    """
    year = year_of(context)
    public = not config.internal
    out_dir = build.output_dir(workspace.output_dir, year, public)
    with workspace.connect(read_only=True) as con:
        result = build.build(con, year, out_dir, public=public)
    text = (out_dir / "narrative.md").read_text(encoding="utf-8")
    if result.images_reason:
        context.log.warning(f"Report {year.label}: the figures' images were not drawn: {result.images_reason}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(out_dir)),
        "mode": "public" if public else "internal",
        "files": len(result.files),
        "figures": dg.MetadataValue.json(result.figures),
        "figures_not_available": dg.MetadataValue.json(result.not_available),
        "images_skipped": dg.MetadataValue.json(result.images_skipped),
        "images_reason": result.images_reason or "",
        "timings_s": dg.MetadataValue.json(result.timings),
        "preview": dg.MetadataValue.md(text[:2000]),
    })
