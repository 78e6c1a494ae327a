"""Speed of the indicator layer: `compute_quarter` for every demo quarter, on a copy of the demo warehouse.

Run `make demo` first (it fills data/demo/warehouse.duckdb), then:
    .venv/bin/python scripts/bench_indicators.py [--warehouse PATH] [--repeat N]

Prints the seconds each quarter takes (best of N) and the rows it writes, and the total. The warehouse is
copied to a temporary folder, so the demo's own file is never written.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from pipeline.lib import benchmarks, indicators
from pipeline.lib.paths import PROJECT_ROOT
from pipeline.lib.periods import FinancialYear

DEMO_WAREHOUSE = PROJECT_ROOT / "data" / "demo" / "warehouse.duckdb"
DEMO_YEARS = ("2021-22", "2022-23")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=DEMO_WAREHOUSE)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if not args.warehouse.exists():
        print(f"No warehouse at {args.warehouse}: run `make demo` first.")
        return 2
    ons_code = benchmarks.read_config()["partnership"]["ons_la_code"]
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "warehouse.duckdb"
        shutil.copyfile(args.warehouse, copy)
        con = duckdb.connect(str(copy))
        indicators.compute_quarter(con, FinancialYear.from_label(DEMO_YEARS[0]).quarters[0], ons_code)  # warm-up
        total, rows, quarters = 0.0, 0, 0
        for label in DEMO_YEARS:
            for quarter in FinancialYear.from_label(label).quarters:
                best = float("inf")
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    values = indicators.compute_quarter(con, quarter, ons_code)
                    best = min(best, time.perf_counter() - started)
                total += best
                rows += len(values)
                quarters += 1
                print(f"compute_quarter {quarter.label}: {best:.2f} s, {len(values):,} rows")
        con.close()
    print(f"compute_quarter, {quarters} quarters: {total:.2f} s in all, {rows:,} ind_values rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
