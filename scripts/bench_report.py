"""Benchmark: the annual report's image step, one figure at a time (kaleido's sync server, as before) against
one batch through one browser (pipeline.lib.report.images), on the same figures (the data sections' and the
learning sections'); then the whole report build, whose stages include the learning briefings.

    .venv/bin/python scripts/bench_report.py [--data-dir data/demo] [--year 2022-23] [--skip-old]

Needs a warehouse (`make demo` first) and Chromium.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.lib import warehouse
from pipeline.lib.learning import figures as learning_figures
from pipeline.lib.learning.facts import LearningFacts
from pipeline.lib.periods import FinancialYear
from pipeline.lib.report import build, images
from pipeline.lib.report import figures as report_figures
from pipeline.lib.report.facts import load_year


def one_at_a_time(figs) -> float:
    """The image step as it was: kaleido's global sync server, PNG then SVG, figure by figure."""
    import kaleido

    started = time.perf_counter()
    kaleido.start_sync_server(silence_warnings=True)
    for f in figs:
        opts = {"width": f.width, "height": f.height}
        kaleido.calc_fig_sync(f.fig, opts={**opts, "format": "png", "scale": report_figures.SCALE})
        kaleido.calc_fig_sync(f.fig, opts={**opts, "format": "svg"})
    kaleido.stop_sync_server(silence_warnings=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="data/demo")
    parser.add_argument("--year", default="2022-23")
    parser.add_argument("--skip-old", action="store_true", help="do not time the one-at-a-time way")
    args = parser.parse_args()
    db = Path(args.data_dir) / "warehouse.duckdb"
    if not db.exists():
        print(f"No warehouse at {db}: run `make demo` first.", file=sys.stderr)
        return 2
    year = FinancialYear.from_label(args.year)
    with warehouse.connect(db, read_only=True) as con:
        data = load_year(con, year)
        started = time.perf_counter()
        learning = LearningFacts(con, year, public=True)
        learning_s = time.perf_counter() - started
        figs = [f for f in report_figures.build_all(data, public=True) + learning_figures.build_all(learning) if f.drawn]
        print(f"Report {year.label}: {len(figs)} charts, PNG at {report_figures.SCALE}x and SVG each; "
              f"learning facts read in {learning_s:.1f} s")
        if not args.skip_old:
            old = one_at_a_time(figs)
            print(f"  images one at a time (sync server):   {old:6.1f} s  ({old / len(figs):.2f} s a chart)")
        drawn = images.render(figs)
        if drawn.reason:
            print(f"  images in one batch: not drawn: {drawn.reason}")
            return 1
        print(f"  images in one batch ({drawn.tabs} tabs):        {drawn.seconds:6.1f} s  "
              f"({drawn.seconds / len(figs):.2f} s a chart)")
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            result = build.build(con, year, Path(tmp) / year.label, public=True)
            total = time.perf_counter() - started
        stages = ", ".join(f"{k} {v}" for k, v in result.timings.items())
        print(f"  whole report build:                    {total:6.1f} s  ({stages})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
