"""Filing through Dagster: the checks see every file under raw/, a copy filed twice does not break the quarter,
the sensor asks for the quarter a misfiled return was meant for, and the intake log is an asset to depend on."""

from __future__ import annotations

import datetime as dt
import functools

import dagster as dg
import duckdb
import pytest

from pipeline.defs.resources import Workspace
from pipeline.defs.returns.assets import intake_log, quarterly_returns
from pipeline.defs.returns.checks import every_file_recorded, every_row_accounted_for
from pipeline.defs.returns.sensors import raw_returns_sensor
from pipeline.lib.periods import Quarter
from pipeline.lib.returns.filing import scan_raw
from tests.conftest import TEST_KEY, contact_row, headings, write_workbook

Q3 = Quarter(2022, 3)


def file_contacts(raw, relative, child="C1"):
    return write_workbook(raw / relative, {"List 1": [headings("annex_a", "contacts"), contact_row(child, dt.date(2022, 10, 5))]})


def materialize(tmp_path, *defs):
    resources = {"workspace": Workspace(data_dir=str(tmp_path), pseudonym_key=TEST_KEY)}
    return dg.materialize([quarterly_returns, *defs], partition_key=Q3.partition_key, resources=resources,
                          raise_on_error=False)


def checks(result) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def test_a_copy_filed_twice_leaves_the_blocking_check_passing(tmp_path):
    raw = tmp_path / "raw"
    first = file_contacts(raw, f"{Q3.folder}/Police/police.xlsx")
    (raw / Q3.folder / "Police" / "police - Copy.xlsx").write_bytes(first.read_bytes())
    result = materialize(tmp_path, every_row_accounted_for, every_file_recorded)
    assert result.success
    assert checks(result) == {"every_row_accounted_for": True, "every_file_recorded": True}
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from stg_contacts").fetchone() == (1,)
        assert con.execute("select status from raw_files order by relative_path").fetchall() == [("duplicate",), ("loaded",)]


def test_every_file_recorded_counts_misfiled_files_and_fails_when_one_is_missing(tmp_path):
    raw = tmp_path / "raw"
    file_contacts(raw, f"{Q3.folder}/annex_a.xlsx")
    file_contacts(raw, "2022-23/Q 3/police.xlsx")
    file_contacts(raw, "2022-23/loose.xlsx")
    result = materialize(tmp_path, every_file_recorded)
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.passed and evaluation.metadata["files_on_disk"].value == 3



def test_every_file_recorded_fails_when_the_intake_skips_a_file(tmp_path, monkeypatch):
    """The check can fail: an intake that loses sight of a misfiled file (simulated) is caught."""
    import types

    from pipeline.lib.returns import filing, intake

    raw = tmp_path / "raw"
    file_contacts(raw, f"{Q3.folder}/annex_a.xlsx")
    file_contacts(raw, "22-23/Q3/late.xlsx")
    blind = types.SimpleNamespace(**{n: getattr(filing, n) for n in dir(filing) if not n.startswith("__")})
    blind.files_for = lambda raw_dir, quarter: [f for f in filing.files_for(raw_dir, quarter) if f.filed]
    monkeypatch.setattr(intake, "filing", blind)
    result = materialize(tmp_path, every_file_recorded)
    [evaluation] = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.metadata["not_recorded"].value == "22-23/Q3/late.xlsx"


@functools.cache
def project_definitions() -> dg.Definitions:
    from pipeline.definitions import defs

    return defs() if callable(defs) else defs


def test_sensor_asks_for_the_quarter_a_misfiled_return_was_meant_for(tmp_path):
    file_contacts(tmp_path / "raw", "2022-23/Quarter 3/police.xlsx")
    with dg.build_sensor_context(definitions=project_definitions(), resources={
            "workspace": Workspace(data_dir=str(tmp_path), pseudonym_key=TEST_KEY)}) as context:
        result = raw_returns_sensor.evaluate_tick(context)
    assert [r.partition_key for r in result.run_requests] == [Q3.partition_key]


def test_scan_lists_every_file_and_never_enters_a_symlinked_folder(tmp_path):
    raw = tmp_path / "raw"
    file_contacts(raw, f"{Q3.folder}/a.xlsx")
    file_contacts(tmp_path, "outside/b.xlsx")
    (raw / Q3.folder / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    found, skipped = scan_raw(raw)
    assert [f.relative_path for f in found] == [f"{Q3.folder}/a.xlsx"]
    assert skipped == [f"{Q3.folder}/linked"]


def test_intake_log_is_an_asset_downstream_of_the_intake_that_fails_without_its_tables(tmp_path):
    file_contacts(tmp_path / "raw", f"{Q3.folder}/annex_a.xlsx")
    result = materialize(tmp_path, intake_log)
    assert result.success
    [m] = result.asset_materializations_for_node("intake_log")
    assert m.metadata["raw_files rows"].value == 1 and m.metadata["raw_sheets rows"].value == 11   # one row per Annex A list, 1-11
    graph = project_definitions().resolve_asset_graph()
    assert dg.AssetKey("quarterly_returns") in graph.get(dg.AssetKey("intake_log")).parent_keys
    # without the intake's tables it fails, naming them, rather than letting an output say "no problems"
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("drop table raw_issues")
    resources = {"workspace": Workspace(data_dir=str(tmp_path), pseudonym_key=TEST_KEY)}
    failed = dg.materialize([intake_log], partition_key=Q3.partition_key, resources=resources, raise_on_error=False,
                            selection=[intake_log])
    assert not failed.success
    with pytest.raises(dg.Failure, match="no table raw_issues"):
        dg.materialize([intake_log], partition_key=Q3.partition_key, resources=resources, selection=[intake_log])
