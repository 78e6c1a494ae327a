"""A real run of one asset that kills itself (SIGKILL, as `kill -9` would) at a chosen moment of an output write.

    python -m tests.e2e.kill_during_write <asset> <partition> <file pattern> middle|before-rename

`middle`: the first time the process opens a file matching the pattern for writing (the output itself, or the
temporary file `pipeline.lib.atomic` writes it through), half of the first bytes written reach the disk and the
process dies. `before-rename`: the process dies just before a file is renamed onto a matching name. The run is
the project's own Dagster job with only that asset selected, on the dataset in SAFEGUARDING_DATA_DIR.

Exit status -9 (killed) means the moment came; 0 means the run wrote no file matching the pattern that way,
which the test reports as a failure, so it can never pass without having killed a write.
"""

from __future__ import annotations

import builtins
import fnmatch
import io
import os
import signal
import sys
from pathlib import Path

from pipeline.lib.atomic import PARTIAL_SUFFIX

JOBS = {"quarterly_dashboard": "quarter_job", "intake_feedback": "quarter_job", "annual_report": "annual_report_job"}


def output_name(path) -> str:
    """The output a path stands for: itself, or the one its atomic temporary file (.<name>.<random>.partial) is for."""
    name = Path(os.fsdecode(path)).name
    if name.startswith(".") and name.endswith(PARTIAL_SUFFIX):
        return name[1:-len(PARTIAL_SUFFIX)].rsplit(".", 1)[0]
    return name


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class _DiesMidWrite:
    """A file opened for writing that writes half of its first write, makes it durable, and dies."""

    def __init__(self, fh):
        self._fh = fh

    def write(self, data):
        self._fh.write(data[: max(1, len(data) // 2)])
        self._fh.flush()
        os.fsync(self._fh.fileno())
        die()

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._fh.__exit__(*exc)

    def __iter__(self):
        return iter(self._fh)


def install(pattern: str, moment: str) -> None:
    def matches(path) -> bool:
        return isinstance(path, (str, bytes, os.PathLike)) and fnmatch.fnmatch(output_name(path), pattern)

    if moment == "middle":
        real_open = io.open

        def open_(file, mode="r", *args, **kwargs):
            fh = real_open(file, mode, *args, **kwargs)
            writing = any(m in mode for m in "wax+")
            return _DiesMidWrite(fh) if writing and matches(file) else fh

        io.open = builtins.open = open_  # pathlib, zipfile (openpyxl, python-docx) and open() all come here
    elif moment == "before-rename":
        real_replace, real_rename = os.replace, os.rename

        def replace(src, dst, *args, **kwargs):
            if matches(dst):
                die()
            return real_replace(src, dst, *args, **kwargs)

        def rename(src, dst, *args, **kwargs):
            if matches(dst):
                die()
            return real_rename(src, dst, *args, **kwargs)

        os.replace, os.rename = replace, rename
    else:
        raise SystemExit(f"unknown moment {moment!r}")


def run(asset: str, partition: str) -> None:
    import dagster as dg

    from pipeline.definitions import defs

    job = defs().resolve_job_def(JOBS[asset])
    job.execute_in_process(partition_key=partition, asset_selection=[dg.AssetKey(asset)],
                           instance=dg.DagsterInstance.ephemeral(), raise_on_error=True)


def main(argv: list[str]) -> int:
    asset, partition, pattern, moment = argv
    import dagster  # noqa: F401  - imported before the hooks, so only the run's own writes meet them

    install(pattern, moment)
    run(asset, partition)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
