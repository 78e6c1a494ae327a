"""Nothing identifying at rest or in an output: identifying values planted in a return are found nowhere.

A return carries dates of birth written every wrong way, a future date of birth, an impossible one, a child ID
that is really a name, and a postcode that is not one. After the intake, the feedback and the dashboard, every
text column of every DuckDB table, every part of every feedback workbook (unzipped) and the dashboard HTML are
searched for each planted value: none may appear. The analyst still finds the cell (file, sheet, row, column)
and the kind of problem; the agency's feedback shows the value reduced (month and year, postcode district).
"""

from __future__ import annotations

import datetime as dt
import zipfile

import duckdb
import openpyxl
import pytest

from pipeline.lib import benchmarks, comparison, indicators
from pipeline.lib.paths import REFERENCE_DIR
from pipeline.lib.periods import Quarter
from pipeline.lib.render import dashboard
from pipeline.lib.returns.feedback import write_feedback
from pipeline.lib.returns.identifying import reduce_date, reduce_postcode
from pipeline.lib.returns.intake import intake_quarter
from tests.conftest import TEST_KEY, contact_row, headings, write_workbook

Q3 = Quarter(2022, 3)
DOBS = ["14th March 2015", "March 14 2015", "140315", "31/02/2015", "2031-06-07", "14.03.15 born at home"]
POSTCODE = "B66 1ABQQ"
NAME_AS_ID = "SMITH, John!"
# What must never appear, in any case: the values as sent, and the forms a parsed date prints as.
PLANTED = [*DOBS, POSTCODE, NAME_AS_ID, "2015-03-14", "14/03/2015", "1ABQQ", "SMITH, John"]


def cla_row(**values) -> list[object]:
    base = {"Child Unique ID": "C1", "Gender": "a) Male", "Ethnicity": "a) WBRI", "Date of Birth": dt.datetime(2012, 5, 1)}
    return [{**base, **values}.get(h) for h in headings("annex_a", "children_in_care")]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy")
    raw = root / "raw"
    rows = [contact_row(f"P{i}", dt.date(2022, 10, 5), **{"Date of Birth": dob}) for i, dob in enumerate(DOBS)]
    rows.append(contact_row(NAME_AS_ID, dt.date(2022, 10, 6)))
    write_workbook(raw / Q3.folder / "Police" / "police.xlsx", {
        "List 1": [headings("annex_a", "contacts"), *rows],
        "List 8": [headings("annex_a", "children_in_care"), cla_row(**{"Placement postcode": POSTCODE})],
    })
    db = root / "warehouse.duckdb"
    with duckdb.connect(str(db)) as con:
        intake_quarter(con, raw, Q3, TEST_KEY, today=dt.date(2024, 1, 1))
        written = write_feedback(con, Q3, root / "output" / "feedback")
        config = benchmarks.read_config()
        benchmarks.load_reference(con, REFERENCE_DIR, config)     # DfE's real files: comparators and population
        benchmarks.build_comparators(con, config)                  # writes bm_comparators
        indicators.store_quarter(con, Q3, indicators.compute_quarter(con, Q3, config["partnership"]["ons_la_code"]))
        # the dashboard reads every table it shows (it refuses to build without them)
        comparison.ensure_tables(con)
        comparison.store_comparison(con, Q3, comparison.compare_quarter(con, Q3))
        comparison.store_reconciliation(con, Q3, comparison.reconcile_quarter(con, Q3))
        page = dashboard.write_dashboard(con, Q3, root / "output", config["partnership"], config["expected_returns"])
    return db, written, page


def _hits(text: str) -> list[str]:
    low = text.lower()
    return [v for v in PLANTED if v.lower() in low]


def test_no_table_holds_a_planted_value(planted):
    db, _, _ = planted
    with duckdb.connect(str(db), read_only=True) as con:
        columns = con.execute("select table_name, column_name from information_schema.columns "
                              "where data_type = 'VARCHAR'").fetchall()
        assert len(columns) > 50                                   # the scan really covers the warehouse
        found = []
        for table, column in columns:
            for value in PLANTED:
                n = con.execute(f'select count(*) from "{table}" where lower("{column}") like ?',
                                [f"%{value.lower()}%"]).fetchone()[0]
                if n:
                    found.append((table, column, value))
        assert found == []
        # ... while the cell and the kind of problem are still there for the analyst
        problems = con.execute("select source_row, column_name, rule from raw_issues where column_name in "
                               "('Date of Birth', 'Child Unique ID', 'Placement postcode') order by all").fetchall()
        assert {(r, c) for r, c, _ in problems} >= {(2, "Date of Birth"), (4, "Date of Birth"), (5, "Date of Birth"),
                                                    (6, "Date of Birth"), (8, "Child Unique ID"), (2, "Placement postcode")}


def test_no_feedback_workbook_part_holds_a_planted_value_but_the_reduced_value_is_shown(planted):
    _, written, _ = planted
    for path in written.values():
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                assert _hits(zf.read(name).decode("utf-8", errors="replace")) == [], (path.name, name)
    ws = openpyxl.load_workbook(written["Police"])["Problems"]
    shown = {(r[2], r[3]): r[4] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert shown[(5, "Date of Birth")] == "February 2015"          # 31/02/2015: month and year only
    assert shown[(6, "Date of Birth")] == "June 2031"
    assert shown[(2, "Placement postcode")] == "district B66"
    assert shown[(8, "Child Unique ID")] == "(child ID)"


def test_the_dashboard_holds_no_planted_value(planted):
    _, _, page = planted
    html = page.read_text(encoding="utf-8")
    assert "Police" in html                                        # it did render the quarter's intake
    assert _hits(html) == []


def test_a_check_that_can_fail_finds_an_unmasked_value(tmp_path):
    """The scan itself: a value written in clear is found (so an empty result above means something)."""
    con = duckdb.connect()
    con.execute("create table t (v varchar)")
    con.execute("insert into t values (?)", [f"'{DOBS[0]}' in 'Date of Birth' is not a date"])
    assert con.execute("select count(*) from t where lower(v) like ?", [f"%{DOBS[0].lower()}%"]).fetchone() == (1,)
    assert _hits("value B66 1ABQQ") == [POSTCODE, "1ABQQ"]


@pytest.mark.parametrize("sent, reduced", [("14th March 2015", "March 2015"), ("March 14 2015", "March 2015"),
                                           ("31/02/2015", "February 2015"), ("2031-06-07", "June 2031"),
                                           ("140315", "[date of birth: not shown]"), ("TBC", "TBC"),
                                           ("Jane Smith", "[date of birth: not shown]")])
def test_dates_of_birth_reduce_to_month_and_year(sent, reduced):
    assert reduce_date(sent) == reduced


@pytest.mark.parametrize("sent, reduced", [("B66 1ABQQ", "district B66"), ("b70 9ld", "district B70"),
                                           ("not known", "not known"), ("12345", "[postcode: not shown]")])
def test_postcodes_reduce_to_their_district(sent, reduced):
    assert reduce_postcode(sent) == reduced
