"""The Dagster assets and checks, materialised into a DuckDB file in tmp_path."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from pipeline.defs.benchmarks import checks
from pipeline.defs.benchmarks.assets import bm_comparators, bm_published
from pipeline.defs.resources import Workspace
from tests.conftest import TEST_KEY

CHECKS = [
    checks.every_reference_file_yields_rows,
    checks.every_published_value_parsed,
    checks.every_mapped_measure_published,
    checks.polarity_agrees_between_sources,
    checks.one_row_per_indicator_and_year,
    checks.england_values_present_every_year,
    checks.england_within_la_range,
]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    workspace = Workspace(data_dir=str(data_dir), pseudonym_key=TEST_KEY)
    result = dg.materialize([bm_published, bm_comparators, *CHECKS], resources={"workspace": workspace})
    return result, workspace


def test_assets_write_the_tables(run):
    result, workspace = run
    assert result.success
    with duckdb.connect(str(workspace.db_path), read_only=True) as con:
        row = con.execute(
            "select la_name, la_value, region_value, england, sn_model, sn_count, release "
            "from bm_comparators where indicator_code = 'cpp_second_subsequent_pct' and year_label = '2022-23'"
        ).fetchall()
        tables = {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}
        published = con.execute("select count(*), count(distinct release) from bm_published").fetchall()

    assert row == [("Sandwell", 31.3, 24.3, 23.6, "april_2021", 10, "LAIT 2026-04")]
    assert {"bm_published", "bm_comparators", "ref_population", "ref_statistical_neighbours",
            "ref_lait_dictionary", "ref_benchmark_measures"} <= tables
    assert published[0][0] > 70_000 and published[0][1] == 3          # EES 2024, EES 2025, LAIT 2026-04


def test_asset_metadata_says_what_was_found(run):
    result, _ = run
    (pub,) = result.asset_materializations_for_node("bm_published")
    (comp,) = result.asset_materializations_for_node("bm_comparators")

    assert pub.metadata["releases found"].value == "EES 2024, EES 2025, LAIT 2026-04"
    assert pub.metadata["years covered"].value == "2012-13 to 2024-25"
    assert pub.metadata["rows"].value > 70_000
    assert comp.metadata["local authority"].value == "Sandwell (333)"
    assert comp.metadata["rows"].value >= 32 * 6
    assert "2024-25" in comp.metadata["years covered"].value


def test_every_check_passes_on_dfes_real_files_and_has_a_description(run):
    """LAIT's England first-time-entrants value (the sum of the regional rates) is excluded in the mapping,
    with its reason, so nothing fails on the real files; each check says what it protects."""
    result, _ = run
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}

    assert set(evaluations) == {next(iter(c.check_specs)).name for c in CHECKS}
    assert {name for name, e in evaluations.items() if not e.passed} == set()
    for check in CHECKS:
        assert len(next(iter(check.check_specs)).description or "") > 60, check
    assert next(iter(checks.england_within_la_range.check_specs)).description
    assert evaluations["england_within_la_range"].severity == dg.AssetCheckSeverity.WARN


def test_definitions_load():
    defs = dg.Definitions(
        assets=[bm_published, bm_comparators],
        asset_checks=CHECKS,
        resources={"workspace": Workspace(data_dir="unused", pseudonym_key=TEST_KEY)},
    )
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_assets_def("bm_comparators").group_names_by_key[dg.AssetKey("bm_comparators")] == "benchmarks"
