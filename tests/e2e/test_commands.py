"""The README's commands guide the analyst: a missing .env, a weak key and a year out of range each get one line
saying what to do, and `make dev` stops whole, on Ctrl-C and on `kill -TERM`, leaving no process behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import dagster as dg
import psutil
import pytest

from pipeline.defs.resources import Workspace
from pipeline.lib.paths import PROJECT_ROOT
from tests.conftest import TEST_KEY

MISSING_ENV = "/nonexistent/.env"


def cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SAFEGUARDING_") and k != "DAGSTER_HOME"}
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=PROJECT_ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=300, check=False)


def test_make_run_without_env_says_to_copy_the_example():
    result = subprocess.run(["make", "--no-print-directory", "run", f"ENV_FILE={MISSING_ENV}", "YEARS=2022-23"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode != 0
    assert "No .env: copy .env.example to .env and set SAFEGUARDING_PSEUDONYM_KEY" in result.stderr
    assert "cannot open" not in result.stderr


@pytest.mark.parametrize("key", ["s3cr3t", "Z" * 31])
def test_run_refuses_a_key_under_32_characters_with_the_command_that_makes_one(tmp_path, key):
    result = cli("run", "2022-23", SAFEGUARDING_DATA_DIR=str(tmp_path), SAFEGUARDING_PSEUDONYM_KEY=key)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert f"SAFEGUARDING_PSEUDONYM_KEY is {len(key)} characters; a key needs at least 32." in line
    assert 'python3 -c "import secrets; print(secrets.token_hex(32))"' in line
    assert key not in line.replace("SAFEGUARDING_PSEUDONYM_KEY", "")  # the key itself is never shown
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_run_without_a_key_says_how_to_make_one(tmp_path):
    result = cli("run", "2022-23", SAFEGUARDING_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("SAFEGUARDING_PSEUDONYM_KEY is not set: make a key with")


def test_the_workspace_resource_refuses_a_short_key(tmp_path):
    from pipeline.cli import one_line_reason

    ran = []

    @dg.asset
    def anything(workspace: Workspace) -> None:
        ran.append(workspace.pseudonym_key)

    with pytest.raises(Exception) as refused:
        dg.materialize([anything], resources={"workspace": Workspace(data_dir=str(tmp_path), pseudonym_key="short")})
    assert one_line_reason(refused.value).startswith("SAFEGUARDING_PSEUDONYM_KEY is 5 characters; a key needs at least 32")
    assert ran == []  # refused before any asset ran
    dg.materialize([anything], resources={"workspace": Workspace(data_dir=str(tmp_path), pseudonym_key=TEST_KEY)})
    assert ran == [TEST_KEY]


def test_the_demo_key_is_long_enough():
    from pipeline.cli import DEMO_PSEUDONYM_KEY
    from pipeline.defs.resources import key_problem

    assert key_problem(DEMO_PSEUDONYM_KEY) is None
    assert key_problem(TEST_KEY) is None


def test_run_for_a_year_outside_the_partitions_is_one_line(tmp_path):
    result = cli("run", "2009-10", SAFEGUARDING_DATA_DIR=str(tmp_path), SAFEGUARDING_PSEUDONYM_KEY=TEST_KEY)
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("2009-10: outside the years the pipeline covers (2013-14 to ")
    assert "history_start in config/partnership.yaml" in line
    bad = cli("run", "2022", SAFEGUARDING_DATA_DIR=str(tmp_path), SAFEGUARDING_PSEUDONYM_KEY=TEST_KEY)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.mark.slow
@pytest.mark.e2e
@pytest.mark.parametrize("how", ["kill -TERM", "Ctrl-C"])
def test_make_dev_stops_whole(tmp_path, how):
    """A real `make dev` on a free port, in its own process group (as `set -m` gives), stopped by PID."""
    port = free_port()
    log = tmp_path / "dev.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEGUARDING_")}
    with log.open("w") as out:
        make = subprocess.Popen(["make", "--no-print-directory", "dev", f"ENV_FILE={MISSING_ENV}", f"PORT={port}"],
                                cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                workspace = graphql(port, "{ workspaceOrError { ... on Workspace { locationEntries { name } } } }")
                break
            except OSError:
                assert make.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "dg dev did not answer in 300 s:\n" + log.read_text()
                time.sleep(1)
        started = psutil.Process(make.pid).children(recursive=True)
        assert len(started) >= 3, started  # the CLI, dg dev, the webserver, the daemon, code servers
        if how == "Ctrl-C":
            os.killpg(make.pid, signal.SIGINT)  # what the terminal sends to the foreground group
        else:
            os.kill(make.pid, signal.SIGTERM)
        make.wait(timeout=120)
        _, alive = psutil.wait_procs(started, timeout=30)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait(timeout=30)
    assert not alive, f"still running after {how}: {[p.pid for p in alive]}"
    assert not listening(port)
    text = log.read_text()
    assert "No .env: Dagster opens on the demo dataset (data/demo). For real returns, copy .env.example" in text
    assert "Dagster stopped." in text
    names = [e["name"] for e in workspace["data"]["workspaceOrError"]["locationEntries"]]
    assert names == ["safeguarding_pipeline"]  # named, not after the checkout folder
