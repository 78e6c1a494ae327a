"""Checks on the intake: no row lost, no file silently skipped."""

import dagster as dg

from pipeline.defs.partitions import each_partition, quarter_of
from pipeline.defs.resources import Workspace
from pipeline.defs.returns.assets import quarterly_returns
from pipeline.lib.returns.spec import load_specs


@dg.asset_check(asset=quarterly_returns, blocking=True)
@each_partition
def every_row_accounted_for(context: dg.AssetCheckExecutionContext, workspace: Workspace) -> dg.AssetCheckResult:
    """For every file and list: rows read = rows loaded + rows quarantined, and the tables hold exactly those rows."""
    quarter = quarter_of(context)
    specs = load_specs()
    with workspace.connect(read_only=True) as con:
        union = " union all ".join(
            f"select file_id, '{s.key}' as sheet_key, count(*) as n from {s.raw_table} where period_key = $key group by all"
            for spec in specs.values() for s in spec.sheets)
        problems = con.execute(f"""
            with stored as ({union}),
            quarantined as (select file_id, sheet_key, count(*) as n from raw_quarantine where period_key = $key group by all)
            select f.file_name, s.sheet_name, s.rows_read, s.rows_loaded, s.rows_quarantined,
                   coalesce(st.n, 0) as rows_in_table, coalesce(q.n, 0) as rows_in_quarantine
            from raw_sheets s join raw_files f using (file_id, period_key)
            left join stored st on st.file_id = s.file_id and st.sheet_key = s.sheet_key
            left join quarantined q on q.file_id = s.file_id and q.sheet_key = s.sheet_key
            where s.period_key = $key and f.present
              and (s.rows_read <> s.rows_loaded + s.rows_quarantined
                   or coalesce(st.n, 0) <> s.rows_loaded or coalesce(q.n, 0) <> s.rows_quarantined)
        """, {"key": quarter.partition_key}).df()
    return dg.AssetCheckResult(
        passed=problems.empty,
        metadata={"mismatches": len(problems),
                  "detail": dg.MetadataValue.md(problems.to_markdown(index=False) if len(problems) else "none")},
    )


@dg.asset_check(asset=quarterly_returns)
@each_partition
def every_file_recorded(context: dg.AssetCheckExecutionContext, workspace: Workspace) -> dg.AssetCheckResult:
    """Every file under raw/ the quarter lists (filed for it, meant for it, or placed nowhere) is in raw_files:
    read, a duplicate, or not read with a reason."""
    from pipeline.lib.returns.filing import files_for

    quarter = quarter_of(context)
    on_disk = {f.relative_path for f in files_for(workspace.raw_dir, quarter)}
    with workspace.connect(read_only=True) as con:
        recorded = {r[0] for r in con.execute(
            "select relative_path from raw_files where period_key = ? and present", [quarter.partition_key]).fetchall()}
        unexplained = con.execute("""select count(*) from raw_files where period_key = ? and present
                                     and status <> 'loaded' and coalesce(message, '') = ''""",
                                  [quarter.partition_key]).fetchone()[0]
    missing = sorted(on_disk - recorded)
    return dg.AssetCheckResult(passed=not missing and unexplained == 0,
                               metadata={"files_on_disk": len(on_disk), "not_recorded": ", ".join(missing) or "none",
                                         "rejected_without_reason": int(unexplained)})
