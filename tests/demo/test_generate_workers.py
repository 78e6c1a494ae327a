"""The generator's forked workers can always be stopped: CI once hung for ever in the pool's terminate(), a worker
stuck on a lock held at fork time with the test session's Python SIGTERM handler, which it could never run."""

from __future__ import annotations

import signal

from pipeline.lib.demo import generate


def _sigterm_disposition(_) -> bool:
    return signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_forked_workers_take_sigterms_default_even_under_a_parent_handler():
    previous = signal.signal(signal.SIGTERM, lambda *_: None)   # as a test session or a Dagster process may have
    try:
        with generate._fork_pool(2) as pool:   # the pool generate() writes the quarters with
            assert pool.map(_sigterm_disposition, range(4), chunksize=1) == [True] * 4
    finally:
        signal.signal(signal.SIGTERM, previous)
