"""Synthetic returns for many authorities at their real sizes: England's 153 LAs from ONS's 0-17 populations.

Each authority's year of returns is the demo's (calibrated to Sandwell, 88,593 children in 2024) scaled to its
own child population: every child in the demo's Annex A and missing-episode lists is kept, dropped or repeated
(as a new child, `<id>R<k>`) as a whole, by a hash of its ID and the authority, so a child's journey holds across
lists and quarters and an authority twice Sandwell's size has about twice its rows. Training and multi-agency
returns (about staff and partner totals, not children) are copied as they are. `scale` shrinks every authority
alike (0.1: a tenth of its real size) for quick runs; the benchmark prints the scale it ran at.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml
from openpyxl import Workbook, load_workbook

from pipeline.lib.paths import REFERENCE_DIR
from pipeline.lib.pools import run_in_processes

POPULATION_FILE = REFERENCE_DIR / "dfe" / "ons_mid-year_population_estimates_2012_to_2024.csv"
DEMO_CHILDREN = 88_593        # Sandwell's 0-17 population, mid-2024: the size the demo's returns are made for
ID_HEADINGS = {"child unique id", "child id", "unique id", "child identifier", "person id", "child"}
SCALED = ("annex", "missing", "mfh")          # returns about children: scaled
COPIED = ("training", "l&d", "mads", "multi-agency")
# The largest authority (Kent, 4.0x the demo) takes ~1.5 CPU-minutes at real size (England, 137.5 demos, ~50): one
# not written within 30 minutes of the last one, however loaded the machine, has hung.
AUTHORITY_TIMEOUT_S = 1800


@dataclass(frozen=True)
class Authority:
    dfe_la_code: str
    ons_la_code: str
    name: str
    region: str
    children: int

    @property
    def slug(self) -> str:
        return "la" + self.dfe_la_code + "-" + re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")[:30]


def authorities(year: int = 2024, path: Path = POPULATION_FILE) -> list[Authority]:
    """Every LA in ONS's file for the year, with its 0-17 population, largest first."""
    rows = duckdb.sql(
        f"""select old_la_code, new_la_code, la_name, region_name, cast(population_estimate as int)
            from read_csv('{path}', all_varchar = true)
            where time_period = '{year}' and geographic_level = 'Local authority'
              and age_group = 'Children aged 0 to 17 years' order by 5 desc, 1""").fetchall()
    return [Authority(str(a), str(b), str(c), str(d), int(e)) for a, b, c, d, e in rows]


def spread(all_las: list[Authority], n: int) -> list[Authority]:
    """n authorities across the range of sizes (every k-th by population), so small and large are both in."""
    if n >= len(all_las):
        return list(all_las)
    step = len(all_las) / n
    return [all_las[int(i * step)] for i in range(n)]


def _share(child_id: str, salt: str) -> float:
    return int.from_bytes(hashlib.blake2b(f"{salt}|{child_id}".encode(), digest_size=8).digest()) / 2**64


def copies(child_id: str, factor: float, salt: str) -> list[str]:
    """The IDs a demo child becomes in an authority `factor` times the demo's size (none, itself, or more)."""
    whole, part = int(factor), factor - int(factor)
    n = whole + (1 if _share(child_id, salt) < part else 0)
    return [child_id if k == 0 else f"{child_id}R{k}" for k in range(n)]


