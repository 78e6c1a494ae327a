"""Fixtures for the demo generator tests: the returns are generated once per test session.

Set DEMO_RETURNS_DIR to an existing output folder (e.g. data/demo/raw) to run the read-back tests against
it instead of generating afresh.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.lib.demo.generate import World, build_world, generate


@pytest.fixture(scope="session")
def world() -> World:
    """The generator's data for the default seed, built once per session."""
    return build_world()


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory, world) -> Path:
    """A folder holding the generated returns in `raw/`, a stale file generation must delete, and a
    sibling file it must leave alone."""
    root = tmp_path_factory.mktemp("demo")
    out = root / "raw"
    (out / "old").mkdir(parents=True)
    (out / "old" / "stale.xlsx").write_bytes(b"stale")
    (root / "sibling.txt").write_text("keep me")
    generate(out, echo=lambda line: None, world=world)
    return root


@pytest.fixture(scope="session")
def demo_out(request) -> Path:
    existing = os.environ.get("DEMO_RETURNS_DIR")
    if existing:
        return Path(existing)
    return request.getfixturevalue("demo_root") / "raw"
