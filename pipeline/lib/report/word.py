"""data-section.docx: the draft the report author publishes from, built with python-docx.

A4 portrait, in the report's order and voice: a title page with the public/internal mark, the infographic,
then each section's bullets, the report's own tables (real Word tables, editable) and the charts the report
carries (PNG at print resolution with alt text in docPr/@descr, for screen readers and Word's accessibility
checker); notes on figures that differ from those published before; an appendix of definitions. Each table
appears once; the data behind every chart is in figures.xlsx. No internal indicator code appears anywhere
(they are in figures.xlsx and provenance.json). The footer is quiet: the title and the page number (the
internal version also keeps its mark on every page, so a page that goes astray still says what it is).

Agency text (course and module titles) is only ever text: it goes through `xml_text` into runs and cells,
and nothing here makes a field or a hyperlink from it (the only field is our own page number).
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from pipeline.lib import atomic
from pipeline.lib.report.figures import INTERNAL_MARK, TABLE, ReportFigure, partnership_name
from pipeline.lib.report.narrative import NOTE
from pipeline.lib.text import xml_text

A4 = (Mm(210), Mm(297))
MARGIN = Cm(2)
PICTURE_WIDTH = Cm(16.5)
PUBLIC_MARK = "Public version: counts of 1 to 5 children or families are shown as c (in the text: fewer than 6)"
RED = RGBColor(0xD4, 0x35, 0x1C)


def _page_setup(doc) -> None:
    for section in doc.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = A4
        section.left_margin = section.right_margin = MARGIN
        section.top_margin = section.bottom_margin = MARGIN
    styles = doc.styles
    styles["Normal"].font.name = "Arial"
    styles["Normal"].font.size = Pt(10.5)
    styles["Normal"].paragraph_format.space_after = Pt(4)
    styles["List Bullet"].paragraph_format.space_after = Pt(3)


def _page_number(paragraph) -> None:
    """A PAGE field: our own, never built from agency text."""
    run = paragraph.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _footer(doc, period: str, public: bool) -> None:
    foot = doc.sections[0].footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = foot.add_run(f"{partnership_name()} annual report {period}: data section. Page ")
    run.font.size = Pt(8)
    run.font.color.rgb = RGBColor(0x50, 0x5A, 0x5F)
    _page_number(foot)
    if not public:
        mark = foot.add_run(f"  {INTERNAL_MARK}")
        mark.font.size, mark.font.bold, mark.font.color.rgb = Pt(8), True, RED


def _title_page(doc, provenance: dict, public: bool) -> None:
    doc.add_heading(xml_text(partnership_name()), level=0)
    doc.add_heading(f"Annual report {provenance['period']}: data section", level=1)
    mark = doc.add_paragraph()
    run = mark.add_run(PUBLIC_MARK if public else INTERNAL_MARK)
    run.bold = True
    if not public:
        run.font.color.rgb = RED
    if provenance.get("partial_note"):
        note = doc.add_paragraph().add_run(xml_text(provenance["partial_note"]))
        note.bold, note.font.color.rgb = True, RED
    intro = doc.add_paragraph(
        f"A draft for the report author, made on {provenance['generated_at'][:10]} from the partnership's returns "
        f"for {provenance['period']} (pipeline {provenance['pipeline_version']}). "
        "Every number comes from the indicator tables; the data behind each chart, and the source returns with "
        "their checksums, are in figures.xlsx and provenance.json.")
    intro.runs[0].italic = True
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _add_markdown(doc, markdown: str) -> None:
    for line in markdown.splitlines():
        line = line.rstrip()
        if not line:
            continue
        if line.startswith("## "):
            doc.add_heading(xml_text(line[3:]), level=2)
        elif line.startswith("# "):
            doc.add_heading(xml_text(line[2:]), level=1)
        elif line.startswith("- "):
            doc.add_paragraph(xml_text(line[2:]), style="List Bullet")
        elif line.startswith(NOTE):
            run = doc.add_paragraph().add_run(xml_text(line))
            run.italic, run.font.size = True, Pt(9)
        else:
            doc.add_paragraph(xml_text(line))


def _caption(doc, text: str) -> None:
    doc.add_paragraph(xml_text(text), style="Caption").paragraph_format.keep_with_next = True


def _add_chart(doc, f: ReportFigure, png: bytes | None, images_reason: str | None, caption: bool = True) -> None:
    if caption:
        _caption(doc, f.title)
    if png is None:
        doc.add_paragraph(xml_text(f"[Figure not drawn: {images_reason or 'no image'}] {f.alt}"))
        return
    shape = doc.add_picture(io.BytesIO(png), width=PICTURE_WIDTH)
    doc_pr = shape._inline.docPr
    doc_pr.set("descr", xml_text(f.alt))
    doc_pr.set("title", xml_text(f.title))


# 9 pt Arial: the widest common letters take about 2 mm; a column is never narrower than its longest word, so no
# word is split across lines (LibreOffice's autofit broke "recommendation" into "recommenda/tion").
CHAR_MM = 2.0
CELL_PAD_MM = 2.5


def column_widths(rows: list[list[str]], total_mm: float) -> list[float]:
    """Column widths in mm that add up to total_mm: each at least its longest word, the rest shared by how much
    text the column holds (so a column of long phrases gets the room, a column of numbers stays narrow)."""
    cols = list(zip(*rows))
    floor = [max(len(w) for cell in col for w in (str(cell).split() or [""])) * CHAR_MM + CELL_PAD_MM for col in cols]
    if sum(floor) >= total_mm:           # cannot fit every word whole: scale down evenly rather than overflow the page
        return [w * total_mm / sum(floor) for w in floor]
    text = [sum(len(str(cell)) for cell in col) for col in cols]
    spare = total_mm - sum(floor)
    return [w + spare * t / (sum(text) or 1) for w, t in zip(floor, text)]


def _add_table(doc, f: ReportFigure) -> None:
    _caption(doc, f.title)
    table = doc.add_table(rows=1, cols=len(f.data.columns))
    table.style = "Light Grid Accent 1"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, col in zip(table.rows[0].cells, f.data.columns):
        cell.text = xml_text(col)
    for values in f.data.itertuples(index=False):
        for cell, value in zip(table.add_row().cells, values):
            cell.text = xml_text(value)
    section = doc.sections[-1]
    total_mm = (section.page_width - section.left_margin - section.right_margin) / Mm(1)
    widths = column_widths([[c.text for c in row.cells] for row in table.rows], total_mm)
    for col, width in zip(table.columns, widths):
        col.width = Mm(width)
    for i, row in enumerate(table.rows):
        for cell, width in zip(row.cells, widths):
            cell.width = Mm(width)   # Word and LibreOffice read the cell's width, not the column's
            for p in cell.paragraphs:
                p.paragraph_format.space_after = Pt(0)
                p.paragraph_format.keep_with_next = i < len(table.rows) - 1 and len(table.rows) <= 16
                for r in p.runs:
                    r.font.size = Pt(9)
    doc.add_paragraph()


def write(sections: dict[str, str], headings: dict[str, str], figures: list[ReportFigure], images: dict[str, dict],
          definitions: list[tuple[str, str, str]], provenance: dict, path: Path, public: bool,
          images_reason: str | None = None) -> Path:
    doc = Document()
    _page_setup(doc)
    _footer(doc, provenance["period"], public)
    _title_page(doc, provenance, public)

    in_draft = [f for f in figures if f.kind == TABLE or f.drawn]
    by_section: dict[str, list[ReportFigure]] = {}
    for f in in_draft:
        by_section.setdefault(f.section, []).append(f)
    for f in by_section.pop("", []):   # the infographic comes first, before any section
        doc.add_heading(xml_text(f.title), level=1)
        _add_chart(doc, f, images.get(f.name, {}).get("png"), images_reason, caption=False)
    for stem, markdown in sections.items():
        _add_markdown(doc, markdown)
        for f in by_section.get(stem, []):
            if f.kind == TABLE:
                _add_table(doc, f)
            else:
                _add_chart(doc, f, images.get(f.name, {}).get("png"), images_reason)

    doc.add_heading("Appendix: definitions", level=1)
    for _code, title, definition in definitions:
        p = doc.add_paragraph()
        p.paragraph_format.space_after = Pt(2)
        head = p.add_run(xml_text(title) + ". ")
        head.bold, head.font.size = True, Pt(9)
        body = p.add_run(xml_text(definition))
        body.font.size = Pt(9)
    files = provenance.get("sources") or []
    doc.add_heading("Source returns", level=2)
    quarters = sorted({str(s.get("period_label") or "") for s in files if s.get("period_label")})
    doc.add_paragraph(f"{len(files)} returns filed for {', '.join(quarters) or 'no quarter'}; each is listed with "
                      "its SHA-256 checksum in figures.xlsx (sheet Sources) and provenance.json.")
    with atomic.atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path
