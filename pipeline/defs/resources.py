"""Resources shared by every asset group. Config comes from the environment through dg.EnvVar."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from pipeline.lib import warehouse
from pipeline.lib.paths import PROJECT_ROOT, REFERENCE_DIR


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
