"""Fixtures for the benchmark tests: DfE's real files, a real DuckDB, no mocks."""

from __future__ import annotations

import copy
import csv

import duckdb
import pytest

from pipeline.lib import benchmarks
from pipeline.lib.paths import REFERENCE_DIR


@pytest.fixture(scope="session")
def config() -> dict:
    return benchmarks.read_config()


@pytest.fixture(scope="session")
def ees_only_config(config: dict) -> dict:
    """The real mapping with every LAIT measure removed: benchmarks from the EES files alone."""
    cfg = copy.deepcopy(config)
    for indicator in cfg["benchmark_measures"]["indicators"].values():
        indicator.pop("lait", None)
    cfg["benchmark_measures"]["indicators"] = {
        code: ind for code, ind in cfg["benchmark_measures"]["indicators"].items() if ind.get("ees")
    }
    return cfg


@pytest.fixture(scope="session")
def warehouse(config: dict) -> duckdb.DuckDBPyConnection:
    """Every reference file loaded and the comparators built, once per session (read it, don't write)."""
    con = duckdb.connect()
    benchmarks.load_reference(con, REFERENCE_DIR, config)
    benchmarks.build_comparators(con, config)
    yield con
    con.close()


@pytest.fixture(scope="session")
def ees_warehouse(ees_only_config: dict) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    benchmarks.load_reference(con, REFERENCE_DIR, ees_only_config)
    benchmarks.build_comparators(con, ees_only_config)
    yield con
    con.close()


@pytest.fixture(scope="session")
def la_groups() -> dict[str, list[str]]:
    """la_groups.csv: Sandwell's neighbours under both models and the 14 West Midlands LAs."""
    groups: dict[str, list[str]] = {}
    with (REFERENCE_DIR / "la_groups.csv").open(encoding="utf-8", newline="") as f:
        for row in sorted(csv.DictReader(f), key=lambda r: (r["list"], int(r["order"]))):
            groups.setdefault(row["list"], []).append(row["dfe_la_code"])
    return groups


@pytest.fixture(scope="session")
def raw_ees():
    """Rows of one EES file read with the csv module: the by-hand side of a test."""

    def read(file_stem: str) -> list[dict]:
        (path,) = (REFERENCE_DIR / "dfe").glob(f"{file_stem}*.csv")
        with path.open(encoding="utf-8-sig", newline="") as f:
            return list(csv.DictReader(f))

    return read
