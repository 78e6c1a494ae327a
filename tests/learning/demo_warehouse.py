"""A small real warehouse from the demo's learning returns only: 8 quarters filed, read by the intake, indicators
computed by compute_quarter, as the pipeline does. About half a minute to build, so it is built once for the code as
it is and kept under .pytest_cache/learning/<hash>/ (as tests/demo_run.py keeps the demo run): both xdist workers
and later sessions read the same file. Tests must treat it as read-only (open it read_only, or copy it)."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import duckdb

from pipeline.lib import comparison, indicators
from pipeline.lib.demo.learning import demo_quarters, learning_workbooks
from pipeline.lib.demo.workbook import write_workbook
from pipeline.lib.paths import PROJECT_ROOT
from pipeline.lib.periods import Quarter
from pipeline.lib.returns.intake import intake_quarter
from tests.demo_run import LOCK_TIMEOUT_S, _locked, inputs_hash

CACHE_DIR = PROJECT_ROOT / ".pytest_cache" / "learning"

KEY = "learning-test-key"
ONS_CODE = "E08000028"


def build(root: Path) -> Path:
    raw = root / "raw"
    for q in demo_quarters():
        for book in learning_workbooks(q):
            write_workbook(raw / q.fy / f"Q{q.q}" / book.filename, book, dt.datetime.combine(q.end, dt.time(9)))
    path = root / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table ref_population (ons_code varchar, mid_year integer, population_0_17 double)")
    for q in demo_quarters():
        quarter = Quarter(q.fy_start_year, q.q)
        intake_quarter(con, raw, quarter, KEY, today=dt.date(2023, 6, 30))
        indicators.store_quarter(con, quarter, indicators.compute_quarter(con, quarter, ONS_CODE))
    # No DfE benchmarks for the learning figures (DfE publishes none): the comparison table exists, empty, as
    # the report requires it (a missing one is an error, never a report without benchmarks that reads as whole)
    comparison.ensure_tables(con)
    con.close()
    return path


def cached(cache_dir: Path = CACHE_DIR) -> Path:
    """The warehouse for the current code (and this file): from the cache, or built once by whichever worker comes
    first while the other waits on the lock. Marked complete only at the end, so a killed build is built again."""
    key = hashlib.sha256((inputs_hash() + Path(__file__).read_text(encoding="utf-8")).encode()).hexdigest()[:16]
    entry = cache_dir / key
    with _locked(cache_dir / ".lock", LOCK_TIMEOUT_S):
        if not (entry / "complete").exists():
            for old in cache_dir.iterdir():  # older code's warehouses are never read again
                if old.is_dir():
                    shutil.rmtree(old, ignore_errors=True)
            entry.mkdir(parents=True)
            build(entry)
            (entry / "complete").touch()
    return entry / "warehouse.duckdb"
