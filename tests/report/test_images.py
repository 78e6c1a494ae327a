"""Images that never hang: without a browser the report is written whole except its images, in bounded time,
and says which files were skipped and why; with one, every figure is drawn in one batch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docx import Document

from pipeline.lib.paths import PROJECT_ROOT
from pipeline.lib.report import images
from pipeline.lib.report.figures import ReportFigure
from tests.report.conftest import YEAR, build_warehouse

BOUND_S = 120   # the whole report command, browser failure included (it fails in ~2 s; the rest is Python)
NOT_IMAGES = ["narrative.md", "narrative.html", "figures.xlsx", "data-section.docx", "provenance.json"]


def _report(tmp_path: Path, env: dict[str, str], prefix: list[str] | None = None) -> tuple[subprocess.CompletedProcess, float]:
    build_warehouse(tmp_path / "warehouse.duckdb")
    cmd = [*(prefix or []), sys.executable, "-m", "pipeline.cli", "report", YEAR.label, "--data-dir", str(tmp_path)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=BOUND_S, check=False)
    return proc, time.perf_counter() - started


def _assert_everything_but_images(tmp_path: Path, proc: subprocess.CompletedProcess, browser_words: str) -> None:
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "output" / "report" / YEAR.label
    for name in NOT_IMAGES:
        assert (out / name).stat().st_size > 0, name
    assert not list((out / "figures").glob("*.png")) if (out / "figures").exists() else True
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["images"]["drawn"] == 0
    assert set(prov["images"]["skipped"]) == {f["name"] for f in prov["figures"]} and prov["figures"]
    assert browser_words in prov["images"]["reason"]
    assert all(f["png"] is None and f["svg"] is None for f in prov["figures"])
    line = next(ln for ln in proc.stderr.splitlines() if "except the" in ln)
    assert browser_words in line and "figures/*.png" in line and "chromium" in line.lower()
    doc = Document(str(out / "data-section.docx"))
    assert len(doc.inline_shapes) == 0
    assert any("Figure not drawn" in p.text for p in doc.paragraphs)


@pytest.mark.parametrize(("browser", "words"), [
    ("/bin/false", "closed as soon as it started"),        # a browser that cannot start
    ("/nonexistent/chromium", "no Chromium browser found"),  # no browser at all
])
def test_no_usable_browser_writes_everything_but_the_images(tmp_path, browser, words):
    proc, seconds = _report(tmp_path, {"BROWSER_PATH": browser})
    _assert_everything_but_images(tmp_path, proc, words)
    assert browser in proc.stderr
    assert seconds < BOUND_S


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare") or not Path("/usr/bin/chromium").exists(),
                    reason="needs root and unshare to hide /usr/bin/chromium in a private mount namespace")
def test_chromium_replaced_by_false_in_a_private_mount_namespace(tmp_path):
    # /usr/bin/chromium itself is /bin/false inside the namespace: kaleido finds it where it always does.
    env = {k: v for k, v in os.environ.items() if k != "BROWSER_PATH"}
    build_warehouse(tmp_path / "warehouse.duckdb")
    script = (f"mount --bind /bin/false /usr/bin/chromium && exec {sys.executable} -m pipeline.cli report "
              f"{YEAR.label} --data-dir {tmp_path}")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"unshare -m is not allowed here: {probe.stderr.decode().strip()}")
    started = time.perf_counter()
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=BOUND_S, check=False)
    assert time.perf_counter() - started < BOUND_S
    _assert_everything_but_images(tmp_path, proc, "closed as soon as it started")


def test_a_browser_that_never_answers_is_given_up_and_killed(tmp_path, monkeypatch):
    # A "browser" that starts and then says nothing: the start timeout ends the wait, the process is killed.
    pid_file = tmp_path / "pid"
    fake = tmp_path / "silent-browser"
    fake.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 300\n")
    fake.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(fake))
    monkeypatch.setattr(images, "START_TIMEOUT_S", 3.0)
    import pandas as pd
    import plotly.graph_objects as go

    fig = ReportFigure("one", "One", go.Figure(go.Bar(y=[1, 2])), pd.DataFrame(), "alt", ["x"], "2022-23")
    started = time.perf_counter()
    result = images.render([fig])
    assert time.perf_counter() - started < 3.0 + images.CLOSE_TIMEOUT_S + 5
    assert result.images == {} and result.skipped == ["one"]
    assert "did not answer in time" in result.reason and str(fake) in result.reason
    pid = int(pid_file.read_text())
    deadline = time.time() + 5
    while time.time() < deadline and Path(f"/proc/{pid}").exists() and \
            Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z":
        time.sleep(0.1)
    alive = Path(f"/proc/{pid}").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    assert not alive, "the silent browser was left running"


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's chromium is not installed")
def test_one_batch_draws_png_and_svg_of_every_figure():
    import pandas as pd
    import plotly.graph_objects as go

    figs = [ReportFigure(f"f{i}", f"F{i}", go.Figure(go.Bar(x=["a", "b"], y=[i, i + 1])), pd.DataFrame(), "alt",
                         ["x"], "2022-23") for i in range(5)]
    for f in figs:
        f.fig.update_layout(width=400, height=300)
    result = images.render(figs, scale=2.0)
    assert result.reason is None and result.skipped == []
    assert set(result.images) == {f.name for f in figs}
    for entry in result.images.values():
        assert (entry["width_px"], entry["height_px"]) == (800, 600)
        assert entry["svg"].lstrip().startswith((b"<svg", b"<?xml"))
