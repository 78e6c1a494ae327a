"""The generator's workers can always be stopped and never inherit a lock: CI once hung for ever in the pool's
terminate(), a forked worker stuck on a lock held at fork time with the test session's Python SIGTERM handler,
which it could never run. The workers are now spawned (pipeline/lib/pools.py) and given the world pickled."""

from __future__ import annotations

import os
import signal
import threading

from pipeline.lib.demo import generate

LOCK = threading.Lock()


def _worker_state(task: tuple[int, str]) -> tuple[bool, int, str, int, bool]:
    """What a worker sees: SIGTERM's disposition, the world's seed and its quarter, its PID, whether LOCK is free."""
    q = generate._WORLD.ctx.quarters[task[0]]
    free = LOCK.acquire(timeout=5)
    if free:
        LOCK.release()
    return signal.getsignal(signal.SIGTERM) == signal.SIG_DFL, generate._WORLD.ctx.seed, q.label, os.getpid(), free


def test_workers_get_the_world_and_not_the_parents_handler_or_locks(world):
    previous = signal.signal(signal.SIGTERM, lambda *_: None)   # as a test session or a Dagster process may have
    tasks = [(q.index, "unused") for q in world.ctx.quarters]
    try:
        with LOCK:   # held here as a native thread may hold one of its locks: a forked worker would wait for ever
            seen = generate._in_workers(_worker_state, tasks, 2, world)   # the pool generate() uses
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert [s[:3] for s in seen] == [(True, world.ctx.seed, q.label) for q in world.ctx.quarters]
    assert all(s[4] for s in seen)
    assert os.getpid() not in {s[3] for s in seen}
