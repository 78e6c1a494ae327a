"""Storage for concurrent writers, measured: the same partnership-quarter writes by 2 processes at once, then the
national rollup that reads every partition, on each candidate storage.

    python scripts/bench_storage.py [--partnerships 20] [--scale 1.0] [--ducklake-env DIR]

The workload: each partnership-quarter writes the tables an intake writes (Annex A's eight lists and the missing
episodes, at the demo's Sandwell sizes times `scale`: ~18,000 rows a partition) replacing that partition's rows;
`partnerships` x 4 quarters, shared alternately between the 2 writer processes (so both write at once, and
different partnerships' partitions interleave). Then one reader counts rows and distinct children per table over
every partition (the national rollup). Candidates:

- `duckdb-files`: today's store, one DuckDB file per partnership (pipeline.regional.store);
- `parquet`: one Parquet file per table x partition, written to a temporary name and renamed (atomic), read by
  DuckDB over a hive-partitioned glob;
- `ducklake`: DuckLake tables with a Postgres catalogue (Debian's Postgres, started and stopped here) and
  Parquet data files; each partition one transaction, retried on a write-write conflict;
- `duckdb-shared`: one DuckDB file for everyone, to show why not (the second writer cannot open it).

DuckLake needs DuckDB's `ducklake` and `postgres` extensions. DuckDB downloads extensions from its own site, which
this machine cannot reach; PyPI's `duckdb-ext-ducklake` and `duckdb-ext-postgres` ship them built for DuckDB
1.4.4 only, and the project's DuckDB is 2.x, which refuses to load them (the script prints the error). To measure
DuckLake anyway, install those into a folder with their own DuckDB and pass it as --ducklake-env:

    .tools/bin/uv pip install --target /tmp/ducklake-env duckdb==1.4.4 \
        duckdb-ext-ducklake==1.4.4.20260205 duckdb-ext-postgres==1.4.4.20260205

Printed per candidate: write wall time (2 writers), rows written per second, errors (a writer that failed) and
retries, the rollup's time, and whether the rollup's counts equal the rows written (every candidate must count
the same). Nothing here imports the pipeline: the writers run in plain processes with only DuckDB.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Annex A's lists and the missing episodes: rows a quarter in the demo's Sandwell returns (2022-23 Q1).
TABLES = {"list_1": 7_496, "list_2": 2_051, "list_3": 1_070, "list_4": 1_704, "list_5": 472, "list_6": 3_244,
          "list_7": 482, "list_8": 881, "missing": 450}
QUARTERS = ("2022-23-Q1", "2022-23-Q2", "2022-23-Q3", "2022-23-Q4")
CANDIDATES = ("duckdb-files", "parquet", "ducklake", "duckdb-shared")
RETRIES = 20


def rows_sql(table: str, n: int, slug: str, quarter: str) -> str:
    """A partition's synthetic rows for the table: an intake's shape (pseudonymised child, dates, codes, text)."""
    return f"""
        select '{slug}' as partnership, '{quarter}' as quarter_key, '{table}' as list_name, i as source_row,
               md5('{slug}|' || (i % {max(n * 3 // 4, 1)})) as child_pseudonym,
               date '2022-04-01' + cast(i % 365 as integer) as event_date,
               ['Police', 'Schools', 'Health', 'LA services', 'Other'][1 + i % 5] as source,
               ['N1', 'N2', 'N3', 'N4', 'N5', 'N6', 'N7', 'N8'][1 + i % 8] as need_code,
               cast(i % 18 as integer) as age, (i % 7 = 0) as disabled, 'ok' as row_status
        from range({n}) t(i)"""


# ---- the writers (one process each) ------------------------------------------------------------------------------

def _with_retries(action) -> int:
    """Run `action`; on a transaction conflict try again (up to RETRIES). The retries it took."""
    import duckdb
    for attempt in range(RETRIES + 1):
        try:
            action()
            return attempt
        except duckdb.TransactionException:
            if attempt == RETRIES:
                raise
            time.sleep(0.05 * (attempt + 1))
    return RETRIES


def _replace_partition(con, slug: str, quarter: str, scale: float, prefix: str = "", create: bool = False) -> int:
    """One transaction: the partition's rows of every table deleted and written again (retried on a conflict)."""
    def replace():
        con.execute("begin transaction")
        try:
            for table, n in TABLES.items():
                if create:
                    con.execute(f"create table if not exists {prefix}{table} as {rows_sql(table, 0, slug, quarter)}")
                con.execute(f"delete from {prefix}{table} where partnership = ? and quarter_key = ?", [slug, quarter])
                con.execute(f"insert into {prefix}{table} {rows_sql(table, int(n * scale), slug, quarter)}")
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    return _with_retries(replace)


def write_duckdb(path: Path, parts: list[tuple[str, str]], scale: float, shared: bool) -> int:
    import duckdb
    retries = 0
    for slug, quarter in parts:
        target = path / "shared.duckdb" if shared else path / "partnerships" / slug / "warehouse.duckdb"
        target.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(target)) as con:   # as a run does: open, write the partition, close
            retries += _replace_partition(con, slug, quarter, scale, create=True)
    return retries


def write_parquet(path: Path, parts: list[tuple[str, str]], scale: float) -> int:
    import duckdb
    con = duckdb.connect()
    for slug, quarter in parts:
        for table, n in TABLES.items():
            folder = path / "parquet" / table / f"partnership={slug}" / f"quarter_key={quarter}"
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f".data.parquet.{os.getpid()}.partial"
            con.execute(f"copy ({rows_sql(table, int(n * scale), slug, quarter)}) to '{partial}' (format parquet)")
            os.replace(partial, folder / "data.parquet")   # readers see the old file or the new, never half of one
    return 0


EXTENSIONS_ENV = "BENCH_DUCKDB_EXTENSIONS"   # a folder of ducklake/postgres_scanner .duckdb_extension files


def _attach_lake(con, catalog: str, data: Path) -> None:
    folder = os.environ.get(EXTENSIONS_ENV)
    for name in ("ducklake", "postgres_scanner"):
        con.execute(f"load '{Path(folder) / name}.duckdb_extension'" if folder else f"load {name}")
    con.execute(f"attach 'ducklake:postgres:{catalog}' as lake (data_path '{data}/')")


def write_ducklake(path: Path, parts: list[tuple[str, str]], scale: float, catalog: str) -> int:
    import duckdb
    con = duckdb.connect()
    _attach_lake(con, catalog, path / "lake")
    return sum(_replace_partition(con, slug, quarter, scale, prefix="lake.") for slug, quarter in parts)


def worker(args: argparse.Namespace) -> int:
    parts = [tuple(p.split("|")) for p in args.parts.split(",")]
    path = Path(args.path)
    t = time.perf_counter()
    if args.worker == "parquet":
        retries = write_parquet(path, parts, args.scale)
    elif args.worker == "ducklake":
        retries = write_ducklake(path, parts, args.scale, args.catalog)
    else:
        retries = write_duckdb(path, parts, args.scale, shared=args.worker == "duckdb-shared")
    print(json.dumps({"retries": retries, "seconds": time.perf_counter() - t}))
    return 0


# ---- the rollup (one reader over every partition) ----------------------------------------------------------------

def rollup(candidate: str, path: Path, catalog: str, slugs: list[str]) -> dict[str, tuple[int, int]]:
    """table -> (rows, distinct children within each partnership, summed) over every partition."""
    import duckdb
    con = duckdb.connect()
    out = {}
    if candidate == "ducklake":
        _attach_lake(con, catalog, path / "lake")
    for table in TABLES:
        if candidate == "parquet":
            source = f"read_parquet('{path}/parquet/{table}/*/*/data.parquet', hive_partitioning = true)"
        elif candidate == "ducklake":
            source = f"lake.{table}"
        elif candidate == "duckdb-shared":
            con.execute(f"attach if not exists '{path}/shared.duckdb' as shared (read_only)")
            source = f"shared.{table}"
        else:
            for i, slug in enumerate(slugs):
                con.execute(f"attach if not exists '{path}/partnerships/{slug}/warehouse.duckdb' as p{i} (read_only)")
            source = "(" + " union all ".join(f"select * from p{i}.{table}" for i in range(len(slugs))) + ")"
        total, children = con.execute(
            f"select coalesce(sum(c), 0), coalesce(sum(n), 0) from (select count(*) c, count(distinct child_pseudonym) n "
            f"from {source} group by partnership)").fetchone()
        out[table] = (int(total), int(children))
    return out


# ---- the driver ------------------------------------------------------------------------------------------------

def _python_for(candidate: str, ducklake_env: Path | None) -> tuple[list[str], dict]:
    """The command and environment of a worker: DuckLake's run with the DuckDB of --ducklake-env, if given."""
    env = dict(os.environ)
    if candidate == "ducklake" and ducklake_env:
        env["PYTHONPATH"] = str(ducklake_env)
        found = sorted(ducklake_env.glob("duckdb_ext/extensions/*/*/ducklake.duckdb_extension"))
        if not found:
            raise SystemExit(f"No ducklake.duckdb_extension under {ducklake_env}: install it there (see --help).")
        env[EXTENSIONS_ENV] = str(found[-1].parent)
    return [sys.executable, str(Path(__file__).resolve())], env


def ducklake_unavailable() -> str | None:
    """Why the project's own DuckDB cannot use DuckLake here (None: it can)."""
    import duckdb
    con = duckdb.connect()
    try:
        con.execute("install ducklake; load ducklake")
        return None
    except duckdb.Error as err:
        first = str(err).splitlines()[0]
    found = glob.glob(str(Path(sys.prefix) / "lib" / "python*" / "site-packages" / "duckdb_ext" / "extensions" / "*" /
                          "*" / "ducklake.duckdb_extension"))
    for path in found:
        try:
            con.execute(f"load '{path}'")
            return None
        except duckdb.Error as err:
            first += f"; {Path(path).name}: {str(err).splitlines()[0]}"
    return f"DuckDB {duckdb.__version__}: {first}"


def run_candidate(candidate: str, base: Path, slugs: list[str], scale: float, catalog: str,
                  ducklake_env: Path | None) -> dict:
    path = base / candidate
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    command, env = _python_for(candidate, ducklake_env)
    if candidate == "ducklake":   # the tables first (one process: two creating them at once would conflict)
        setup = ("import sys, duckdb; sys.path.insert(0, sys.argv[1]); import bench_storage as b; "
                 "con = duckdb.connect(); b._attach_lake(con, sys.argv[2], b.Path(sys.argv[3]) / 'lake'); "
                 "[con.execute(f'create table lake.{t} as {b.rows_sql(t, 0, \"x\", \"x\")}') for t in b.TABLES]")
        subprocess.run([sys.executable, "-c", setup, str(Path(__file__).parent), catalog, str(path)], env=env,
                       check=True, capture_output=True, timeout=120)
    parts = [(s, q) for q in QUARTERS for s in slugs]            # time order, partnerships interleaved
    shares = [parts[0::2], parts[1::2]]
    t = time.perf_counter()
    procs = [subprocess.Popen([*command, "--worker", candidate, "--path", str(path), "--scale", str(scale),
                               "--catalog", catalog, "--parts", ",".join(f"{s}|{q}" for s, q in share)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for share in shares]
    results = [p.communicate(timeout=1800) for p in procs]
    wall = time.perf_counter() - t
    errors = [err.strip().splitlines()[-1] for p, (_, err) in zip(procs, results) if p.returncode]
    retries = sum(json.loads(out.strip().splitlines()[-1])["retries"] for p, (out, _) in zip(procs, results)
                  if not p.returncode and out.strip())
    expected = {table: int(n * scale) * len(parts) for table, n in TABLES.items()}
    t = time.perf_counter()
    try:
        counts = subprocess.run([*command, "--rollup", candidate, "--path", str(path), "--catalog", catalog,
                                 "--slugs", ",".join(slugs)], env=env, capture_output=True, text=True, timeout=1800,
                                check=True).stdout
        counted = {k: tuple(v) for k, v in json.loads(counts.strip().splitlines()[-1]).items()}
        rollup_error = None
    except subprocess.CalledProcessError as err:
        counted, rollup_error = {}, err.stderr.strip().splitlines()[-1]
    rollup_s = time.perf_counter() - t
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    shutil.rmtree(path, ignore_errors=True)
    return {"candidate": candidate, "wall_s": wall, "rows": sum(expected.values()), "errors": errors,
            "retries": retries, "rollup_s": rollup_s, "complete": {k: v[0] for k, v in counted.items()} == expected,
            "children": sum(v[1] for v in counted.values()), "rollup_error": rollup_error, "mb": size / 1e6}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partnerships", type=int, default=20)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--ducklake-env", type=Path, default=None, help="a folder with DuckDB 1.4.4 and its "
                        "ducklake and postgres extensions (see above)")
    parser.add_argument("--base", type=Path, default=None)
    parser.add_argument("--worker", choices=CANDIDATES)
    parser.add_argument("--rollup", choices=CANDIDATES)
    parser.add_argument("--path")
    parser.add_argument("--parts", default="")
    parser.add_argument("--catalog", default="")
    parser.add_argument("--slugs", default="")
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    if args.rollup:
        print(json.dumps(rollup(args.rollup, Path(args.path), args.catalog, args.slugs.split(","))))
        return 0

    base = args.base or Path(tempfile.mkdtemp(prefix="bench-storage-"))
    slugs = [f"p{i:03d}" for i in range(args.partnerships)]
    candidates = ["duckdb-files", "parquet"]
    postgres = None
    why_not = ducklake_unavailable()
    if why_not is None or args.ducklake_env:
        sys.path.insert(0, str(ROOT))
        from pipeline.regional.postgres import LocalPostgres
        postgres = LocalPostgres(Path(tempfile.mkdtemp(prefix="bench-storage-pg-"))).start()
        candidates.append("ducklake")
    candidates.append("duckdb-shared")
    catalog = (f"dbname=dagster host=127.0.0.1 port={postgres.port} user=dagster" if postgres else "")
    print(f"{args.partnerships} partnerships x 4 quarters, ~{int(sum(TABLES.values()) * args.scale):,} rows a "
          f"partition in {len(TABLES)} tables, 2 writers at once; machine load {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")
    if why_not:
        print(f"ducklake with the project's DuckDB: cannot load ({why_not})"
              + (f"; measured with {args.ducklake_env}" if args.ducklake_env else "; pass --ducklake-env to measure"))
    print(f"{'storage':<14} {'write s':>8} {'rows/s':>9} {'retries':>7} {'rollup s':>8} {'MB':>7} {'all rows':>8}  errors")
    try:
        for candidate in candidates:
            r = run_candidate(candidate, base, slugs, args.scale, catalog, args.ducklake_env)
            errors = "; ".join(e[:140] for e in r["errors"] + ([r["rollup_error"]] if r["rollup_error"] else []))
            print(f"{r['candidate']:<14} {r['wall_s']:>8.1f} {r['rows'] / r['wall_s']:>9,.0f} {r['retries']:>7} "
                  f"{r['rollup_s']:>8.2f} {r['mb']:>7.1f} {'yes' if r['complete'] else 'NO':>8}  {errors or '-'}",
                  flush=True)
    finally:
        if postgres:
            postgres.stop()
            shutil.rmtree(postgres.base_dir, ignore_errors=True)
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
