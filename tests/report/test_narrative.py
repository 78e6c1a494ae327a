"""Narrative sentences from small literal inputs: words chosen by the numbers, suppression, overrides, gaps."""

from __future__ import annotations

import os

import pytest

from pipeline.lib.report import narrative, words
from pipeline.lib.report.facts import Fact, Facts, Meta
from tests.report.conftest import YEAR

PCT = Meta("rereferrals_pct", "Re-referrals within 12 months", "percent", 1)
COUNT = Meta("private_fostering_arrangements", "Private fostering arrangements", "count", 0)
BENCH = {"region_name": "West Midlands", "benchmark_year": "2022-23"}


def fact(meta, numerator, denominator=None, value=None, previous=None, bench=None, public=True) -> Fact:
    value = numerator if value is None else value
    prev = None if previous is None else {"numerator": previous, "value": previous}
    return Fact(meta, {"numerator": numerator, "denominator": denominator, "value": value}, YEAR.label, public,
                previous_row=prev, previous_label="2021-22", bench=bench)


def render(section: str, *facts: Fact, overrides=None) -> str:
    return narrative.render_facts(Facts({f.code: f for f in facts}, YEAR.label, {}), section, YEAR, overrides)


@pytest.mark.parametrize(("region", "sn", "england", "expect"), [
    (19.1, 20.4, 21.5, ("This is above the West Midlands average (19.1%), the Statistical Neighbour average (20.4%) "
                       "and the England average (21.5%) (DfE figures for 2022-23).")),
    (25.0, 24.0, 30.0, ("This is below the West Midlands average (25.0%), the Statistical Neighbour average (24.0%) "
                       "and the England average (30.0%) (DfE figures for 2022-23).")),
    (23.1, 20.4, 24.0, ("This is in line with the West Midlands average (23.1%), above the Statistical Neighbour "
                       "average (20.4%) and below the England average (24.0%) (DfE figures for 2022-23).")),
])
def test_benchmark_words(region, sn, england, expect):
    bench = {**BENCH, "region_value": region, "sn_mean": sn, "england": england}
    text = render("rereferrals", fact(PCT, 967, 4194, 23.06, bench=bench))
    assert "967 (23%) of the 4,194 referrals received by SCT Front Door over the reporting period were re-referrals." in text
    assert expect in text


def test_in_line_with_at_the_shown_precision():
    assert words.compare_word(19.14, 19.1, 1) == "in line with"
    assert words.compare_word(19.16, 19.1, 1) == "above"


@pytest.mark.parametrize(("now", "before", "expect"), [
    (13, 9, "This is an increase of 4 from 9 in 2021-22."),
    (9, 13, "This is a decrease of 4 from 13 in 2021-22."),
    (13, 13, "This is the same as in 2021-22 (13)."),
])
def test_year_on_year_words(now, before, expect):
    text = render("private_fostering", fact(COUNT, now, previous=before))
    assert f"There were {now} children subject to private fostering arrangements in Sandwell during 2022-23. {expect}" in text


def test_percentage_change_is_in_percentage_points():
    meta = Meta("contacts_domestic_abuse_pct", "Domestic abuse contacts", "percent", 1)
    f = fact(meta, 4798, 29563, 16.23, previous=16.9)
    assert f.change_sentence == "This is a decrease of 0.7 percentage points from 16.9% in 2021-22."


def test_suppressed_count_is_phrased_not_printed():
    text = render("private_fostering", fact(COUNT, 4, previous=9))
    assert "There were fewer than 6 children subject to private fostering" in text
    assert " 4 " not in text and "increase" not in text and "decrease" not in text
    assert "not published because the numbers are small" in text


def test_suppressed_sentence_start_is_capitalised():
    meta = Meta("ae_alcohol", "A&E attendances: alcohol", "count", 0)
    assert "- Fewer than 6 young people were seen in A&E in Sandwell for Alcohol misuse." in render("ae", fact(meta, 3))


def test_percentage_on_a_small_count_is_withheld_and_internal_mode_shows_it():
    meta = Meta("exploitation_cse_pct", "CSE", "percent", 1)
    public = fact(meta, 4, 50, 8.0)
    assert public.count == "fewer than 6" and public.pct0 == words.WITHHELD
    internal = fact(meta, 4, 50, 8.0, public=False)
    assert internal.count == "4" and internal.pct0 == "8%"


def test_missing_indicator_says_not_available():
    text = render("icpc")
    assert "not available for 2022-23" in text and "ICPC" in text


