"""The generator's forked workers can always be stopped: CI once hung for ever in the pool's terminate(), a worker
stuck on a lock held at fork time with the test session's Python SIGTERM handler, which it could never run."""

from __future__ import annotations

import multiprocessing
import signal

from pipeline.lib.demo import generate


def _sigterm_disposition(_) -> bool:
    return signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_forked_workers_take_sigterms_default_even_under_a_parent_handler():
    previous = signal.signal(signal.SIGTERM, lambda *_: None)   # as a test session or a Dagster process may have
    try:
        with multiprocessing.get_context("fork").Pool(2, initializer=generate._default_sigterm) as pool:
            assert pool.map(_sigterm_disposition, range(4), chunksize=1) == [True] * 4
    finally:
        signal.signal(signal.SIGTERM, previous)
