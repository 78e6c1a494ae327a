"""Cell-level problems stay cell-level: a bad value in a column no figure needs loads the row with the cell empty
and a warning naming the cell; only a bad value in a needed column keeps the row out, and the sheet then says
which figures it is missing from. Which columns are needed is derived from the SQL; tested here against DuckDB."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipeline.lib import indicators, warehouse
from pipeline.lib.paths import SQL_DIR
from pipeline.lib.periods import Quarter
from pipeline.lib.returns.intake import intake_quarter
from pipeline.lib.returns.needs import indicators_reading, needed_by, sql_uses, structural
from pipeline.lib.returns.spec import load_specs
from pipeline.lib.returns.store import ensure_tables
from tests.conftest import TEST_KEY, write_workbook
from tests.returns.annex_a_rows import row, sheet

Q3 = Quarter(2022, 3)
YEAR = {"period_start": dt.date(2022, 4, 1), "period_end": dt.date(2023, 3, 31)}
ANNEX_A = load_specs()["annex_a"].sheets


def intake(tmp_path, sheets):
    write_workbook(tmp_path / "raw/2022-23/Q3/annex_a.xlsx", sheets)
    con = duckdb.connect()
    intake_quarter(con, tmp_path / "raw", Q3, TEST_KEY, today=dt.date(2024, 1, 1))
    return con


def issues(con, rule=None):
    return con.execute("select sheet_name, source_row, column_name, value, rule, severity, message from raw_issues "
                       "where ? is null or rule = ? order by sheet_name, source_row, column_name", [rule, rule]).fetchall()


def test_liia_tools_style_rows_load_with_the_bad_optional_cells_empty(tmp_path):
    """The public Annex A sample's faults: an outcome word in a yes/no column, #N/A in team and worker, a Primary
    Need spelled out, #N/A in Reason for Closure. None is read by any figure: every row loads."""
    con = intake(tmp_path, {
        "List 4": sheet("assessments",
                        row("assessments", requires_csc_support="CS Assessment Updated", allocated_team="#N/A",
                            allocated_worker="#N/A"),
                        row("assessments", child_id="SC2")),
        "List 6": sheet("cin",
                        row("cin", allocated_team="#N/A", allocated_worker="#N/A", closure_reason="#N/A",
                            primary_need="PSRMEM - Support with memory and cognition")),
    })
    assert con.execute("select count(*), count(requires_csc_support), count(allocated_team) from stg_assessments"
                       ).fetchone() == (2, 1, 1)
    assert con.execute("select count(*), count(allocated_team), count(closure_reason), count(primary_need) from stg_cin"
                       ).fetchone() == (1, 0, 0, 0)
    assert con.execute("select count(*) from raw_quarantine").fetchone() == (0,)
    # (the stored value is masked by the intake where it may identify; sheet, row, column and rule name the cell)
    found = {(*i[:3], *i[4:6]) for i in issues(con) if i[1] is not None and i[5] != "info"}
    assert found == {
        ("List 4", 2, "Was the child assessed as requiring LA children's social care support?", "unknown_code", "warning"),
        ("List 4", 2, "Allocated Team", "excel_error", "warning"),
        ("List 4", 2, "Allocated Worker", "excel_error", "warning"),
        ("List 6", 2, "Allocated Team", "excel_error", "warning"),
        ("List 6", 2, "Allocated Worker", "excel_error", "warning"),
        ("List 6", 2, "Reason for Closure", "excel_error", "warning"),
        ("List 6", 2, "Primary Need Code", "unknown_code", "warning"),
    }
    message = next(i[6] for i in issues(con, "excel_error") if i[2] == "Reason for Closure")
    assert "The row was loaded with 'Reason for Closure' left empty" in message


