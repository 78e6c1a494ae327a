"""The project's Dagster definitions load, and `dg check defs` (as the analyst's tools see them) passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import datetime as dt


from pipeline.lib.paths import PROJECT_ROOT
from pipeline.lib.periods import FinancialYear, Quarter

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
    keys = quarter_job.partitions_def.get_partition_keys()
    # Labels an analyst reads, from DfE's first year of series to the quarter containing today, never beyond.
    assert keys[0] == "2013-14-Q1" and "2022-23-Q4" in keys
    assert keys[-1] == Quarter.containing(dt.date.today()).partition_key
    years = definitions.resolve_job_def("annual_report_job").partitions_def.get_partition_keys()
    assert years[0] == "2013-14" and years[-1] == FinancialYear.from_partition_key(keys[-1][:7]).label


def test_dg_check_defs_passes():
    dg_cli = Path(sys.executable).parent / "dg"
    result = subprocess.run([str(dg_cli), "check", "defs"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            env={**os.environ, **ENV, "VIRTUAL_ENV": str(Path(sys.executable).parent.parent)},
                            timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All definitions loaded successfully" in result.stdout + result.stderr
