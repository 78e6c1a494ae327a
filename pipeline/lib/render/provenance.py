"""Provenance recorded in every output: when, which version of the pipeline, which period, which files."""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass, field

import pandas as pd

from pipeline.lib.paths import PROJECT_ROOT


def pipeline_version() -> str:
    from importlib.metadata import version

    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False, cwd=PROJECT_ROOT, capture_output=True,
                             text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{version('safeguarding-pipeline')}" + (f"+{sha}" if sha else "")


@dataclass
class Provenance:
    period_label: str
    generated_at: str = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0).isoformat(sep=" "))
    version: str = field(default_factory=pipeline_version)
    sources: list[dict] = field(default_factory=list)

    @classmethod
    def for_files(cls, period_label: str, files: pd.DataFrame) -> Provenance:
        return cls(period_label=period_label, sources=files.to_dict("records"))
