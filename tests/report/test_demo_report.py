"""End to end: the demo's 2022-23 report set, written by the annual_report asset during the demo run,
reproduces the report's own figures where the returns support them, and its Word draft is one an author can
publish: A4, at most 20 pages and 5 MB, no internal code, no count against England, every figure the seed's
data section has."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile

import openpyxl
import pytest
from docx import Document
from docx.shared import Mm

from pipeline.lib.render.dashboard import settings as dashboard_settings
from pipeline.lib.report.facts import catalogue
from pipeline.lib.report.figures import COMPARABLE_UNITS
from pipeline.lib.report.images import png_size
from pipeline.lib.report.narrative import SECTIONS

pytestmark = pytest.mark.e2e

YEAR = "2022-23"
META = catalogue()
# The indicators layer's codes for the seed's content (LADO by month, missing per month, permanence, the
# report's age bands, training impact per course): present once that layer has them.
SEED_CODES = ["cla_permanence_plan_first_review_pct", "cin_by_report_age_band", "eh_by_report_age_band"]
needs_seed_codes = pytest.mark.skipif(not all(c in META for c in SEED_CODES),
                                      reason=f"the indicator catalogue has not got {SEED_CODES} yet")


def table(ws, cols: int) -> dict:
    """A figure sheet's data rows (from row 8 to the first empty row): first column -> the others."""
    out = {}
    for r in ws.iter_rows(min_row=8, max_col=cols, values_only=True):
        if not r[0]:
            break
        out[r[0]] = r[1:] if cols > 2 else r[1]
    return out


@pytest.fixture(scope="module")
def report_dir(demo_run):
    return demo_run.data_dir / "output" / "report" / YEAR


@pytest.fixture(scope="module")
def text(report_dir):
    return (report_dir / "narrative.md").read_text()


@pytest.fixture(scope="module")
def docx(report_dir):
    return report_dir / "data-section.docx"


@pytest.mark.parametrize("sentence", [
    "29,563 contacts were received to SCT Front Door from 1st April 2022 through to 31st March 2023.",
    "10,581 of those contacts were received from Police, making up 36% of the total",
    "with Education contacting 4,489 times at 15.2% of the total.",
    "967 (23%) of the 4,194 referrals received by SCT Front Door over the reporting period were re-referrals.",
    "there were 339 young people on a Child Protection Plan.",
    ("344 young people started a Child Protection Plan whilst 399 were removed from Child Protection Plans "
    "(55 more ended than started)."),
    "1,053 young people had a missing episode within the 2022-23 year. There were 1,678 missing episodes in total",
    "1,582 places were available on SCSP courses during 2022-23",
])
def test_report_sentences(text, sentence):
    assert sentence in text


@needs_seed_codes
@pytest.mark.parametrize("sentence", [
    "there were on average 88 children missing each month",
    "91% of children in care had a single or multiple track plan of permanence at their first LAC review",
    ("The widest margin was captured from Hidden Men training, where 91.3% of attendees rated it 4 or 5 out of 5: "
    "pre-session knowledge measures scored 23.91% and post-session 97.83%."),
    "new referrals were received by the LADO during 2022-23",
])
def test_the_seeds_missing_content(text, sentence):
    assert sentence in text


def test_figures_that_differ_from_those_published_say_why(text):
    # config/published_figures.yaml: early help open cases 1,017 in the report against the pipeline's 992.
    note = next(ln for ln in text.splitlines() if ln.startswith("Note: ") and "1,017" in ln)
    assert "992" in note and "625" in note and "367" in note
    assert any(ln.startswith("Note: ") and "81 in every 10,000" in ln and "85,920" in ln for ln in text.splitlines())


def test_every_section_is_present_and_nothing_crashed(text):
    for _, heading in SECTIONS:    # "the year" in a heading is printed as the year ("Child Death during 2022-23")
        assert f"## {heading.replace('the year', YEAR)}" in text


def test_rereferrals_compared_with_dfe_figures(text):
    line = next(ln for ln in text.splitlines() if "were re-referrals" in ln)
    assert "(DfE figures for" in line and "England average" in line


def test_training_tables_in_the_workbook(report_dir):
    ws = openpyxl.load_workbook(report_dir / "figures.xlsx")["training_courses"]
    rows = {r[0]: r[1:] for r in ws.iter_rows(min_row=8, max_col=4, values_only=True) if r[0]}
    assert rows["Core Working Together (CWT)"][0] == 371
    assert rows["Thresholds"][1] == 127
    # Staff no-shows are published as they are once the catalogue says disclosure: none.
    assert rows["Hidden Men"][2] == (4 if META["training_no_shows"].disclosure == "none" else "c")
    # "Total" is every course's (the prose's 1,582); the top 10's subtotal is labelled as such.
    assert rows["Total, top 10 courses"][0] == 1_483
    total = next(v for k, v in rows.items() if k.startswith("Total, all "))
    assert total[0] == 1_582
    ws = openpyxl.load_workbook(report_dir / "figures.xlsx")["elearning_modules"]
    modules = {r[0]: r[1] for r in ws.iter_rows(min_row=8, max_col=2, values_only=True) if r[0]}
    assert modules.get("SCSP Neglect Awareness") == 270


