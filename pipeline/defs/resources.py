"""Resources shared by every asset group. Config comes from the environment through dg.EnvVar."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from pipeline.lib import warehouse
from pipeline.lib.atomic import clean_partials
from pipeline.lib.paths import PROJECT_ROOT, REFERENCE_DIR

MIN_KEY_LENGTH = 32
MAKE_A_KEY = 'python3 -c "import secrets; print(secrets.token_hex(32))"'


def key_problem(key: str | None) -> str | None:
    """Why a pseudonymisation key cannot be used (never showing the key), or None when it can.

    A short key can be guessed, and with it every child's pseudonym reversed from the IDs an agency holds.
    """
    if not key:
        return (f"SAFEGUARDING_PSEUDONYM_KEY is not set: make a key with {MAKE_A_KEY} and put it in .env "
                "(copy .env.example to .env first).")
    if len(key) < MIN_KEY_LENGTH:
        return (f"SAFEGUARDING_PSEUDONYM_KEY is {len(key)} characters; a key needs at least {MIN_KEY_LENGTH}. "
                f"Make one with {MAKE_A_KEY} and put it in .env (then keep it: it links a child across returns).")
    return None


class Workspace(dg.ConfigurableResource):
    """One dataset's folders and its DuckDB warehouse.

    `data_dir` holds `raw/` (returns filed as raw/<2022-23>/<Q3>/), `warehouse.duckdb` and `output/`.
    The demo uses `data/demo`, real returns `data`, so the two never mix.
    """

    data_dir: str = "data"
    pseudonym_key: str
    reference_dir: str = str(REFERENCE_DIR)

    @property
    def root(self) -> Path:
        root = Path(self.data_dir)
        return root if root.is_absolute() else PROJECT_ROOT / root

    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def db_path(self) -> Path:
        return self.root / "warehouse.duckdb"

    _run_lock: warehouse.RunLock | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """At the start of a run: refuse a weak key, take the warehouse for this run (or stop at once with one
        line if another run has it), and remove temporary files a killed run left among the outputs."""
        problem = key_problem(self.pseudonym_key)
        if problem:
            raise dg.Failure(problem)
        if context.run is None:  # a sensor looking at raw/: no run, no lock
            return
        try:
            self._run_lock = warehouse.RunLock(self.db_path).acquire()
        except warehouse.WarehouseBusy as busy:
            raise dg.Failure(str(busy)) from None
        for leftover in clean_partials(self.output_dir):
            if context.log:
                context.log.info(f"Removed {leftover.name}, left half-written by a run that was stopped")

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """At the end of the run (a killed process lets go of the lock by itself). Having a teardown makes the
        resource a generator: code that builds a sensor or asset context with it opens it with `with`."""
        if self._run_lock is not None:
            self._run_lock.release()
            self._run_lock = None

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return warehouse.connect(self.db_path, read_only=read_only)


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        # In-process: on this data a step costs ~0.1 s, a new Python process per step 4-5 s.
        executor=dg.in_process_executor,
        resources={
            "workspace": Workspace(
                data_dir=dg.EnvVar("SAFEGUARDING_DATA_DIR"),
                pseudonym_key=dg.EnvVar("SAFEGUARDING_PSEUDONYM_KEY"),
            )
        }
    )
