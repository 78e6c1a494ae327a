"""Fixtures for the learning tests: the indicator tests' in-memory DuckDB with the intake's tables and stg_ views."""

import duckdb
import pytest

from tests.indicators.conftest import con  # noqa: F401  (the fixture, re-used)


@pytest.fixture(scope="session")
def learning_warehouse():
    """The demo's learning returns through the real intake and indicators, in a DuckDB file shared by both workers
    and kept for later sessions on the same code (tests/learning/demo_warehouse.py): read it read-only, or copy it."""
    from tests.learning.demo_warehouse import cached

    return cached()


@pytest.fixture
def wh(learning_warehouse):
    connection = duckdb.connect(str(learning_warehouse), read_only=True)
    yield connection
    connection.close()
