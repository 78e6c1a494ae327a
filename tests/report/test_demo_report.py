"""End to end: the demo's 2022-23 report set, written by the annual_report asset during the demo run,
reproduces the report's own figures where the returns support them."""

from __future__ import annotations

import json

import openpyxl
import pytest
from docx import Document

from pipeline.lib.report.images import png_size
from pipeline.lib.report.narrative import SECTIONS

pytestmark = pytest.mark.e2e

YEAR = "2022-23"


@pytest.fixture(scope="module")
def report_dir(demo_run):
    return demo_run.data_dir / "output" / "report" / YEAR


@pytest.fixture(scope="module")
def text(report_dir):
    return (report_dir / "narrative.md").read_text()


@pytest.mark.parametrize("sentence", [
    "29,563 contacts were received to SCT Front Door from 1st April 2022 through to 31st March 2023.",
    "10,581 of those contacts were received from Police, making up 36% of the total",
    "with Education contacting 4,489 times at 15.2% of the total.",
    "967 (23%) of the 4,194 referrals received by SCT Front Door over the reporting period were re-referrals.",
    "there were 339 young people on a Child Protection Plan.",
    ("344 young people started a Child Protection Plan whilst 399 were removed from Child Protection Plans "
    "(55 more ended than started)."),
    "1,053 young people had a missing episode within the 2022-23 year. There were 1,678 missing episodes in total",
])
def test_report_sentences(text, sentence):
    assert sentence in text


def test_every_section_is_present_and_nothing_crashed(text):
    for _, heading in SECTIONS:
        assert f"## {heading}" in text


def test_rereferrals_compared_with_dfe_figures(text):
    line = next(ln for ln in text.splitlines() if "were re-referrals" in ln)
    if "This is" in line:  # present once mart_comparison carries the benchmarks
        assert "(DfE figures for" in line and "England average" in line


def test_training_tables_in_the_workbook(demo_run, report_dir):
    # Public version: the report's own table, with Hidden Men's 4 no-shows suppressed.
    ws = openpyxl.load_workbook(report_dir / "figures.xlsx")["training_courses"]
    rows = {r[0]: r[1:] for r in ws.iter_rows(min_row=8, max_col=4, values_only=True) if r[0]}
    assert rows["Core Working Together (CWT)"][0] == 371
    assert rows["Thresholds"][1] == 127
    assert rows["Hidden Men"][2] == "c"
    ws = openpyxl.load_workbook(report_dir / "figures.xlsx")["elearning_modules"]
    modules = {r[0]: r[1] for r in ws.iter_rows(min_row=8, max_col=2, values_only=True) if r[0]}
    assert modules.get("SCSP Neglect Awareness") == 270


def test_word_draft_and_images(report_dir):
    prov = json.loads((report_dir / "provenance.json").read_text())
    assert prov["mode"] == "public" and prov["sources"], "source returns and checksums recorded"
    assert all(len(s["sha256"]) == 64 for s in prov["sources"])
    doc = Document(str(report_dir / "data-section.docx"))
    assert len(doc.inline_shapes) == len(prov["figures"]) >= 5
    assert all(s._inline.docPr.get("descr") for s in doc.inline_shapes)
    for fig in prov["figures"]:
        assert png_size(report_dir / fig["png"])[0] >= 2000
        assert (report_dir / fig["svg"]).stat().st_size > 0
