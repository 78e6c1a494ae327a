"""How long does `make demo` take after install, and where does the time go? Prints figures; it is not a test.

Runs the demo command exactly as `make demo` does (`python -m pipeline.cli demo`, a fresh process, the project's
Dagster instance) and prints its wall time, its CPU time, its peak memory, then the time by stage:

    generate    the synthetic returns written to data/demo/raw (Dagster's definitions load beside it)
    benchmarks  DfE's published files loaded and the comparators computed (benchmarks_job)
    intake      the quarters' returns read, checked and loaded, feedback workbooks written
    indicators  ind_values, mart_comparison, mart_reconciliation and their checks
    dashboard   the quarters' dashboards and the index
    report      the annual reports without their images
    images      the report's PNG and SVG figures (kaleido and Chromium)

Stage times come from Dagster's own step events (the images from the report's own laps); what is left of the
wall time is process start, imports and Dagster's run bookkeeping ("other"). Targets (issue 11): <= 45 s,
goal 20 s.

With `--baseline REF` the same figures are measured for the commit REF too (checked out in a temporary git
worktree, run with this checkout's virtualenv), the two demos taking turns, so "before" and "after" share one
machine and one load: on a machine shared with others, only figures measured side by side compare.

    .venv/bin/python scripts/bench_demo.py [--repeat 3] [--baseline 81e0137]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.cli import STAGES

TARGET_S, GOAL_S = 45.0, 20.0
# Each stage against the one whose output it reads (generate and benchmarks stand apart).
READS_FROM = {"indicators": "intake", "dashboard": "indicators", "report": "indicators", "images": "report"}
# One demo on a 2-core machine takes minutes at worst; a hung one is stopped and reported, never waited for.
TIMEOUT_S = 30 * 60


def one_demo(checkout: Path = ROOT) -> dict[str, float]:
    """One `pipeline.cli demo` of the given checkout: its stage times, wall, CPU (user + system, every child
    process included) and peak memory."""
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        timings_file = Path(tmp) / "timings.json"
        env = {**os.environ, "DAGSTER_HOME": str(checkout), "PYTHONPATH": str(checkout)}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        python = checkout / ".venv" / "bin" / "python" if checkout != ROOT else Path(sys.executable)
        proc = subprocess.run([str(python), "-m", "pipeline.cli", "demo", "--timings", str(timings_file)],
                              cwd=checkout, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            sys.exit(f"the demo in {checkout} failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}\n"
                     f"{proc.stderr[-2000:]}")
        stages = json.loads(timings_file.read_text(encoding="utf-8"))
    run = {**stages, "wall": wall, "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
           "peak_mb": after.ru_maxrss / 1024}
    # Each run's figures as soon as it ends, so a bench stopped part-way still leaves what it measured.
    print(f"  one demo of {checkout}: " + ", ".join(f"{k} {v:.1f}" for k, v in run.items()), flush=True)
    return run


def baseline_checkout(ref: str, into: Path) -> Path:
    """The commit `ref` checked out (detached) in a temporary worktree of this repository, with its own virtualenv
    from its own lock file: run with this checkout's packages, a commit from before a dependency was removed
    (pandera) fails on import."""
    path = into / "baseline"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(path), ref],
                   check=True, timeout=120)
    uv = ROOT / ".tools" / "bin" / "uv"
    subprocess.run([str(uv) if uv.exists() else "uv", "sync", "--frozen", "--all-groups", "--quiet"], cwd=path,
                   env={**os.environ, "UV_COMPILE_BYTECODE": "1"}, check=True, timeout=900)
    return path


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r.get(k, 0.0) for r in runs) for k in runs[0]}


def print_one(median: dict[str, float], runs: int) -> None:
    wall = median["wall"]
    verdict = "meets" if wall <= TARGET_S else "misses"
    print(f"make demo after install: {wall:.1f} s wall ({verdict} the {TARGET_S:.0f} s target; goal {GOAL_S:.0f} s), "
          f"{median['cpu']:.1f} s CPU, peak {median['peak_mb']:.0f} MB "
          f"(median of {runs}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"  {'stage':<11} {'seconds':>8} {'share':>6}  ratio to the stage it reads from")
    for stage in STAGES:
        if stage not in median:
            continue
        seconds, before = median[stage], READS_FROM.get(stage)
        ratio = f"{seconds / median[before]:.2f}x {before}" if median.get(before) else ""
        print(f"  {stage:<11} {seconds:>8.1f} {seconds / wall:>6.0%}  {ratio}")
    other = wall - sum(median[s] for s in STAGES if s in median)
    print(f"  {'other':<11} {other:>8.1f} {other / wall:>6.0%}  process start, imports, Dagster's run bookkeeping")


def print_both(before: dict[str, float], after: dict[str, float], ref: str, runs: int) -> None:
    print(f"make demo after install, {ref} (before) against this checkout (after), measured in turns "
          f"(median of {runs} each; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"  {'':<11} {'before':>8} {'after':>8}  after/before")
    rows = [s for s in STAGES if s in before or s in after]
    for name in [*rows, "other", "wall", "cpu", "peak_mb"]:
        if name == "other":
            b = before["wall"] - sum(before.get(s, 0.0) for s in STAGES)
            a = after["wall"] - sum(after.get(s, 0.0) for s in STAGES)
        else:
            b, a = before.get(name, 0.0), after.get(name, 0.0)
        label = {"wall": "wall (s)", "cpu": "CPU (s)", "peak_mb": "peak (MB)"}.get(name, name)
        print(f"  {label:<11} {b:>8.1f} {a:>8.1f}  " + (f"{a / b:.2f}x" if b else "-"))
    verdict = "meets" if after["wall"] <= TARGET_S else "misses"
    print(f"  after: {after['wall']:.1f} s wall {verdict} the {TARGET_S:.0f} s target (goal {GOAL_S:.0f} s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="demo runs; the median of each figure is printed")
    parser.add_argument("--baseline", metavar="REF", help="also measure this commit, in turns with this checkout")
    args = parser.parse_args()
    if not args.baseline:
        print_one(medians([one_demo() for _ in range(args.repeat)]), args.repeat)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
        checkout = baseline_checkout(args.baseline, Path(tmp))
        try:
            before, after = [], []
            for _ in range(args.repeat):
                before.append(one_demo(checkout))
                after.append(one_demo())
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(checkout)],
                           check=False, timeout=120)
    print_both(medians(before), medians(after), args.baseline, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
