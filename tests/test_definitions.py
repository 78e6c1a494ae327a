"""The project's Dagster definitions load, and `dg check defs` (as the analyst's tools see them) passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipeline.lib.paths import PROJECT_ROOT

ENV = {"SAFEGUARDING_DATA_DIR": "data/demo", "SAFEGUARDING_PSEUDONYM_KEY": "test-key"}


def test_definitions_load_with_every_asset_group_job_check_and_sensor(monkeypatch):
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    from pipeline.definitions import defs

    definitions = defs()
    graph = definitions.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == {"returns", "benchmarks", "indicators", "reporting"}
    for job in ("quarter_job", "annual_report_job", "benchmarks_job"):
        assert definitions.resolve_job_def(job) is not None
    assert definitions.resolve_sensor_def("raw_returns_sensor") is not None
    check_names = {key.name for key in graph.asset_check_keys}
    assert "every_row_accounted_for" in check_names
    quarter_job = definitions.resolve_job_def("quarter_job")
    assert isinstance(quarter_job.partitions_def, dg.TimeWindowPartitionsDefinition)
    assert "2022-04-01" in quarter_job.partitions_def.get_partition_keys()


def test_dg_check_defs_passes():
    dg_cli = Path(sys.executable).parent / "dg"
    result = subprocess.run([str(dg_cli), "check", "defs"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            env={**os.environ, **ENV, "VIRTUAL_ENV": str(Path(sys.executable).parent.parent)},
                            timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All definitions loaded successfully" in result.stdout + result.stderr
