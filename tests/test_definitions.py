"""The project's Dagster definitions load, and `dg check defs` (as the analyst's tools see them) passes."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

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


def test_the_project_instance_runs_one_run_at_a_time(tmp_path):
    """dagster.yaml: the UI's and the sensor's runs queue, one at a time (DuckDB has one writer)."""
    instance = dg.DagsterInstance.from_config(str(PROJECT_ROOT))
    try:
        config = instance.get_concurrency_config()
        assert config.run_queue_config.max_concurrent_runs == 1
        assert config.pool_config.default_pool_limit == 1
    finally:
        instance.dispose()


def test_each_partition_runs_a_range_in_one_run_with_metadata_and_checks_per_quarter():
    from pipeline.defs.partitions import each_partition, one_run_per_backfill

    keys = ["2022-23-Q1", "2022-23-Q2", "2022-23-Q3", "2022-23-Q4"]
    partitions = dg.StaticPartitionsDefinition(keys)
    seen: list[str] = []

    @dg.asset(partitions_def=partitions, backfill_policy=one_run_per_backfill)
    @each_partition
    def quarterly(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        seen.append(context.partition_key)
        return dg.MaterializeResult(metadata={"quarter": context.partition_key, "rows": len(seen)})

    @dg.asset_check(asset=quarterly)
    @each_partition
    def not_q3(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=not context.partition_key.endswith("Q3"), metadata={"n": 1})

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([quarterly, not_q3], instance=instance, raise_on_error=False,
                            tags={"dagster/asset_partition_range_start": keys[0],
                                  "dagster/asset_partition_range_end": keys[-1]})
    assert seen == keys  # one run, the quarters in time order
    by_partition = {m.partition: m.metadata for m in (e.event_specific_data.materialization
                                                      for e in result.get_asset_materialization_events())}
    assert {k: (m["quarter"].value, m["rows"].value) for k, m in by_partition.items()} == {
        k: (k, i + 1) for i, k in enumerate(keys)}
    [check] = result.get_asset_check_evaluations()
    assert not check.passed
    assert check.metadata["failing partitions"].value == "2022-23-Q3"
    assert check.metadata["2022-23-Q2 n"].value == 1
    # One quarter: the body's own result, untouched.
    seen.clear()
    single = dg.materialize([quarterly, not_q3], instance=instance, partition_key="2022-23-Q2")
    assert seen == ["2022-23-Q2"]
    [check] = single.get_asset_check_evaluations()
    assert check.passed and set(check.metadata) == {"n"}


def test_metadata_numbers_are_rounded_one_way():
    import pandas as pd

    from pipeline.defs.metadata import number, rounded, table

    assert number(83.72999999999999) == 83.73
    assert number(float("nan")) is None
    assert number(7) == 7 and number("2022-23") == "2022-23"
    frame = pd.DataFrame({"indicator": ["cpp_rate_10k", "x"], "value": [83.72999999999999, 2.111111111111111],
                          "mixed": [5.014285714285714, "c"], "count": [339, 4]})
    text = table(frame).value
    assert "83.73" in text and "2.11" in text and "5.01" in text and "339" in text
    assert "83.7299" not in text and "2.1111" not in text
    assert table(frame.iloc[0:0]).value == "none"
    meta = rounded({"share": 0.123456, "rows": 12, "timings": dg.MetadataValue.json({"images": 1.23456, "x": [0.5555]}),
                    "size": dg.MetadataValue.float(1.87654)})
    assert meta["share"] == 0.12 and meta["rows"] == 12
    assert meta["timings"].data == {"images": 1.23, "x": [0.56]}
    assert meta["size"].value == 1.88


def test_every_asset_check_says_in_words_what_it_checks(monkeypatch):
    """A check that fails on the demo must explain itself: every check, in every group, has a description."""
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    from pipeline.definitions import defs

    graph = defs().resolve_asset_graph()
    assert len(graph.asset_check_keys) >= 17
    short = sorted(key.name for key in graph.asset_check_keys if len(graph.get_check_spec(key).description or "") < 60)
    assert short == []
