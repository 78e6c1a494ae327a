"""One run of the whole pipeline on the synthetic demo returns, shared by every test that needs it.

The run is cached on disk under .pytest_cache/demo/<hash>/, keyed by the hash of everything its outputs depend
on (the code, SQL, configuration, templates, reference files, the lock file and today's date, which decides the
partitions). Every pytest worker and every later test session on the same code reuses it; a change to any of
those files builds it again. The cache is built under a file lock and marked complete
(outputs.json) only at the end, so a killed build is built again and two workers never build it twice. It is
built in its final folder because the warehouse and outputs record the paths they were made at.
`pytest --cache-clear` (or deleting .pytest_cache/) forces a fresh run. Tests must treat it as read-only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.cli import DEMO_PSEUDONYM_KEY, DEMO_YEARS, run_years
from pipeline.lib.paths import PROJECT_ROOT

CACHE_DIR = PROJECT_ROOT / ".pytest_cache" / "demo"
# What the demo's outputs depend on: a change to any file here makes a new cache entry.
INPUTS = ("pipeline", "sql", "config", "reports", "templates", "vendor", "data/reference", "pyproject.toml",
          "uv.lock", "tests/demo_run.py")
# A build takes minutes on a busy machine; a worker waiting for another's build gives up after this long.
LOCK_TIMEOUT_S = 30 * 60


@dataclass
class DemoRun:
    data_dir: Path
    outputs: dict[str, list[Path]]

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.data_dir / "warehouse.duckdb"), read_only=True)

    def dashboard(self, label: str) -> Path:
        return self.data_dir / "output" / "dashboard" / f"{label.replace(' ', '-')}.html"


def inputs_hash(root: Path = PROJECT_ROOT, today: dt.date | None = None) -> str:
    digest = hashlib.sha256(str(today or dt.date.today()).encode())
    for name in INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            if "__pycache__" in f.parts or not f.exists():
                continue
            digest.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def run_demo(data_dir: Path) -> DemoRun:
    """Generate the demo returns into data_dir/raw and run the pipeline over them (an ephemeral instance)."""
    from pipeline.lib.demo.generate import main as generate

    generate(["--out", str(data_dir / "raw")])
    saved = {k: os.environ.get(k) for k in ("SAFEGUARDING_DATA_DIR", "SAFEGUARDING_PSEUDONYM_KEY", "DAGSTER_HOME")}
    os.environ.update(SAFEGUARDING_DATA_DIR=str(data_dir), SAFEGUARDING_PSEUDONYM_KEY=DEMO_PSEUDONYM_KEY)
    os.environ.pop("DAGSTER_HOME", None)  # an ephemeral Dagster instance: tests leave no run history behind
    try:
        outputs = run_years(DEMO_YEARS)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return DemoRun(data_dir, outputs)


@contextlib.contextmanager
def _locked(path: Path, timeout_s: float) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"Waited {timeout_s:.0f} s for another worker's demo build ({path})") from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def start_background_build(cache_dir: Path = CACHE_DIR) -> subprocess.Popen | None:
    """Build the cache in a process of its own while other tests run (None when it is already built).
    Its output goes to .pytest_cache/demo/build.log; `cached_demo` waits for it on the lock."""
    if (cache_dir / inputs_hash() / "outputs.json").exists():
        return None
    cache_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    with (cache_dir / "build.log").open("w") as log:
        return subprocess.Popen([sys.executable, "-c", "from tests.demo_run import cached_demo; cached_demo()"],
                                cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def cached_demo(cache_dir: Path = CACHE_DIR) -> DemoRun:
    """The demo run for the current code: from the cache, or built once (by whichever worker comes first)."""
    key = inputs_hash()
    entry = cache_dir / key
    with _locked(cache_dir / ".lock", LOCK_TIMEOUT_S):
        if not (entry / "outputs.json").exists():
            for old in cache_dir.iterdir():  # one entry is enough: older code's runs are never read again
                if old.is_dir():
                    shutil.rmtree(old, ignore_errors=True)
            entry.mkdir(parents=True)
            run = run_demo(entry / "data")
            relative = {k: [str(p.relative_to(run.data_dir)) for p in v] for k, v in run.outputs.items()}
            (entry / "outputs.json").write_text(json.dumps(relative), encoding="utf-8")  # written last: complete
    relative = json.loads((entry / "outputs.json").read_text(encoding="utf-8"))
    data_dir = entry / "data"
    return DemoRun(data_dir, {k: [data_dir / p for p in v] for k, v in relative.items()})
