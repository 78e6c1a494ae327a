"""Trust and safety in the report: a partial year is never published as a year, agency text is only ever
text, outputs are written whole."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import pytest

from pipeline.lib import atomic
from pipeline.lib.render.data import MissingTable
from pipeline.lib.report import build, figures, images, narrative
from pipeline.lib.report.facts import Fact, Meta
from tests.report.conftest import YEAR, build_rows, build_warehouse, with_status

Q4_ONLY = "In the quarter received, January to March 2023: "
MISSING = "2022-23 Q1, 2022-23 Q2, 2022-23 Q3"


def _q4_only_warehouse(path):
    """Only Q4 filed: every year row partial (coverage Q4), A&E's measure not received at all."""
    rows = with_status(build_rows(), "partial", coverage="2022-23 Q4", missing=MISSING)
    gone = (rows["indicator_code"] == "ae_alcohol") & (rows["period_label"] == YEAR.label)
    rows.loc[gone, ["numerator", "denominator", "value"]] = None
    rows.loc[gone, "status"] = "not_received"
    rows.loc[gone, "coverage"] = ""
    rows.loc[gone, "missing_quarters"] = "2022-23 Q1, 2022-23 Q2, 2022-23 Q3, 2022-23 Q4"
    build_warehouse(path, rows)
    with duckdb.connect(str(path)) as con:   # the intake's log: only Q4's return
        con.execute("delete from raw_files where period_label <> '2022-23 Q4'")
    return path


def test_a_partial_year_is_refused_with_one_line_naming_the_missing_quarters(tmp_path):
    db = _q4_only_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(db), read_only=True) as con, pytest.raises(build.PartialYear) as err:
        build.build(con, YEAR, tmp_path / "out", public=True)
    message = str(err.value)
    assert "\n" not in message
    assert "2022-23 Q1, 2022-23 Q2, 2022-23 Q3" in message and "PARTIAL=1" in message
    assert not (tmp_path / "out").exists(), "nothing written"


def test_a_partial_year_built_on_purpose_says_what_each_sentence_covers(tmp_path):
    db = _q4_only_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        result = build.build(con, YEAR, tmp_path / "out", public=True, allow_partial=True)
    text = (result.out_dir / "narrative.md").read_text()
    assert text.startswith("> Partial year: no returns were received for 2022-23 Q1, 2022-23 Q2, 2022-23 Q3")
    bullets = [ln for ln in text.splitlines() if ln.startswith("- ")]
    with_numbers = [b for b in bullets if re.search(r"\d", b.replace(YEAR.label, "")) and "not available" not in b
                    and "not received" not in b]
    assert with_numbers
    for b in with_numbers:
        assert b.startswith("- " + Q4_ONLY), b
    assert "7,496" not in text   # Q1's contacts: there is no Q1
    # Never set against DfE's annual figures, nor against last year's whole year.
    assert "England average" not in text and "DfE figures" not in text
    assert "from 16.9% in 2021-22" not in text and "in 2021-22" not in text
    assert not [f for f in result.figures if f.startswith("benchmark_")]
    # Not received: said, never stated as a number.
    assert "A&E attendances of children: alcohol misuse: not received for 2022-23." in text
    assert "young people were seen in A&E in Sandwell for Alcohol misuse" not in text
    assert "from 1st April 2022 through to 31st March 2023" not in text
    # The year is partial by the quarters its partial figures lack; A&E's measure, received in no quarter, is
    # said as not received in its own sentence (above) and does not add Q4, whose other returns came.
    assert result.missing_quarters == [q.label for q in YEAR.quarters[:3]]


def test_the_internal_version_of_a_partial_year_is_written_and_says_what_it_covers(tmp_path):
    db = _q4_only_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        result = build.build(con, YEAR, tmp_path / "out", public=False)
    text = (result.out_dir / "narrative.md").read_text()
    assert "- " + Q4_ONLY + "7,762 contacts" in text or "- " + Q4_ONLY + "29,563 contacts" in text
    assert "> Partial year" in text and "England average" not in text


