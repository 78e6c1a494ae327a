"""The full export set from a literal warehouse: files, images, a Word draft an author can publish (A4, the
report's order, tables once, no internal code, no count against England, a quiet footer), the workbook,
public against internal."""

from __future__ import annotations

import json
import re
import zipfile

import duckdb
import openpyxl
import pytest
from docx import Document
from docx.shared import Mm

from pipeline.lib.report import build
from pipeline.lib.report.facts import catalogue
from pipeline.lib.report.figures import COMPARABLE_UNITS
from pipeline.lib.report.images import png_size
from pipeline.lib.report.narrative import SECTIONS
from pipeline.lib.report.workbook import neutralise
from tests.report.conftest import YEAR, build_rows, build_warehouse, with_status

EXPECTED = ["narrative.md", "narrative.html", "figures.xlsx", "data-section.docx", "provenance.json"]


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    db = build_warehouse(root / "warehouse.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        public = build.build(con, YEAR, build.output_dir(root / "output", YEAR, public=True), public=True)
        internal = build.build(con, YEAR, build.output_dir(root / "output", YEAR, public=False), public=False)
    return public, internal


def docx_text(path) -> str:
    """Every piece of text in the file: body, tables, headers, footers, picture titles and descriptions."""
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    return xml


def test_the_set_is_complete(exports):
    public, internal = exports
    assert public.out_dir.name == "2022-23" and internal.out_dir.name == "2022-23-internal"
    for name in EXPECTED:
        assert (public.out_dir / name).stat().st_size > 0, name
    for fig in public.figures:
        assert (public.out_dir / "figures" / f"{fig}.svg").read_text().lstrip().startswith(("<svg", "<?xml"))
    assert {"infographic", "benchmark_rereferrals_pct", "benchmark_cpp_rate_10k"} <= set(public.figures)
    # The report's own tables are Word tables and workbook sheets, never images.
    assert {"quarterly_contacts", "training_courses", "elearning_modules"} <= set(public.tables)
    assert not (public.out_dir / "figures" / "training_courses.png").exists()


def test_no_count_is_drawn_against_england(exports):
    public, _ = exports
    meta = catalogue()
    prov = json.loads((public.out_dir / "provenance.json").read_text())
    benchmarks = [f for f in prov["figures"] if f["name"].startswith("benchmark_")]
    assert benchmarks
    for f in benchmarks:
        assert all(meta[c].unit in COMPARABLE_UNITS for c in f["indicator_codes"]), f["name"]
    # cpp_at_end has England's count in mart_comparison: no chart sets 339 against it.
    assert "benchmark_cpp_at_end" not in public.figures


def test_pngs_are_print_resolution_and_match_provenance(exports):
    public, _ = exports
    prov = json.loads((public.out_dir / "provenance.json").read_text())
    assert prov["period"] == "2022-23" and prov["pipeline_version"] and prov["generated_at"]
    assert [s["sha256"] for s in prov["sources"]] == [f"{i:064x}" for i in range(1, 5)]
    assert prov["images"]["drawn"] == len(prov["figures"]) and prov["images"]["reason"] is None
    for fig in prov["figures"]:
        w, h = png_size(public.out_dir / fig["png"])
        assert (w, h) == (fig["png_width_px"], fig["png_height_px"])
        assert w >= 2000 and h > 0
        assert fig["indicator_codes"] and fig["alt"]


def test_word_draft_is_a4_in_the_reports_order_with_every_chart_and_alt_text(exports):
    public, _ = exports
    path = public.out_dir / "data-section.docx"
    doc = Document(str(path))
    for section in doc.sections:
        assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    # "the year" in a section's heading is printed as the year ("Child Death during 2022-23")
    positions = [headings.index(h.replace("the year", YEAR.label)) for _, h in SECTIONS]
    assert positions == sorted(positions), "sections in the report's order"
    assert headings.index(f"The year in numbers, {YEAR.label}") < positions[0], "the infographic first"
    assert "Appendix: definitions" in headings
    assert len(doc.inline_shapes) == len(public.figures)
    alts = [s._inline.docPr.get("descr") for s in doc.inline_shapes]
    assert all(alt and len(alt) > 20 for alt in alts)
    assert any("re-referrals" in a.lower() for a in alts)
    title_page = "\n".join(p.text for p in doc.paragraphs[:6])
    assert "Public version" in title_page
    assert path.stat().st_size <= 5_000_000


def test_footer_is_quiet_and_the_only_field_is_the_page_number(exports):
    public, internal = exports
    for result, marked in ((public, False), (internal, True)):
        doc = Document(str(result.out_dir / "data-section.docx"))
        footer = doc.sections[0].footer.paragraphs[0].text
        assert "Page" in footer and "Generated" not in footer and "pipeline" not in footer.lower()
        assert ("Public" in footer) is False
        assert ("INTERNAL" in footer) is marked
        assert not doc.sections[0].header.paragraphs[0].text
        xml = docx_text(result.out_dir / "data-section.docx")
        assert re.findall(r"<w:instrText[^>]*>([^<]*)<", xml) == ["PAGE"]
        assert "<w:hyperlink" not in xml and "<w:fldSimple" not in xml


def test_no_internal_code_in_the_draft_the_figures_or_the_narrative(exports):
    public, _ = exports
    codes = set(catalogue()) | {c for f in json.loads((public.out_dir / "provenance.json").read_text())["figures"]
                                for c in f["indicator_codes"]}
    texts = {"docx": docx_text(public.out_dir / "data-section.docx"),
             "narrative": (public.out_dir / "narrative.md").read_text()}
    texts |= {p.name: p.read_text() for p in (public.out_dir / "figures").glob("*.svg")}
    for name, text in texts.items():
        found = sorted(c for c in codes if re.search(rf"\b{re.escape(c)}\b", text))
        assert not found, f"{name} prints internal codes {found}"
    # ... while the workbook and provenance keep them for the designer and the analyst.
    wb = openpyxl.load_workbook(public.out_dir / "figures.xlsx")
    assert "rereferrals_pct" in " ".join(str(c.value) for c in wb["Index"]["C"])


def test_tables_appear_once_and_no_data_table_follows_a_chart(exports):
    public, _ = exports
    doc = Document(str(public.out_dir / "data-section.docx"))
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert len(captions) == len(set(captions))
    assert len(doc.tables) == len(public.tables)
    assert not any(p.text.startswith("Indicators:") for p in doc.paragraphs)


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
    doc = Document(str(internal.out_dir / "data-section.docx"))
    assert any("INTERNAL" in p.text for p in doc.paragraphs[:6])
    # Training counts: the catalogue says they are staff places (disclosure: none), published as they are.
    pub = openpyxl.load_workbook(public.out_dir / "figures.xlsx")["training_courses"]
    rows = {r[0]: r[1:] for r in pub.iter_rows(min_row=8, max_col=4, values_only=True) if r[0]}
    assert rows["Hidden Men"][2] == 4
    intl = openpyxl.load_workbook(internal.out_dir / "figures.xlsx")["training_courses"]
    rows = {r[0]: r[1:] for r in intl.iter_rows(min_row=8, max_col=4, values_only=True) if r[0]}
    assert rows["Core Working Together (CWT)"] == (371, 371, 42)
    assert rows["Hidden Men"] == (120, 73, 4)


def test_staff_and_training_counts_are_published_as_they_are(tmp_path):
    # disclosure 'none' (the catalogue's field, carried on each ind_values row): Hidden Men's 4 no-shows shown.
    training = {c: "none" for c in ("training_spaces", "training_allocated", "training_no_shows", "elearning_completions")}
    db = build_warehouse(tmp_path / "w.duckdb", with_status(build_rows(), disclosure=training))
    with duckdb.connect(str(db), read_only=True) as con:
        result = build.build(con, YEAR, tmp_path / "out", public=True)
    ws = openpyxl.load_workbook(result.out_dir / "figures.xlsx")["training_courses"]
    rows = {r[0]: r[1:] for r in ws.iter_rows(min_row=8, max_col=4, values_only=True) if r[0]}
    assert rows["Hidden Men"] == (120, 73, 4)
    assert not any(v == "c" for r in rows.values() for v in r)
    # ... while a count of children in the same report is still suppressed.
    assert "Fewer than 6 young people were seen in A&E" in (result.out_dir / "narrative.md").read_text()


def test_workbook_index_links_and_agency_text_cannot_run(exports):
    public, _ = exports
    path = public.out_dir / "figures.xlsx"
    wb = openpyxl.load_workbook(path)
    index = wb["Index"]
    links = [c.hyperlink.location for c in index["A"] if c.hyperlink]
    assert len(links) == len(wb.sheetnames) - 2   # every sheet but the index and the sources
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


def test_a_definition_naming_a_code_is_printed_with_the_title_instead():
    from pipeline.lib.report.build import without_codes
    from pipeline.lib.report.facts import Meta

    meta = {"eh_assessments_completed": Meta("eh_assessments_completed", "Early help assessments completed"),
            "eh_list2_assessments_completed": Meta("eh_list2_assessments_completed", "Early help assessments (list 2)")}
    text = "All services (measure eh_assessments_completed); list 2's own count is eh_list2_assessments_completed."
    assert without_codes(text, meta) == ("All services (measure 'Early help assessments completed'); list 2's own "
                                         "count is 'Early help assessments (list 2)'.")