def test_an_authors_override_is_picked_up_without_code_changes(tmp_path, monkeypatch):
    folder = tmp_path / "templates_local" / "narrative"
    folder.mkdir(parents=True)
    (folder / "private_fostering.md.j2").write_text(
        "## Private fostering\n\nOur own words: {{ ind.private_fostering_arrangements.count }} children.\n")
    monkeypatch.setenv("SAFEGUARDING_TEMPLATE_OVERRIDES", str(tmp_path / "templates_local"))
    assert render("private_fostering", fact(COUNT, 13)) == "## Private fostering\n\nOur own words: 13 children.\n"
    # the sections not overridden still come from reports/templates/
    assert "re-referrals" in render("rereferrals", fact(PCT, 967, 4194, 23.06))


def test_an_override_edited_or_added_while_the_process_runs_is_used_at_once(tmp_path, monkeypatch):
    # The template environment is kept per process (compiling every template per report was ~0.6 s a year); the
    # author's edits must still show on the next render, as in a long-running `dagster dev`.
    overrides = tmp_path / "templates_local"
    monkeypatch.setenv("SAFEGUARDING_TEMPLATE_OVERRIDES", str(overrides))
    shipped = render("private_fostering", fact(COUNT, 13))
    assert "Our own words" not in shipped
    (overrides / "narrative").mkdir(parents=True)          # the folder did not exist at the first render
    template = overrides / "narrative" / "private_fostering.md.j2"
    template.write_text("## Private fostering\n\nOur own words: {{ ind.private_fostering_arrangements.count }}.\n")
    assert render("private_fostering", fact(COUNT, 13)) == "## Private fostering\n\nOur own words: 13.\n"
    template.write_text("## Private fostering\n\nEdited: {{ ind.private_fostering_arrangements.count }}.\n")
    os.utime(template, (template.stat().st_atime, template.stat().st_mtime + 5))   # a later save, whatever the clock
    assert render("private_fostering", fact(COUNT, 13)) == "## Private fostering\n\nEdited: 13.\n"
    template.unlink()
    assert render("private_fostering", fact(COUNT, 13)) == shipped


def test_nobody_in_a_group_reads_none_as_the_report_does():
    low = fact(Meta("exploitation_risk_low", "Low risk", "count", 0), 0, public=False)
    medium = fact(Meta("exploitation_risk_medium_pct", "Medium risk", "percent", 0), 39, 50, 78.0, public=False)
    high = fact(Meta("exploitation_risk_high_pct", "High risk", "percent", 0), 9, 50, 18.0, public=False)
    text = render("child_exploitation", low, medium, high)
    assert ("- None were assessed as 'low risk', 39 (78%) were assessed as 'medium risk' and 9 (18%) were assessed "
            "as 'high risk'.") in text


def test_age_bands_come_in_order_of_age_and_unknown_last():
    from pipeline.lib.report.facts import natural_order

    dfe = ["10-15", "1-4", "Unknown", "5-9", "16+", "Under 1", "Unborn"]
    assert natural_order(dfe, "age_band") == ["Unborn", "Under 1", "1-4", "5-9", "10-15", "16+", "Unknown"]
    report = ["12-16", "5-11", "17+", "0-4", "Unborn"]
    assert natural_order(report, "report_age_band") == ["Unborn", "0-4", "5-11", "12-16", "17+"]
    # Other breakdowns keep their order (largest first), with 'Not known' last.
    assert natural_order(["White", "Not known", "Mixed"], "ethnicity_group") == ["White", "Mixed", "Not known"]


@pytest.mark.parametrize(("coverage", "words_"), [
    ("2022-23 Q4", "the quarter received, January to March 2023"),
    ("2022-23 Q1, 2022-23 Q2, 2022-23 Q3", "the three quarters received, April to December 2022"),
    ("2022-23 Q3, 2022-23 Q4", "the two quarters received, October 2022 to March 2023"),
    ("2022-23 Q1, 2022-23 Q2, 2022-23 Q4", "the three quarters received (2022-23 Q1, 2022-23 Q2, 2022-23 Q4)"),
])
def test_what_a_partial_value_covers(coverage, words_):
    f = Fact(COUNT, {"numerator": 7, "value": 7, "status": "partial", "coverage": coverage}, YEAR.label)
    assert f.partial and f.covers == f"In {words_}"
    assert f.change_sentence == "" and f.vs_benchmarks == ""


def test_the_learning_sections_without_a_warehouse_say_their_registers_were_not_received():
    text = render("child_deaths")
    assert text.startswith("## Child Death during 2022-23")
    assert "The CDOP's return was not received for 2022-23: nothing is reported from it." in text
    assert "The reviews register was not received for 2022-23" in render("learning_from_reviews")
