"""Briefings (HTML and Word, from the registers, editable by template) and impact (an indicator before and after the
action meant to move it), on literal register rows in an in-memory warehouse."""

from __future__ import annotations

import docx
import pandas as pd
import pytest

from pipeline.lib.learning import briefings
from pipeline.lib.learning.facts import LearningFacts
from pipeline.lib.learning.figures import qppa_audit_grades
from pipeline.lib.learning.impact import impact_rows
from pipeline.lib.learning.registers import Registers
from pipeline.lib.periods import FinancialYear
from pipeline.lib.report import words
from tests.indicators.conftest import D, given

YEAR = FinancialYear(2022)
HOSTILE = "<script>alert('x')</script><a href=\"https://example.org\">click</a> & more"


def review(reference, **extra):
    return {"case_reference": reference, "route": "notification", "date_received": D(2022, 5, 2),
            "notification_date": D(2022, 5, 2), "rapid_review_date": D(2022, 5, 16), "decision": "lcspr",
            "national_panel_agreed": "Y", "review_start_date": D(2022, 6, 1), "themes": "neglect; information_sharing",
            "agencies": "SCT; WMP", "summary": "A child harmed at home.", "key_learning": "Share information in real time.",
            **extra}


def action(ref, rec, number, **extra):
    return {"source_reference": ref, "recommendation_number": rec, "recommendation": f"Recommendation {rec} text.",
            "action_number": number, "agency": "SCT", "action": "Do the thing.", "date_agreed": D(2022, 6, 1),
            "due_date": D(2022, 12, 31), "status": "in_progress", **extra}


@pytest.fixture
def registers(con):
    given(con, "stg_reviews", [
        review("SD", key_learning=f"## Not a heading\n- not a bullet {HOSTILE}"),
        review("KT", decision="spotlight", ratified_date=D(2023, 1, 10), published_date=D(2023, 3, 1),
               themes="neglect"),
        review("AB", decision="nfa", review_start_date=None),
    ])
    given(con, "stg_actions", [action("SD", 1, 1), action("SD", 1, 2, date_closed=D(2022, 11, 1), status="complete"),
                               action("SD", 2, 1, due_date=D(2023, 6, 30)), action("MACFA-2023-01", 1, 1),
                               action("ZZ-2022-01", 1, 1)])
    given(con, "stg_audits", [{"audit_reference": "MACFA-2023-01", "audit_type": "macfa", "title": HOSTILE,
                               "audit_date": D(2023, 2, 8), "themes": "transitions", "aim": "Young people at 18.",
                               "areas_for_development": "Referral at 16.", "good_practice": "Relationships."}])
    given(con, "stg_audit_cases", [{"audit_reference": "MACFA-2023-01", "case_number": n, "grade": g}
                                   for n, g in enumerate(["requires_improvement"] * 5 + ["good"], start=1)])
    given(con, "stg_audit_returns", [{"audit_reference": "MACFA-2023-01", "agency": a, "date_due": D(2023, 1, 30),
                                      "date_returned": D(2023, 1, 27)} for a in ("SCT", "WMP")])
    return con


def test_a_briefing_per_review_and_audit_and_a_thematic_one(registers, tmp_path):
    paths = briefings.write_briefings(registers, YEAR, tmp_path)
    assert sorted(p.name for p in paths) == sorted(
        f"{stem}.{ext}" for stem in ("review-SD", "review-KT", "audit-MACFA-2023-01", "thematic-briefing")
        for ext in ("html", "docx"))          # no briefing for a case with no further action
    assert not list(tmp_path.glob(".*partial"))
    page = (tmp_path / "review-SD.html").read_text()
    assert "<h1>7-minute briefing: Local child safeguarding practice review SD</h1>" in page
    assert "Not for circulation until the review is published" in page            # SD is not published
    for heading in ("Why this review", "What we found", "What you can do", "Next steps"):
        assert f"<h2>{heading}</h2>" in page
    assert "<li>Recommendation 1 text.</li>" in page and "<li>Recommendation 2 text.</li>" in page
    assert "<li>Sandwell Children&#39;s Trust: Do the thing (due 31 December 2022, overdue).</li>" in page
    assert "Not for circulation" not in (tmp_path / "review-KT.html").read_text()   # KT was published


