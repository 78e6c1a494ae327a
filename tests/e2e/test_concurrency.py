"""Two processes, one warehouse: the second stops at once with one line naming the first, never a traceback.

Every test here starts real processes (`python -m pipeline.cli ...`, a Python holding DuckDB open) and ends
only the ones it started, by PID.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from pipeline.defs.resources import Workspace
from pipeline.lib.paths import PROJECT_ROOT
from pipeline.lib.warehouse import LOCK_SUFFIX, RunLock, WarehouseBusy
from tests.conftest import TEST_KEY

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BUSY = re.compile(r"^Another run \((?P<holder>[^)]*)\) holds the warehouse (?P<path>\S+): wait for it to finish, "
                  r"then run again\.$")


def env_for(data_dir: Path, key: str = TEST_KEY) -> dict[str, str]:
    env = {**os.environ, "SAFEGUARDING_DATA_DIR": str(data_dir), "SAFEGUARDING_PSEUDONYM_KEY": key}
    env.pop("DAGSTER_HOME", None)  # an ephemeral Dagster instance: no run history left behind
    return env


def start(args: list[str], env: dict[str, str], **kw) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, start_new_session=True, text=True, **kw)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


HOLD_RUN_LOCK = ("import sys, time; from pipeline.lib.warehouse import RunLock; RunLock(sys.argv[1]).acquire(); "
                 "print('ready', flush=True); time.sleep(300)")
HOLD_DUCKDB = "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(300)"


def holding(code: str, db: Path, timeout_s: float = 120) -> subprocess.Popen:
    """A real process holding the warehouse (our run lock, or DuckDB's own) until it is killed."""
    proc = start([sys.executable, "-c", code, str(db)], env_for(db.parent), stdout=subprocess.PIPE)
    ready, _, _ = select.select([proc.stdout], [], [], timeout_s)  # never wait for ever on a child
    if not ready or proc.stdout.readline().strip() != "ready":
        stop(proc)
        raise AssertionError(f"the process holding {db} did not start within {timeout_s:.0f} s")
    return proc


def take_lock_elsewhere(db: Path) -> subprocess.CompletedProcess:
    code = "import sys; from pipeline.lib.warehouse import RunLock; RunLock(sys.argv[1]).acquire(); print('taken')"
    return subprocess.run([sys.executable, "-c", code, str(db)], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=60, check=False)


def wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout_s:.0f} s for {what}")
        time.sleep(0.2)


def test_a_second_run_stops_at_once_while_the_first_holds_the_warehouse(demo_run, tmp_path):
    shutil.copytree(demo_run.data_dir / "raw", tmp_path / "raw")
    lock_file = tmp_path / f"warehouse.duckdb{LOCK_SUFFIX}"
    first = start([sys.executable, "-m", "pipeline.cli", "run", "2022-23"], env_for(tmp_path),
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: lock_file.exists() and f"process {first.pid}," in lock_file.read_text(), 180,
                 "the first run to take the warehouse")
        second = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "2022-23"], cwd=PROJECT_ROOT,
                                env=env_for(tmp_path), capture_output=True, text=True, timeout=180, check=False)
        assert first.poll() is None, "the first run ended before the second tried: the test proved nothing"
    finally:
        stop(first)
    assert second.returncode == 3, second.stderr
    assert "Traceback" not in second.stderr
    lines = second.stderr.strip().splitlines()
    match = BUSY.match(lines[-1])
    assert match, lines[-1]
    assert match["holder"].startswith(f"process {first.pid}, ")
    assert Path(match["path"]) == tmp_path / "warehouse.duckdb"


def test_a_report_stops_at_once_while_another_process_writes_the_warehouse(tmp_path):
    """Not our run lock this time: DuckDB's own, held by another program with the warehouse open to write."""
    holder = holding(HOLD_DUCKDB, tmp_path / "warehouse.duckdb")
    try:
        report = subprocess.run([sys.executable, "-m", "pipeline.cli", "report", "2022-23", "--data-dir", str(tmp_path)],
                                cwd=PROJECT_ROOT, env=env_for(tmp_path), capture_output=True, text=True, timeout=180,
                                check=False)
    finally:
        stop(holder)
    assert report.returncode == 3, report.stderr
    assert "Traceback" not in report.stderr
    [line] = report.stderr.strip().splitlines()
    match = BUSY.match(line)
    assert match, line
    assert match["holder"] == f"process {holder.pid}"


def test_a_dagster_run_fails_at_setup_with_the_line_while_another_process_has_the_warehouse(tmp_path):
    from pipeline.cli import one_line_reason

    @dg.asset
    def touches_the_warehouse(workspace: Workspace) -> None:
        with workspace.connect() as con:
            con.execute("create or replace table t as select 1 as x")

    holder = holding(HOLD_RUN_LOCK, tmp_path / "warehouse.duckdb")
    try:
        with pytest.raises(Exception) as failed:
            dg.materialize([touches_the_warehouse],
                           resources={"workspace": Workspace(data_dir=str(tmp_path), pseudonym_key=TEST_KEY)})
    finally:
        stop(holder)
    line = one_line_reason(failed.value)
    assert line and BUSY.match(line), line
    assert f"process {holder.pid}, " in line
    assert not (tmp_path / "warehouse.duckdb").exists()  # nothing was written
    # Once the holder has gone, the same run goes through, and lets go of the lock when it ends.
    dg.materialize([touches_the_warehouse],
                   resources={"workspace": Workspace(data_dir=str(tmp_path), pseudonym_key=TEST_KEY)})
    assert take_lock_elsewhere(tmp_path / "warehouse.duckdb").stdout.strip() == "taken"


def test_the_run_lock_is_reentrant_in_one_process_and_refused_to_another(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    outer = RunLock(db).acquire()
    inner = RunLock(db).acquire()  # the CLI holds it across jobs, each job's run takes it again
    inner.release()
    other = take_lock_elsewhere(db)
    assert other.returncode != 0 and f"WarehouseBusy: Another run (process {os.getpid()}, " in other.stderr
    outer.release()
    free = take_lock_elsewhere(db)
    assert free.stdout.strip() == "taken", free.stderr


def test_a_killed_holder_never_blocks_the_next_run(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    holder = holding(HOLD_RUN_LOCK, db)
    with pytest.raises(WarehouseBusy):
        RunLock(db).acquire()
    stop(holder)  # kill -9: the system lets go of the lock with the process
    assert take_lock_elsewhere(db).stdout.strip() == "taken"
