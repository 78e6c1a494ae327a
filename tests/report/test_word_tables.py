"""The Word draft's tables: every column is at least as wide as its longest word (no word split across lines, as
LibreOffice's autofit did with "recommenda/tion"), and the table fits between the margins."""

from __future__ import annotations

import os
import shutil
import subprocess

import pandas as pd
import pytest
from docx import Document
from docx.shared import Mm

from pipeline.lib.report import word
from pipeline.lib.report.figures import TABLE, ReportFigure

# The learning section's impact table, as the demo draft has it (long words in a narrow first column).
IMPACT = pd.DataFrame({
    "Action": ["MACFA-2022-01 recommendation 1", "NW recommendation 1", "SD action 3"],
    "Agency": ["Sandwell Children's Trust", "Sandwell Children's Trust", "West Midlands Police"],
    "Closed": ["17 Oct 2022", "24 Sep 2021", "28 Nov 2022"],
    "Indicator": ["Referrals resulting in no further action", "Return home interviews within 72 hours",
                  "Re-referrals within 12 months"],
    "Before": ["not published (small numbers) (2022-23 Q2)", "82% (2021-22 Q1)", "20.5% (2022-23 Q2)"],
    "After": ["not published (small numbers) (2022-23 Q4)", "80% (2022-23 Q4)", "27.4% (2022-23 Q4)"],
    "Change": ["not published (small numbers)", "down 2 percentage points (worse)", "up 6.9 percentage points"],
})


def _draft(tmp_path):
    doc = Document()
    word._page_setup(doc)
    word._add_table(doc, ReportFigure("learning_impact", "Impact", None, IMPACT, "", [], "2022-23", kind=TABLE))
    path = tmp_path / "t.docx"
    doc.save(str(path))
    return Document(str(path)), path


def test_every_column_holds_its_longest_word_and_the_table_fits_the_page(tmp_path):
    doc, _ = _draft(tmp_path)
    s = doc.sections[0]
    usable = s.page_width - s.left_margin - s.right_margin
    table = doc.tables[0]
    widths = [c.width for c in table.rows[0].cells]
    assert all(w is not None for w in widths), "cell widths are set (autofit splits words)"
    assert sum(widths) <= usable + Mm(0.5)
    for col, w in zip(IMPACT.columns, widths):
        longest = max([col, *IMPACT[col]], key=lambda t: max(len(x) for x in t.split()))
        chars = max(len(x) for x in longest.split())
        assert w >= Mm(chars * word.CHAR_MM), (col, w.mm, chars)
    assert all(r.cells[0].width == widths[0] for r in table.rows)    # every row, not just the header


def test_column_widths_share_the_page():
    assert sum(word.column_widths([["a", "b"], ["1", "2"]], 170)) == pytest.approx(170)
    narrow, wide = word.column_widths([["n", "Indicator"], ["12", "Referrals resulting in no further action"]], 170)
    assert wide > 3 * narrow                       # the column with the text gets the room
    squeezed = word.column_widths([["x" * 60, "y" * 60]], 170)
    assert sum(squeezed) == pytest.approx(170)     # words too long for the page: scaled, never past the margin


# `make test` installs both (target libreoffice); skipped only where NO_LIBREOFFICE says they cannot be had.
@pytest.mark.skipif(bool(os.environ.get("NO_LIBREOFFICE")), reason="NO_LIBREOFFICE is set")
def test_libreoffice_splits_no_word(tmp_path):
    assert shutil.which("soffice") and shutil.which("pdftotext"), "`make libreoffice` installs LibreOffice and poppler"
    _, path = _draft(tmp_path)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=300)
    text = subprocess.run(["pdftotext", str(tmp_path / "t.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    words = set(text.split())
    for w in ["recommendation", "Indicator", "interviews", "percentage"]:
        assert w in words, w