def _read(path: Path) -> list[tuple[str, list[tuple]]]:
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return [(ws.title, [tuple(r) for r in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]
    finally:
        wb.close()


def _scale_sheet(rows: list[tuple], factor: float, salt: str) -> list[tuple]:
    header = next((i for i, r in enumerate(rows[:15])
                   if any(isinstance(c, str) and c.strip().lower() in ID_HEADINGS for c in r)), None)
    if header is None:
        return rows
    col = next(j for j, c in enumerate(rows[header]) if isinstance(c, str) and c.strip().lower() in ID_HEADINGS)
    out = rows[:header + 1]
    for r in rows[header + 1:]:
        if r[col] in (None, ""):
            out.append(r)
            continue
        out.extend(r[:col] + (new,) + r[col + 1:] for new in copies(str(r[col]), factor, salt))
    return out


def _write(path: Path, sheets: list[tuple[str, list[tuple]]]) -> int:
    wb = Workbook(write_only=True)
    rows = 0
    for title, data in sheets:
        ws = wb.create_sheet(title)
        for r in data:
            ws.append(list(r))
        rows += len(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return rows


# The demo's returns, read once per process that writes authorities (set by _use_demo).
_DEMO: dict[tuple[str, str], tuple[str, object]] = {}


def _read_demo(demo_raw: Path, year: str, quarters: tuple[str, ...]) -> dict[tuple[str, str], tuple[str, object]]:
    demo = {}
    for q in quarters:
        for f in sorted((demo_raw / year / q).glob("*.xlsx")):
            name = f.name.lower()
            if any(w in name for w in SCALED):
                demo[(q, f.name)] = ("scaled", _read(f))
            elif any(w in name for w in COPIED):
                demo[(q, f.name)] = ("copied", f)
    return demo


def _use_demo(demo: dict) -> None:
    _DEMO.clear()
    _DEMO.update(demo)


def _write_authority_task(task: tuple[Path, Authority, str, float]) -> tuple[str, int]:
    return _write_authority(*task)


def _write_authority(out: Path, la: Authority, year: str, scale: float) -> tuple[str, int]:
    factor = la.children / DEMO_CHILDREN * scale
    total = 0
    for (q, name), (kind, content) in _DEMO.items():
        target = out / "raw" / la.slug / year / q / name
        if kind == "copied":
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.read_bytes())
            continue
        total += _write(target, [(t, _scale_sheet(rows, factor, la.ons_la_code)) for t, rows in content])
    return la.slug, total


def generate(demo_raw: Path, out: Path, las: list[Authority], year: str = "2022-23", scale: float = 1.0,
             quarters: tuple[str, ...] = ("Q1", "Q2", "Q3", "Q4"), jobs: int = 1,
             timeout_s: float = AUTHORITY_TIMEOUT_S) -> dict:
    """Write raw/<slug>/<year>/<Q>/ for each authority and a hub file listing them; rows written per authority.

    `jobs` processes write authorities at once (openpyxl writes ~3,000 rows per CPU-second, so England's year at
    real size is ~50 CPU-minutes); each authority's files depend only on it, so the output is the same. The processes
    are spawned, not forked (pipeline/lib/pools.py); no authority finished within `timeout_s` of the last one stops
    the run with an error naming the authorities being written, and a worker that dies stops it too."""
    demo = _read_demo(demo_raw, year, quarters)
    if jobs <= 1 or len(las) < 2:
        _use_demo(demo)
        results = [_write_authority(out, la, year, scale) for la in las]
    else:
        # largest first: the last authority to start is a small one, so the processes finish together
        order = sorted(las, key=lambda la: -la.children)
        # spawned workers, each given the demo's rows pickled (7 MB; reading the workbooks again is ~9 CPU-s)
        results = run_in_processes(_write_authority_task, [(out, la, year, scale) for la in order], jobs=jobs,
                                   what="national generator", timeout_s=timeout_s, label=lambda t: t[1].slug,
                                   initializer=_use_demo, shared=demo)
    done = dict(results)
    written = {la.slug: done[la.slug] for la in las}
    hub = {"hub": {"name": f"England ({len(las)} authorities)", "region": "England"},
           "partnerships": [{"slug": la.slug, "name": f"{la.name} safeguarding partnership", "local_authority": la.name,
                             "dfe_la_code": la.dfe_la_code, "ons_la_code": la.ons_la_code, "region": la.region,
                             "pseudonym_key_env": f"NATIONAL_KEY_{la.dfe_la_code}"} for la in las]}
    (out / "hub.yaml").write_text(yaml.safe_dump(hub, sort_keys=False), encoding="utf-8")
    return written
