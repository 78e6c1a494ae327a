"""A throwaway Postgres for trying the regional deployment (Debian's postgresql; fsync off: not a hub's real store).

    python scripts/regional_postgres.py start /tmp/hub-pg     # prints the DAGSTER_PG_* lines deploy/dagster.yaml reads
    python scripts/regional_postgres.py stop /tmp/hub-pg

The folder keeps its port in port.txt, so `stop` (and a second `start`) find the same server.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.regional.postgres import LocalPostgres


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    port_file = args.folder / "port.txt"
    port = int(port_file.read_text()) if port_file.exists() else 0
    pg = LocalPostgres(args.folder, port)
    if args.action == "stop":
        pg.stop()
        print(f"Stopped the Postgres in {args.folder}")
        return 0
    if (pg.data_dir / "postmaster.pid").exists():
        print(f"Already running in {args.folder}", file=sys.stderr)
    else:
        pg.start()
        port_file.write_text(str(pg.port))
    for name, value in pg.env.items():
        print(f"export {name}={value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
