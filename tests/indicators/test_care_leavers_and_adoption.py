"""Care leavers (Annex A list 9) and adoption (list 10) on literal rows.

The tables are created here with the columns docs/contracts.md fixes for stg_care_leavers and stg_adoption,
so the SQL is tested against the contract whether or not the intake's specification of lists 9-10 is present.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
import yaml

from pipeline.lib import indicators, warehouse
from pipeline.lib.paths import CONFIG_DIR
from tests.indicators.conftest import YEAR, D

CARE_LEAVER_COLUMNS = ["child_id", "gender", "ethnicity", "date_of_birth", "age_years", "uasc", "disability",
                       "eligibility_category", "pathway_plan_review_date", "in_touch", "latest_contact_date",
                       "accommodation_type", "accommodation_suitable", "activity_status"]
ADOPTION_COLUMNS = ["child_id", "family_id", "gender", "ethnicity", "date_of_birth", "age_years", "disability",
                    "entered_care_date", "adoption_decision_date", "placement_order_date", "matching_date",
                    "placed_for_adoption_date", "adoption_order_date", "decision_reversed_date",
                    "decision_reversed_reason", "ffa_placement_date"]


def table(con, name: str, columns: list[str], rows: list[dict]) -> None:
    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns).astype(object)
    for c in columns:
        if c.endswith("_date") or c == "date_of_birth":
            frame[c] = pd.to_datetime(frame[c]).dt.date
    con.register("_rows", frame)
    con.execute(f"create or replace table {name} as select * from _rows")
    con.unregister("_rows")


def totals(con, sql: str) -> dict[str, tuple]:
    rows = warehouse.query(con, sql, YEAR)
    return {r.indicator_code: (None if pd.isna(r.numerator) else int(r.numerator),
                               None if pd.isna(r.denominator) else int(r.denominator)) for r in rows.itertuples()}


def leaver(child, born, eligibility="former_relevant", in_touch="YES", accommodation="U", suitable="1",
           activity="F3", **extra):
    return {"child_id": child, "gender": "F", "ethnicity": "WBRI", "date_of_birth": born, "disability": "N",
            "eligibility_category": eligibility, "in_touch": in_touch, "accommodation_type": accommodation,
            "accommodation_suitable": suitable, "activity_status": activity, **extra}


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def test_care_leavers_in_dfes_age_groups(con):
    table(con, "stg_care_leavers", CARE_LEAVER_COLUMNS, [
        leaver("a", D(2003, 6, 1)),                                                # 19: in touch, suitable, EET
        leaver("b", D(2002, 1, 1), in_touch="NO", accommodation=None, suitable=None, activity=None),  # 21
        leaver("c", D(2001, 4, 1), activity="G5"),                                 # 21 at 31 March 2023: NEET
        leaver("d", D(2001, 3, 1)),                                                # 22: past the 19-21 group
        leaver("e", D(2003, 1, 1), accommodation="R", suitable=None),               # 20, residence not known
        leaver("f", D(2003, 5, 1), in_touch="DIED"),                                # died: left out
        leaver("g", D(2003, 5, 1), in_touch="RHOM"),                                # returned home: left out
        leaver("h", D(2004, 12, 1), eligibility="relevant", activity="P2"),         # 18
        leaver("i", D(2005, 5, 1), eligibility="relevant", in_touch="REFU", suitable="2", activity="G6"),  # 17
        leaver("j", D(2006, 6, 1), eligibility="eligible"),                         # 16, eligible: no DfE group
        leaver("k", D(2003, 8, 1), eligibility="qualifying"),                       # 19 but qualifying: not DfE's
        leaver("l", None, age_years=20.4),                                          # no date of birth: the age given
    ])
    v = totals(con, "ind_care_leavers")
    assert v["care_leavers_total"] == (12, None)
    assert v["care_leavers_19_21"] == (5, None)                                     # a, b, c, e, l
    assert v["care_leavers_19_21_in_touch_pct"] == (4, 5)
    assert v["care_leavers_19_21_not_in_touch_pct"] == (1, 5)                      # b
    assert v["care_leavers_19_21_suitable_accommodation_pct"] == (3, 4)            # a, c, l of a, b, c, l
    assert v["care_leavers_19_21_eet_pct"] == (3, 5)                               # a, e, l
    assert v["care_leavers_17_18_in_touch_pct"] == (1, 2)                          # h of h, i
    assert v["care_leavers_17_18_suitable_accommodation_pct"] == (1, 2)
    assert v["care_leavers_17_18_eet_pct"] == (1, 2)                               # h part time education


def test_no_care_leaver_in_a_group_is_zero_of_zero_not_an_error(con):
    table(con, "stg_care_leavers", CARE_LEAVER_COLUMNS, [leaver("j", D(2006, 6, 1), eligibility="eligible")])
    v = totals(con, "ind_care_leavers")
    assert v["care_leavers_19_21"] == (0, None) and v["care_leavers_19_21_eet_pct"] == (0, 0)


def test_adoption_counts_each_event_in_its_period(con):
    def child(cid, decision, placed=None, order=None, reversed_=None):
        return {"child_id": cid, "gender": "M", "ethnicity": "WBRI", "entered_care_date": D(2021, 1, 1),
                "adoption_decision_date": decision, "placed_for_adoption_date": placed,
                "adoption_order_date": order, "decision_reversed_date": reversed_}
    table(con, "stg_adoption", ADOPTION_COLUMNS, [
        child("a", D(2021, 6, 1), D(2021, 12, 1), D(2022, 7, 1)),        # adopted in the year
        child("b", D(2022, 5, 1), D(2022, 11, 1)),                       # decision and placement in the year
        child("c", D(2022, 8, 1), reversed_=D(2023, 2, 1)),              # decision and reversal in the year
        child("d", D(2023, 2, 1), D(2023, 4, 2)),                        # placed the next year
    ])
    v = totals(con, "ind_adoption")
    assert v == {"adoption_orders": (1, None), "adoption_placed": (1, None), "adoption_decisions": (3, None),
                 "adoption_decisions_reversed": (1, None)}


# ---- the catalogue entries, now that the intake's specification of lists 9-11 is present -----------------------

def test_the_care_leaver_and_adoption_entries_load_and_compute():
    assert "stg_care_leavers" in indicators.list_tables() and "stg_adoption" in indicators.list_tables()
    by_code = {i.code: i for i in indicators.load_catalogue()}
    assert by_code["care_leavers_19_21_eet_pct"].sources == ("annex_a:care_leavers",)
    assert by_code["adoption_orders"].sources == ("annex_a:adoption",)
    measures = yaml.safe_load((CONFIG_DIR / "benchmark_measures.yaml").read_text(encoding="utf-8"))["indicators"]
    for code in ("care_leavers_19_21", "care_leavers_19_21_eet_pct", "care_leavers_19_21_suitable_accommodation_pct",
                 "care_leavers_19_21_not_in_touch_pct", "adoption_orders"):
        assert by_code[code].benchmark in measures


def test_the_pending_file_is_gone_so_no_entry_can_be_in_the_catalogue_twice():
    assert not (CONFIG_DIR / "indicators_lists_9_10.yaml").exists()
