"""Command line: `python -m pipeline.cli demo | run | ...`. The Makefile wraps these.

`demo` writes the synthetic returns to data/demo/raw, then runs the pipeline over every demo quarter
and year exactly as the analyst would in Dagster (same jobs, same instance), and prints where the
dashboard and report are.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from pipeline.lib.paths import PROJECT_ROOT
from pipeline.lib.periods import FinancialYear

DEMO_DATA_DIR = "data/demo"
# The demo's own pseudonymisation key: synthetic data only. Real returns need a secret key of their own.
DEMO_PSEUDONYM_KEY = "demo-only-key-not-for-real-data"
DEMO_YEARS = ["2021-22", "2022-23"]


def _execute(defs, job_name: str, partition_key: str | None, instance) -> None:
    job = defs.resolve_job_def(job_name)
    # The terminal gets warnings and errors; every event is still in the run's log in Dagster's UI.
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    result = job.execute_in_process(partition_key=partition_key, instance=instance, raise_on_error=True, run_config=quiet)
    if not result.success:
        raise SystemExit(f"{job_name} failed for {partition_key}")


def run_years(years: list[str]) -> dict[str, list[Path]]:
    """Materialise benchmarks, then every quarter of each year in order, then each year's report."""
    import dagster as dg

    from pipeline.defs.partitions import check_in_history
    from pipeline.definitions import defs as load_defs

    check_in_history([FinancialYear.from_label(label) for label in years])
    defs = load_defs()
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    data_dir = Path(os.environ["SAFEGUARDING_DATA_DIR"])
    data_dir = data_dir if data_dir.is_absolute() else PROJECT_ROOT / data_dir
    started = time.perf_counter()
    _execute(defs, "benchmarks_job", None, instance)
    outputs: dict[str, list[Path]] = {"dashboards": [], "reports": []}
    for label in years:
        year = FinancialYear.from_label(label)
        for quarter in year.quarters:
            t = time.perf_counter()
            _execute(defs, "quarter_job", quarter.partition_key, instance)
            path = data_dir / "output" / "dashboard" / f"{quarter.label.replace(' ', '-')}.html"
            outputs["dashboards"].append(path)
            print(f"  {quarter.label}: returns, indicators and dashboard in {time.perf_counter() - t:.1f} s")
        _execute(defs, "annual_report_job", year.partition_key, instance)
        outputs["reports"].append(data_dir / "output" / "report" / year.label)
    print(f"Pipeline finished in {time.perf_counter() - started:.1f} s")
    return outputs


def cmd_demo(args: argparse.Namespace) -> int:
    from pipeline.lib.demo.generate import main as generate

    os.environ["SAFEGUARDING_DATA_DIR"] = DEMO_DATA_DIR
    os.environ["SAFEGUARDING_PSEUDONYM_KEY"] = DEMO_PSEUDONYM_KEY
    raw = PROJECT_ROOT / DEMO_DATA_DIR / "raw"
    generate(["--out", str(raw)])
    warehouse = PROJECT_ROOT / DEMO_DATA_DIR / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)  # the demo starts clean every time
    outputs = run_years(DEMO_YEARS)
    print("\nDemo outputs:")
    dashboards = outputs["dashboards"]
    print(f"  dashboards {dashboards[-1].parent.relative_to(PROJECT_ROOT)}/ ({len(dashboards)} quarters; open index.html)")
    print(f"             latest: {dashboards[-1].relative_to(PROJECT_ROOT)}")
    for path in outputs["reports"]:
        files = [f for f in path.rglob("*") if f.is_file()]
        print(f"  report     {path.relative_to(PROJECT_ROOT)}/ ({len(files)} files: narrative.md/.html, "
              "data-section.docx, figures.xlsx, figures/*.png|svg, provenance.json)")
    feedback = PROJECT_ROOT / DEMO_DATA_DIR / "output" / "feedback"
    if feedback.exists():
        print(f"  feedback   {feedback.relative_to(PROJECT_ROOT)}/ (a data-quality workbook per agency and quarter)")
    print(f"  warehouse  {warehouse.relative_to(PROJECT_ROOT)}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    for label in args.years:
        try:
            FinancialYear.from_label(label)
        except ValueError as err:
            print(err, file=sys.stderr)
            return 2
    for var in ("SAFEGUARDING_DATA_DIR", "SAFEGUARDING_PSEUDONYM_KEY"):
        if not os.environ.get(var):
            print(f"{var} is not set: copy .env.example to .env and fill it in.", file=sys.stderr)
            return 2
    run_years(args.years)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """The year's whole set of annual-report exports from the warehouse the pipeline has already filled."""
    from pipeline.lib import warehouse
    from pipeline.lib.report import build

    data_dir = Path(args.data_dir or os.environ.get("SAFEGUARDING_DATA_DIR") or "data")
    data_dir = data_dir if data_dir.is_absolute() else PROJECT_ROOT / data_dir
    db = data_dir / "warehouse.duckdb"
    if not db.exists():
        print(f"No warehouse at {db}: run the pipeline for {args.year} first (make run / make demo).", file=sys.stderr)
        return 2
    year = FinancialYear.from_label(args.year)
    out_dir = build.output_dir(data_dir / "output", year, public=not args.internal)
    started = time.perf_counter()
    try:
        with warehouse.connect(db, read_only=True) as con:
            result = build.build(con, year, out_dir, public=not args.internal, allow_partial=args.allow_partial)
    except (build.PartialYear, build.NoYearFigures) as err:
        print(err, file=sys.stderr)
        return 2
    print(f"{'Internal (QPPA, not for publication)' if args.internal else 'Public'} report set for {year.label} "
          f"in {time.perf_counter() - started:.1f} s: {out_dir}")
    for f in result.files:
        print(f"  {f.relative_to(out_dir)}")
    if result.not_available:
        print("Figures the indicators cannot draw yet: " + ", ".join(result.not_available))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pipeline", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="generate the synthetic demo returns and run the whole pipeline on them")
    run = sub.add_parser("run", help="run the pipeline over the real returns for one or more financial years")
    run.add_argument("years", nargs="+", help="financial years, e.g. 2022-23")
    report = sub.add_parser("report", help="write the year's annual-report exports (narrative, figures, workbook, Word)")
    report.add_argument("year", help="financial year, e.g. 2022-23")
    report.add_argument("--internal", action="store_true",
                        help="the QPPA's unsuppressed version, marked internal on every page (default: public)")
    report.add_argument("--data-dir", help="dataset folder holding warehouse.duckdb (default: $SAFEGUARDING_DATA_DIR or data)")
    report.add_argument("--allow-partial", action="store_true",
                        help="write the public report even if some quarter's returns are missing (each sentence says what it covers)")
    args = parser.parse_args(argv)
    return {"demo": cmd_demo, "run": cmd_run, "report": cmd_report}[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
