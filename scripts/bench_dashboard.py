"""How big and how fast is the quarter's dashboard? Prints figures; it is not a test.

    build       render_dashboard() + write, from an open DuckDB warehouse (median of --repeat runs, after one
                warm-up that compiles the templates): wall-clock and this process's CPU time (on a shared
                machine the CPU time is the steadier figure)
    size        the HTML file, and how much of it is the inlined plotly.js bundle
    first paint Chromium (Debian's, via Playwright) opening the file from disk: navigation start to the
                first contentful paint and to the load event (plotly.js parsed, page usable); then the
                time to draw the first chart once scrolled to (charts are drawn as they come into view)
    all charts  time to draw every chart on the page (what printing costs)

Targets: a quarter's dashboard built in under 0.5 s (issue 11.3), under 5 MB per file, usable in under 2 s.

    .venv/bin/python scripts/bench_dashboard.py                            # the demo warehouse, 2022-23 Q4
    .venv/bin/python scripts/bench_dashboard.py --data-dir data --quarter "2023-24 Q2"
    .venv/bin/python scripts/bench_dashboard.py --synthetic                # tests' hand-built warehouse
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb

from pipeline.lib import benchmarks
from pipeline.lib.periods import Quarter
from pipeline.lib.render import dashboard


def browser_timings(path: Path, runs: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {"first_contentful_paint": [], "load_event": [], "first_chart": [], "all_charts": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(path.as_uri(), wait_until="load")
            nav = page.evaluate("""() => {
                const n = performance.getEntriesByType('navigation')[0];
                const p = performance.getEntriesByName('first-contentful-paint')[0];
                return {load: n.loadEventEnd, fcp: p ? p.startTime : null};
            }""")
            # the first chart is below the fold: scroll to it and time its drawing
            t0 = time.perf_counter()
            # (it is folded in its section: open the section, as a reader does)
            page.locator("details.section-detail").first.evaluate("d => { d.open = true; }")
            page.locator("[data-figure]").first.scroll_into_view_if_needed()
            page.wait_for_selector("[data-figure] .main-svg", state="attached", timeout=10_000)
            out["first_chart"].append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            page.evaluate("window.dashboardDrawAll()")
            # polled from Python: wait_for_function compiles its predicate with eval, which the page's CSP refuses
            deadline = time.monotonic() + 60
            while page.evaluate("document.querySelectorAll('[data-figure].js-plotly-plot').length !== "
                                "document.querySelectorAll('[data-figure]').length") and time.monotonic() < deadline:
                page.wait_for_timeout(20)
            out["all_charts"].append((time.perf_counter() - t0) * 1000)
            out["first_contentful_paint"].append(nav["fcp"] or float("nan"))
            out["load_event"].append(nav["load"])
            page.close()
        browser.close()
    return {k: statistics.median(v) for k, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="data/demo", help="folder holding warehouse.duckdb (default data/demo)")
    parser.add_argument("--quarter", default="2022-23 Q4")
    parser.add_argument("--synthetic", action="store_true", help="use the tests' hand-built warehouse instead")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    if args.synthetic:
        from tests.dashboard import synthetic

        db = synthetic.build(tmp / "warehouse.duckdb")
    else:
        db = (ROOT / args.data_dir if not Path(args.data_dir).is_absolute() else Path(args.data_dir)) / "warehouse.duckdb"
        if not db.exists():
            print(f"No warehouse at {db}: run `make demo` first, or pass --synthetic.", file=sys.stderr)
            return 2
    quarter = Quarter.from_label(args.quarter)
    config = benchmarks.read_config()
    builds, cpu = [], []
    with duckdb.connect(str(db), read_only=True) as con:
        for _ in range(args.repeat + 1):
            t, c = time.perf_counter(), time.process_time()
            path = dashboard.write_dashboard(con, quarter, tmp / "output", config["partnership"],
                                             config.get("expected_returns", []))
            builds.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
    first, builds, cpu = builds[0], builds[1:], cpu[1:]
    size = path.stat().st_size
    bundle = dashboard.PLOTLY_BUNDLE.stat().st_size
    charts = path.read_text(encoding="utf-8").count("data-figure=")
    timings = browser_timings(path, args.repeat)
    print(f"Dashboard {quarter.label} from {db}")
    build_cpu = statistics.median(cpu)
    print(f"  build            {statistics.median(builds):6.2f} s   wall, {build_cpu:.2f} s CPU (median of {args.repeat};"
          f" first build {first:.2f} s)   target < 0.5 s: {'OK' if build_cpu < 0.5 else 'OVER'}")
    print(f"  file size        {size / 1e6:6.2f} MB  (plotly.js basic {bundle / 1e6:.2f} MB + page {(size - bundle) / 1e6:.2f} MB;"
          f" {charts} charts)   target < 5 MB: {'OK' if size < 5e6 else 'OVER'}")
    print(f"  first paint      {timings['first_contentful_paint'] / 1000:6.2f} s   (first contentful paint)")
    print(f"  load event       {timings['load_event'] / 1000:6.2f} s   target < 2 s: "
          f"{'OK' if timings['load_event'] < 2000 else 'OVER'} (page usable, plotly.js parsed)")
    print(f"  first chart      {timings['first_chart'] / 1000:6.2f} s   (scrolled into view, then drawn)")
    print(f"  every chart      {timings['all_charts'] / 1000:6.2f} s   (drawn on demand; printing draws all)")
    print(f"  written to       {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
