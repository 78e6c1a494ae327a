"""A run killed (SIGKILL) inside an output's write leaves the previous complete output or the new complete one,
never half of one; the next run removes the temporary files the killed one left.

Each kill is a real run of the asset (tests/e2e/kill_during_write.py) on a copy of the demo run's warehouse and
outputs, dying half-way through writing a dashboard, a feedback workbook, a report image,
or just before the Word draft is renamed into place. (A workbook half-written is the feedback case; each report
kill costs a whole report build, so the report is killed at its last write and at a rename.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import dagster as dg
import pytest

from pipeline.cli import DEMO_PSEUDONYM_KEY
from pipeline.lib.atomic import PARTIAL_SUFFIX
from pipeline.lib.paths import PROJECT_ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

QUARTER, YEAR = "2022-23-Q4", "2022-23"
KILLS = [
    # (what, asset, partition, folder under output/, file pattern, moment)
    ("dashboard", "quarterly_dashboard", QUARTER, "dashboard", f"{QUARTER}.html", "middle"),
    ("feedback workbook", "intake_feedback", QUARTER, f"feedback/{QUARTER}", "*.xlsx", "middle"),
    ("report image", "annual_report", YEAR, f"report/{YEAR}", "*.png", "middle"),
    ("report Word draft", "annual_report", YEAR, f"report/{YEAR}", "data-section.docx", "before-rename"),
]


def whole(path: Path) -> str | None:
    """Why the file is not a whole output of its kind, or None when it is."""
    data = path.read_bytes()
    if not data:
        return "empty"
    if path.suffix == ".html":
        return None if data.rstrip().endswith(b"</html>") else "HTML cut short"
    if path.suffix in {".xlsx", ".docx"}:
        try:
            with zipfile.ZipFile(path) as z:
                bad = z.testzip()
            return None if bad is None else f"corrupt member {bad}"
        except zipfile.BadZipFile as err:
            return f"not a whole workbook or document: {err}"
    if path.suffix == ".png":
        return None if data.startswith(b"\x89PNG") and data.rstrip(b"\0").endswith(b"IEND\xaeB`\x82") else "PNG cut short"
    if path.suffix == ".svg":
        return None if data.rstrip().endswith(b"</svg>") else "SVG cut short"
    if path.suffix == ".json":
        try:
            json.loads(data)
        except ValueError as err:
            return f"JSON cut short: {err}"
    return None


def outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(PARTIAL_SUFFIX)}


def partials(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob(f"*{PARTIAL_SUFFIX}"))


@pytest.fixture(scope="module")
def dataset(demo_run, tmp_path_factory) -> Path:
    """A copy of the demo run's dataset that the kills may damage (the shared demo run stays as it is)."""
    data = tmp_path_factory.mktemp("killed") / "data"
    shutil.copytree(demo_run.data_dir, data)
    return data


def env_for(data: Path) -> dict[str, str]:
    env = {**os.environ, "SAFEGUARDING_DATA_DIR": str(data), "SAFEGUARDING_PSEUDONYM_KEY": DEMO_PSEUDONYM_KEY}
    env.pop("DAGSTER_HOME", None)
    return env


@pytest.mark.parametrize(("what", "asset", "partition", "folder", "pattern", "moment"), KILLS, ids=[k[0] for k in KILLS])
def test_a_run_killed_inside_a_write_leaves_a_whole_output(dataset, what, asset, partition, folder, pattern, moment):
    out = dataset / "output" / folder
    before = outputs(out)
    assert any(Path(name).match(pattern) for name in before), f"no previous {what} to protect in {out}"
    killed = kill(dataset, asset, partition, pattern, moment)
    assert killed.returncode == -9, (f"the run was not killed inside the write of {pattern} (exit {killed.returncode}):"
                                     f" it wrote no such file through Python's file API\n{killed.stderr[-3000:]}")
    after = outputs(out)
    missing = sorted(set(before) - set(after))
    assert not missing, f"killed inside the {what}: previous outputs gone, not replaced: {missing[:10]}"
    broken = {name: why for name in after if (why := whole(out / name))}
    assert not broken, f"killed inside the {what}, half-written outputs are in place: {broken}"


def kill(dataset: Path, asset: str, partition: str, pattern: str, moment: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tests.e2e.kill_during_write", asset, partition, pattern, moment],
                          cwd=PROJECT_ROOT, env=env_for(dataset), capture_output=True, text=True, timeout=900,
                          check=False)


def test_the_next_run_finishes_the_outputs_and_leaves_no_temporary_file(dataset):
    from pipeline.definitions import defs

    if not partials(dataset / "output"):  # run on its own: make a killed run leave one first
        kill(dataset, "quarterly_dashboard", QUARTER, f"{QUARTER}.html", "before-rename")
    left = partials(dataset / "output")
    assert left, "no killed run left a temporary file: nothing for the next run to clean"
    definitions = defs()
    saved = {k: os.environ.get(k) for k in ("SAFEGUARDING_DATA_DIR", "SAFEGUARDING_PSEUDONYM_KEY")}
    os.environ.update(SAFEGUARDING_DATA_DIR=str(dataset), SAFEGUARDING_PSEUDONYM_KEY=DEMO_PSEUDONYM_KEY)
    try:
        instance = dg.DagsterInstance.ephemeral()
        # Any run cleans the whole output folder as it starts; this one rewrites the dashboard and feedback.
        definitions.resolve_job_def("quarter_job").execute_in_process(
            partition_key=QUARTER, instance=instance,
            asset_selection=[dg.AssetKey("quarterly_dashboard"), dg.AssetKey("intake_feedback")])
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    output = dataset / "output"
    assert partials(output) == [], "temporary files left after the next run"
    for _, _, _, folder, pattern, _ in KILLS:
        files = [p for p in (output / folder).rglob(pattern) if p.is_file()]
        assert files, f"no {pattern} in {folder} after the next run"
        for f in files:
            assert whole(f) is None, f"{f}: {whole(f)}"
