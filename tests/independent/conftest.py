"""Builds for the independent check: the simulated records written as workbooks, run through the real pipeline
(Dagster's quarterly_returns and ind_values over a real DuckDB file in a temporary folder), once per session.

The pipeline is only *run* (its Dagster assets) and its tables read; nothing of its readers or demo is imported.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipeline.defs.benchmarks.assets import bm_published
from pipeline.defs.indicators.assets import ind_values
from pipeline.defs.resources import Workspace
from pipeline.defs.returns.assets import quarterly_returns
from tests.independent.journeys import FILED, Q, World, simulate
from tests.independent.workbooks import FileWritten, write_return

KEY = "independent-check-key-not-for-real-data"
# The quarter before the first return: materialised with nothing filed, so its figures must be 'not received'.
EMPTY_QUARTER = Q(2021, 1).prev()
GAP_QUARTERS = [Q(2022, 1), Q(2022, 2), Q(2022, 4)]   # 2022-23 Q3 not filed under its quarter...
MISFILED = "2022-23/Annex A Q3.xlsx"                   # ...but left loose in the year's folder
COPY = "2022-23/Q2/annex_a (copy).xlsx"                # a byte-identical second copy of Q2's return


@dataclass
class Build:
    name: str
    data_dir: Path
    files: list[FileWritten]
    con: duckdb.DuckDBPyConnection = field(repr=False)
    success: bool

    def file_id(self, written: FileWritten) -> str:
        rows = self.con.execute("select file_id from raw_files where relative_path = ? and is_current",
                                [written.relative_path]).fetchall()
        assert len(rows) == 1, f"{self.name}: {written.relative_path} has {len(rows)} current rows in raw_files"
        return rows[0][0]


@pytest.fixture(scope="session")
def world() -> World:
    return simulate()


@pytest.fixture(scope="session")
def reference_warehouse(tmp_path_factory) -> Path:
    """DfE's published files loaded once (bm_published), copied into each build's warehouse."""
    data_dir = tmp_path_factory.mktemp("reference")
    workspace = Workspace(data_dir=str(data_dir), pseudonym_key=KEY)
    assert dg.materialize([bm_published], resources={"workspace": workspace}).success
    return data_dir / "warehouse.duckdb"


def _build(name: str, world: World, variant: str, quarters: list[Q], first: Q, last: Q,
           tmp_path_factory, reference: Path, misfiled: bool = False) -> Build:
    data_dir = tmp_path_factory.mktemp(name)
    shutil.copy(reference, data_dir / "warehouse.duckdb")
    raw = data_dir / "raw"
    files = [write_return(world, q, raw, variant) for q in quarters]
    if misfiled:
        loose = write_return(world, Q(2022, 3), raw, variant, folder="2022-23")
        (raw / loose.relative_path).rename(raw / MISFILED)
        shutil.copy(raw / files[1].relative_path, raw / COPY)
    workspace = Workspace(data_dir=str(data_dir), pseudonym_key=KEY)
    # One run over the range, as the CLI runs a year (one run per backfill).
    result = dg.materialize([quarterly_returns, ind_values], resources={"workspace": workspace}, raise_on_error=False,
                            tags={"dagster/asset_partition_range_start": first.key,
                                  "dagster/asset_partition_range_end": last.key})
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    return Build(name, data_dir, files, con, result.success)


@pytest.fixture(scope="session")
def clean(world, tmp_path_factory, reference_warehouse) -> Build:
    return _build("clean", world, "clean", FILED, EMPTY_QUARTER, FILED[-1], tmp_path_factory, reference_warehouse)


@pytest.fixture(scope="session")
def dirty(world, tmp_path_factory, reference_warehouse) -> Build:
    return _build("dirty", world, "dirty", FILED, EMPTY_QUARTER, FILED[-1], tmp_path_factory, reference_warehouse)


@pytest.fixture(scope="session")
def gap(world, tmp_path_factory, reference_warehouse) -> Build:
    return _build("gap", world, "clean", GAP_QUARTERS, GAP_QUARTERS[0], GAP_QUARTERS[-1], tmp_path_factory,
                  reference_warehouse, misfiled=True)


@pytest.fixture(scope="session")
def builds(clean, dirty) -> dict[str, Build]:
    return {"clean": clean, "dirty": dirty}