def test_a_bad_value_in_a_needed_column_keeps_the_row_out_and_says_which_figures_lose_it(tmp_path):
    con = intake(tmp_path, {"List 4": sheet("assessments",
                                            row("assessments", assessment_authorised_date="TBC"),
                                            row("assessments", child_id="SC2"))})
    assert con.execute("select count(*) from stg_assessments").fetchone() == (1,)
    assert con.execute("select source_row, rules from raw_quarantine").fetchall() == [(2, "invalid_date")]
    (_, source_row, column, value, _, severity, _), = issues(con, "invalid_date")
    assert (source_row, column, value, severity) == (2, "Continuous Assessment Date of Authorisation", "TBC", "error")
    (lost,) = issues(con, "rows_left_out")
    assert lost[1] is None and "1 row of List 4: Assessments could not be loaded" in lost[6]
    for code in indicators_reading(next(s for s in ANNEX_A if s.key == "assessments")):
        assert code in lost[6]


def test_no_sheet_says_figures_are_lost_when_none_is(tmp_path):
    con = intake(tmp_path, {"List 4": sheet("assessments", row("assessments", allocated_team="#REF!"))})
    assert issues(con, "rows_left_out") == []


def test_the_needs_are_the_columns_the_sql_names():
    assessments = needed_by(next(s for s in ANNEX_A if s.key == "assessments"))
    assert assessments["allocated_team"] == () and assessments["requires_csc_support"] == ()
    assert assessments["assessment_authorised_date"] and assessments["child_id"]
    tables, columns = sql_uses(SQL_DIR / "ind" / "ind_assessments.sql")
    assert "stg_assessments" in tables and "assessment_authorised_date" in columns


def _consumers_of(table: str) -> list[str]:
    out = []
    for path in sorted((SQL_DIR / "ind").glob("ind_*.sql")):
        tables, _ = sql_uses(path)
        if table in tables or "raw_" + table.removeprefix("stg_") in tables:
            out.append(path.stem)
    return out


def _runs(con, names) -> list[str]:
    failed = []
    for name in names:
        try:
            warehouse.query(con, name, YEAR)
        except duckdb.Error as err:
            failed.append(f"{name}: {str(err).splitlines()[0]}")
    return failed


@pytest.mark.parametrize("sheet_spec", ANNEX_A, ids=lambda s: s.key)
def test_needs_cannot_drift_from_the_sql(sheet_spec):
    """Every indicator query still runs with every column called unneeded taken away; and taking away any column
    the SQL is said to need breaks one of them. A new column use in SQL fails this test until needs agree."""
    consumers = _consumers_of(sheet_spec.table)
    needs = needed_by(sheet_spec)
    if not consumers:   # a list no figure reads (list 11 today): only its key and period dates keep a row out
        intake_only = {"(the intake: key or period)", "(the specification)"}
        assert {c: users for c, users in needs.items() if set(users) - intake_only} == {}
        return
    con = duckdb.connect()
    ensure_tables(con, load_specs())
    indicators.load_reference_tables(con)

    con.execute(f"create table _template as select * from {sheet_spec.raw_table}")

    def view_without(columns):   # both the raw_ table and its stg_ view, as queries read either
        dropped = f" exclude ({', '.join(columns)})" if columns else ""
        con.execute(f"drop view {sheet_spec.table}")
        con.execute(f"drop table {sheet_spec.raw_table}")
        con.execute(f"create table {sheet_spec.raw_table} as select *{dropped} from _template")
        con.execute(f"create view {sheet_spec.table} as select * from {sheet_spec.raw_table}")

    unneeded = [c for c, users in needs.items() if not users and sheet_spec.column(c).stored]
    view_without(unneeded)
    assert _runs(con, consumers) == []
    by_sql = [c for c, users in needs.items() if c not in structural(sheet_spec) and sheet_spec.column(c).stored
              and any(not u.startswith("(") for u in users)]
    for column in by_sql:
        view_without([column])
        assert _runs(con, consumers), f"{column} is said to be needed by the SQL, but every query runs without it"
