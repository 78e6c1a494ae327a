"""A reference folder missing a DfE file stops the load with a message naming the file that is missing."""

import shutil

import duckdb
import pytest

from pipeline.lib import benchmarks
from pipeline.lib.paths import REFERENCE_DIR


def test_missing_lait_extract_is_named(tmp_path, config):
    shutil.copytree(REFERENCE_DIR, tmp_path / "reference")
    for extract in (tmp_path / "reference").rglob("lait_childrens_services_*.csv.gz"):
        extract.unlink()
    with duckdb.connect() as con, pytest.raises(FileNotFoundError, match=r"No LAIT extract matches .*lait_childrens"):
        benchmarks.load_reference(con, tmp_path / "reference", config)
