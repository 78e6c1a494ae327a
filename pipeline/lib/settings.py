"""The project's YAML configuration, parsed once per process with libyaml's C loader.

Every reader of config/*.yaml goes through `read_yaml`, so the files are parsed once however many assets,
checks and renderers ask for them (the pure-Python loader cost ~1.5 s a quarter when each asset parsed its own).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline.lib.paths import CONFIG_DIR

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=64)
def _parsed(path: str, mtime_ns: int) -> object:
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader)  # a safe loader (CSafeLoader)


def read_yaml(path: Path | str) -> object:
    """The file's contents (a copy the caller may change); cached on path and modification time, so an edited
    file is read again."""
    path = Path(path).resolve()
    return copy.deepcopy(_parsed(str(path), path.stat().st_mtime_ns))


PARTNERSHIP_FILE = CONFIG_DIR / "partnership.yaml"
# A regional hub builds each member's report in one process: while `partnership_in_use` holds, the member's block
# stands in for config/partnership.yaml's (pipeline.regional.report).
_MEMBER: ContextVar[dict | None] = ContextVar("partnership_in_use", default=None)


def partnership_settings(path: Path | None = None) -> dict:
    """The `partnership:` block of config/partnership.yaml (plus history_start and the rest of the file's keys),
    or the hub member's block while `partnership_in_use` holds."""
    raw = read_yaml(path or PARTNERSHIP_FILE)
    member = _MEMBER.get()
    block = raw["partnership"] if member is None else member
    return {**{k: v for k, v in raw.items() if k != "partnership"}, **block}


@contextlib.contextmanager
def partnership_in_use(block: dict) -> Iterator[None]:
    """Within: partnership_settings() gives this partnership (name, local authority, ...) instead of the file's."""
    token = _MEMBER.set(dict(block))
    try:
        yield
    finally:
        _MEMBER.reset(token)
