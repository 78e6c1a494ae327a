"""The project's process pool cannot wait for ever (issue 11): a worker that hangs or dies ends the call with an
error naming it, within a bounded time, and no worker process is left behind; a lock held in the parent (as a
native DuckDB or Arrow thread may hold one) cannot block a worker, because workers are spawned, not forked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from pipeline.lib import pools

LOCK = threading.Lock()   # held by the parent in a test: a forked worker would inherit it held


def _square(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def _fails(n: int) -> int:
    if n == 2:
        raise ValueError(f"task {n} failed")
    return n


def _hangs_on(task: tuple[int, str]) -> int:
    """Task 1 records its PID and blocks for ever, ignoring SIGTERM as a stuck worker may; the others finish."""
    n, folder = task
    Path(folder, f"{n}.pid").write_text(str(os.getpid()))
    if n == 1:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        threading.Event().wait()
    return n


def _dies_on(task: tuple[int, str]) -> int:
    n, folder = task
    Path(folder, f"{n}.pid").write_text(str(os.getpid()))
    if n == 1:
        os._exit(3)
    return n


def _takes_lock(_) -> bool:
    with LOCK:
        return True


def _pids(folder: Path) -> list[int]:
    return [int(p.read_text()) for p in folder.glob("*.pid")]


def _gone(pid: int) -> bool:
    return not psutil.pid_exists(pid)   # a zombie (ended, not reaped) still exists


def test_results_in_the_tasks_order_and_no_worker_left():
    results = pools.run_in_processes(_square, range(7), jobs=2, what="squares", timeout_s=60)
    assert [r for r, _ in results] == [n * n for n in range(7)]
    pids = {pid for _, pid in results}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2 and all(_gone(pid) for pid in pids)


def test_a_workers_exception_is_raised_as_it_is():
    with pytest.raises(ValueError, match="task 2 failed"):
        pools.run_in_processes(_fails, range(5), jobs=2, what="fails", timeout_s=60)


def test_a_hung_worker_ends_the_call_within_the_timeout_and_is_killed(tmp_path):
    started = time.monotonic()
    with pytest.raises(pools.PoolError, match=r"hang test: no task finished in 3 s; running or about to run: .*task 1"):
        pools.run_in_processes(_hangs_on, [(n, str(tmp_path)) for n in range(4)], jobs=2, what="hang test",
                               timeout_s=3, label=lambda t: f"task {t[0]}")
    assert time.monotonic() - started < 30          # 3 s of waiting plus the workers' start and end
    pids = _pids(tmp_path)
    assert len(set(pids)) == 2 and all(_gone(pid) for pid in pids), "every worker ended and reaped"


def test_a_worker_that_dies_ends_the_call_with_its_exit_code(tmp_path):
    started = time.monotonic()
    with pytest.raises(pools.PoolError, match=r"die test: a worker process died \(.*PID \d+ exit code 3.*\); unfinished: .*task 1"):
        pools.run_in_processes(_dies_on, [(n, str(tmp_path)) for n in range(4)], jobs=2, what="die test",
                               timeout_s=600, label=lambda t: f"task {t[0]}")
    assert time.monotonic() - started < 30, "found at once, not after the 600 s timeout"
    assert all(_gone(pid) for pid in _pids(tmp_path))


def test_a_lock_the_parent_holds_does_not_block_the_workers():
    """Under fork this hangs (the worker's copy of LOCK is held, by a thread it does not have) and the timeout ends
    it; spawned workers import their own LOCK."""
    with LOCK:
        assert pools.run_in_processes(_takes_lock, range(2), jobs=2, what="lock test", timeout_s=20) == [True, True]


UNGUARDED = """
import sys
sys.path.insert(0, {root!r})
from pipeline.lib import pools
# no `if __name__ == "__main__"`: each spawned worker runs this again and dies at start
pools.run_in_processes(abs, [1, 2], jobs=2, what="unguarded", timeout_s=600, initializer=len, shared=b"x" * 10_000_000)
"""


def test_workers_dying_at_start_with_a_large_shared_object_do_not_block_the_parent(tmp_path):
    """Through spawn's start-up pipe (initargs) the parent blocked for ever writing the 10 MB to a dead worker."""
    script = tmp_path / "unguarded.py"
    script.write_text(UNGUARDED.format(root=str(Path(pools.__file__).parents[2])))
    done = subprocess.run([sys.executable, str(script)], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "unguarded: a worker process died" in done.stderr
