"""National scale: 10, 50 and all 153 English authorities, a year each, at their real sizes (ONS 0-17).

    python scripts/bench_national.py [--sizes 10,50,153] [--scale 1.0] [--workers 2] [--demo-raw DIR] [--via batch|dagster]

For each size: synthetic returns are generated (pipeline.regional.national, `--generate-jobs` processes; not
timed), DfE's reference is loaded once, then `workers` processes take the authorities from one queue, largest
first, each running an authority's four quarters (pipeline.regional.run.run_batch: one warehouse per authority,
opened once, no Dagster run per quarter; `--via dagster` for a run per partition as the deployment does), so the
processes never wait for each other and finish together. Printed per size: wall time, peak
memory (all workers at once, sampled), rows read, rows per second and CPU-microseconds per row; the last line
says whether the cost per row stayed within 20% from the smallest size to the largest, and whether the
largest met 10 minutes and 4 GB. Targets on a 2-core machine: 153 authorities in <= 10 min and <= 4 GB.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.regional import national

YEAR = "2022-23"


def demo_raw(explicit: Path | None) -> Path:
    if explicit:
        return explicit
    cached = sorted((ROOT / ".pytest_cache" / "regional").glob("raw-*/.complete"))
    if cached:
        return cached[-1].parent
    out = Path(tempfile.mkdtemp(prefix="national-demo-")) / "raw"
    subprocess.run([sys.executable, "-m", "pipeline.lib.demo.generate", "--out", str(out), "--jobs", "2"],
                   cwd=ROOT, check=True, timeout=1800)
    return out


def _watch(processes: list[subprocess.Popen], timeout_s: float) -> int:
    """Wait for every process, for at most timeout_s; the peak of their summed resident memory (sampled every 0.2 s),
    in bytes. Still running after timeout_s: SystemExit naming them (the caller's finally ends them)."""
    peak = 0
    deadline = time.monotonic() + timeout_s
    while any(p.poll() is None for p in processes):
        if time.monotonic() > deadline:
            running = ", ".join(str(p.pid) for p in processes if p.poll() is None)
            raise SystemExit(f"worker PIDs {running} still running after {timeout_s:g} s: stopped")
        total = 0
        for p in processes:
            try:
                proc = psutil.Process(p.pid)
                total += sum(c.memory_info().rss for c in [proc, *proc.children(recursive=True)])
            except psutil.NoSuchProcess:
                pass
        peak = max(peak, total)
        time.sleep(0.2)
    return peak


def run_size(n: int, las, raw: Path, scale: float, workers: int, base: Path, via: str = "batch",
             generate_jobs: int = 2, timeout_s: float = 7200) -> dict:
    folder = base / f"national-{n}"
    shutil.rmtree(folder, ignore_errors=True)
    chosen = national.spread(las, n)
    t = time.perf_counter()
    national.generate(raw, folder, chosen, YEAR, scale, jobs=generate_jobs)
    generated_s = time.perf_counter() - t
    env = {**os.environ, "SAFEGUARDING_HUB_FILE": str(folder / "hub.yaml"),
           "SAFEGUARDING_REGIONAL_DATA_DIR": str(folder)}
    for la in chosen:
        env[f"NATIONAL_KEY_{la.dfe_la_code}"] = hashlib.sha256(f"bench {la.dfe_la_code}".encode()).hexdigest()
    ref = ("import sys; from pathlib import Path; from pipeline.regional import run; "
           "run.run(Path(sys.argv[1]), [], [])")
    subprocess.run([sys.executable, "-c", ref, str(folder)], cwd=ROOT, env=env, check=True, timeout=600,
                   capture_output=True)
    # One queue for all workers, largest authority first: each worker takes the next authority not yet taken,
    # so a worker that drew large authorities does not leave the other idle at the end.
    slugs = [la.slug for la in sorted(chosen, key=lambda la: -la.children)]
    claims = folder / "claims"
    claims.mkdir()
    before = psutil.Process().cpu_times()
    t = time.perf_counter()
    # Each worker's log to a file: a pipe nobody reads fills (64 KB of Dagster's log) and stops the worker for ever.
    logs = [folder / f"worker-{i}.log" for i in range(min(workers, len(slugs)))]
    procs = [subprocess.Popen([sys.executable, __file__, "--worker", str(folder), "--via", via, *slugs], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb")) for log in logs]
    try:
        peak = _watch(procs, timeout_s)
    finally:  # stopped part-way (Ctrl-C, the timeout): the workers go too, by PID, killed if a TERM does not end them
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=30)
    wall = time.perf_counter() - t
    after = psutil.Process().cpu_times()
    for p, log in zip(procs, logs):
        if p.returncode:
            raise SystemExit(f"a worker failed ({p.returncode}): {log.read_text(errors='replace')[-3000:]}")
    cpu = (after.children_user + after.children_system) - (before.children_user + before.children_system)
    rows = 0
    for slug in slugs:
        with duckdb.connect(str(folder / "partnerships" / slug / "warehouse.duckdb"), read_only=True) as con:
            rows += con.execute("select coalesce(sum(rows_read), 0) from raw_sheets").fetchall()[0][0]
    shutil.rmtree(folder, ignore_errors=True)
    return {"n": n, "children": sum(la.children for la in chosen), "rows": int(rows), "wall_s": wall, "cpu_s": cpu,
            "peak_gb": peak / 1e9, "generate_s": generated_s}


def claim(claims: Path, slug: str) -> bool:
    """Take the authority for this worker: True for the one worker whose file creation wins, False for the rest."""
    try:
        os.close(os.open(claims / slug, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False


def worker(folder: Path, via: str, slugs: list[str]) -> int:
    """Run each authority's year that no other worker has taken, in the queue's order."""
    from pipeline.regional import run

    quarters = [f"{YEAR}-Q{i}" for i in range(1, 5)]
    for slug in slugs:
        if claim(folder / "claims", slug):
            if via == "batch":
                run.run_batch(folder, [slug], quarters)
            else:
                run.run(folder, [slug], quarters, reference=False)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:          # a worker process started by run_size
        via = argv[argv.index("--via") + 1]
        return worker(Path(argv[1]), via, argv[argv.index("--via") + 2:])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # a TERM runs the finally that stops the workers
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,50,153")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of each authority's real size")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--demo-raw", type=Path, default=None)
    parser.add_argument("--base", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--via", choices=("batch", "dagster"), default="batch",
                        help="batch: run.run_batch (one warehouse open per authority); dagster: a run per quarter")
    parser.add_argument("--generate-jobs", type=int, default=2, help="processes writing the synthetic returns")
    parser.add_argument("--timeout-min", type=float, default=120,
                        help="a size whose workers have not all ended by then is stopped with an error")
    args = parser.parse_args(argv)
    las = national.authorities()
    raw = demo_raw(args.demo_raw)
    print(f"{len(las)} authorities in ONS's 2024 file; scale {args.scale:g} of real size; {args.workers} workers via {args.via}; "
          f"machine load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'LAs':>4} {'children':>10} {'rows':>10} {'wall s':>8} {'peak GB':>8} {'rows/s':>8} {'CPU us/row':>10} "
          f"{'generate s':>10}")
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        r = run_size(n, las, raw, args.scale, args.workers, args.base, args.via, args.generate_jobs,
                     args.timeout_min * 60)
        results.append(r)
        print(f"{r['n']:>4} {r['children']:>10,} {r['rows']:>10,} {r['wall_s']:>8.1f} {r['peak_gb']:>8.2f} "
              f"{r['rows'] / r['wall_s']:>8,.0f} {r['cpu_s'] / r['rows'] * 1e6:>10,.0f} {r['generate_s']:>10.1f}",
              flush=True)
    if len(results) > 1:
        first, last = (r["cpu_s"] / r["rows"] for r in (results[0], results[-1]))
        change = (last - first) / first * 100
        big = results[-1]
        print(f"cost per row {results[0]['n']} -> {big['n']} LAs: {change:+.0f}% ({'flat' if abs(change) <= 20 else 'NOT flat'}"
              f" within 20%); {big['n']} LAs: {big['wall_s'] / 60:.1f} min (target 10), {big['peak_gb']:.2f} GB (target 4)"
              f"{'' if args.scale == 1 else f' at scale {args.scale:g}: not the real-size target'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
