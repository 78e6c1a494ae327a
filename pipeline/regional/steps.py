"""What each regional asset does to one partnership's warehouse for one quarter, given an open connection.

The Dagster assets (pipeline.regional.definitions) open the warehouse for each step and call these; the batch
runner (pipeline.regional.run.run_batch) opens it once per partnership and calls the same functions for all its
quarters, so both give the same figures (tests/regional/test_batch.py) and the batch pays no run per quarter.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.lib import comparison, indicators
from pipeline.lib.periods import Quarter
from pipeline.lib.returns.intake import intake_quarter
from pipeline.regional import store
from pipeline.regional.config import Partnership


def load_returns(con: duckdb.DuckDBPyConnection, where: store.PartnershipStore, quarter: Quarter, key: str):
    """The quarter's returns read, checked and loaded with the partnership's key: (outcomes, loaded, quarantined)."""
    outcomes = intake_quarter(con, where.raw_dir, quarter, key, today=dt.date.today())
    (loaded, quarantined) = con.execute(
        "select coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0) from raw_sheets "
        "where period_key = ?", [quarter.partition_key]).fetchall()[0]
    return outcomes, int(loaded), int(quarantined)


def prepare_reference(con: duckdb.DuckDBPyConnection, data_dir: Path, partnership: Partnership) -> str:
    """The reference tables and the partnership's comparators up to date (each a no-op if already); the build id."""
    build = store.sync_reference(con, data_dir)
    store.ensure_comparators(con, partnership.config(), build)
    return build


def compute_figures(con: duckdb.DuckDBPyConnection, partnership: Partnership, quarter: Quarter) -> pd.DataFrame:
    """The quarter's, 12 months' and year's indicators with the partnership's own LA population, stored."""
    # cdop_area: codes.yaml names Sandwell the partnership's CDOP area; here each member is its own
    values = indicators.compute_quarter(con, quarter, partnership.ons_la_code, cdop_area=partnership.local_authority)
    indicators.store_quarter(con, quarter, values)
    return values


def compare(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> tuple[int, int]:
    """mart_comparison and mart_reconciliation for the quarter: their row counts."""
    compared = comparison.compare_quarter(con, quarter)
    comparison.store_comparison(con, quarter, compared)
    reconciled = comparison.reconcile_quarter(con, quarter)
    comparison.store_reconciliation(con, quarter, reconciled)
    return len(compared), len(reconciled)
