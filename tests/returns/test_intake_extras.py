"""The intake's remaining promises: the sensor asks once per change, overlapping returns de-duplicate,
every tolerant reading is reported, and the fast pseudonyms equal the reference ones."""

from __future__ import annotations

import datetime as dt
import functools
import os

import dagster as dg
import duckdb

from pipeline.defs.resources import Workspace
from pipeline.defs.returns.sensors import raw_returns_sensor
from pipeline.lib.periods import Quarter
from pipeline.lib.returns.intake import intake_quarter
from tests.conftest import TEST_KEY, contact_row, headings, write_workbook

Q2, Q3 = Quarter(2022, 2), Quarter(2022, 3)


@functools.cache
def project_definitions() -> dg.Definitions:
    """The project's own definitions: the sensor's job needs them to resolve quarter partitions."""
    from pipeline.definitions import defs

    return defs() if callable(defs) else defs


def tick(tmp_path, cursor=None):
    with dg.build_sensor_context(cursor=cursor, definitions=project_definitions(), resources={
            "workspace": Workspace(data_dir=str(tmp_path), pseudonym_key=TEST_KEY)}) as context:
        return raw_returns_sensor.evaluate_tick(context)


def test_sensor_requests_one_run_per_changed_quarter_and_none_when_nothing_changed(tmp_path, contacts_workbook):
    contacts_workbook([contact_row("SC1", dt.date(2022, 7, 5))], folder="raw/2022-23/Q2")
    q3 = contacts_workbook([contact_row("SC1", dt.date(2022, 10, 5))], folder="raw/2022-23/Q3")
    contacts_workbook([contact_row("SC2", dt.date(2022, 10, 6))], name="second.xlsx", folder="raw/2022-23/Q3")

    first = tick(tmp_path)
    assert sorted(r.partition_key for r in first.run_requests) == [Q2.partition_key, Q3.partition_key]

    again = tick(tmp_path, first.cursor)
    assert again.run_requests == [] and again.skip_message == "No quarter's returns changed"

    os.utime(q3, (1_700_000_000, 1_700_000_000))   # the agency saved its Q3 return again
    changed = tick(tmp_path, again.cursor)
    assert [r.partition_key for r in changed.run_requests] == [Q3.partition_key]
    assert changed.run_requests[0].run_key != first.run_requests[1].run_key


def test_sensor_skips_when_there_is_no_raw_folder(tmp_path):
    result = tick(tmp_path)
    assert result.run_requests == [] and result.skip_message.startswith("No raw folder")


def test_overlapping_returns_are_deduplicated_on_the_natural_key(tmp_path, contacts_workbook):
    # Annex A looks back six months, so the Q3 return repeats contacts already sent in Q2.
    contacts_workbook([contact_row("SC1", dt.date(2022, 9, 20)), contact_row("SC2", dt.date(2022, 9, 21))],
                      folder="raw/2022-23/Q2")
    contacts_workbook([contact_row("SC1", dt.date(2022, 9, 20), Gender="a) Male"),   # corrected in the later return
                       contact_row("SC3", dt.date(2022, 10, 5))], folder="raw/2022-23/Q3")
    con = duckdb.connect()
    for quarter in (Q2, Q3):
        intake_quarter(con, tmp_path / "raw", quarter, TEST_KEY, today=dt.date(2024, 1, 1))
    assert con.execute("select count(*) from raw_contacts").fetchone() == (4,)
    rows = con.execute("select period_key, gender, contact_date from stg_contacts order by contact_date").fetchall()
    assert rows == [(Q3.partition_key, "M", dt.date(2022, 9, 20)),     # one row for SC1, from the later quarter
                    (Q2.partition_key, "F", dt.date(2022, 9, 21)),
                    (Q3.partition_key, "F", dt.date(2022, 10, 5))]


def test_every_kind_of_mapping_is_reported(tmp_path):
    heads = headings("annex_a", "contacts")
    heads[heads.index("Date of Birth")] = "DOB"
    write_workbook(tmp_path / "raw/2022-23/Q3/x.xlsx", {"List 1": [heads,
        contact_row("1001.0", dt.date(2022, 10, 5), Gender="Girl", **{"Date of Contact": "05/10/2022"}),
        contact_row("1002", dt.date(2022, 10, 6), source="Police", **{"Date of Contact": "44840"}),
    ]})
    con = duckdb.connect()
    intake_quarter(con, tmp_path / "raw", Q3, TEST_KEY, today=dt.date(2024, 1, 1))
    mapped = con.execute("""select kind, column_name, from_value, to_value, rows from raw_mappings
                            where file_name = 'x.xlsx' order by kind, column_name, from_value""").fetchall()
    assert mapped == [
        ("child_id_float", "Child Unique ID", "IDs typed as numbers, e.g. '123.0'", "'123'", 1),
        ("code:gender", "Gender", "Girl", "F", 1),
        ("code:source", "Contact Source", "Police", "6", 1),
        ("date_excel_number", "Date of Contact", "e.g. 44840", "2022-10-06", 1),
        ("date_text_day_first", "Date of Contact", "e.g. 05/10/2022", "2022-10-05", 1),
        ("heading", "Date of Birth", "DOB", "Date of Birth", 2),
    ]


