"""Print figures keep their text inside the image: wrapped notes get room, tile text is anchored."""

import plotly.graph_objects as go

from pipeline.lib.report import figures
from pipeline.lib.report.figures import _finish, _wrap


def test_a_long_source_note_wraps_and_the_figure_grows_to_hold_it(monkeypatch):
    short = _finish(go.Figure(), "t", ["contacts_total"], "2022-23", True, 500)
    monkeypatch.setattr(figures, "partnership_name", lambda: "A partnership with a very long name " * 8)
    long = _finish(go.Figure(), "t", ["contacts_total"], "2022-23", True, 500)
    note = long.layout.annotations[0]
    lines = note.text.count("<br>") + 1
    assert lines >= 3 and note.align == "left" and note.yanchor == "bottom"
    assert long.layout.height == short.layout.height + 15 * (lines - 1)
    assert long.layout.margin.b == short.layout.margin.b + 15 * (lines - 1)


def test_wrap_keeps_words_whole():
    assert _wrap("Initial Health Assessments completed in timescale", 32) == \
        "Initial Health Assessments<br>completed in timescale"
