"""Command line: `python -m pipeline.cli demo | run | ...`. The Makefile wraps these.

`demo` writes the synthetic returns to data/demo/raw, then runs the pipeline over every demo quarter
and year exactly as the analyst would in Dagster (same jobs, same instance), and prints where the
dashboard and report are.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from pathlib import Path

from pipeline.lib.paths import PROJECT_ROOT
from pipeline.lib.periods import FinancialYear

DEMO_DATA_DIR = "data/demo"
# The demo's own pseudonymisation key: synthetic data only. Real returns need a secret key of their own.
DEMO_PSEUDONYM_KEY = "demo-only-pseudonym-key-not-for-real-data"
DEMO_YEARS = ["2021-22", "2022-23"]


# Where the time of a run goes, by stage of the pipeline (Dagster's asset groups, the report split in two).
STAGES = ("generate", "benchmarks", "intake", "indicators", "dashboard", "report", "images")
_STAGE_OF_GROUP = {"benchmarks": "benchmarks", "returns": "intake", "indicators": "indicators"}
_STAGE_OF_ASSET = {"quarterly_dashboard": "dashboard", "annual_report": "report"}


def _execute(defs, job_name: str, instance, partition_key: str | None = None,
             partition_range: tuple[str, str] | None = None, timings: dict[str, float] | None = None) -> None:
    """One run of the job: a partition, a range of partitions (one run, each asset looping over them) or none."""
    job = defs.resolve_job_def(job_name)
    # The terminal gets warnings and errors; every event is still in the run's log in Dagster's UI.
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    tags = ({"dagster/asset_partition_range_start": partition_range[0],
             "dagster/asset_partition_range_end": partition_range[1]} if partition_range else None)
    result = job.execute_in_process(partition_key=partition_key, instance=instance, raise_on_error=True,
                                    run_config=quiet, tags=tags)
    if not result.success:
        raise SystemExit(f"{job_name} failed for {partition_key or '-'.join(partition_range or ())}")
    if timings is not None:
        _add_stage_timings(defs, instance, result, timings)


def _add_stage_timings(defs, instance, result, timings: dict[str, float]) -> None:
    """Each step's time (from Dagster's own step events) added to its stage; kaleido's share of the report
    (the annual_report asset's `timings_s`) counted as images."""
    import dagster as dg

    graph = defs.resolve_asset_graph()
    names = sorted((key.to_user_string() for key in graph.get_all_asset_keys()), key=len, reverse=True)
    started: dict[str, float] = {}
    for entry in instance.all_logs(result.run_id, of_type={dg.DagsterEventType.STEP_START,
                                                          dg.DagsterEventType.STEP_SUCCESS}):
        step = entry.step_key or ""
        if entry.dagster_event_type == dg.DagsterEventType.STEP_START:
            started[step] = entry.timestamp
            continue
        asset = next((n for n in names if step == n or step.startswith(n + "_")), None)
        if asset is None or step not in started:
            continue
        stage = _STAGE_OF_ASSET.get(asset) or _STAGE_OF_GROUP.get(graph.get(dg.AssetKey(asset)).group_name, "other")
        timings[stage] = timings.get(stage, 0.0) + entry.timestamp - started[step]
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key.to_user_string() != "annual_report":
            continue
        report_timings = materialization.metadata.get("timings_s")
        laps = report_timings.value if report_timings is not None else {}
        images = sum(float(v) for k, v in laps.items() if str(k).startswith("images"))
        timings["images"] = timings.get("images", 0.0) + images
        timings["report"] = timings.get("report", 0.0) - images


def run_years(years: list[str], timings: dict[str, float] | None = None) -> dict[str, list[Path]]:
    """Materialise benchmarks, then each year's quarters in one run (in order), then the year's report."""
    import dagster as dg

    from pipeline.defs.partitions import check_in_history, quarter_partitions
    from pipeline.lib import warehouse

    check_in_history([FinancialYear.from_label(label) for label in years])
    defs = definitions()
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    data_dir = Path(os.environ["SAFEGUARDING_DATA_DIR"])
    data_dir = data_dir if data_dir.is_absolute() else PROJECT_ROOT / data_dir
    known = set(quarter_partitions.get_partition_keys())
    started = time.perf_counter()
    with warehouse.RunLock(data_dir / "warehouse.duckdb"):  # one command, one holder: no run slips in between
        outputs = _run_jobs(defs, instance, years, known, data_dir, timings)
    print(f"Pipeline finished in {time.perf_counter() - started:.1f} s")
    return outputs


def _run_jobs(defs, instance, years: list[str], known: set[str], data_dir: Path,
              timings: dict[str, float] | None) -> dict[str, list[Path]]:
    _execute(defs, "benchmarks_job", instance, timings=timings)
    outputs: dict[str, list[Path]] = {"dashboards": [], "reports": []}
    for label in years:
        year = FinancialYear.from_label(label)
        quarters = [q for q in year.quarters if q.partition_key in known]  # the current year: begun quarters only
        t = time.perf_counter()
        _execute(defs, "quarter_job", instance, partition_range=(quarters[0].partition_key, quarters[-1].partition_key),
                 timings=timings)
        outputs["dashboards"] += [data_dir / "output" / "dashboard" / f"{q.partition_key}.html" for q in quarters]
        print(f"  {year.label}: {len(quarters)} quarters' returns, indicators and dashboards in "
              f"{time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        _execute(defs, "annual_report_job", instance, partition_key=year.partition_key, timings=timings)
        outputs["reports"].append(data_dir / "output" / "report" / year.label)
        print(f"  {year.label}: annual report in {time.perf_counter() - t:.1f} s")
    return outputs


# Writing the demo returns takes seconds; a writer still at it after this long is stuck and stopped.
GENERATE_TIMEOUT_S = 600


@functools.cache
def definitions():
    """The project's Dagster definitions, loaded once per process."""
    from pipeline.definitions import defs

    return defs()


def cmd_demo(args: argparse.Namespace) -> int:
    import multiprocessing

    from pipeline.lib.demo.generate import main as generate
    from pipeline.lib.warehouse import RunLock

    os.environ["SAFEGUARDING_DATA_DIR"] = DEMO_DATA_DIR
    os.environ["SAFEGUARDING_PSEUDONYM_KEY"] = DEMO_PSEUDONYM_KEY
    raw = PROJECT_ROOT / DEMO_DATA_DIR / "raw"
    warehouse = PROJECT_ROOT / DEMO_DATA_DIR / "warehouse.duckdb"
    with RunLock(warehouse):  # a second `make demo` stops at once instead of deleting this one's warehouse
        t = time.perf_counter()
        # The returns are written by a process of their own while this one imports Dagster and loads the
        # definitions (~3 s of CPU): the two overlap on two cores.
        writer = multiprocessing.get_context("fork").Process(target=generate, args=(["--out", str(raw)],))
        writer.start()
        definitions()
        writer.join(timeout=GENERATE_TIMEOUT_S)
        if writer.exitcode is None:
            writer.kill()
            writer.join(timeout=30)
            raise SystemExit(f"Writing the demo returns took over {GENERATE_TIMEOUT_S} s and was stopped.")
        if writer.exitcode != 0:
            raise SystemExit(f"Writing the demo returns failed (exit {writer.exitcode}); the error is above.")
        timings = {"generate": time.perf_counter() - t}
        warehouse.unlink(missing_ok=True)  # the demo starts clean every time
        outputs = run_years(DEMO_YEARS, timings)
    print("\nDemo outputs:")
    dashboards = outputs["dashboards"]
    print(f"  dashboards {dashboards[-1].parent.relative_to(PROJECT_ROOT)}/ ({len(dashboards)} quarters; open index.html)")
    print(f"             latest: {dashboards[-1].relative_to(PROJECT_ROOT)}")
    for path in outputs["reports"]:
        files = [f for f in path.rglob("*") if f.is_file()]
        kinds = sorted({f.name if f.parent == path else f"{f.parent.name}/*{f.suffix}" for f in files})
        print(f"  report     {path.relative_to(PROJECT_ROOT)}/ ({len(files)} files: {', '.join(kinds)})")
    feedback = PROJECT_ROOT / DEMO_DATA_DIR / "output" / "feedback"
    if feedback.exists():
        print(f"  feedback   {feedback.relative_to(PROJECT_ROOT)}/ (a data-quality workbook per agency and quarter)")
    print(f"  warehouse  {warehouse.relative_to(PROJECT_ROOT)}")
    print("Time by stage: " + ", ".join(f"{stage} {timings[stage]:.1f} s" for stage in STAGES if stage in timings))
    for line in skipped_images(outputs["reports"]):
        print(line)
    if args.timings:
        Path(args.timings).write_text(json.dumps({k: round(v, 3) for k, v in timings.items()}), encoding="utf-8")
    return 0


def skipped_images(report_dirs: list[Path]) -> list[str]:
    """One line per report whose charts were not all drawn as images (no browser could start, for example),
    saying how many and why, from its provenance.json (`images`: skipped, reason) and the files in figures/."""
    lines = []
    for out_dir in report_dirs:
        where = out_dir.relative_to(PROJECT_ROOT) if out_dir.is_relative_to(PROJECT_ROOT) else out_dir
        try:
            provenance = json.loads((out_dir / "provenance.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            lines.append(f"Images: {where} has no readable provenance.json")
            continue
        charts = provenance.get("figures", [])
        info = provenance.get("images") or {}
        absent = [c["name"] for c in charts
                  if not all(c.get(kind) and (out_dir / c[kind]).is_file() for kind in ("png", "svg"))]
        skipped = sorted(set(info.get("skipped") or []) | set(absent))
        if skipped:
            lines.append(f"Images skipped in {where}: {len(skipped)} of {len(charts)} charts have no PNG/SVG "
                         f"({info.get('reason') or 'no reason recorded'}); everything else was written.")
    return lines


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.defs.resources import key_problem

    for label in args.years:
        try:
            FinancialYear.from_label(label)
        except ValueError as err:
            print(err, file=sys.stderr)
            return 2
    if not os.environ.get("SAFEGUARDING_DATA_DIR"):
        print("SAFEGUARDING_DATA_DIR is not set: copy .env.example to .env and fill it in.", file=sys.stderr)
        return 2
    problem = key_problem(os.environ.get("SAFEGUARDING_PSEUDONYM_KEY"))
    if problem:
        print(problem, file=sys.stderr)
        return 2
    run_years(args.years)
    return 0


# How long `dev` gives Dagster's processes to stop after SIGTERM before it kills them.
DEV_STOP_TIMEOUT_S = 15


def cmd_dev(args: argparse.Namespace) -> int:
    """Dagster's UI (`dg dev`) on the dataset in the environment (from .env), else on the demo's; stopped whole.

    `dg dev` starts a webserver, a daemon and code servers, and on SIGTERM some of them outlived it. It runs here
    in a session of its own; on Ctrl-C or SIGTERM every process it started is asked to stop, then killed after
    DEV_STOP_TIMEOUT_S, so nothing keeps the port or the warehouse.
    """
    import signal
    import subprocess

    from pipeline.defs.resources import key_problem

    if not os.environ.get("SAFEGUARDING_DATA_DIR"):
        print(f"No .env: Dagster opens on the demo dataset ({DEMO_DATA_DIR}). For real returns, copy .env.example "
              "to .env and set SAFEGUARDING_PSEUDONYM_KEY.")
        os.environ.update(SAFEGUARDING_DATA_DIR=DEMO_DATA_DIR, SAFEGUARDING_PSEUDONYM_KEY=DEMO_PSEUDONYM_KEY)
    problem = key_problem(os.environ.get("SAFEGUARDING_PSEUDONYM_KEY"))
    if problem:
        print(problem, file=sys.stderr)
        return 2
    venv = Path(sys.executable).parent
    command = [str(venv / "dg"), "dev", "--port", str(args.port), "--host", args.host]
    child = subprocess.Popen(command, cwd=PROJECT_ROOT, env={**os.environ, "VIRTUAL_ENV": str(venv.parent)},
                             start_new_session=True)
    stopping = []

    def stop(signum, _frame) -> None:
        stopping.append(signum)
        stop_process_tree(child.pid, DEV_STOP_TIMEOUT_S)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = child.wait()
    stop_process_tree(child.pid, DEV_STOP_TIMEOUT_S)  # whatever dg dev left behind when it ended by itself
    if stopping:
        print("Dagster stopped.")
        return 0
    return code


def stop_process_tree(pid: int, timeout_s: float) -> None:
    """SIGTERM to the process, its process group and every descendant; SIGKILL to whatever is left after
    timeout_s. Descendants are listed before anything is signalled, as an orphan loses its place in the tree."""
    import signal

    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        procs = []
    procs += [p for p in psutil.process_iter() if _in_group(p, pid) and p not in procs]
    for p in procs:
        try:
            p.send_signal(signal.SIGTERM)
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=timeout_s)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=5)


def _in_group(proc, pgid: int) -> bool:
    try:
        return os.getpgid(proc.pid) == pgid
    except OSError:
        return False


def cmd_report(args: argparse.Namespace) -> int:
    """The year's whole set of annual-report exports from the warehouse the pipeline has already filled."""
    from pipeline.lib import warehouse
    from pipeline.lib.atomic import clean_partials
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
        with warehouse.RunLock(db), warehouse.connect(db, read_only=True) as con:  # not while a run writes it
            clean_partials(out_dir)
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
    demo = sub.add_parser("demo", help="generate the synthetic demo returns and run the whole pipeline on them")
    demo.add_argument("--timings", metavar="FILE", help="also write the seconds by stage as JSON (make bench)")
    run = sub.add_parser("run", help="run the pipeline over the real returns for one or more financial years")
    run.add_argument("years", nargs="+", help="financial years, e.g. 2022-23")
    report = sub.add_parser("report", help="write the year's annual-report exports (narrative, figures, workbook, Word)")
    report.add_argument("year", help="financial year, e.g. 2022-23")
    report.add_argument("--internal", action="store_true",
                        help="the QPPA's unsuppressed version, marked internal on every page (default: public)")
    report.add_argument("--data-dir", help="dataset folder holding warehouse.duckdb (default: $SAFEGUARDING_DATA_DIR or data)")
    report.add_argument("--allow-partial", action="store_true",
                        help="write the public report even if some quarter's returns are missing (each sentence says what it covers)")
    dev = sub.add_parser("dev", help="Dagster's UI on the dataset in the environment (.env), else the demo's")
    dev.add_argument("--port", type=int, default=3000)
    dev.add_argument("--host", default="127.0.0.1", help="address to serve on (default: this machine only)")
    args = parser.parse_args(argv)
    command = {"demo": cmd_demo, "run": cmd_run, "report": cmd_report, "dev": cmd_dev}[args.command]
    try:
        return command(args)
    except Exception as err:  # a failure that has one line to say is said in one line, not a traceback
        line = one_line_reason(err)
        if line is None:
            raise
        print(line, file=sys.stderr)
        return 3


def one_line_reason(err: BaseException) -> str | None:
    """The message of a WarehouseBusy or a dagster Failure anywhere in the exception's chain, else None."""
    import dagster as dg

    from pipeline.lib.warehouse import WarehouseBusy

    seen: set[int] = set()
    todo: list[BaseException | None] = [err]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, WarehouseBusy):
            return str(e)
        if isinstance(e, dg.Failure) and e.description:
            return e.description
        todo += [e.__cause__, e.__context__, getattr(e, "user_exception", None)]
    return None


if __name__ == "__main__":
    raise SystemExit(main())
