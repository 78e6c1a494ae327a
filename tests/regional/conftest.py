"""Regional fixtures: the demo's synthetic returns (generated once, cached by the generator's code), filed for the
Black Country's four partnerships with differences between them, and each partnership's own key."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from pipeline.lib.paths import PROJECT_ROOT
from pipeline.regional.config import load_hub

CACHE = PROJECT_ROOT / ".pytest_cache" / "regional"
GENERATOR_INPUTS = ("pipeline/lib/demo", "config/returns", "config/codes.yaml", "config/partner_measures.csv")
YEAR = "2022-23"
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
# What each partnership does not file, so no two partnerships' figures are alike (a mix-up shows):
# (quarter, words in the file name of the return left out)
LEFT_OUT = {
    "sandwell": (),
    "dudley": (("Q2", ("mads", "multi-agency")),),
    "walsall": (("Q3", ("missing", "mfh")),),
    "wolverhampton": (("Q1", ("training", "l&d")), ("Q4", ("mads", "multi-agency"))),
}
# Only the returns the figures rest on: the learning registers are not needed for the figures compared here.
FIGURE_RETURNS = ("annex", "missing", "mfh", "training", "l&d", "mads", "multi-agency")


def _inputs_hash() -> str:
    digest = hashlib.sha256()
    for name in GENERATOR_INPUTS:
        path = PROJECT_ROOT / name
        for f in sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]:
            if "__pycache__" not in f.parts:
                digest.update(str(f.relative_to(PROJECT_ROOT)).encode() + f.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def demo_raw() -> Path:
    """The demo generator's returns (raw/<2022-23>/<Q3>/...), built once per generator version."""
    out = CACHE / f"raw-{_inputs_hash()}"
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "raw.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / ".complete").exists():
            shutil.rmtree(out, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "pipeline.lib.demo.generate", "--out", str(out), "--jobs", "2"],
                           cwd=PROJECT_ROOT, check=True, timeout=900, capture_output=True)
            (out / ".complete").touch()
    return out


# The regional tests compare figures (together vs alone, batch vs Dagster), which does not need the
# demo's full size: a tenth of its children (whole children, so every list about a child keeps or drops it alike) runs
# the same code on the same sheets, headings and codes for less CPU (test_batch: 61 -> 51 s; the rest is fixed cost).
SMALL_SCALE = 0.1


@pytest.fixture(scope="session")
def small_raw(demo_raw: Path) -> Path:
    """The demo's returns with a tenth of the children (national.py's scaling at SMALL_SCALE); other returns as they
    are. Every file keeps its modification time (when the analyst received it). Built once per generator version."""
    from pipeline.regional import national

    out = CACHE / f"small-{SMALL_SCALE}-{demo_raw.name}"
    with (CACHE / "raw.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / ".complete").exists():
            shutil.rmtree(out, ignore_errors=True)
            for f in sorted(demo_raw.glob(f"{YEAR}/*/*.xlsx")):
                target = out / f.relative_to(demo_raw)
                target.parent.mkdir(parents=True, exist_ok=True)
                if any(w in f.name.lower() for w in national.SCALED):
                    sheets = national._read(f)
                    national._write(target, [(t, national._scale_sheet(rows, SMALL_SCALE, "tests")) for t, rows in sheets])
                else:
                    shutil.copy2(f, target)
                shutil.copystat(f, target)
            (out / ".complete").touch()
    return out


def file_returns(demo_raw: Path, data_dir: Path, slugs: list[str], quarters=QUARTERS,
                 also: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Copy the demo's figure returns to raw/<slug>/<2022-23>/<Q>/ for each partnership, less what it leaves out."""
    filed: dict[str, list[str]] = {}
    for slug in slugs:
        for q in quarters:
            target = data_dir / "raw" / slug / YEAR / q
            target.mkdir(parents=True, exist_ok=True)
            left_out = [words for quarter, words in LEFT_OUT.get(slug, ()) if quarter == q]
            for f in sorted((demo_raw / YEAR / q).glob("*.xlsx")):
                name = f.name.lower()
                if not any(w in name for w in (*FIGURE_RETURNS, *also)) or any(w in name for ws in left_out for w in ws):
                    continue
                shutil.copy2(f, target / f.name)
                filed.setdefault(slug, []).append(f"{q}/{f.name}")
    return filed


@pytest.fixture(scope="session")
def hub():
    return load_hub()


@pytest.fixture
def partnership_keys(hub, monkeypatch) -> dict[str, str]:
    """Each partnership its own 64-character key (different, so a pseudonym never links two partnerships)."""
    keys = {p.pseudonym_key_env: hashlib.sha256(f"test key {p.slug}".encode()).hexdigest() for p in hub.partnerships}
    for name, value in keys.items():
        monkeypatch.setenv(name, value)
    return keys


def env_with(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def write_min_return(path: Path) -> Path:
    """A small real workbook (its contents do not matter to the sensor, only that it is a file that changes)."""


    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.active.append(["Child Unique ID", "Date of Contact"])
    wb.save(path)
    return path
