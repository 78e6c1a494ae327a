"""The whole demo pipeline (tests/demo_run.py: generated returns, Dagster jobs, every quarter and year) carries the
learning returns through to ind_values, and the learning sections, figures, impact and briefings come out of its
warehouse with the 2022-23 report's figures."""

from __future__ import annotations

import pytest

from pipeline.lib.learning.briefings import write_briefings
from pipeline.lib.learning.facts import LearningFacts
from pipeline.lib.learning.report import render_sections
from pipeline.lib.periods import FinancialYear

pytestmark = pytest.mark.e2e
YEAR = FinancialYear(2022)


def year_totals(con, codes: list[str]) -> dict[str, tuple]:
    rows = con.execute("""select indicator_code, numerator, denominator from ind_values
                          where period_type = 'year' and period_label = '2022-23' and breakdown = 'total'
                            and indicator_code in (select unnest(?))""", [codes]).fetchall()
    return {code: (n, d) for code, n, d in rows}


def test_the_demo_learning_returns_load_clean_and_reach_ind_values(demo_run):
    with demo_run.connect() as con:
        files = con.execute("""select return_type, count(*), count(*) filter (where status = 'loaded')
                               from raw_files where return_type in ('reviews', 'actions', 'audits', 'child_deaths')
                               group by 1 order by 1""").fetchall()
        assert files == [("actions", 8, 8), ("audits", 8, 8), ("child_deaths", 8, 8), ("reviews", 8, 8)]
        assert con.execute("""select count(*) from raw_issues i join raw_files f using (file_id, period_key)
                              where f.return_type in ('reviews', 'actions', 'audits', 'child_deaths')""").fetchone() == (0,)
        totals = year_totals(con, ["reviews_notified", "reviews_referred", "rapid_reviews_15wd_pct", "child_deaths_by_area",
                                   "child_deaths_jar", "child_deaths_local", "child_deaths_referred", "audit_cases_by_grade"])
    assert totals == {"reviews_notified": (3, None), "reviews_referred": (5, None), "rapid_reviews_15wd_pct": (3, 3),
                      "child_deaths_by_area": (128, 128), "child_deaths_jar": (62, 62), "child_deaths_local": (38, 38),
                      "child_deaths_referred": (1, None), "audit_cases_by_grade": (15, 15)}


def test_sections_impact_and_briefings_from_the_demo_warehouse(demo_run, tmp_path):
    with demo_run.connect() as con:
        sections = render_sections(con, YEAR, public=False)
        facts = LearningFacts(con, YEAR, public=False)
        written = write_briefings(con, YEAR, tmp_path)
    assert "(1 ratified in February 2023, 1 remains in progress)" in sections["learning_from_reviews"]
    assert "62 have required further scrutiny via a Joint Agency Response (JAR) meeting, 10 of which were attributed " \
           "to Sandwell child deaths" in sections["child_deaths"]
    # with Annex A in the warehouse, the actions that named an indicator show it before and after
    impact = {r["Action"]: r for r in facts.impact.rows}
    assert {"NW recommendation 1", "SD action 5", "YS recommendation 1"} <= set(impact)
    assert impact["NW recommendation 1"]["Before"].endswith("(2021-22 Q1)")
    assert impact["NW recommendation 1"]["After"].endswith("(2022-23 Q4)")
    assert "What difference did we make?" in sections["learning_from_reviews"]
    assert len([p for p in written if p.suffix == ".html"]) == 17          # 9 reviews, 7 audits, 1 thematic


def test_the_demos_2022_23_export_has_the_learning_sections_briefings_and_impact(demo_run):
    """The report set the demo run wrote (public): the three sections in the Word draft after training, the child
    death chart and four-year table, a briefing per published review and per audit, impact before and after, and
    no count of 1 to 5 reviews or deaths."""
    import json

    from docx import Document

    out = demo_run.data_dir / "output" / "report" / "2022-23"
    doc = Document(str(out / "data-section.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    headings = ["Training", "Learning from Practice Reviews", "Quality of Practice, Performance and Assurance (QPPA)",
                "Child Death during 2022-23"]
    at = [next(i for i, p in enumerate(doc.paragraphs) if p.text == h and p.style.name.startswith("Heading"))
          for h in headings]
    assert at == sorted(at)
    assert "Fewer than 6 children's cases progressed to a Local Child Safeguarding Practice Review." in text
    assert "During 2022-23 there were 128 child deaths notified across the Black Country, 38 of them in Sandwell." in text
    assert "which showed assurance of 'Good' practice across the 19 participating agencies." in text
    assert "5 of the 6 cases were graded requires improvement, with 1 graded good." in text
    assert "From these 10 JAR meetings, fewer than 6 were referred to the SLPR subgroup." in text
    # impact: an action that named an indicator, with the indicator before and after it closed
    impact = next(t for t in doc.tables if t.rows[0].cells[0].text == "Action")
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in impact.rows}
    assert rows["NW recommendation 1"][4].endswith("(2021-22 Q1)") and rows["NW recommendation 1"][5].endswith("(2022-23 Q4)")
    prov = json.loads((out / "provenance.json").read_text())
    assert {"child_deaths_by_area", "child_deaths_local_by_age"} <= {f["name"] for f in prov["figures"]}
    assert {"child_deaths_four_years", "learning_impact", "qppa_audit_grades"} <= {t["name"] for t in prov["tables"]}
    briefings = {p.name for p in (out / "briefings").iterdir()}
    assert {"review-YS.html", "review-VS.docx", "audit-S11-2022.html", "thematic-briefing.docx"} <= briefings
    assert len([b for b in briefings if b.startswith("audit-") and b.endswith(".html")]) == 7
    assert not any(b.startswith(("review-SD", "review-KT")) for b in briefings)   # not yet published
    assert sorted(prov["briefings"]) == sorted(f"briefings/{b}" for b in briefings)
