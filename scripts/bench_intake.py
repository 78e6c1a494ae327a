"""How fast is the returns intake? Prints figures; it is not a test.

Builds Annex A List 1 (contacts) workbooks of 30,000 and 300,000 rows (openpyxl write_only, cached
between runs), then times, on each:

  bare read   fastexcel.read_excel(p).load_sheet(0).to_arrow(): the floor, calamine alone
  intake      intake_quarter(): open, recognise, read, validate, quarantine, load into DuckDB

and prints rows/second for both, the intake's CPU time (threads included: the sheet scans and DuckDB run beside
it) and the ratio of the rates (issue 11 item 5's targets: >= 0.6 at 30,000 rows, >= 0.8 at 300,000). Each figure
is the best of --repeat runs; on a shared machine compare figures measured side by side only.
One row in a hundred carries a problem (unknown code, text date, blank required cell) so that the
quarantine path is exercised, as in a real return.

    .venv/bin/python scripts/bench_intake.py                 # both sizes
    .venv/bin/python scripts/bench_intake.py --rows 30000    # one size
    .venv/bin/python scripts/bench_intake.py --profile       # cProfile top 25 of the intake, largest size
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb
import fastexcel
from openpyxl import Workbook

from pipeline.lib.periods import Quarter
from pipeline.lib.returns.intake import intake_quarter
from pipeline.lib.returns.spec import load_specs

QUARTER = Quarter(2022, 3)
SOURCES = ["a) 1A: Individual", "e) 2A: Schools", "g) 3A: Health services", "q) 6: Police", "s) 8: Other"]
ETHNICITIES = ["a) WBRI", "j) AIND", "k) APKN", "n) BCRB", "f) MWBC", "t) NOBT"]


def build_workbook(path: Path, rows: int, seed: int = 1) -> Path:
    if path.exists():
        return path
    rng = random.Random(seed)
    sheet = next(s for s in load_specs()["annex_a"].sheets if s.key == "contacts")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("List 1")
    ws.append([c.heading for c in sheet.columns])
    start = dt.datetime(2022, 10, 1)
    for i in range(rows):
        contact = start + dt.timedelta(days=rng.randrange(92))
        dob = dt.datetime(2006, 1, 1) + dt.timedelta(days=rng.randrange(6000))
        row = [f"SC{i:07d}", rng.choice(["a) Male", "b) Female"]), rng.choice(ETHNICITIES), dob,
               (contact - dob).days // 365, contact, rng.choice(SOURCES), "NFA", "b) No", "a) Yes"]
        if i % 100 == 37:
            row[6] = "Not a source"
        elif i % 100 == 61:
            row[5] = contact.strftime("%d/%m/%Y")  # text date, read day-first
        elif i % 100 == 83:
            row[1] = None
        ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def bare_read(path: Path) -> float:
    t0 = time.perf_counter()
    fastexcel.read_excel(str(path)).load_sheet(0).to_arrow()
    return time.perf_counter() - t0


def intake(raw_dir: Path) -> tuple[float, list, float]:
    """(wall s, outcomes, CPU s) of one intake into a fresh in-memory warehouse (its tables made too)."""
    con = duckdb.connect()
    t0, c0 = time.perf_counter(), time.process_time()
    outcomes = intake_quarter(con, raw_dir, QUARTER, "bench-key", today=dt.date(2024, 1, 1))
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    con.close()
    return elapsed, outcomes, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="*", default=[30_000, 300_000])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "bench_intake")
    parser.add_argument("--repeat", type=int, default=3, help="best of N timings")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    print(f"{'rows':>9} {'build s':>8} {'bare s':>7} {'bare rows/s':>12} {'intake s':>9} {'intake cpu s':>13} "
          f"{'intake rows/s':>14} {'ratio':>6} {'loaded':>8} {'quarantined':>12}")
    for rows in args.rows:
        raw_dir = args.workdir / f"rows_{rows}" / "raw"
        path = raw_dir / QUARTER.folder / f"contacts_{rows}.xlsx"
        t0 = time.perf_counter()
        build_workbook(path, rows)
        built = time.perf_counter() - t0
        bare = min(bare_read(path) for _ in range(args.repeat))
        runs = [intake(raw_dir) for _ in range(args.repeat)]
        took, outcomes, _ = min(runs, key=lambda r: r[0])
        cpu = min(r[2] for r in runs)
        sheet = outcomes[0].sheets[0]
        print(f"{rows:>9,} {built:>8.1f} {bare:>7.2f} {rows / bare:>12,.0f} {took:>9.2f} {cpu:>13.2f} "
              f"{rows / took:>14,.0f} {bare / took:>6.2f} {sheet['rows_loaded']:>8,} {sheet['rows_quarantined']:>12,}")

    if args.profile:
        raw_dir = args.workdir / f"rows_{max(args.rows)}" / "raw"
        profiler = cProfile.Profile()
        profiler.enable()
        intake(raw_dir)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
