"""The intake's column types for the learning registers, one parser at a time, on literal cells.

codes (several codes in a cell), reference (a published case reference, shape checked), free_text (identifying
details masked), quarter (a financial quarter from a label or a date), indicator (a catalogue code, unknown warned).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipeline.lib.returns.identifying import mask_identifying
from pipeline.lib.returns.parse import (
    parse_free_text,
    parse_indicators,
    parse_multi_codes,
    parse_quarters,
    parse_references,
)
from pipeline.lib.returns.spec import CodeList, ColumnSpec, load_code_lists

TODAY = dt.date(2024, 1, 1)
THEMES = CodeList.from_yaml("learning_theme", [
    {"code": "neglect", "label": "Neglect"}, {"code": "domestic_abuse", "label": "Domestic abuse"},
    {"code": "transitions", "label": "Transitions to adult services", "synonyms": ["Transitions"]},
    {"code": "sexual_abuse", "label": "Child sexual abuse and exploitation", "synonyms": ["CSE"]}])
# The shape config/returns/reviews.yaml gives a case reference.
REFERENCE = ColumnSpec("case_reference", "Case Reference", "reference", True, example="SD",
                       pattern=r"^(?:[A-Z]{2,3}|[A-Z]{1,6}\d{1,2}|[A-Z][A-Z0-9]{0,5}-(?:19|20)\d{2}(?:-\d{1,3})?)$")


def cells(*values) -> pd.Series:
    return pd.Series(list(values), dtype="object")


def plain(series: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in series]


def test_several_codes_in_one_cell_are_stored_as_codes_and_an_unknown_one_is_left_out_with_its_name():
    parsed = parse_multi_codes(cells("Neglect; Domestic abuse", "neglect|Transitions\nNeglect", "CSE, Neglect",
                                     "Neglect; Budget cuts", None), THEMES)
    assert parsed.values.tolist()[:4] == ["neglect; domestic_abuse", "neglect; transitions", "sexual_abuse; neglect",
                                          "neglect"]
    assert pd.isna(parsed.values.iloc[4])
    assert plain(parsed.errors)[:4] == [None, None, None, "unknown_code_in_list"]
    assert parsed.details.iloc[3] == "'Budget cuts'"
    assert [m["kind"] for m in parsed.mappings] == ["codes:learning_theme"]      # the commas were reported


@pytest.mark.parametrize(("raw", "stored"), [
    ("SD", "SD"), ("SR1", "SR1"), ("RR-2022-03", "RR-2022-03"), ("RR 2022/03", "RR-2022-03"), ("Child SD", "SD"),
    ("MACFA-2023-01", "MACFA-2023-01"), ("S11-2022", "S11-2022"), (" SD ", "SD")])
def test_published_references_are_accepted_and_tidied(raw, stored):
    parsed = parse_references(cells(raw), REFERENCE)
    assert (parsed.values.iloc[0], parsed.errors.iloc[0]) == (stored, None)


@pytest.mark.parametrize("raw", ["John Smith", "J.S.", "js", "SC1234567", "14/03/2015", "2015-03-14", "JS 14/03/2015",
                                 "Jo", "SD-14-03"])
def test_anything_shaped_like_a_name_initials_a_date_or_an_id_is_refused_and_never_shown(raw):
    parsed = parse_references(cells(raw), REFERENCE)
    assert parsed.errors.iloc[0] == "invalid_reference"
    assert pd.isna(parsed.values.iloc[0])
    assert raw not in parsed.shown.iloc[0]


@pytest.mark.parametrize(("text", "masked", "kinds"), [
    ("Call mum on 07700 900123 or 0121 569 3100", "Call mum on [phone number] or [phone number]", ["phone number"]),
    ("Lives at B70 9LD, school WS10 1AB", "Lives at [postcode], school [postcode]", ["postcode"]),
    ("NHS 943 476 5919 checked", "NHS [NHS number] checked", ["NHS number"]),
    ("email j.bloggs@sandwell.gov.uk today", "email [e-mail address] today", ["e-mail address"]),
    ("DOB: 14/03/2015, seen", "[date of birth], seen", ["date of birth"]),
    ("born 14th March 2015", "[date of birth]", ["date of birth"]),
    ("Child ID SC1234567 closed", "[child ID] closed", ["child ID"]),
    ("record SC1234567 linked", "record [child ID] linked", ["child ID"]),
    ("Spoke to Mrs Smith and Dr Jane Okafor", "Spoke to [name] and [name]", ["name"]),
    ("Training delivered 12/10/2022 to 40 staff in Q3 2022-23", "Training delivered 12/10/2022 to 40 staff in Q3 2022-23", []),
    ("Designated Dr for Safeguarding; 2022 2023 plan; B70 district", "Designated Dr for Safeguarding; 2022 2023 plan; B70 district", []),
])
def test_identifying_details_in_free_text_are_masked_and_plain_dates_kept(text, masked, kinds):
    assert mask_identifying(text) == (masked, kinds)


def test_free_text_is_stored_masked_and_the_issue_shows_only_the_masked_text():
    parsed = parse_free_text(cells("Visited B70 9LD; DOB 01/02/2015", "Training refreshed", None))
    assert parsed.values.tolist()[:2] == ["Visited [postcode]; [date of birth]", "Training refreshed"]
    assert plain(parsed.errors)[:2] == ["identifying_text_masked", None]
    assert parsed.details.iloc[0] == "a date of birth (now [date of birth]) and a postcode (now [postcode])"
    assert "B70 9LD" not in parsed.shown.iloc[0] and "2015" not in parsed.shown.iloc[0]


def test_quarters_from_labels_and_dates():
    parsed = parse_quarters(cells("2022-23 Q1", "Q4 2022/23", "2022/2023 Q2", "05/08/2022", "2023-01-01 00:00:00",
                                  "2022-23 Q5", "2022-24 Q1", "2025-26 Q1", "TBC"), TODAY)
    days = [None if pd.isna(v) else v.date() for v in parsed.values]
    assert days[:5] == [dt.date(2022, 4, 1), dt.date(2023, 1, 1), dt.date(2022, 7, 1), dt.date(2022, 7, 1),
                        dt.date(2023, 1, 1)]
    assert plain(parsed.errors) == [None] * 5 + ["invalid_quarter", "invalid_quarter", "future_date", "invalid_quarter"]
    assert [(m["kind"], m["rows"]) for m in parsed.mappings] == [("date_to_quarter", 1)]   # 05/08/2022 only


def test_an_indicator_is_matched_by_code_or_title_and_an_unknown_one_is_a_warning():
    parsed = parse_indicators(cells("rereferrals_pct", "rereferrals_pct: Re-referrals within 12 months", "no_such"),
                              load_code_lists()["indicator"])
    assert parsed.values.tolist()[:2] == ["rereferrals_pct", "rereferrals_pct"]
    assert plain(parsed.errors) == [None, None, "unknown_indicator"]
