"""Intake assets: the quarter's returns read from raw/<2022-23>/<Q3>/ into DuckDB."""

import datetime as dt

import dagster as dg

from pipeline.defs.partitions import quarter_of, quarter_partitions
from pipeline.defs.resources import Workspace
from pipeline.lib.returns.intake import intake_quarter


@dg.asset(
    partitions_def=quarter_partitions,
    group_name="returns",
    pool="duckdb_writer",
    kinds={"duckdb", "excel"},
)
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


