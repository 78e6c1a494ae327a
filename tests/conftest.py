"""Shared fixtures. Tests write only under tmp_path; no real child data anywhere."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
from pathlib import Path

import openpyxl
import pytest

from pipeline.lib.returns.spec import load_specs

# At least 32 characters, as the Workspace resource requires of every key.
TEST_KEY = "test-pseudonym-key-not-for-real-data"


def write_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A real .xlsx with the given sheets and rows (first row usually the headings)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def headings(return_type: str, sheet_key: str, local: bool = True) -> list[str]:
    spec = load_specs()[return_type]
    sheet = next(s for s in spec.sheets if s.key == sheet_key)
    return [c.heading for c in sheet.columns if local or not c.local]


def contact_row(child: str, contact_date: dt.date, source: str = "q) 6: Police", **extra) -> list[object]:
    row = {"Child Unique ID": child, "Gender": "b) Female", "Ethnicity": "a) WBRI", "Date of Birth": dt.datetime(2015, 5, 3),
           "Age of Child (Years)": 7, "Date of Contact": dt.datetime.combine(contact_date, dt.time()),
           "Contact Source": source, "Contact Outcome": "NFA", "Domestic Abuse Contact": "b) No",
           "Met Threshold for Early Help": "b) No", **extra}
    return [row.get(h) for h in headings("annex_a", "contacts")]


@pytest.fixture
def contacts_workbook(tmp_path: Path):
    """Factory: a one-list Annex A workbook with the given contact rows."""
    def make(rows: list[list[object]], name: str = "annex_a.xlsx", folder: str = "raw/2022-23/Q3", sheet: str = "List 1"):
        return write_workbook(tmp_path / folder / name, {sheet: [headings("annex_a", "contacts"), *rows]})
    return make


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """One Playwright and Debian's Chromium per test process (Playwright's sync API admits one at a time per thread).
    Tests that need it fail, not skip, when the browser is missing."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is needed: `make test` installs it (apt-get install chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session")
def demo_run():
    """The whole pipeline over the demo's 8 quarters: built once for the code as it is, shared by every test,
    every worker and every later session until the code changes (tests/demo_run.py). Read-only."""
    from tests.demo_run import cached_demo

    return cached_demo()


_demo_build: list = []  # the background build this session started, if any


def _needs_demo(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return "demo_run" in getattr(item, "fixturenames", ()) or (
        callspec is not None and "demo" in callspec.params.values())


# The slowest modules, slowest first, with their seconds in a full `-n 2` run on main (machine loaded, 2026-12-02):
# a worker takes a module at a time in this order, so the long ones start at once and the two workers end
# together (longest first). xdist's own order (most tests first) is switched off in the Makefile: it put the
# one-test 320 s deployment module last, alone on one worker at the end of the run.
SLOW_MODULES = (
    "tests/regional/test_deployment.py",          # 323 s: 16 Dagster runs on Postgres, then each alone
    "tests/regional/test_report.py",              # 212 s: a hub's year for two members, then each solo
    "tests/independent/test_independent.py",      # 114 s: three builds of the second generator's returns
    "tests/e2e/test_atomic_outputs.py",           # 77 s: runs killed inside each write
    "tests/report/test_trust.py",                 # 72 s
    "tests/e2e/test_commands.py",                 # 55 s: make dev started and stopped
    "tests/learning/test_report_export.py",       # 51 s
    "tests/regional/test_regional_dashboard.py",  # 42 s
    "tests/regional/test_storage.py",             # 38 s
    "tests/report/test_images.py",                # 31 s
    "tests/report/test_exports.py",               # 29 s
    "tests/demo/test_returns.py",                 # 27 s
    "tests/learning/test_dashboard_section.py",   # 25 s
    "tests/returns/test_privacy.py",              # 24 s
)


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules in the order above, then the rest as collected; modules with tests on the demo run last, their
    demo tests at their end, and the run starts building at once in a background process, so every other test
    runs while it is built (the second core's work). One worker starts it; the fixture waits for it."""
    demo_modules = {_module(i) for i in items if _needs_demo(i)}
    rank = {m: n for n, m in enumerate(SLOW_MODULES)}
    order = {m: n for n, m in enumerate(dict.fromkeys(_module(i) for i in items))}
    first, demo = [i for i in items if not _needs_demo(i)], [i for i in items if _needs_demo(i)]
    # sorted() is stable: within a module the tests keep their order, the demo ones after the others.
    items[:] = sorted(first + demo, key=lambda i: (_module(i) in demo_modules, rank.get(_module(i), len(rank)),
                                                   order[_module(i)]))
    if demo and first and os.environ.get("PYTEST_XDIST_WORKER", "gw0") == "gw0":
        from tests.demo_run import start_background_build

        _demo_build.append(start_background_build())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A session that ran to the end lets the build finish (another worker may still be waiting for it, and the
    next session reuses it); one that was stopped or failed stops it. Never left running either way."""
    from tests.demo_run import LOCK_TIMEOUT_S

    for build in _demo_build:
        if build is None or build.poll() is not None:
            continue
        if exitstatus == pytest.ExitCode.OK and not session.shouldstop:
            try:
                build.wait(timeout=LOCK_TIMEOUT_S)
                continue
            except subprocess.TimeoutExpired:
                pass
        os.killpg(build.pid, signal.SIGTERM)
        build.wait(timeout=60)
