"""A small real warehouse from the demo's learning returns only: 8 quarters filed, read by the intake, indicators
computed by compute_quarter, as the pipeline does. Built once per test session (about half a minute)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from pipeline.lib import comparison, indicators
from pipeline.lib.demo.learning import demo_quarters, learning_workbooks
from pipeline.lib.demo.workbook import write_workbook
from pipeline.lib.periods import Quarter
from pipeline.lib.returns.intake import intake_quarter

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
