"""Notice new or changed returns in the raw folder and request the affected quarter."""

import hashlib

import dagster as dg

from pipeline.defs.reporting.jobs import quarter_job
from pipeline.defs.resources import Workspace
from pipeline.lib.periods import quarter_from_path


@dg.sensor(job=quarter_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
def raw_returns_sensor(context: dg.SensorEvaluationContext, workspace: Workspace):
    """One run per quarter folder whose files (names, sizes, modification times) changed since the last look."""
    raw = workspace.raw_dir
    if not raw.exists():
        return dg.SkipReason(f"No raw folder at {raw}")
    fingerprints: dict[str, list[str]] = {}
    for path in sorted(p for p in raw.rglob("*") if p.is_file()):
        quarter = quarter_from_path(path.relative_to(raw).parts)
        if quarter is None:
            continue
        stat = path.stat()
        fingerprints.setdefault(quarter.partition_key, []).append(f"{path.relative_to(raw)}|{stat.st_size}|{int(stat.st_mtime)}")
    if not fingerprints:
        return dg.SkipReason("No returns filed under raw/<year>/<quarter>/")
    for key, entries in sorted(fingerprints.items()):
        digest = hashlib.sha256("\n".join(entries).encode()).hexdigest()[:16]
        # The run key changes only when the quarter's files change, so Dagster runs each change once.
        yield dg.RunRequest(run_key=f"{key}:{digest}", partition_key=key)