def test_agency_text_in_a_briefing_is_only_ever_text(registers, tmp_path):
    briefings.write_briefings(registers, YEAR, tmp_path)
    for name in ("review-SD.html", "audit-MACFA-2023-01.html"):
        page = (tmp_path / name).read_text()
        assert "<script>" not in page and "<a href" not in page and "https://" not in page.replace(
            "https://example.org", "")   # escaped, so the address shows as text only
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    sd = (tmp_path / "review-SD.html").read_text()
    assert "<h2>Not a heading" not in sd                                   # a register's '## ' is not structure
    assert "Not a heading - not a bullet" in sd
    words = [p.text for p in docx.Document(tmp_path / "audit-MACFA-2023-01.docx").paragraphs]
    assert any(HOSTILE in w for w in words)                                # Word: the characters, as text
    assert "5 of the 6 cases were graded requires improvement, with 1 graded good." in words


def test_the_thematic_briefing_has_each_theme_with_what_we_learned_and_what_to_do(registers, tmp_path):
    briefings.write_briefings(registers, YEAR, tmp_path)
    words = [p.text for p in docx.Document(tmp_path / "thematic-briefing.docx").paragraphs]
    themes = [w for w in words if w.startswith("Theme ")]
    assert themes == ["Theme 1: Neglect", "Theme 2: Information sharing", "Theme 3: Transitions to adult services"]
    assert "What we have learned: Referral at 16." in words
    assert "What you should do: Recommendation 1 text." in words


def test_an_authors_copy_of_a_briefing_template_wins(registers, tmp_path):
    overrides = tmp_path / "local"
    (overrides / "briefings").mkdir(parents=True)
    (overrides / "briefings" / "review.md.j2").write_text("# {{ b.title }}\n\n## In short\n{{ b.facts.why[0] }}\n")
    briefings.write_briefings(registers, YEAR, tmp_path / "out", overrides=overrides)
    page = (tmp_path / "out" / "review-KT.html").read_text()
    assert "<h2>In short</h2>" in page and "What you can do" not in page
    assert "What you can do" in (tmp_path / "out" / "audit-MACFA-2023-01.html").read_text()   # audit's unchanged


def test_agency_text_in_an_audit_table_is_only_ever_text_in_word(registers):
    """The audit grades are one of the report's tables: a Word table (never an image), its cells plain text."""
    from pipeline.lib.report import word
    from pipeline.lib.report.figures import TABLE

    fig = qppa_audit_grades(LearningFacts(registers, YEAR, public=True))
    assert fig.kind == TABLE and fig.fig is None and fig.section == "qppa_assurance"
    doc = docx.Document()
    word._add_table(doc, fig)
    cells = [c.text for row in doc.tables[0].rows for c in row.cells]
    assert f"{HOSTILE} (February 2023)" in cells
    xml = doc.element.xml
    assert "<w:hyperlink" not in xml and "<w:fldChar" not in xml and "<w:instrText" not in xml


# ---- impact ---------------------------------------------------------------------------------------------------

def ind_values(con, rows: list[tuple]) -> None:
    frame = pd.DataFrame(rows, columns=["indicator_code", "quarter_key", "numerator", "denominator", "value"])
    frame["period_type"], frame["breakdown"] = "quarter", "total"
    frame["period_label"] = frame["quarter_key"].str.replace("-Q", " Q")
    con.register("_v", frame)
    con.execute("create table ind_values as select * from _v")
    con.unregister("_v")


