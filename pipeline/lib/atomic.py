"""Outputs written whole or not at all.

Every file the pipeline publishes (dashboards, the index, feedback workbooks, report files, templates) is
written to a temporary file in the same folder and renamed over the target. A rename within one file system
is atomic, so a run killed at any moment leaves either the previous complete file or the new complete file,
never a truncated one. The temporary name starts with '.' and ends in '.partial', so nothing that lists a
folder for outputs mistakes it for one, and `clean_partials` removes any a killed run left behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

PARTIAL_SUFFIX = ".partial"


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """A temporary path to write to; renamed to `target` when the block succeeds, removed when it fails.

        with atomic_path(out / "feedback.xlsx") as tmp:
            workbook.save(tmp)
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=PARTIAL_SUFFIX, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())   # the bytes are on disk before the name points at them
        os.chmod(tmp, 0o644)        # mkstemp makes 0600; outputs are read by the analyst's other tools
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(target: Path | str, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: Path | str, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes(target, text.encode(encoding))


def clean_partials(folder: Path | str) -> list[Path]:
    """Remove temporary files a killed run left in `folder` (and below); returns what was removed."""
    folder = Path(folder)
    if not folder.exists():
        return []
    removed = [p for p in folder.rglob(f".*{PARTIAL_SUFFIX}") if p.is_file()]
    for p in removed:
        p.unlink(missing_ok=True)
    return removed
