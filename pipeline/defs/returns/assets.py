"""Intake assets: the quarter's returns read from raw/<2022-23>/<Q3>/ into DuckDB, and feedback to agencies."""

import datetime as dt

import dagster as dg
import pandas as pd

from pipeline.defs.partitions import each_partition, one_run_per_backfill, quarter_of, quarter_partitions
from pipeline.defs.resources import Workspace
from pipeline.lib.returns.feedback import feedback_for_quarter, quarter_folder, write_feedback
from pipeline.lib.returns.intake import intake_quarter
from pipeline.lib.returns.store import LOG_TABLES


@dg.asset(
    partitions_def=quarter_partitions,
    backfill_policy=one_run_per_backfill,
    group_name="returns",
    pool="duckdb_writer",
    kinds={"duckdb", "excel"},
)
@each_partition
def quarterly_returns(context: dg.AssetExecutionContext, workspace: Workspace) -> dg.MaterializeResult:
    """Every return filed for the quarter, read, checked and loaded.

    Source: Excel workbooks under `<data_dir>/raw/<2022-23>/<Q1..Q4>/` (any file names; the return type is
    recognised from the sheets). Grain: tables raw_<list> hold one row per input row loaded; raw_quarantine
    one row per input row held back; raw_issues one row per problem; raw_files one row per file version.
    """
    quarter = quarter_of(context)
    with workspace.connect() as con:
        outcomes = intake_quarter(con, workspace.raw_dir, quarter, workspace.pseudonym_key, today=dt.date.today())
        per_file = con.execute("""
            select f.file_name, coalesce(f.return_type, '-') as return_type, f.agency, f.status,
                   coalesce(sum(s.rows_read), 0) as rows_read, coalesce(sum(s.rows_loaded), 0) as loaded,
                   coalesce(sum(s.rows_quarantined), 0) as quarantined, coalesce(sum(s.rows_outside_period), 0) as outside_period
            from raw_files f left join raw_sheets s on s.file_id = f.file_id and s.period_key = f.period_key
            where f.period_key = ? and f.present
            group by all order by f.file_name
        """, [quarter.partition_key]).df()
    rejected = [o for o in outcomes if o.status == "rejected"]
    for o in rejected:
        context.log.warning(f"Rejected {o.relative_path}: {o.message}")
    if not outcomes:
        context.log.warning(f"No files filed for {quarter.label} under {workspace.raw_dir / quarter.folder}")
    return dg.MaterializeResult(metadata={
        "quarter": quarter.label,
        "files": len(outcomes),
        "files_rejected": len(rejected),
        "rows_read": int(per_file["rows_read"].sum()) if len(per_file) else 0,
        "rows_loaded": int(per_file["loaded"].sum()) if len(per_file) else 0,
        "rows_quarantined": int(per_file["quarantined"].sum()) if len(per_file) else 0,
        "per_file": dg.MetadataValue.md(per_file.to_markdown(index=False) if len(per_file) else "no files"),
    })


@dg.asset(
    partitions_def=quarter_partitions,
    backfill_policy=one_run_per_backfill,
    group_name="returns",
    deps=[quarterly_returns],
    kinds={"duckdb"},
)
@each_partition
def intake_log(context: dg.AssetExecutionContext, workspace: Workspace) -> dg.MaterializeResult:
    """The quarter's intake log, as an asset outputs can depend on: what the dashboard's data-quality page, the
    feedback and the report show about the returns.

    Source: tables raw_files, raw_sheets, raw_issues, raw_mappings and raw_quarantine, written by
    quarterly_returns (docs/contracts.md, "Intake logs"). Grain: those tables' rows for the quarter. Fails,
    naming the table, when one is missing: an output built without it would say "no problems" for want of data.
    """
    quarter = quarter_of(context)
    with workspace.connect(read_only=True) as con:
        existing = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        missing = sorted(set(LOG_TABLES) - existing)
        if missing:
            raise dg.Failure(f"The intake log for {quarter.label} is incomplete: no table {', '.join(missing)}. "
                             "Materialise quarterly_returns for the quarter first.")
        counts = {table: con.execute(f"select count(*) from {table} where period_key = ?",
                                     [quarter.partition_key]).fetchone()[0] for table in LOG_TABLES}
        by_status = con.execute("""select status, coalesce(rule, '') as rule, count(*) as files from raw_files
                                   where period_key = ? and present group by all order by all""",
                                [quarter.partition_key]).df()
    return dg.MaterializeResult(metadata={
        "quarter": quarter.label,
        **{f"{table} rows": int(n) for table, n in counts.items()},
        "files by status": dg.MetadataValue.md(by_status.to_markdown(index=False) if len(by_status) else "no files"),
    })


@dg.asset(
    partitions_def=quarter_partitions,
    backfill_policy=one_run_per_backfill,
    group_name="returns",
    deps=[quarterly_returns],
    kinds={"excel"},
)
@each_partition
def intake_feedback(context: dg.AssetExecutionContext, workspace: Workspace) -> dg.MaterializeResult:
    """A data-quality workbook per agency for the quarter, to send back with the return.

    Source: the intake's log tables (raw_files, raw_sheets, raw_issues, raw_mappings) for the quarter.
    Grain: one workbook per agency that filed, at `<data_dir>/output/feedback/<2022-23-Q3>/<agency>.xlsx`,
    listing each problem (file, sheet, Excel row, column, value, rule, what to fix) and a summary.
    """
    quarter = quarter_of(context)
    out_dir = workspace.output_dir / "feedback"
    with workspace.connect(read_only=True) as con:
        feedback = feedback_for_quarter(con, quarter)
        written = write_feedback(con, quarter, out_dir)
    table = pd.DataFrame([{
        "agency": fb.agency, "files": len(fb.files), "rows_read": int(fb.sheets["rows_read"].sum()) if len(fb.sheets) else 0,
        "quarantined": int(fb.sheets["rows_quarantined"].sum()) if len(fb.sheets) else 0,
        "problems": fb.problems, "workbook": str(written[fb.agency].relative_to(workspace.root)),
    } for fb in feedback])
    if not written:
        context.log.warning(f"No returns filed for {quarter.label}: no feedback written")
    return dg.MaterializeResult(metadata={
        "quarter": quarter.label,
        "folder": dg.MetadataValue.path(str(out_dir / quarter_folder(quarter))),
        "workbooks": len(written),
        "problems": int(table["problems"].sum()) if len(table) else 0,
        "per_agency": dg.MetadataValue.md(table.to_markdown(index=False) if len(table) else "no returns filed"),
    })
