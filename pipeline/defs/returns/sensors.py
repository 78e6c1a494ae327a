"""Notice new or changed returns in the raw folder and request the affected quarter."""

import hashlib
import json

import dagster as dg

from pipeline.defs.reporting.jobs import quarter_job
from pipeline.defs.resources import Workspace
from pipeline.lib.returns.filing import scan_raw


@dg.sensor(job=quarter_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
def raw_returns_sensor(context: dg.SensorEvaluationContext, workspace: Workspace):
    """One run per quarter folder whose files (names, sizes, modification times) changed since the last look.

    The cursor holds each quarter's fingerprint, so an unchanged folder asks for nothing; the run key also
    carries the fingerprint, so Dagster never runs the same state of a quarter twice.
    """
    raw = workspace.raw_dir
    if not raw.exists():
        yield dg.SkipReason(f"No raw folder at {raw}")
        return
    fingerprints: dict[str, list[str]] = {}
    # A misfiled file asks for the quarter it was meant for, so its "move it to ..." line appears there.
    for found in scan_raw(raw)[0]:
        if found.quarter is None:
            continue
        stat = found.path.lstat()
        fingerprints.setdefault(found.quarter.partition_key, []).append(f"{found.relative_path}|{stat.st_size}|{int(stat.st_mtime)}")
    digests = {key: hashlib.sha256("\n".join(entries).encode()).hexdigest()[:16]
               for key, entries in sorted(fingerprints.items())}
    seen = json.loads(context.cursor) if context.cursor else {}
    changed = [key for key, digest in digests.items() if seen.get(key) != digest]
    context.update_cursor(json.dumps(digests, sort_keys=True))
    if not changed:
        yield dg.SkipReason("No returns filed under raw/<year>/<quarter>/" if not digests else "No quarter's returns changed")
        return
    for key in changed:
        yield dg.RunRequest(run_key=f"{key}:{digests[key]}", partition_key=key)
