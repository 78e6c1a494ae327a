"""End to end on the synthetic demo returns: the report's 2022-23 figures come out of the warehouse and the outputs."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

YEAR = "2022-23"


def year_row(demo_run, code: str):
    with demo_run.connect() as con:
        return con.execute("""select numerator, denominator, value from ind_values
                              where indicator_code = ? and period_type = 'year' and period_label = ? and breakdown = 'total'""",
                           [code, YEAR]).fetchone()


@pytest.mark.parametrize(("code", "numerator", "denominator"), [
    ("contacts_total", 29_563, None),
    ("contacts_police_pct", 10_581, 29_563),
    ("contacts_education_pct", 4_489, 29_563),
    ("referrals_total", 4_194, None),
    ("rereferrals_pct", 967, 4_194),
    ("cpp_at_end", 339, None),
    ("cpp_started", 344, None),
    ("cpp_ended", 399, None),
    ("missing_episodes", 1_678, None),
    ("missing_children", 1_053, None),
])
def test_report_figures_for_2022_23(demo_run, code, numerator, denominator):
    row = year_row(demo_run, code)
    assert row is not None, f"{code} has no 2022-23 value"
    assert row[0] == numerator
    if denominator is not None:
        assert row[1] == denominator


def test_cp_rate_uses_the_ons_mid_2022_population(demo_run):
    numerator, denominator, value = year_row(demo_run, "cpp_rate_10k")
    assert (numerator, denominator) == (339, 85_920)
    assert round(value, 1) == 39.5


def test_training_places_from_the_top_10_courses_table(demo_run):
    with demo_run.connect() as con:
        rows = dict(con.execute("""select indicator_code || ':' || breakdown_value, numerator from ind_values
                                   where period_type = 'year' and period_label = ? and breakdown = 'course'""", [YEAR]).fetchall())
    assert rows["training_spaces:Core Working Together (CWT)"] == 371
    assert rows["training_allocated:Thresholds"] == 127
    assert rows["training_no_shows:Hidden Men"] == 4


def test_every_row_of_every_demo_return_is_accounted_for(demo_run):
    with demo_run.connect() as con:
        read, loaded, quarantined = con.execute(
            "select sum(rows_read), sum(rows_loaded), sum(rows_quarantined) from raw_sheets").fetchone()
        rejected = con.execute("select count(*) from raw_files where status = 'rejected'").fetchone()[0]
    assert read == loaded + quarantined
    assert quarantined == 0 and rejected == 0  # the demo returns are clean


def test_paragraph_in_the_reports_voice(demo_run):
    text = (demo_run.data_dir / "output" / "report" / YEAR / "narrative.md").read_text()
    assert "29,563 contacts were received to SCT Front Door from 1st April 2022 through to 31st March 2023." in text
    assert "10,581 of those contacts were received from Police, making up 36% of the total" in text
    assert "with Education contacting 4,489 times at 15.2% of the total" in text


def test_a_dashboard_for_every_demo_quarter(demo_run):
    labels = [f"{y} Q{n}" for y in ("2021-22", "2022-23") for n in range(1, 5)]
    for label in labels:
        page = demo_run.dashboard(label)
        assert page.exists(), label
        html = page.read_text()
        assert "https://" not in html.split("<script>")[0]  # no external stylesheet or font before the inlined JS
    assert "29,563" in demo_run.dashboard("2022-23 Q4").read_text()


def test_data_quality_page_shows_the_late_return(demo_run):
    """The demo's 2022-23 Q3 multi-agency return arrived 44 days after the quarter (due after 30)."""
    import re

    def arrivals(label: str) -> str:
        html = demo_run.dashboard(label).read_text()
        return re.sub(r"<[^>]+>", " ", html.split("Returns expected for", 1)[1].split("</table>", 1)[0])

    q3 = " ".join(arrivals("2022-23 Q3").split())
    assert "Late (due 30 January 2023)" in q3
    assert "13 Feb 2023" in q3
    assert q3.count("Late (due") == 1                     # only the multi-agency return
    assert "Late (due" not in arrivals("2022-23 Q4")
