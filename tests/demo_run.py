"""One run of the whole pipeline on the synthetic demo returns, shared by the end-to-end and browser tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.cli import DEMO_PSEUDONYM_KEY, DEMO_YEARS, run_years


@dataclass
class DemoRun:
    data_dir: Path
    outputs: dict[str, list[Path]]

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.data_dir / "warehouse.duckdb"), read_only=True)

    def dashboard(self, label: str) -> Path:
        return self.data_dir / "output" / "dashboard" / f"{label.replace(' ', '-')}.html"


def run_demo(data_dir: Path) -> DemoRun:
    from pipeline.lib.demo.generate import main as generate

    generate(["--out", str(data_dir / "raw")])
    saved = {k: os.environ.get(k) for k in ("SAFEGUARDING_DATA_DIR", "SAFEGUARDING_PSEUDONYM_KEY", "DAGSTER_HOME")}
    os.environ.update(SAFEGUARDING_DATA_DIR=str(data_dir), SAFEGUARDING_PSEUDONYM_KEY=DEMO_PSEUDONYM_KEY)
    os.environ.pop("DAGSTER_HOME", None)  # an ephemeral Dagster instance: tests leave no run history behind
    try:
        outputs = run_years(DEMO_YEARS)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return DemoRun(data_dir, outputs)
