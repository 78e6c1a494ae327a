"""Process pools that cannot hang the project (issue 11: nothing in the project may wait for ever).

Every pool in pipeline/ and scripts/ goes through `run_in_processes`:
- Workers are *spawned* (a fresh interpreter), never forked. A fork copies one thread of a process whose other
  threads (DuckDB's, Arrow's: native, so `threading.active_count()` does not see them) may hold locks; the copy then
  sleeps on such a lock for ever. CI once hung 10 minutes that way. What a worker needs is passed to it pickled:
  the tasks, and `shared` (pickled once, to a private temporary file each worker reads at start). Not through the
  start-up pipe: CPython's spawn keeps that pipe's read end open while it writes, so a worker dying before it had
  read a payload over the pipe's 64 KB (an import error, a main module without `if __name__ == "__main__"`) left the
  parent blocked in write() for ever.
- Every wait has a bound: if no task finishes within `timeout_s`, the run stops with an error naming the tasks
  still running; a worker that dies (killed, `os._exit`) stops it with an error giving its PID and exit code.
- However the call ends, each worker is ended by its PID (SIGKILL if it has not exited) and reaped, so none is left.
"""

from __future__ import annotations

import multiprocessing
import pickle
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

START_METHOD = "spawn"
EXIT_WAIT_S = 10   # how long an idle worker gets to exit once the work is done, before it is killed


class PoolError(RuntimeError):
    """A pool's worker hung or died: the message says which tasks and which process."""


def run_in_processes(fn: Callable, tasks: Iterable, *, jobs: int, what: str, timeout_s: float,
                     label: Callable[[object], str] = str, initializer: Callable | None = None,
                     shared: object = None) -> list:
    """[fn(task) for task in tasks], computed by up to `jobs` spawned processes (one task at a time each, in the
    tasks' order), results in the tasks' order. `fn` and `initializer` must be module-level functions; each worker
    runs initializer(shared) once before its first task. `timeout_s` bounds the wait for the next task to finish, so
    a run ends at most `timeout_s` after the last task that finished. An exception raised by `fn` is raised here as
    it is. The caller's main module must start work only under `if __name__ == "__main__"` (spawn imports it)."""
    tasks = list(tasks)
    with tempfile.TemporaryDirectory(prefix="pool-") as folder:   # 0700: only this user reads what is shared
        shared_file = Path(folder) / "shared.pickle"
        shared_file.write_bytes(pickle.dumps(shared, protocol=pickle.HIGHEST_PROTOCOL))
        return _run(fn, tasks, jobs, what, timeout_s, label, (initializer, str(shared_file)))


def _start_worker(initializer: Callable | None, shared_file: str) -> None:
    if initializer is not None:
        initializer(pickle.loads(Path(shared_file).read_bytes()))


def _run(fn: Callable, tasks: list, jobs: int, what: str, timeout_s: float, label: Callable, initargs: tuple) -> list:
    pool = ProcessPoolExecutor(max(1, min(jobs, len(tasks))), mp_context=multiprocessing.get_context(START_METHOD),
                               initializer=_start_worker, initargs=initargs)
    workers, futures, finished = [], [], False
    try:
        futures = [pool.submit(fn, task) for task in tasks]
        # The executor starts a worker per submit until it has `jobs`; it keeps no public list of them.
        workers = list(pool._processes.values())
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=timeout_s, return_when=FIRST_COMPLETED)
            if not done:
                # running(): handed to a worker, or next in the executor's queue (one more than the workers)
                running = [label(t) for t, f in zip(tasks, futures) if f.running()]
                raise PoolError(f"{what}: no task finished in {timeout_s:g} s; running or about to run: "
                                f"{', '.join(running) or 'none'}; worker PIDs {_pids(workers)} were killed")
            for f in done:
                f.result()   # a worker's exception, or BrokenProcessPool if one died, is raised at once
        finished = True
        return [f.result() for f in futures]
    except BrokenProcessPool as err:
        for p in workers:
            p.join(timeout=1)   # the dead one is reaped at once; a live one is killed below
        dead = ", ".join(f"PID {p.pid} exit code {p.exitcode}" for p in workers if p.exitcode not in (None, 0))
        unfinished = [label(t) for t, f in zip(tasks, futures) if not f.done() or f.exception() is not None]
        raise PoolError(f"{what}: a worker process died ({dead or 'exit code unknown'}); unfinished: "
                        f"{', '.join(unfinished) or 'none'}") from err
    finally:
        _end(pool, workers, graceful=finished)


def _pids(workers: list) -> str:
    return ", ".join(str(p.pid) for p in workers) or "none"


def _end(pool: ProcessPoolExecutor, workers: list, graceful: bool) -> None:
    """Kill by PID every worker still alive (hung, or busy with work no longer wanted; after success, idle workers
    first get EXIT_WAIT_S to exit by themselves), and reap them all."""
    pool.shutdown(wait=False, cancel_futures=True)
    for p in workers:
        if graceful:
            p.join(timeout=EXIT_WAIT_S)
        if p.exitcode is None:
            p.kill()
            p.join(timeout=EXIT_WAIT_S)
    # Every worker is gone now, so the executor's own thread sees that and ends: this join is bounded.
    pool.shutdown(wait=True)
