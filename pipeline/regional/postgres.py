"""A throwaway Postgres for the regional deployment: initdb in a folder, pg_ctl start/stop, every step bounded.

Used by the deployment test (tests/regional/test_deployment.py) and `python scripts/regional_postgres.py start DIR`.
Debian's postgresql package provides the binaries (apt-get install -y postgresql). Postgres refuses to run as
root, so as root it runs as the `postgres` user, in a folder that user owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

USER = "dagster"
TIMEOUT_S = 60


def _bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if found:
        return str(found[-1])
    if which := shutil.which(name):
        return which
    raise FileNotFoundError(f"No {name}: install Debian's Postgres (apt-get install -y postgresql).")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalPostgres:
    base_dir: Path
    port: int = 0

    def __post_init__(self):
        self.base_dir = Path(self.base_dir)
        self.port = self.port or free_port()

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "pgdata"

    @property
    def env(self) -> dict[str, str]:
        """The variables deploy/dagster.yaml reads."""
        return {"DAGSTER_PG_HOST": "127.0.0.1", "DAGSTER_PG_PORT": str(self.port), "DAGSTER_PG_USER": USER,
                "DAGSTER_PG_PASSWORD": "dagster", "DAGSTER_PG_DB": "dagster"}

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = list(args)
        if os.geteuid() == 0:  # Postgres will not run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        if result.returncode:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
        return result

    def start(self) -> LocalPostgres:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.base_dir, pw.pw_uid, pw.pw_gid)
        fresh = not (self.data_dir / "PG_VERSION").exists()
        if fresh:
            self._run(_bin("initdb"), "-D", str(self.data_dir), "-U", USER, "--auth=trust", "-E", "UTF8",
                      "--no-instructions")
        options = (f"-p {self.port} -k {self.base_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=100")
        self._run(_bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.base_dir / "postgres.log"),
                  "-o", options, "-w", "-t", "30", "start")
        if fresh:
            self._run(_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "dagster")
        return self

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run(_bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "30", "stop")
