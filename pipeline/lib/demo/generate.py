"""Write the synthetic demo returns: eight quarters of agency workbooks calibrated to the 2022-23 report.

    python -m pipeline.lib.demo.generate [--out data/demo/raw] [--seed N] [--jobs 2]

Files are filed as `<out>/<2022-23>/<Q3>/<file name as an agency would send it>.xlsx`: per quarter an Annex A
workbook (lists 1-8), missing episodes, training uptake and the multi-agency dataset. The out directory is
deleted and rewritten; nothing else is touched. Same seed, same bytes. All data are synthetic.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.lib.demo.deep import Deep, build_deep
from pipeline.lib.demo.early_help import EHCase, build_early_help, monthly
from pipeline.lib.demo.front_door import FrontDoor, build_front_door
from pipeline.lib.demo.missing import MissingEpisode, build_missing
from pipeline.lib.demo.partners import MeasureRow, build_partners
from pipeline.lib.demo.returns import quarter_workbooks
from pipeline.lib.demo.training import Completions, Session, build_training
from pipeline.lib.demo.workbook import write_workbook
from pipeline.lib.demo.world import Ctx
from pipeline.lib.paths import PROJECT_ROOT
from pipeline.lib.pools import run_in_processes

DEFAULT_OUT = Path("data/demo/raw")


@dataclass
class World:
    """Everything generated, before it is cut into quarterly returns."""

    ctx: Ctx
    deep: Deep
    fd: FrontDoor
    eh: list[EHCase]
    missing: list[MissingEpisode]
    missing_by_child: dict[int, list[MissingEpisode]]
    sessions: list[Session]
    elearning: list[Completions]
    measures: list[MeasureRow]


def build_world(seed: int | None = None) -> World:
    ctx = Ctx.create(seed)
    deep = build_deep(ctx)
    fd = build_front_door(ctx, deep)
    eh = build_early_help(ctx, fd)
    missing = build_missing(ctx, deep, fd)
    by_child: dict[int, list[MissingEpisode]] = {}
    for m in sorted(missing, key=lambda m: m.start):
        by_child.setdefault(m.child, []).append(m)
    sessions, elearning = build_training(ctx)
    measures = build_partners(ctx, monthly(ctx, eh), fd.contacts, [e.start for e in deep.cla])
    return World(ctx, deep, fd, eh, missing, by_child, sessions, elearning, measures)


_WORLD: World | None = None  # the world the quarters are written from (in a worker: set by _use_world)
QUARTER_TIMEOUT_S = 300       # a quarter takes ~2 CPU-s; one not written in 5 minutes has hung


def _use_world(world: World) -> None:
    global _WORLD
    _WORLD = world


def _write_quarter(args: tuple[int, str]) -> list[str]:
    index, out = args
    world = _WORLD
    q = world.ctx.quarters[index]
    folder = Path(out) / q.fy / f"Q{q.q}"
    lines = []
    for book in quarter_workbooks(world, q):
        received = received_at(world.ctx.shape, q.label, q.end, book.return_type)
        counts = write_workbook(folder / book.filename, book, received)
        # The file's modification time is when the analyst received it: the intake reads it as such,
        # and the dashboard judges lateness by it.
        os.utime(folder / book.filename, (received.timestamp(), received.timestamp()))
        rows = ", ".join(f"{name} {n:,}" for name, n in counts.items())
        lines.append(f"{q.label}  {book.return_type:<17} {q.fy}/Q{q.q}/{book.filename}  ({rows})")
    return lines


def received_at(shape: dict, quarter_label: str, quarter_end: dt.date, return_type: str) -> dt.datetime:
    """When a demo return reached the analyst: days after the quarter end from shape.yaml, one return late."""
    days = shape["received_days_after_quarter_end"][return_type]
    for late in shape.get("late_returns", []):
        if late["quarter"] == quarter_label and late["return_type"] == return_type:
            days = late["days"]
    return dt.datetime.combine(quarter_end + dt.timedelta(days=days), dt.time(9, 30))


def _check_out_dir(out: Path) -> Path:
    """Refuse to delete a folder that is obviously not a demo output folder."""
    out = out.resolve()
    protected = {Path("/").resolve(), Path.home().resolve(), PROJECT_ROOT.resolve()}
    if out in protected or out in PROJECT_ROOT.resolve().parents:
        raise SystemExit(f"refusing to delete {out}: choose a dedicated output folder")
    return out


def _in_workers(fn, tasks: list[tuple[int, str]], jobs: int, world: World) -> list:
    """fn(task) for each quarter's task in `jobs` spawned processes, each given the world pickled (a fork of this
    process, which may run DuckDB's or Arrow's threads, could hang for ever on a lock held at fork time)."""
    quarters = {q.index: q.label for q in world.ctx.quarters}
    return run_in_processes(fn, tasks, jobs=jobs, what="demo generator", timeout_s=QUARTER_TIMEOUT_S,
                            label=lambda t: quarters.get(t[0], f"quarter {t[0]}"), initializer=_use_world,
                            shared=world)


def generate(out: Path = DEFAULT_OUT, seed: int | None = None, jobs: int | None = None,
             echo=print, world: World | None = None) -> list[Path]:
    """Delete `out`, then write every quarter's returns into it (from `world` if given, already built for
    `seed`). Returns the files written."""
    global _WORLD
    out = _check_out_dir(Path(out))
    started = time.perf_counter()
    _WORLD = world or build_world(seed)
    built = time.perf_counter() - started
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    tasks = [(q.index, str(out)) for q in _WORLD.ctx.quarters]
    jobs = jobs or min(2, os.cpu_count() or 1)
    # Each worker gets the built world pickled (12 MB, ~0.5 CPU-s each way) rather than building it again (~4 CPU-s)
    if jobs > 1:
        results = _in_workers(_write_quarter, tasks, jobs, _WORLD)
    else:
        results = [_write_quarter(t) for t in tasks]
    for lines in results:
        for line in lines:
            echo(line)
    files = sorted(out.rglob("*.xlsx"))
    echo(f"{len(files)} workbooks in {out} (seed {_WORLD.ctx.seed}): data built in {built:.1f}s, "
         f"total {time.perf_counter() - started:.1f}s")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (deleted and rewritten)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: targets.yaml `seed`)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: up to 2)")
    args = parser.parse_args(argv)
    generate(args.out, args.seed, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
