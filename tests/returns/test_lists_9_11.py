"""Annex A lists 9 (care leavers), 10 (adoption) and 11 (adopters): read from Ofsted's template sheets with its
headings and codes, loaded, identifiers pseudonymised, and the care-leaver and adoption figures computed from them."""

from __future__ import annotations

import datetime as dt

import duckdb

from pipeline.lib import indicators, warehouse
from pipeline.lib.periods import Quarter
from pipeline.lib.returns.intake import intake_quarter
from tests.conftest import TEST_KEY, write_workbook
from tests.returns.annex_a_rows import TEMPLATE_NAMES, row, sheet

Q3 = Quarter(2022, 3)
D = dt.datetime
QUARTER_END = {"period_start": dt.date(2022, 10, 1), "period_end": dt.date(2022, 12, 31)}


def leaver(child, born, eligibility="b) Former relevant child", in_touch="a) Yes", accommodation="U: Independent living",
           suitable="a) Suitable", activity="F3: Full time in training or employment", **extra):
    return row("care_leavers", child_id=child, date_of_birth=born, eligibility_category=eligibility, in_touch=in_touch,
               accommodation_type=accommodation, accommodation_suitable=suitable, activity_status=activity,
               latest_contact_date=D(2022, 11, 1), pathway_plan_review_date=D(2022, 10, 1), **extra)


def adopted(child, decision, placed=None, order=None, reversed_=None, reason=None):
    return row("adoption", child_id=child, family_id="FAM1", entered_care_date=D(2021, 1, 1), adoption_decision_date=decision,
               placement_order_date=None, matching_date=None, placed_for_adoption_date=placed, adoption_order_date=order,
               decision_reversed_date=reversed_, decision_reversed_reason=reason, ffa_placement_date=None)


def run(tmp_path):
    write_workbook(tmp_path / "raw/2022-23/Q3/annex_a.xlsx", {
        TEMPLATE_NAMES["care_leavers"]: sheet("care_leavers",
            leaver("CL1", D(2003, 6, 1)),                                               # 19, in touch, suitable, EET
            leaver("CL2", D(2002, 1, 1), in_touch="b) No", accommodation=None, suitable=None, activity=None),   # 20
            leaver("CL3", D(2001, 4, 1), activity="G5: Not in education, employment or training - other"),     # 21
            leaver("CL4", D(2005, 5, 1), eligibility="a) Relevant child", in_touch="d) Refu", suitable="b) Unsuitable",
                   activity="G6: Not in education, employment or training - pregnancy or parenting"),           # 17
            leaver("CL5", D(2003, 5, 1), in_touch="c) Died")),
        TEMPLATE_NAMES["adoption"]: sheet("adoption",
            adopted("AD1", D(2021, 6, 1), D(2021, 12, 1), D(2022, 11, 1)),
            adopted("AD2", D(2022, 10, 10), D(2022, 12, 1)),
            adopted("AD3", D(2022, 10, 3), reversed_=D(2022, 12, 2), reason="RD3 - Prospective adopters could not be found")),
        TEMPLATE_NAMES["adopters"]: sheet("adopters",
            row("adopters", adopter_id="A1", family_id="F1", disability="b) No", fostering_for_adoption="b) No",
                enquiry_date=D(2022, 10, 1), stage1_start_date=D(2022, 10, 2), stage1_end_date=D(2022, 11, 30),
                stage2_start_date=None, stage2_end_date=None, application_date=None, approval_date=None,
                matched_date=None, placed_date=None, children_placed=None, adoption_order_date=None,
                left_process_date=None, left_process_reason=None)),
    })
    con = duckdb.connect()
    outcomes = intake_quarter(con, tmp_path / "raw", Q3, TEST_KEY, today=dt.date(2024, 1, 1))
    return con, outcomes


def test_lists_9_to_11_are_read_from_ofsteds_sheets_and_loaded(tmp_path):
    con, outcomes = run(tmp_path)
    assert outcomes[0].status == "loaded"
    sheets = dict(con.execute("select sheet_key, rows_loaded from raw_sheets where status = 'loaded'").fetchall())
    assert sheets == {"care_leavers": 5, "adoption": 3, "adopters": 1}
    assert con.execute("select count(*) from raw_quarantine").fetchone() == (0,)
    rows = con.execute("select eligibility_category, in_touch, accommodation_type, accommodation_suitable, activity_status "
                       "from stg_care_leavers order by source_row").fetchall()
    assert rows[0] == ("former_relevant", "YES", "U", "1", "F3")
    assert rows[3] == ("relevant", "REFU", "U", "2", "G6")
    assert con.execute("select decision_reversed_reason from stg_adoption where decision_reversed_date is not null"
                       ).fetchone() == ("RD3",)
    ids = con.execute("select adopter_id, family_id from stg_adopters").fetchone()
    assert "A1" not in ids and "F1" not in ids and len(ids[0]) == 16        # pseudonymised like a child ID
    family = con.execute("select distinct family_id from stg_adoption").fetchall()
    assert family != [("FAM1",)]
    assert "personal_advisor" not in {r[0] for r in con.execute("describe stg_care_leavers").fetchall()}


def test_care_leaver_and_adoption_figures_from_the_loaded_lists(tmp_path):
    con, _ = run(tmp_path)
    indicators.load_reference_tables(con)
    leavers = warehouse.query(con, "ind_care_leavers", QUARTER_END).set_index("indicator_code")
    assert leavers.loc["care_leavers_total", "numerator"] == 5
    assert leavers.loc["care_leavers_19_21", "numerator"] == 3                  # CL1-CL3 (CL5 died: left out)
    assert tuple(leavers.loc["care_leavers_19_21_in_touch_pct", ["numerator", "denominator"]]) == (2, 3)
    assert tuple(leavers.loc["care_leavers_19_21_eet_pct", ["numerator", "denominator"]]) == (1, 3)
    assert tuple(leavers.loc["care_leavers_17_18_suitable_accommodation_pct", ["numerator", "denominator"]]) == (0, 1)
    adoption = warehouse.query(con, "ind_adoption", QUARTER_END).set_index("indicator_code")["numerator"].to_dict()
    assert adoption == {"adoption_orders": 1, "adoption_placed": 1, "adoption_decisions": 2,
                        "adoption_decisions_reversed": 1}


def test_a_bad_code_in_a_needed_list_9_column_quarantines_the_row(tmp_path):
    write_workbook(tmp_path / "raw/2022-23/Q3/annex_a.xlsx", {"List 9": sheet("care_leavers",
        leaver("CL1", D(2003, 6, 1), in_touch="Sometimes"), leaver("CL2", D(2003, 6, 1)))})
    con = duckdb.connect()
    intake_quarter(con, tmp_path / "raw", Q3, TEST_KEY, today=dt.date(2024, 1, 1))
    assert con.execute("select source_row, rules from raw_quarantine").fetchall() == [(2, "unknown_code")]
    assert con.execute("select count(*) from stg_care_leavers").fetchone() == (1,)
