"""The intake on small real workbooks: tolerant reading, strict results, every row accounted for."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipeline.lib.periods import Quarter
from pipeline.lib.returns.intake import intake_quarter
from tests.conftest import TEST_KEY, contact_row, headings, write_workbook

Q3 = Quarter(2022, 3)  # October-December 2022


def run(tmp_path):
    con = duckdb.connect()
    outcomes = intake_quarter(con, tmp_path / "raw", Q3, TEST_KEY, today=dt.date(2024, 1, 1))
    return con, outcomes


def test_clean_rows_load_with_lineage_and_pseudonymised_ids(tmp_path, contacts_workbook):
    contacts_workbook([contact_row("SC1", dt.date(2022, 10, 5)), contact_row("SC2", dt.date(2022, 11, 1), "e) 2A: Schools")])
    con, outcomes = run(tmp_path)
    assert [o.status for o in outcomes] == ["loaded"]
    rows = con.execute("select child_id, contact_source, contact_date, source_file, source_sheet, source_row, date_of_birth "
                   "from stg_contacts order by source_row").fetchall()
    assert [r[1] for r in rows] == ["6", "2A"]
    assert [r[5] for r in rows] == [2, 3]                       # Excel row numbers, header on row 1
    assert rows[0][3] == "annex_a.xlsx" and rows[0][4] == "List 1"
    assert rows[0][0] not in ("SC1", "SC2") and len(rows[0][0]) == 16   # keyed hash, not the ID
    assert rows[0][6] == dt.date(2015, 5, 1)                   # date of birth kept to its month


def test_same_child_gets_same_pseudonym_across_returns(tmp_path, contacts_workbook):
    contacts_workbook([contact_row("SC1", dt.date(2022, 10, 5))], name="a.xlsx")
    write_workbook(tmp_path / "raw/2022-23/Q3/missing.xlsx", {"Missing episodes": [
        headings("missing_episodes", "missing_episodes"),
        ["SC1", None, "b) Female", "a) WBRI", "a) Yes", "Missing", dt.datetime(2022, 10, 7, 20), dt.datetime(2022, 10, 8, 9),
         "Yes", None, None, None, "Police"]]})
    con, _ = run(tmp_path)
    assert con.execute("select child_id from stg_contacts").fetchone() == con.execute("select child_id from stg_missing_episodes").fetchone()


def test_every_row_is_loaded_or_quarantined_with_a_reason(tmp_path, contacts_workbook):
    contacts_workbook([
        contact_row("SC1", dt.date(2022, 10, 5)),
        contact_row("SC2", dt.date(2022, 10, 5), source="Not a source"),
        contact_row("SC3", dt.date(2022, 10, 5), Gender=None),
        contact_row("SC4", dt.date(2022, 10, 5), **{"Age of Child (Years)": -2}),
        ["Total", None, None, None, None, None, None, None, None, None],
    ])
    con, _ = run(tmp_path)
    read, loaded, quarantined = con.execute("select rows_read, rows_loaded, rows_quarantined from raw_sheets where sheet_key='contacts'").fetchone()
    assert (read, loaded, quarantined) == (5, 1, 4)
    rules = dict(con.execute("select source_row, rules from raw_quarantine order by source_row").fetchall())
    assert rules == {3: "unknown_code", 4: "missing_required", 5: "out_of_range", 6: "totals_row"}
    message = con.execute("select message from raw_issues where rule = 'unknown_code'").fetchone()[0]
    assert "'Not a source' is not an accepted value for 'Contact Source'" in message


@pytest.mark.parametrize("raw_value", ["a) 1A: Individual", "1A", "1a", " 1A: Individual ", "A) 1A"])
def test_codes_accepted_with_or_without_their_letter_prefix(tmp_path, contacts_workbook, raw_value):
    contacts_workbook([contact_row("SC1", dt.date(2022, 10, 5), source=raw_value)])
    con, _ = run(tmp_path)
    assert con.execute("select contact_source from stg_contacts").fetchone() == ("1A",)


def test_ambiguous_label_is_not_guessed(tmp_path, contacts_workbook):
    contacts_workbook([contact_row("SC1", dt.date(2022, 10, 5), source="Individual")])  # 1A, 1B, 1C or 1D?
    con, _ = run(tmp_path)
    assert con.execute("select rules from raw_quarantine").fetchone() == ("unknown_code",)


def test_uk_text_dates_are_day_first_and_the_mapping_is_reported(tmp_path, contacts_workbook):
    contacts_workbook([contact_row("SC1", dt.date(2022, 10, 5), **{"Date of Contact": "04/11/2022"})])
    con, _ = run(tmp_path)
    assert con.execute("select contact_date from stg_contacts").fetchone() == (dt.date(2022, 11, 4),)
    assert con.execute("select count(*) from raw_mappings where kind = 'date_text_day_first'").fetchone() == (1,)


def test_float_ids_lose_their_trailing_zero(tmp_path, contacts_workbook):
    contacts_workbook([contact_row(123.0, dt.date(2022, 10, 5)), contact_row("123", dt.date(2022, 10, 6))])
    con, _ = run(tmp_path)
    assert con.execute("select count(distinct child_id) from stg_contacts").fetchone() == (1,)


def test_header_below_title_rows_and_heading_variants(tmp_path):
    heads = headings("annex_a", "contacts")
    heads[heads.index("Age of Child (Years)")] = "Age"
    heads[heads.index("Child Unique ID")] = "child unique id "
    write_workbook(tmp_path / "raw/2022-23/Q3/x.xlsx", {"LIST 1 - Contacts": [
        ["Contacts return"], [], ["Sandwell"], heads, contact_row("SC1", dt.date(2022, 10, 5))]})
    con, _ = run(tmp_path)
    assert con.execute("select header_row, rows_loaded from raw_sheets where sheet_key='contacts'").fetchone() == (4, 1)
    assert con.execute("select count(*) from raw_mappings where kind = 'heading'").fetchone() == (2,)


def test_rows_outside_the_filed_quarter_are_flagged_not_dropped(tmp_path, contacts_workbook):
    contacts_workbook([contact_row("SC1", dt.date(2022, 10, 5)), contact_row("SC2", dt.date(2022, 6, 5))])
    con, _ = run(tmp_path)
    assert con.execute("select count(*), count(*) filter (where not in_period) from stg_contacts").fetchone() == (2, 1)
    assert con.execute("select count(*) from raw_issues where rule = 'outside_period'").fetchone() == (1,)


def test_a_broken_file_does_not_stop_the_others(tmp_path, contacts_workbook):
    contacts_workbook([contact_row("SC1", dt.date(2022, 10, 5))])
    (tmp_path / "raw/2022-23/Q3/police.xlsx").write_text("child,date\n1,2022-10-01\n")
    con, outcomes = run(tmp_path)
    status = {o.file_name: (o.status, o.rule) for o in outcomes}
    assert status == {"annex_a.xlsx": ("loaded", None), "police.xlsx": ("rejected", "csv_named_xlsx")}
    assert con.execute("select count(*) from stg_contacts").fetchone() == (1,)


def test_rematerialising_gives_identical_tables(tmp_path, contacts_workbook):
    contacts_workbook([contact_row("SC1", dt.date(2022, 10, 5)), contact_row("SC2", dt.date(2022, 10, 9))])
    con = duckdb.connect()
    for _ in range(2):
        intake_quarter(con, tmp_path / "raw", Q3, TEST_KEY, today=dt.date(2024, 1, 1))
    assert con.execute("select count(*) from raw_contacts").fetchone() == (2,)
    assert con.execute("select count(*) from raw_files").fetchone() == (1,)


def test_resubmission_replaces_the_earlier_return_which_stays_queryable(tmp_path, contacts_workbook):
    import os
    first = contacts_workbook([contact_row("SC1", dt.date(2022, 10, 5))], name="annex_a_v1.xlsx")
    os.utime(first, (1_700_000_000, 1_700_000_000))
    con = duckdb.connect()
    intake_quarter(con, tmp_path / "raw", Q3, TEST_KEY, today=dt.date(2024, 1, 1))
    second = contacts_workbook([contact_row("SC1", dt.date(2022, 10, 5)), contact_row("SC2", dt.date(2022, 10, 6))],
                               name="annex_a_v2.xlsx")
    os.utime(second, (1_700_100_000, 1_700_100_000))
    intake_quarter(con, tmp_path / "raw", Q3, TEST_KEY, today=dt.date(2024, 1, 1))
    assert con.execute("select count(*) from stg_contacts").fetchone() == (2,)
    assert con.execute("select file_name from raw_files where is_current").fetchall() == [("annex_a_v2.xlsx",)]
    assert con.execute("select count(*) from raw_contacts").fetchone() == (3,)   # v1's row is still there


def test_repeated_contact_keys_are_kept_and_overlapping_files_still_deduplicate(tmp_path, contacts_workbook):
    """Two police contacts about one child on one day are two contacts; Q3's and Q4's returns both
    listing them (Annex A looks back six months) still give two, not four."""
    same_day = [contact_row("SC1", dt.date(2022, 12, 5)), contact_row("SC1", dt.date(2022, 12, 5))]
    contacts_workbook(same_day)
    contacts_workbook(same_day, folder="raw/2022-23/Q4")
    con = duckdb.connect()
    for quarter in (Q3, Q3.next()):
        intake_quarter(con, tmp_path / "raw", quarter, TEST_KEY, today=dt.date(2024, 1, 1))
    assert con.execute("select count(*) from raw_quarantine").fetchone() == (0,)
    assert con.execute("select count(*) from raw_contacts").fetchone() == (4,)
    assert con.execute("select count(*) from stg_contacts").fetchone() == (2,)
