"""data-section.docx: the draft for the report author, built with python-docx.

Headings and bullets from the narrative markdown, each section's figures after its text (PNG at print
resolution, with alt text in the picture's docPr/@descr so screen readers and Word's accessibility checker
see it), the tables behind the figures, and a sources-and-definitions appendix. Every page carries the period,
the public/internal marking and the pipeline version in its header and footer.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from pipeline.lib import atomic
from pipeline.lib.report.figures import INTERNAL_MARK, ReportFigure

# Which figures follow which narrative section (figure name prefix -> section stem).
FIGURE_SECTIONS = {
    "infographic": "contacts_and_referrals", "quarterly_contacts": "contacts_and_referrals",
    "contacts_by_source": "contacts_and_referrals", "referrals_by_source": "contacts_and_referrals",
    "benchmark_referrals": "contacts_and_referrals", "missing_by_quarter": "missing_children",
    "cin_": "children_in_need", "benchmark_cin": "children_in_need", "benchmark_rereferrals": "rereferrals",
    "benchmark_icpc": "icpc", "benchmark_assessments": "single_assessments", "cpp_": "cp_plans",
    "benchmark_cpp": "cp_plans", "cla_": "children_in_care", "benchmark_cla": "children_in_care",
    "eh_": "early_help", "benchmark_eh": "early_help", "training_courses": "training", "elearning_modules": "training",
}


def section_of(figure_name: str) -> str:
    best = max((p for p in FIGURE_SECTIONS if figure_name.startswith(p)), key=len, default=None)
    return FIGURE_SECTIONS[best] if best else "contacts_and_referrals"


def _clean(text: str) -> str:
    # XML cannot hold control characters; agency text occasionally has them.
    return "".join(ch for ch in str(text) if ch in "\t\n" or ord(ch) >= 32)


def _add_markdown(doc, markdown: str) -> None:
    for line in markdown.splitlines():
        line = line.rstrip()
        if not line:
            continue
        if line.startswith("## "):
            doc.add_heading(_clean(line[3:]), level=2)
        elif line.startswith("# "):
            doc.add_heading(_clean(line[2:]), level=1)
        elif line.startswith("- "):
            doc.add_paragraph(_clean(line[2:]), style="List Bullet")
        else:
            doc.add_paragraph(_clean(line))


def _add_figure(doc, f: ReportFigure, png: bytes | None, images_reason: str | None) -> None:
    doc.add_paragraph(_clean(f.title), style="Caption")
    if png is None:
        doc.add_paragraph(_clean(f"[Figure not drawn: {images_reason or 'no image'}] {f.alt}"))
    else:
        shape = doc.add_picture(io.BytesIO(png), width=Cm(16))
        doc_pr = shape._inline.docPr
        doc_pr.set("descr", _clean(f.alt))
        doc_pr.set("title", _clean(f.title))
    note = doc.add_paragraph(_clean(f"Indicators: {', '.join(f.codes)}. Period: {f.period}."))
    note.runs[0].font.size = Pt(8)
    table = doc.add_table(rows=1, cols=len(f.data.columns))
    table.style = "Light Grid Accent 1"
    for cell, col in zip(table.rows[0].cells, f.data.columns):
        cell.text = _clean(col)
    for values in f.data.itertuples(index=False):
        for cell, value in zip(table.add_row().cells, values):
            cell.text = _clean(value)


def write(sections: dict[str, str], headings: dict[str, str], figures: list[ReportFigure], images: dict[str, dict],
          definitions: list[tuple[str, str, str]], provenance: dict, path: Path, public: bool,
          images_reason: str | None = None) -> Path:
    doc = Document()
    marking = "Public version: counts of 1 to 5 shown as c" if public else INTERNAL_MARK
    section = doc.sections[0]
    head = section.header.paragraphs[0]
    head.text = f"SCSP annual report data section, {provenance['period']} - {marking}"
    if not public:
        head.runs[0].font.color.rgb = RGBColor(0xD4, 0x35, 0x1C)
        head.runs[0].font.bold = True
    foot = section.footer.paragraphs[0]
    foot.text = f"Generated {provenance['generated_at']} by pipeline {provenance['pipeline_version']}"
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    doc.add_heading(f"Data section {provenance['period']}", level=0)
    intro = doc.add_paragraph(f"Draft generated from the SCSP data pipeline. {marking}. Every number below comes "
                              "from the indicator tables; the figures' data are in figures.xlsx.")
    intro.runs[0].italic = True
    by_section: dict[str, list[ReportFigure]] = {}
    for f in figures:
        by_section.setdefault(section_of(f.name), []).append(f)
    for stem, markdown in sections.items():
        _add_markdown(doc, markdown)
        for f in by_section.get(stem, []):
            _add_figure(doc, f, images.get(f.name, {}).get("png"), images_reason)

    doc.add_page_break()
    doc.add_heading("Appendix: sources and definitions", level=1)
    table = doc.add_table(rows=1, cols=3)
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, ["Indicator", "Title", "Definition"]):
        cell.text = text
    for code, title, definition in definitions:
        for cell, text in zip(table.add_row().cells, [code, title, definition]):
            cell.text = _clean(text)
    doc.add_heading("Source returns", level=2)
    sources = doc.add_table(rows=1, cols=3)
    sources.style = "Light Grid Accent 1"
    for cell, text in zip(sources.rows[0].cells, ["Quarter", "File", "SHA-256"]):
        cell.text = text
    for s in provenance["sources"]:
        for cell, key in zip(sources.add_row().cells, ["period_label", "relative_path", "sha256"]):
            cell.text = _clean(s.get(key) or "")
    with atomic.atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path
