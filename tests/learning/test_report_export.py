"""The annual report's export with the learning sections: the demo's learning returns through the intake and
indicators (the session's learning warehouse), plus the quarters of one indicator an action names, built by the
report's own build (narrative, HTML, workbook, Word draft, images, briefings), public and internal.

Asserted on the files: the Word draft's text and tables (python-docx), the workbook's cells (openpyxl), the HTML.
Public: no count of 1 to 5 children, deaths or reviews anywhere; internal: the same sentences carry them (so the
check can fail)."""

from __future__ import annotations

import json
import re
import shutil

import duckdb
import openpyxl
import pytest
from docx import Document

from pipeline.lib.periods import FinancialYear
from pipeline.lib.report import build

YEAR = FinancialYear(2022)
IMPACT = ("re-referrals within 12 months 25.0% (2022-23 Q2) before, 18.0% (2022-23 Q4) since: down 7.0 percentage "
          "points (better)")
LEARNING_SHEETS = ["learning_reviews", "learning_actions_by_agency", "learning_impact", "qppa_audit_grades",
                   "child_deaths_by_area", "child_deaths_four_years", "child_deaths_local_by_age"]
# A count of 1 to 5 followed, within a few words, by what it counts (children, deaths, reviews, cases ...).
SMALL = re.compile(r"\b[1-5]\b(?: [\w'-]+){0,4}? (?:child|children|children's|deaths?|reviews?|notifications?|"
                   r"cases?|referrals?|JARs?)\b", re.IGNORECASE)
CHILDREN_SHEETS = ["child_deaths_by_area", "child_deaths_four_years", "child_deaths_local_by_age"]


def _quarter_rows(con, code: str, rows: list[tuple[str, float, float]]) -> None:
    """ind_values quarter rows for `code`: (quarter key, numerator, denominator)."""
    for key, num, den in rows:
        label = key.replace("-Q", " Q")
        con.execute("""insert into ind_values (indicator_code, period_type, period_label, quarter_key, breakdown,
                       breakdown_value, numerator, denominator, value, unit, status, disclosure)
                       values (?, 'quarter', ?, ?, 'total', 'All', ?, ?, ?, 'percent', 'complete', 'children')""",
                    [code, label, key, num, den, 100 * num / den])


