"""Plausibility across a row's fields, as DfE's CIN census and SSDA903 validation checks it: each rule tested with a
row that breaks it and one that does not; errors quarantine, warnings load and flag; no date of birth is shown."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipeline.lib.periods import Quarter
from pipeline.lib.returns.intake import intake_quarter
from pipeline.lib.returns.spec import load_return_spec, load_specs
from tests.conftest import TEST_KEY, write_workbook
from tests.returns.annex_a_rows import EVENT, TEMPLATE_NAMES, row, sheet

Q3 = Quarter(2022, 3)
D = dt.datetime


def intake(tmp_path, key, *rows):
    write_workbook(tmp_path / "raw/2022-23/Q3/annex_a.xlsx", {TEMPLATE_NAMES[key]: sheet(key, *rows)})
    con = duckdb.connect()
    intake_quarter(con, tmp_path / "raw", Q3, TEST_KEY, today=dt.date(2024, 1, 1))
    return con


def loaded(con, key) -> int:
    return con.execute(f"select count(*) from stg_{key}").fetchone()[0]


def found(con, rule):
    return con.execute("select source_row, column_name, value, severity, message from raw_issues where rule = ? "
                       "order by source_row", [rule]).fetchall()


# (list, rule code, severity, the breaking row's values, the same row made plausible)
CASES = [
    ("children_in_care", "before_birth", "error",                      # CLA from 8 years before birth (SSDA903 302)
     {"date_of_birth": D(2020, 5, 1), "cla_start_date": D(2012, 6, 1), "legal_status_start_date": D(2022, 10, 1),
      "placement_start_date": D(2022, 10, 1)},
     {"date_of_birth": D(2012, 5, 1), "cla_start_date": D(2012, 6, 1), "legal_status_start_date": D(2022, 10, 1),
      "placement_start_date": D(2022, 10, 1)}),
    ("children_in_care", "age_out_of_range", "error",                  # a 19-year-old starting to be looked after
     {"date_of_birth": D(2003, 5, 1), "cla_start_date": D(2022, 6, 1)},
     {"date_of_birth": D(2005, 5, 1), "cla_start_date": D(2022, 6, 1)}),
    ("children_in_care", "out_of_sequence", "error",                   # placed before care began
     {"cla_start_date": D(2022, 9, 1), "placement_start_date": D(2022, 8, 1)},
     {"cla_start_date": D(2022, 9, 1), "placement_start_date": D(2022, 9, 1)}),
    ("child_protection", "before_birth", "error",                      # a plan years before birth (pre-birth: fine)
     {"date_of_birth": D(2022, 11, 1), "cpp_start_date": D(2020, 10, 5)},
     {"date_of_birth": D(2022, 11, 1), "cpp_start_date": D(2022, 10, 5)}),
    ("child_protection", "age_out_of_range", "warning",                # at 19: more likely a mistyped date of birth
     {"date_of_birth": D(2003, 1, 1), "cpp_start_date": D(2022, 10, 5)},
     {"date_of_birth": D(2005, 1, 1), "cpp_start_date": D(2022, 10, 5)}),
    ("s47", "icpc_before_s47", "error",                                # ICPC before the strategy discussion
     {"s47_start_date": D(2022, 10, 20), "icpc_date": D(2022, 10, 5)},
     {"s47_start_date": D(2022, 10, 5), "icpc_date": D(2022, 10, 20)}),
    ("referrals", "before_birth", "warning",
     {"date_of_birth": D(2023, 9, 1), "referral_date": D(2022, 10, 5)},
     {"date_of_birth": D(2023, 1, 1), "referral_date": D(2022, 10, 5)}),                # pre-birth referral
    ("adoption", "out_of_sequence", "error",                           # decision before entering care (SSDA903 334)
     {"entered_care_date": D(2022, 10, 1), "adoption_decision_date": D(2022, 9, 1), "placed_for_adoption_date": None,
      "adoption_order_date": None, "decision_reversed_date": None, "matching_date": None},
     {"entered_care_date": D(2022, 8, 1), "adoption_decision_date": D(2022, 9, 1), "placed_for_adoption_date": None,
      "adoption_order_date": None, "decision_reversed_date": None, "matching_date": None}),
]


@pytest.mark.parametrize(("key", "rule", "severity", "bad", "good"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_rule_both_ways(tmp_path, key, rule, severity, bad, good):
    con = intake(tmp_path / "bad", key, row(key, **bad))
    hits = found(con, rule)
    assert [(h[0], h[3]) for h in hits] == [(2, severity)]
    assert loaded(con, key) == (0 if severity == "error" else 1)
    quarantined = con.execute("select rules from raw_quarantine").fetchall()
    assert quarantined == ([(rule,)] if severity == "error" else [])
    con = intake(tmp_path / "good", key, row(key, **good))
    assert found(con, rule) == [] and loaded(con, key) == 1


def test_messages_name_the_cell_and_kind_never_the_date_of_birth(tmp_path):
    born = D(2020, 5, 1)
    con = intake(tmp_path, "children_in_care", row("children_in_care", date_of_birth=born, cla_start_date=D(2012, 6, 1),
                                                   legal_status_start_date=EVENT, placement_start_date=EVENT))
    ((source_row, column, value, _, message),) = found(con, "before_birth")
    assert (source_row, column, value) == (2, "Date Started to be Looked After", None)
    assert "before the child's date of birth" in message and "SSDA903 rule 302" in message
    every = " ".join(str(v) for r in con.execute("select * from raw_issues").fetchall() for v in r)
    for shown in ("2020-05-01", "01/05/2020", "2020-05", "05/2020"):
        assert shown not in every


def test_a_rule_naming_a_column_the_list_does_not_have_is_refused(tmp_path):
    text = (load_specs()["annex_a"].source_file.read_text(encoding="utf-8")
            .replace("{check: order, first: s47_start_date, then: icpc_date,", "{check: order, first: s47_start_date, then: no_such,"))
    path = tmp_path / "annex_a.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="no column 'no_such'"):
        load_return_spec(path)