def test_a_whole_year_reads_as_before(tmp_path):
    db = build_warehouse(tmp_path / "w.duckdb", with_status(build_rows()))
    with duckdb.connect(str(db), read_only=True) as con:
        result = build.build(con, YEAR, tmp_path / "out", public=True)
    text = (result.out_dir / "narrative.md").read_text()
    assert "29,563 contacts were received to SCT Front Door from 1st April 2022 through to 31st March 2023." in text
    assert "In the quarter" not in text and "Partial year" not in text
    assert "(DfE figures for 2022-23)" in text


def test_a_year_never_run_is_one_line(tmp_path):
    rows = build_rows()
    db = build_warehouse(tmp_path / "w.duckdb", rows[rows["period_label"] != YEAR.label])
    with duckdb.connect(str(db), read_only=True) as con, pytest.raises(build.NoYearFigures, match="run the pipeline"):
        build.build(con, YEAR, tmp_path / "out", public=True)


@pytest.mark.parametrize("table", ["mart_comparison", "ind_values", "raw_files"])
def test_a_table_the_report_reads_that_is_missing_is_an_error_naming_its_asset(tmp_path, table):
    """Without mart_comparison the report would print every figure with no benchmark and look whole."""
    db = build_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute(f"drop table {table}")
    with duckdb.connect(str(db), read_only=True) as con, pytest.raises(MissingTable, match=table) as err:
        build.build(con, YEAR, tmp_path / "out", public=True)
    assert "asset" in str(err.value) and not (tmp_path / "out").exists()


def test_figures_without_a_status_are_refused_not_read_as_a_whole_year(tmp_path):
    """A warehouse from an older pipeline has no status column: the report cannot tell partial from whole."""
    db = build_warehouse(tmp_path / "w.duckdb", build_rows().drop(columns=["status"]))
    with duckdb.connect(str(db), read_only=True) as con, pytest.raises(ValueError, match="Rematerialise ind_values"):
        build.build(con, YEAR, tmp_path / "out", public=True)


# ---- agency text is only ever text ----------------------------------------------------------------------

HOSTILE = '<a href="http://127.0.0.1:9/x">Safer <b>Sleep</b></a>'


def test_agency_text_reaches_plotly_neutralised():
    meta = Meta("cla_by_placement_group", "Children in care by placement", "percent", 1)
    rows = [{"breakdown": "placement_group", "breakdown_value": v, "numerator": n, "denominator": 100}
            for v, n in [(HOSTILE, 60), ("Other", 40)]]
    f = Fact(meta, {"numerator": 100, "value": 100}, YEAR.label, True, breakdown_rows=rows)
    fig = figures.breakdown_figure(type("D", (), {"year": YEAR, "meta": {}})(), f, "By placement", True)
    labels = list(fig.fig.data[0].y)
    assert "&lt;a href=" in labels[0] and "<a" not in labels[0] and "<b>" not in labels[0]


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")
def test_a_planted_link_is_dead_text_in_the_svg():
    def svg_of(label: str) -> str:
        fig = go.Figure(go.Bar(y=[label], x=[1], orientation="h"))
        fig.update_layout(width=500, height=300)
        shot = images.render([figures.ReportFigure("x", "x", fig, pd.DataFrame(), "alt", [], "2022-23")])
        return shot.images["x"]["svg"].decode()

    raw, safe = svg_of(HOSTILE), svg_of(figures._label(HOSTILE))
    assert re.search(r"<a\b[^>]*href=\"http://127", raw), "plotly does make a live link of raw markup"
    assert not re.search(r"<a\b", safe) and "font-weight" not in safe
    assert "&#60;a href" in safe, "the markup is shown as the text it is"