@needs_seed_codes
def test_the_reports_own_tables_and_age_bands(report_dir):
    wb = openpyxl.load_workbook(report_dir / "figures.xlsx")
    lado = table(wb["lado_by_month"], 2)
    assert len([m for m in lado if m != "Total"]) == 12 and lado["Total"] == 214
    impact = table(wb["training_impact"], 3)
    assert impact["Hidden Men"] == (pytest.approx(0.2391), pytest.approx(0.9783))
    ages = list(table(wb["cin_by_age_band"], 2))
    assert ages[:4] == ["Unborn", "0-4", "5-11", "12-16"], ages   # the report's bands, by age
    counts = table(wb["cin_by_age_band"], 2)
    assert counts["0-4"] == 175 and counts["5-11"] == 224


def test_word_draft_is_a4_small_and_has_every_chart_with_alt_text(report_dir, docx):
    prov = json.loads((report_dir / "provenance.json").read_text())
    assert prov["mode"] == "public" and prov["sources"], "source returns and checksums recorded"
    assert all(len(s["sha256"]) == 64 for s in prov["sources"])
    doc = Document(str(docx))
    assert all(abs(s.page_width - Mm(210)) < Mm(1) and abs(s.page_height - Mm(297)) < Mm(1) for s in doc.sections)
    assert docx.stat().st_size <= 5_000_000
    assert len(doc.inline_shapes) == len(prov["figures"]) >= 8
    assert all(s._inline.docPr.get("descr") for s in doc.inline_shapes)
    for fig in prov["figures"]:
        assert png_size(report_dir / fig["png"])[0] >= 2000
        assert (report_dir / fig["svg"]).stat().st_size > 0
    # The seed's data section carries the infographic, the contact table, children in care by gender and
    # the training tables; so does the draft.
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    for name in ["infographic", "cla_by_gender"]:
        assert name in {f["name"] for f in prov["figures"]}
    for start in ["Contacts and the Early Help threshold by quarter", "Top 10 courses delivered",
                  "eLearning modules completed", "Children in care by gender"]:
        assert any(c.startswith(start) for c in captions), start


def test_word_draft_prints_no_code_and_no_count_against_england(report_dir, docx):
    with zipfile.ZipFile(docx) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    found = sorted(c for c in META if re.search(rf"\b{re.escape(c)}\b", xml))
    assert not found, f"internal codes in the Word draft: {found}"
    prov = json.loads((report_dir / "provenance.json").read_text())
    for f in prov["figures"]:
        if f["name"].startswith("benchmark_"):
            assert all(META[c].unit in COMPARABLE_UNITS for c in f["indicator_codes"]), f["name"]


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF LibreOffice wrote: the /Count of its page tree's root (the largest /Pages count)."""
    counts = [int(m.group(1)) for m in re.finditer(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    counts += [int(m.group(1)) for m in re.finditer(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)]
    return max(counts)


# `make test` installs LibreOffice; the test skips only where NO_LIBREOFFICE says it cannot be had, and fails
# (not skips) where it is merely missing, so a CI without it cannot pass the page count unmeasured.
@pytest.mark.skipif(bool(os.environ.get("NO_LIBREOFFICE")), reason="NO_LIBREOFFICE is set: the page count is "
                    "measured by converting the draft to PDF with LibreOffice")
def test_word_draft_is_at_most_20_pages(docx, tmp_path):
    assert shutil.which("soffice"), ("LibreOffice is not installed: `make libreoffice` (apt-get install "
                                     "libreoffice-writer-nogui), or set NO_LIBREOFFICE=1 where it cannot be had")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(docx)], check=True, capture_output=True, timeout=300)
    pages = pdf_pages((tmp_path / "data-section.pdf").read_bytes())
    assert 5 <= pages <= 20, f"{pages} pages"


def measured_twice(codes: set[str]) -> list[tuple[str, str]]:
    """The config/dashboard.yaml same_measure pairs (merged measure, the measure whose panel shows it) that are both
    in codes: one measure the dashboard shows once, given twice in the report."""
    return sorted((a, b) for a, b in (dashboard_settings().get("same_measure") or {}).items() if {a, b} <= codes)


def test_measured_twice_finds_a_merged_pair():
    assert measured_twice({"eh_list2_assessments_completed", "eh_assessments_completed", "contacts_total"}) == [
        ("eh_list2_assessments_completed", "eh_assessments_completed")]
    assert measured_twice({"eh_assessments_completed", "contacts_total"}) == []


def test_a_measure_the_dashboard_merges_is_in_the_report_once(report_dir, docx):
    """The figures (workbook sheets, charts, tables) and the text (the appendix defines every measure the text
    read) carry one of each same_measure pair, never both: the dashboard shows them as one measure."""
    prov = json.loads((report_dir / "provenance.json").read_text())
    for kind in ("figures", "tables", "data_sheets"):
        for f in prov[kind]:
            assert not measured_twice(set(f["indicator_codes"])), (kind, f["name"])
    in_figures = {c for kind in ("figures", "tables", "data_sheets") for f in prov[kind] for c in f["indicator_codes"]}
    paras = [p for p in Document(str(docx)).paragraphs]
    start = next(i for i, p in enumerate(paras) if p.text == "Appendix: definitions")
    by_title = {}
    for code, m in META.items():
        by_title.setdefault(m.title, set()).add(code)
    defined = {c for p in paras[start + 1:] if p.runs for c in by_title.get(p.runs[0].text.removesuffix(". "), ())}
    assert len(defined) >= 20, "the appendix's definitions were read"
    assert not measured_twice(in_figures | defined)