def test_impact_shows_the_indicator_before_and_after_the_action_closed(con):
    given(con, "stg_actions", [
        action("SD", 1, 1, date_closed=D(2022, 8, 15), impact_indicator="rereferrals_pct"),       # closed in Q2
        action("SD", 2, 1, date_closed=D(2022, 8, 15), impact_indicator="missing_rhi_72h_pct"),
        action("SD", 3, 1, impact_indicator="icpc_15wd_pct"),                                      # still open
        action("SD", 4, 1, date_closed=D(2023, 3, 1), impact_indicator="icpc_15wd_pct"),          # Q4: none since
        action("SD", 5, 1, date_closed=D(2022, 8, 15), impact_indicator="retired_code"),          # not in catalogue
        action("SD", 6, 1, date_closed=D(2022, 8, 5), impact_indicator="referrals_police_pct"),   # 35.4% -> 33.5%
    ])
    ind_values(con, [("rereferrals_pct", "2022-23-Q1", 250, 1000, 25.0), ("referrals_police_pct", "2022-23-Q1", 354, 1000, 35.44),
                     ("referrals_police_pct", "2022-23-Q4", 335, 1000, 33.46), ("rereferrals_pct", "2022-23-Q2", 200, 1000, 20.0),
                     ("rereferrals_pct", "2022-23-Q4", 180, 1000, 18.0), ("rereferrals_pct", "2023-24-Q1", 1, 10, 10.0),
                     ("missing_rhi_72h_pct", "2022-23-Q1", 3, 5, 60.0), ("missing_rhi_72h_pct", "2022-23-Q3", 80, 100, 80.0),
                     ("icpc_15wd_pct", "2022-23-Q3", 70, 100, 70.0)])
    reg = Registers.read(con)
    internal = impact_rows(con, YEAR, reg, public=False)
    assert [(r["Action"], r["Before"], r["After"], r["Change"]) for r in internal.rows] == [
        ("SD recommendation 1", "25.0% (2022-23 Q1)", "18.0% (2022-23 Q4)", "down 7.0 percentage points (better)"),
        ("SD recommendation 2", "60% (2022-23 Q1)", "80% (2022-23 Q3)", "up 20 percentage points (better)"),
        # the change between the printed values (35.4 - 33.5), not the unrounded 1.98 printed as 2.0
        ("SD recommendation 6", "35.4% (2022-23 Q1)", "33.5% (2022-23 Q4)", "down 1.9 percentage points"),
    ]
    assert internal.rows[2]["Closed"] == "5 Aug 2022"
    assert internal.not_closed == ["SD recommendation 3 (ICPCs within 15 working days of the strategy discussion)"]
    assert internal.notes == [
        ("SD recommendation 4 closed in 2022-23 Q4: no quarter of ICPCs within 15 working days of the strategy "
        "discussion since yet."),
        "SD recommendation 5 names 'retired_code', which is not in the indicator catalogue."]
    # public: a percentage on a count of 1 to 5 children is withheld, and so is the change
    public = impact_rows(con, YEAR, reg, public=True)
    assert public.rows[1]["Before"] == "not published (small numbers) (2022-23 Q1)"
    assert public.rows[1]["Change"] == "not published (small numbers)"
    assert "SD recommendation 1 (Sandwell Children's Trust, closed 15 Aug 2022): re-referrals within 12 months 25.0% " \
           "(2022-23 Q1) before, 18.0% (2022-23 Q4) since: down 7.0 percentage points (better)." in internal.sentences
    # a withheld figure is said once in words: here the quarter before is withheld, the quarter since shown
    assert public.sentences[1] == (
        "SD recommendation 2 (Sandwell Children's Trust, closed 15 Aug 2022): return home interviews within 72 hours "
        "80% (2022-23 Q3) since; too few children before (2022-23 Q1) to publish that figure or the change.")
    assert words.WITHHELD not in " ".join(public.sentences)


def test_an_impact_sentence_with_both_figures_withheld_says_so_once(con):
    given(con, "stg_actions", [action("SD", 1, 1, date_closed=D(2022, 8, 15), impact_indicator="missing_rhi_72h_pct")])
    ind_values(con, [("missing_rhi_72h_pct", "2022-23-Q1", 3, 5, 60.0), ("missing_rhi_72h_pct", "2022-23-Q3", 2, 4, 50.0)])
    public = impact_rows(con, YEAR, Registers.read(con), public=True)
    assert public.sentences == [(
        "SD recommendation 1 (Sandwell Children's Trust, closed 15 Aug 2022): return home interviews within 72 hours"
        ": too few children before (2022-23 Q1) and since (2022-23 Q3) to publish.")]
    assert public.rows[0]["Change"] == words.WITHHELD      # the table keeps its cells
    internal = impact_rows(con, YEAR, Registers.read(con), public=False)
    assert internal.sentences[0].endswith("60% (2022-23 Q1) before, 50% (2022-23 Q3) since: down 10 percentage points (worse).")


def test_actions_naming_a_review_or_audit_in_neither_register_are_said(registers):
    facts = LearningFacts(registers, YEAR, public=False)
    assert facts.reviews.notes == ["Actions name a reference in neither the reviews register nor the audits: ZZ-2022-01."]
