"""Fixtures for the learning tests: the indicator tests' in-memory DuckDB with the intake's tables and stg_ views."""

from tests.indicators.conftest import con  # noqa: F401  (the fixture, re-used)
