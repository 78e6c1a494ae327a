"""The full export set from a literal warehouse: files, image sizes, Word, workbook, public vs internal."""

from __future__ import annotations

import json
import zipfile

import duckdb
import openpyxl
import pytest
from docx import Document

from pipeline.lib.render.narrative import SECTIONS
from pipeline.lib.report import build
from pipeline.lib.report.images import png_size
from pipeline.lib.report.workbook import neutralise
from tests.report.conftest import YEAR, build_warehouse

EXPECTED = ["narrative.md", "narrative.html", "figures.xlsx", "data-section.docx", "provenance.json"]


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    db = build_warehouse(root / "warehouse.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        public = build.build(con, YEAR, build.output_dir(root / "output", YEAR, public=True), public=True)
        internal = build.build(con, YEAR, build.output_dir(root / "output", YEAR, public=False), public=False)
    return public, internal


def test_the_set_is_complete(exports):
    public, internal = exports
    assert public.out_dir.name == "2022-23" and internal.out_dir.name == "2022-23-internal"
    for name in EXPECTED:
        assert (public.out_dir / name).stat().st_size > 0, name
    for fig in public.figures:
        assert (public.out_dir / "figures" / f"{fig}.svg").read_text().lstrip().startswith(("<svg", "<?xml"))
    assert {"infographic", "quarterly_contacts", "referrals_by_source", "cpp_by_gender", "training_courses",
            "elearning_modules", "benchmark_rereferrals_pct"} <= set(public.figures)


def test_pngs_are_print_resolution_and_match_provenance(exports):
    public, _ = exports
    prov = json.loads((public.out_dir / "provenance.json").read_text())
    assert prov["period"] == "2022-23" and prov["pipeline_version"] and prov["generated_at"]
    assert [s["sha256"] for s in prov["sources"]] == [f"{i:064x}" for i in range(1, 5)]
    for fig in prov["figures"]:
        w, h = png_size(public.out_dir / fig["png"])
        assert (w, h) == (fig["png_width_px"], fig["png_height_px"])
        assert w >= 2000 and h > 0
        assert fig["indicator_codes"] and fig["alt"]


def test_word_draft_has_every_section_and_figure_with_alt_text(exports):
    public, _ = exports
    doc = Document(str(public.out_dir / "data-section.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for _, heading in SECTIONS:
        assert heading in headings, heading
    assert "Appendix: sources and definitions" in headings
    assert len(doc.inline_shapes) == len(public.figures)
    alts = [s._inline.docPr.get("descr") for s in doc.inline_shapes]
    assert all(alt and len(alt) > 20 for alt in alts)
    assert any("re-referrals" in a.lower() for a in alts)
    assert "Public version" in doc.sections[0].header.paragraphs[0].text


def test_public_mode_suppresses_and_internal_mode_says_so_everywhere(exports):
    public, internal = exports
    pub_md = (public.out_dir / "narrative.md").read_text()
    int_md = (internal.out_dir / "narrative.md").read_text()
    assert "Fewer than 6 young people were seen in A&E in Sandwell for Alcohol misuse." in pub_md
    assert "4 young people were seen in A&E in Sandwell for Alcohol misuse." in int_md
    assert int_md.startswith("> INTERNAL")
    wb = openpyxl.load_workbook(internal.out_dir / "figures.xlsx")
    for ws in wb.worksheets:
        if ws.title != "Sources":
            assert "INTERNAL" in str(ws["A2"].value), ws.title
    assert "INTERNAL" in Document(str(internal.out_dir / "data-section.docx")).sections[0].header.paragraphs[0].text
    # The training table: Hidden Men's 4 no-shows is exact internally, 'c' in public, with a secondary cell hidden.
    pub = openpyxl.load_workbook(public.out_dir / "figures.xlsx")["training_courses"]
    rows = {r[0]: r[1:] for r in pub.iter_rows(min_row=8, max_col=4, values_only=True) if r[0]}
    assert rows["Hidden Men"][2] == "c"
    assert sum(v == "c" for r in rows.values() for v in r) >= 2
    intl = openpyxl.load_workbook(internal.out_dir / "figures.xlsx")["training_courses"]
    rows = {r[0]: r[1:] for r in intl.iter_rows(min_row=8, max_col=4, values_only=True) if r[0]}
    assert rows["Core Working Together (CWT)"] == (371, 371, 42)
    assert rows["Thresholds"] == (150, 127, 21)
    assert rows["Hidden Men"] == (120, 73, 4)


def test_workbook_index_links_and_agency_text_cannot_run(exports):
    public, _ = exports
    path = public.out_dir / "figures.xlsx"
    wb = openpyxl.load_workbook(path)
    index = wb["Index"]
    links = [c.hyperlink.location for c in index["A"] if c.hyperlink]
    assert len(links) == len(public.figures)
    ws = wb["training_courses"]
    names = [c.value for c in ws["A"]]
    assert '=HYPERLINK("http://x")' in names
    cell = next(c for c in ws["A"] if c.value == '=HYPERLINK("http://x")')
    assert cell.data_type == "s"
    # In the file itself the course name is a string, never a <f> formula element.
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in z.read(n) for n in sheets)


@pytest.mark.parametrize("text", ["=1+1", "+44 121", "-5", "@SUM(A1)", "plain"])
def test_neutralise(text):
    ws = openpyxl.Workbook().active
    neutralise(ws["A1"], text)
    assert ws["A1"].value == text and ws["A1"].data_type == "s"


def test_html_is_escaped(exports):
    public, _ = exports
    page = (public.out_dir / "narrative.html").read_text()
    assert "A&amp;E Admittance of Young People" in page
    assert '<meta name="period" content="2022-23">' in page
