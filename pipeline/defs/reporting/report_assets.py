"""The annual report's exports for a financial year."""

import dagster as dg

from pipeline.defs.partitions import year_of, year_partitions, year_to_quarters
from pipeline.defs.resources import Workspace
from pipeline.lib.report import build


class AnnualReportConfig(dg.Config):
    """`internal: true` builds the QPPA's unsuppressed version (output/report/<year>-internal/), marked on every
    page. `allow_partial: true` writes the public report of a year some quarter's returns are missing from (each
    sentence then says what it covers); without it such a year is refused with one line naming the quarters."""

    internal: bool = False
    allow_partial: bool = False


@dg.asset(
    partitions_def=year_partitions,
    group_name="reporting",
    kinds={"markdown", "docx", "xlsx"},
    # every table the report reads, so it is never built before them (the learning registers come with the intake)
    deps=[dg.AssetDep(name, partition_mapping=year_to_quarters)
          for name in ("ind_values", "mart_comparison", "quarterly_returns", "intake_log")],
    description=(
        "The data section of the partnership's annual report for the year, ready for the report author: the "
        "text in the report's own words and order (contacts and referrals to training), the report's tables, "
        "the charts it carries with DfE's England, West Midlands and statistical-neighbour figures where they "
        "compare, a Word draft (A4), a workbook of every figure's data and a record of the returns it rests on. "
        "Counts of 1 to 5 children are shown as c unless the QPPA's internal version is asked for; a year some "
        "quarter's returns are missing from is only written when the author asks for it."),
)
def annual_report(context: dg.AssetExecutionContext, workspace: Workspace,
                  config: AnnualReportConfig) -> dg.MaterializeResult:
    """The annual report's data section for the financial year: narrative (md, html), charts (PNG, SVG),
    figures.xlsx, data-section.docx and provenance.json, disclosure-controlled unless `internal`.

    Source: ind_values (year rows from the year's Q4, quarter rows), mart_comparison, raw_files, the learning stg_ views.
    Grain: one folder per year, <data_dir>/output/report/<2022-23>/.
    """
    year = year_of(context)
    public = not config.internal
    out_dir = build.output_dir(workspace.output_dir, year, public)
    try:
        with workspace.connect(read_only=True) as con:
            result = build.build(con, year, out_dir, public=public, allow_partial=config.allow_partial)
    except (build.PartialYear, build.NoYearFigures) as err:
        raise dg.Failure(description=str(err)) from err
    text = (out_dir / "narrative.md").read_text(encoding="utf-8")
    if result.images_reason:
        context.log.warning(f"Report {year.label}: the charts' images were not drawn: {result.images_reason}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(out_dir)),
        "mode": "public" if public else "internal",
        "whole year": not result.missing_quarters,
        "quarters missing": ", ".join(result.missing_quarters) or "none",
        "files": len(result.files),
        "charts": dg.MetadataValue.json(result.figures),
        "tables": dg.MetadataValue.json(result.tables),
        "figures_not_available": dg.MetadataValue.json(result.not_available),
        "images_skipped": dg.MetadataValue.json(result.images_skipped),
        "images_reason": result.images_reason or "",
        "timings_s": dg.MetadataValue.json({k: round(float(v), 2) for k, v in result.timings.items()}),
        "preview": dg.MetadataValue.md(text[:2000]),
    })
