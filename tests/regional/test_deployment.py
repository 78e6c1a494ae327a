"""The regional deployment for real: Dagster's instance on Postgres (deploy/dagster.yaml as written), the queued run
coordinator (two runs at a time, one per partnership), the daemon running the sensor and launching each run in its
own process. 4 partnerships x 4 quarters are filed at once; every figure must equal the same returns run alone."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import psutil
import pytest

from pipeline.lib.paths import PROJECT_ROOT
from pipeline.regional import run as regional_run
from pipeline.regional import store
from pipeline.regional.postgres import LocalPostgres
from tests.regional.conftest import QUARTERS, YEAR, file_returns

FIGURE_TABLES = ("ind_values", "mart_comparison", "mart_reconciliation", "bm_comparators")
# 16 runs, two at a time: ~5 min on a 2-core machine shared with others (load 9), 20+ at load 25.
RUNS_TIMEOUT_S = 1500
QUARTER_KEYS = [f"{YEAR}-{q}" for q in QUARTERS]


@pytest.fixture
def postgres():
    # Not under tmp_path: pytest's folders are root's alone, and Postgres runs as the postgres user.
    folder = Path(tempfile.mkdtemp(prefix="regional-pg-"))
    pg = LocalPostgres(folder)
    try:
        yield pg.start()
    finally:
        pg.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _table(db: Path, table: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        frame = con.execute(f'select * from "{table}"').df()
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def _max_overlap(intervals: list[tuple[float, float]]) -> int:
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    now = peak = 0
    for _, step in events:
        now += step
        peak = max(peak, now)
    return peak


def _stop(process: subprocess.Popen) -> None:
    """The daemon and everything it started (its code server, runs), each by its PID."""
    try:
        started = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        started = []
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    for child in started:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.terminate()
    _, alive = psutil.wait_procs(started, timeout=20)
    for child in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    # Whatever is left of the daemon's own process group (a code server ignores TERM), gone for good.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.slow
@pytest.mark.e2e
def test_backfill_of_four_partnerships_on_postgres_equals_each_run_alone(
        tmp_path, postgres, small_raw, hub, partnership_keys, monkeypatch):
    slugs = hub.slugs[:4]
    assert len(slugs) == 4
    home, data = tmp_path / "home", tmp_path / "hub"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    for name, value in {**postgres.env, "DAGSTER_HOME": str(home), "SAFEGUARDING_REGIONAL_DATA_DIR": str(data),
                        "SAFEGUARDING_REGIONAL_SENSOR": "on"}.items():
        monkeypatch.setenv(name, value)
    instance = dg.DagsterInstance.get()
    assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"

    # The reference first (once for the hub), recorded on the Postgres instance; then every return at once.
    regional_run.run(data, [], [], instance=instance)
    file_returns(small_raw, data, slugs)

    log = (tmp_path / "daemon.log").open("w")
    daemon = subprocess.Popen(
        [str(PROJECT_ROOT / ".venv/bin/dagster-daemon"), "run", "-w", str(PROJECT_ROOT / "deploy/workspace.yaml")],
        cwd=PROJECT_ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + RUNS_TIMEOUT_S
        while time.monotonic() < deadline:
            runs = instance.get_runs(filters=dg.RunsFilter(job_name="regional_quarter_job"))
            if len(runs) >= 16 and all(r.is_finished for r in runs):
                break
            assert daemon.poll() is None, f"the daemon stopped: {(tmp_path / 'daemon.log').read_text()[-3000:]}"
            time.sleep(2)
        else:
            states = [(r.tags.get("dagster/partition"), r.status.value) for r in runs]
            pytest.fail(f"16 runs not finished in {RUNS_TIMEOUT_S} s: {states}")
    finally:
        _stop(daemon)
        log.close()

    records = instance.get_run_records(filters=dg.RunsFilter(job_name="regional_quarter_job"))
    assert sorted(r.dagster_run.tags["dagster/partition"] for r in records) == sorted(
        f"{s}|{q}" for s in slugs for q in QUARTER_KEYS)
    failed = [r.dagster_run.tags["dagster/partition"] for r in records if r.dagster_run.status != dg.DagsterRunStatus.SUCCESS]
    assert not failed, f"runs failed: {failed}"
    spans = [(r.start_time, r.end_time) for r in records]
    assert _max_overlap(spans) == 2, "two runs at once, never more (max_concurrent_runs: 2)"
    for slug in slugs:
        own = [(r.start_time, r.end_time) for r in records if r.dagster_run.tags["dagster/partition/partnership"] == slug]
        assert _max_overlap(own) == 1, f"{slug}: one run at a time per partnership"
        starts = [r.dagster_run.tags["dagster/partition/quarter"] for r in sorted(records, key=lambda r: r.start_time)
                  if r.dagster_run.tags["dagster/partition/partnership"] == slug]
        assert starts == QUARTER_KEYS, f"{slug}: quarters run in time order"

    # The same returns, each partnership alone, in this process, on a fresh instance.
    alone = tmp_path / "alone"
    for slug in slugs:
        folder = alone / slug
        file_returns(small_raw, folder, [slug])
        # The same DfE reference (built from the same files; rebuilding it four times costs a minute here).
        shutil.copy(store.reference_path(data), store.reference_path(folder))
        regional_run.run(folder, [slug], QUARTER_KEYS, reference=False)
        for table in FIGURE_TABLES:
            together = _table(data / "partnerships" / slug / "warehouse.duckdb", table)
            solo = _table(folder / "partnerships" / slug / "warehouse.duckdb", table)
            assert len(together) > 0
            pd.testing.assert_frame_equal(together, solo, obj=f"{slug} {table}")

    # The partnerships differ (each left out different returns), so a mix-up between them could not pass above.
    digests = {s: pd.util.hash_pandas_object(_table(data / "partnerships" / s / "warehouse.duckdb", "ind_values"),
                                             index=False).sum() for s in slugs}
    assert len(set(digests.values())) == 4, digests
