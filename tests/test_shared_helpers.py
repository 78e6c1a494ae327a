"""The shared helpers every output and config reader goes through: atomic writes, agency text, YAML once."""

from __future__ import annotations

import os
import time

import pytest

from pipeline.lib import atomic
from pipeline.lib.settings import read_yaml
from pipeline.lib.text import plotly_text, xml_text


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out" / "dashboard.html"
    atomic.write_text(target, "old complete")
    atomic.write_text(target, "new complete")
    assert target.read_text() == "new complete"
    assert [p.name for p in target.parent.iterdir()] == ["dashboard.html"]
    assert oct(target.stat().st_mode & 0o777) == "0o644"


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "feedback.xlsx"
    atomic.write_bytes(target, b"previous")
    with pytest.raises(RuntimeError), atomic.atomic_path(target) as tmp:
        tmp.write_bytes(b"half of the new")
        raise RuntimeError("killed")
    assert target.read_bytes() == b"previous"
    assert list(tmp_path.iterdir()) == [target]


def test_clean_partials_removes_what_a_killed_run_left(tmp_path):
    (tmp_path / "sub").mkdir()
    left = tmp_path / "sub" / ".report.docx.abc123.partial"
    left.write_bytes(b"x")
    keep = tmp_path / "sub" / "report.docx"
    keep.write_bytes(b"y")
    assert atomic.clean_partials(tmp_path) == [left]
    assert keep.exists() and not left.exists()


def test_plotly_text_turns_markup_into_plain_characters():
    assert plotly_text('<a href="http://127.0.0.1:9/x">Course</a>') == '&lt;a href="http://127.0.0.1:9/x"&gt;Course&lt;/a&gt;'
    assert plotly_text("<b>Hidden</b> Men<br>") == "&lt;b&gt;Hidden&lt;/b&gt; Men&lt;br&gt;"
    assert plotly_text("Fish & chips") == "Fish &amp; chips"
    assert plotly_text(None) == ""


def test_xml_text_drops_control_characters_only():
    assert xml_text("Team\x00 A\x0b\tB\n") == "Team A\tB\n"


def test_yaml_read_once_until_the_file_changes(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\n")
    first = read_yaml(path)
    first["a"] = 99                     # a caller's change never leaks into the cache
    assert read_yaml(path) == {"a": 1}
    time.sleep(0.01)
    path.write_text("a: 2\n")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    assert read_yaml(path) == {"a": 2}