def test_agency_text_in_word_is_text_with_no_field_or_hyperlink(tmp_path):
    rows = build_rows()
    rows.loc[rows["breakdown_value"] == "Thresholds", "breakdown_value"] = HOSTILE + ' {HYPERLINK "http://x"}'
    db = build_warehouse(tmp_path / "w.duckdb", rows)
    with duckdb.connect(str(db), read_only=True) as con:
        result = build.build(con, YEAR, tmp_path / "out", public=True)
    with zipfile.ZipFile(result.out_dir / "data-section.docx") as z:
        xml = z.read("word/document.xml").decode()
    assert "&lt;a href=" in xml and "<a href" not in xml
    assert "<w:hyperlink" not in xml and "<w:fldSimple" not in xml
    assert re.findall(r"<w:instrText[^>]*>([^<]*)<", xml) == []   # the page field is in the footer only


# ---- atomic outputs ---------------------------------------------------------------------------------------

def test_an_old_figure_is_removed_only_after_the_new_set_is_written(tmp_path, monkeypatch):
    db = build_warehouse(tmp_path / "w.duckdb")
    out = tmp_path / "out"
    stale = out / "figures" / "no_longer_drawn.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    real = atomic.write_bytes
    calls = {"n": 0}

    def failing(target, data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(target, data)

    monkeypatch.setattr(atomic, "write_bytes", failing)
    with duckdb.connect(str(db), read_only=True) as con, pytest.raises(OSError, match="disk full"):
        build.build(con, YEAR, out, public=True)
    assert stale.read_bytes() == b"old", "nothing removed before the new images are all in place"
    assert not list(out.rglob("*.partial")), "no half-written file left behind"
    monkeypatch.setattr(atomic, "write_bytes", real)
    with duckdb.connect(str(db), read_only=True) as con:
        result = build.build(con, YEAR, out, public=True)
    assert not stale.exists()
    assert {p.stem for p in (out / "figures").glob("*.png")} == set(result.figures)


def test_every_report_file_goes_through_the_atomic_writer(tmp_path, monkeypatch):
    db = build_warehouse(tmp_path / "w.duckdb")
    written = []
    real = atomic.atomic_path

    def spy(target):
        written.append(str(target))
        return real(target)

    monkeypatch.setattr(atomic, "atomic_path", spy)
    with duckdb.connect(str(db), read_only=True) as con:
        result = build.build(con, YEAR, tmp_path / "out", public=True)
    assert set(written) == {str(p) for p in result.files}


def test_narrative_sections_follow_the_report(tmp_path):
    stems = [s for s, _ in narrative.SECTIONS]
    assert stems.index("children_in_care") < stems.index("lado") < stems.index("private_fostering")


def test_a_whole_year_with_one_return_never_received_is_a_year_and_says_not_received(tmp_path):
    """A return the partnership never had for the year (A&E's measure here) does not make the year partial: the
    year is written, that figure says 'not received' and is never printed as a number."""
    rows = with_status(build_rows(), "complete")
    gone = (rows["indicator_code"] == "ae_alcohol") & (rows["period_label"] == YEAR.label)
    rows.loc[gone, ["numerator", "denominator", "value"]] = None
    rows.loc[gone, "status"] = "not_received"
    rows.loc[gone, "missing_quarters"] = "2022-23 Q1, 2022-23 Q2, 2022-23 Q3, 2022-23 Q4"
    db = build_warehouse(tmp_path / "w.duckdb", rows)
    with duckdb.connect(str(db), read_only=True) as con:
        result = build.build(con, YEAR, tmp_path / "out", public=True)
    text = (result.out_dir / "narrative.md").read_text()
    assert not text.startswith("> Partial year")
    # with the same rows marked partial instead, the year is refused: the check can fail
    rows.loc[gone, "status"] = "partial"
    db = build_warehouse(tmp_path / "w2.duckdb", rows)
    with duckdb.connect(str(db), read_only=True) as con, pytest.raises(build.PartialYear):
        build.build(con, YEAR, tmp_path / "out2", public=True)
