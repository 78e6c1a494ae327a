"""The batch runner (one warehouse open per partnership, no Dagster run per quarter; what bench_national uses)
gives every figure the Dagster assets give for the same returns."""

from __future__ import annotations

import pandas as pd

from pipeline.regional import run
from tests.regional.conftest import file_returns
from tests.regional.test_deployment import FIGURE_TABLES, _table

SLUGS = ["sandwell", "dudley"]            # dudley leaves its Q2 multi-agency return out (conftest.LEFT_OUT)
QUARTER_KEYS = ["2022-23-Q1", "2022-23-Q2"]


def test_batch_figures_equal_the_dagster_runs(tmp_path, small_raw, partnership_keys):
    dagster_dir, batch_dir = tmp_path / "dagster", tmp_path / "batch"
    for folder in (dagster_dir, batch_dir):
        file_returns(small_raw, folder, SLUGS, quarters=("Q1", "Q2"))
    run.run(dagster_dir, SLUGS, QUARTER_KEYS)
    run.run(batch_dir, [], [])                # the reference, as the benchmark builds it first
    done = run.run_batch(batch_dir, SLUGS, QUARTER_KEYS)
    assert set(done) == set(SLUGS) and all(d["files"] and not d["rejected"] and d["rows_loaded"] for d in done.values())
    for slug in SLUGS:
        for table in (*FIGURE_TABLES, "raw_sheets"):
            by_dagster = _table(dagster_dir / "partnerships" / slug / "warehouse.duckdb", table)
            by_batch = _table(batch_dir / "partnerships" / slug / "warehouse.duckdb", table)
            assert len(by_batch), f"{slug} {table} is empty"
            pd.testing.assert_frame_equal(by_batch, by_dagster, obj=f"{slug} {table}")
