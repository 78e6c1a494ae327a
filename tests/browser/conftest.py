"""Playwright driving Debian's Chromium (no browser download). The tests fail, not skip, when it is missing.

Two dashboards are tested: one rendered from the small hand-built warehouse in tests/dashboard/synthetic.py
(fast, carries hostile agency text, independent of the demo generator) and the demo run's (the real pipeline).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


@dataclass
class Rendered:
    name: str
    path: Path
    db: Path
    quarter_label: str

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.db), read_only=True)


@pytest.fixture(scope="session")
def synthetic_dashboard(tmp_path_factory) -> Rendered:
    from pipeline.lib import benchmarks
    from pipeline.lib.periods import Quarter
    from pipeline.lib.render import dashboard
    from tests.dashboard import synthetic

    folder = tmp_path_factory.mktemp("synthetic-dashboard")
    db = synthetic.build(folder / "warehouse.duckdb")
    config = benchmarks.read_config()
    with duckdb.connect(str(db), read_only=True) as con:
        path = dashboard.write_dashboard(con, Quarter(2022, 4), folder / "output", config["partnership"],
                                         config["expected_returns"])
    dashboard.write_index(folder / "output", config["partnership"])
    return Rendered("synthetic", path, db, "2022-23 Q4")


@pytest.fixture(scope="session", params=["synthetic", "demo"])
def rendered(request) -> Rendered:
    """Each browser test runs on both dashboards."""
    if request.param == "synthetic":
        return request.getfixturevalue("synthetic_dashboard")
    demo_run = request.getfixturevalue("demo_run")
    return Rendered("demo", demo_run.dashboard("2022-23 Q4"), demo_run.data_dir / "warehouse.duckdb", "2022-23 Q4")


class PageWatch:
    """Console errors, uncaught exceptions, dialogs and every request a page makes."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", lambda d: (self.errors.append(f"dialog: {d.message}"), d.dismiss()))

    @property
    def network(self) -> list[str]:
        return [u for u in self.requests if not u.startswith("file://")]


def open_dashboard(page, rendered: Rendered, draw_all: bool = True) -> PageWatch:
    watch = PageWatch(page)
    page.goto(rendered.path.as_uri())
    if draw_all:
        page.evaluate("window.dashboardDrawAll()")
        page.wait_for_function("document.querySelectorAll('[data-figure]').length === "
                               "document.querySelectorAll('[data-figure].js-plotly-plot').length")
    return watch


def run_axe(page) -> list[dict]:
    assert AXE.exists(), "axe-core is missing: run `npm ci` at the repository root (make test does)"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        // resultTypes: every node of every violation, one node of the other result types (passes, incomplete):
        // building a selector for each of the dashboard's thousands of passing nodes was most of axe's time
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
            resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return result