@pytest.fixture(scope="module")
def exports(learning_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("learning-report")
    db = root / "warehouse.duckdb"
    shutil.copy(learning_warehouse, db)
    with duckdb.connect(str(db)) as con:
        # SD action 3 (closed 28 November 2022, 2022-23 Q3) names re-referrals: its quarters before and since.
        _quarter_rows(con, "rereferrals_pct", [("2022-23-Q2", 250, 1000), ("2022-23-Q4", 180, 1000)])
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for public in (True, False):
            # Only the learning returns are filed here: the other sections' returns are missing on purpose.
            out[public] = build.build(con, YEAR, build.output_dir(root / "output", YEAR, public), public=public,
                                      allow_partial=True)
    return out


def word_text(path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def sheet(path, name) -> list[tuple]:
    """A figure sheet's table: from its header row (the row after 'Back to index') to the 'Alt text' row."""
    rows = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Back to index") + 1
    end = next(i for i, r in enumerate(rows) if r[0] == "Alt text")
    return [tuple(v for v in r if v is not None) for r in rows[start:end] if any(v is not None for v in r)]


def test_the_three_sections_in_the_word_draft_html_and_markdown(exports):
    internal = exports[False].out_dir
    text = word_text(internal / "data-section.docx")
    html = (internal / "narrative.html").read_text()
    for heading in ["Learning from Practice Reviews", "Quality of Practice, Performance and Assurance (QPPA)",
                    "Child Death during 2022-23"]:
        assert heading in text and f"<h2>{heading}</h2>" in html
    for sentence in [
        ("2 children's cases progressed to a Local Child Safeguarding Practice Review (1 ratified in February 2023, 1 "
         "remains in progress)."),
        ("Completed 1 Spotlight Review and received 4 other referrals, 1 of which did not require any further action "
         "and 3 which are being progressed as learning briefings."),
        "During 2022-23 there were 128 child deaths notified across the Black Country, 38 of them in Sandwell.",
        "62 have required further scrutiny via a Joint Agency Response (JAR) meeting, 10 of which were attributed to Sandwell",
        "which showed assurance of 'Good' practice across the 19 participating agencies.",
        ("Multi-agency case file audit, Transitions to adulthood (February 2023): 5 of the 6 cases were graded requires "
         "improvement, with 1 graded good."),
    ]:
        assert sentence in text, sentence
        assert sentence.replace("'", "&#x27;") in html, sentence
    # after the training section, in the report's order
    order = [text.index(h) for h in ("Training", "Learning from Practice Reviews", "Quality of Practice",
                                     "Child Death during")]
    assert order == sorted(order)


def test_the_child_death_chart_and_table(exports):
    public = exports[True]
    assert {"child_deaths_by_area", "child_deaths_local_by_age"} <= set(public.figures)
    assert (public.out_dir / "figures" / "child_deaths_by_area.png").stat().st_size > 0
    assert "child_deaths_four_years" in public.tables
    assert not (public.out_dir / "figures" / "child_deaths_four_years.png").exists()     # a table, never an image
    doc = Document(str(public.out_dir / "data-section.docx"))
    four = next(t for t in doc.tables if t.rows[0].cells[0].text == "Area")
    rows = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in four.rows}
    assert rows["Area"] == ["2019-20", "2020-21", "2021-22", "2022-23"]
    assert rows["Sandwell"] == ["30", "33", "38", "38"] and rows["Black Country total"] == ["125", "123", "132", "128"]
    assert sheet(public.out_dir / "figures.xlsx", "child_deaths_by_area")[1:] == [
        ("Sandwell", 38), ("Wolverhampton", 32), ("Walsall", 30), ("Dudley", 28), ("Black Country total", 128)]
    titles = {s._inline.docPr.get("title") for s in doc.inline_shapes}
    assert "Child deaths notified to the Black Country CDOP by area, 2022-23" in titles


def test_no_indicator_code_in_a_chart_or_the_draft(exports):
    from pipeline.lib.report.facts import catalogue

    codes = [c for c in catalogue() if c.startswith(("child_deaths", "reviews_", "actions_", "audit", "learning"))]
    for result in exports.values():
        svg = (result.out_dir / "figures" / "child_deaths_by_area.svg").read_text()
        text = word_text(result.out_dir / "data-section.docx")
        for code in codes:
            assert not re.search(rf"\b{code}\b", svg) and not re.search(rf"\b{code}\b", text), code
        assert "Source: Sandwell Children&#39;s Safeguarding Partnership" in svg or \
            "Source: Sandwell Children's Safeguarding Partnership" in svg


def test_a_briefing_per_review_and_audit(exports):
    internal, public = exports[False], exports[True]
    names = {p.name for p in (internal.out_dir / "briefings").iterdir()}
    for stem in ["review-SD", "review-KT", "review-YS", "review-VS", "audit-MACFA-2023-01", "audit-S11-2022",
                 "thematic-briefing"]:
        assert {f"{stem}.html", f"{stem}.docx"} <= names, stem
    prov = json.loads((internal.out_dir / "provenance.json").read_text())
    assert sorted(prov["briefings"]) == sorted(f"briefings/{n}" for n in names)
    # public: a review not yet published has no briefing there (its learning is not public yet)
    shown = {p.name for p in (public.out_dir / "briefings").iterdir()}
    assert "review-YS.html" in shown and "audit-MACFA-2023-01.docx" in shown
    assert "review-SD.html" not in shown and "review-KT.html" not in shown
    page = (internal.out_dir / "briefings" / "review-SD.html").read_text()
    assert "Not for circulation until the review is published" in page
    words = [p.text for p in Document(str(internal.out_dir / "briefings" / "audit-MACFA-2023-01.docx")).paragraphs]
    assert "5 of the 6 cases were graded requires improvement, with 1 graded good." in words


def test_a_briefing_no_longer_in_the_set_is_removed(exports, learning_warehouse, tmp_path):
    out = tmp_path / "out"
    (out / "briefings").mkdir(parents=True)
    (out / "briefings" / "review-OLD.html").write_text("an earlier run's briefing")
    with duckdb.connect(str(learning_warehouse), read_only=True) as con:
        build.build(con, YEAR, out, public=True, allow_partial=True)
    assert not (out / "briefings" / "review-OLD.html").exists()
    assert (out / "briefings" / "review-YS.html").exists()


def test_impact_before_and_after_in_the_export(exports):
    internal = exports[False]
    text = word_text(internal.out_dir / "data-section.docx")
    assert "What difference did we make?" in text
    assert IMPACT in text
    assert "learning_impact" in internal.tables
    rows = sheet(internal.out_dir / "figures.xlsx", "learning_impact")
    assert rows[0] == ("Action", "Agency", "Closed", "Indicator", "Before", "After", "Change")
    sd = next(r for r in rows if r[0] == "SD action 3")
    assert sd[3:] == ("Re-referrals within 12 months", "25.0% (2022-23 Q2)", "18.0% (2022-23 Q4)",
                      "down 7.0 percentage points (better)")
    doc = Document(str(internal.out_dir / "data-section.docx"))
    assert any(t.rows[0].cells[0].text == "Action" and any(r.cells[0].text == "SD action 3" for r in t.rows)
               for t in doc.tables)


def _children_parts(text: str, reviews: str, qppa: str, deaths: str) -> str:
    """The reviews and child death sections of a text (QPPA's audits and agencies' returns are not counts of
    children: the catalogue publishes them as they are)."""
    start, middle, end = text.index(reviews), text.index(qppa), text.index(deaths)
    return text[start:middle] + text[end:]


def _small_counts(result) -> list[str]:
    """Every place a count of 1 to 5 children, deaths or reviews shows in the learning part of the outputs."""
    md = (result.out_dir / "narrative.md").read_text()
    docx = word_text(result.out_dir / "data-section.docx")
    html = (result.out_dir / "narrative.html").read_text()
    found = []
    for kind, text in (("md", md), ("docx", docx), ("html", html)):
        part = _children_parts(text, "Learning from Practice Reviews", "Quality of Practice, Performance",
                               "Child Death during")
        found += [f"{kind}: {m.group(0)}" for m in SMALL.finditer(part) if "action" not in m.group(0).lower()]
    for name in CHILDREN_SHEETS:
        for row in sheet(result.out_dir / "figures.xlsx", name)[1:]:
            found += [f"{name}: {row}" for v in row[1:] if isinstance(v, int | float) and 1 <= v <= 5]
    return found


def test_public_outputs_show_no_small_count_of_children_deaths_or_reviews(exports):
    public, internal = exports[True], exports[False]
    assert _small_counts(public) == []
    # the check can fail: the internal version of the same outputs carries them
    small = _small_counts(internal)
    assert any(s.startswith("md: 2 children") for s in small) and any("child_deaths_local_by_age" in s for s in small)
    text = word_text(public.out_dir / "data-section.docx")
    assert "Fewer than 6 children's cases progressed to a Local Child Safeguarding Practice Review." in text
    assert "From these 10 JAR meetings, fewer than 6 were referred to the SLPR subgroup." in text
    ages = {r[0]: r[1:] for r in sheet(public.out_dir / "figures.xlsx", "child_deaths_local_by_age")[1:]}
    assert ages["5-9 years"] == ("c", "c") and ages["Under 28 days"] == (14, 14)
    # public: the reviews table lists only reviews already published
    refs = [r[0] for r in sheet(public.out_dir / "figures.xlsx", "learning_reviews")[1:]]
    assert refs == ["YS", "VS"]
