"""The dashboard's "Learning and assurance" section on the demo's learning returns (real intake, real indicators).

Every figure is checked against the registers themselves, counted here in SQL with the rules the section states
(not through the code that drew it), and against ind_values; the internal marking comes and goes with small counts
of children; a register not received says so; agency text is only ever text.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser

import duckdb
import pytest

from pipeline.lib import benchmarks, indicators
from pipeline.lib.periods import Quarter
from pipeline.lib.render import dashboard
from pipeline.lib.returns.spec import load_specs
from tests.dashboard import synthetic
from tests.learning.demo_warehouse import ONS_CODE

Q4 = Quarter(2022, 4)
END = Q4.end


class Tables(HTMLParser):
    """Every <table data-role=...> of a page: role -> rows of cell texts (thead, tbody and tfoot in order)."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._role: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-role"):
            self._role = attrs["data-role"]
            self.tables[self._role] = []
        elif self._role and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._role].append(self._row)
            self._row = None
        elif tag == "table":
            self._role = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def section(html: str) -> str:
    return html.split('data-section="learning"')[1].split("</section>")[0]


def render(db, quarter: Quarter = Q4) -> str:
    config = benchmarks.read_config()
    with duckdb.connect(str(db), read_only=True) as con:
        return dashboard.render_dashboard(con, quarter, config["partnership"], config["expected_returns"], plotly_js="")


def make_renderable(path) -> None:
    """The learning warehouse plus the benchmark tables and marts the page requires (not this section's contents)."""
    with duckdb.connect(str(path)) as con:
        values = con.execute("select * from ind_values").df()
        con.register("n", synthetic.neighbour_rows(synthetic.comparator_rows(values)))
        con.execute("create table bm_neighbour_values as select * from n")
        con.register("m", synthetic.mart_rows(values))
        con.execute("create or replace table mart_comparison as select * from m")
        con.execute("create or replace table mart_reconciliation (quarter_key varchar, status varchar, check_title varchar)")


@pytest.fixture(scope="module")
def page_db(learning_warehouse, tmp_path_factory):
    path = tmp_path_factory.mktemp("learning-page") / "warehouse.duckdb"
    shutil.copy(learning_warehouse, path)
    make_renderable(path)
    return path


@pytest.fixture(scope="module")
def html(page_db) -> str:
    return render(page_db)


@pytest.fixture(scope="module")
def tables(html) -> dict[str, list[list[str]]]:
    return Tables(section(html)).tables


@pytest.fixture
def db(page_db, tmp_path):
    """A copy of the page's warehouse a test may change."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(page_db, path)
    return path


def register(con, view: str, quarter: Quarter = Q4) -> str:
    """The register as filed by the quarter's end: each filer's latest filing up to it (the section's rule)."""
    return f"""(select r.* from {view} r join (select filed_by, max(period_key) k from {view}
                where period_key <= '{quarter.partition_key}' group by all) l
                on l.filed_by is not distinct from r.filed_by and l.k = r.period_key)"""


def overdue_from_register(con) -> list[tuple]:
    return con.execute(f"""
        select coalesce(c.label, a.agency) agency, a.source_reference, a.due_date, date_diff('day', a.due_date, ?) as days
        from {register(con, 'stg_actions')} a left join ref_codes c on c.code_list = 'agency' and c.code = a.agency
        where (a.date_agreed is null or a.date_agreed <= ?) and (a.date_closed is null or a.date_closed > ?)
          and a.due_date < ?""", [END] * 4).fetchall()


def raw_table(return_type: str, sheet: str) -> str:
    return next(s.raw_table for s in load_specs()[return_type].sheets if s.key == sheet)


def body(rows: list[list[str]]) -> list[list[str]]:
    return rows[1:-1]   # without the heading row and the total row


def test_overdue_actions_by_agency_equal_the_register(page_db, tables):
    with duckdb.connect(str(page_db), read_only=True) as con:
        overdue = overdue_from_register(con)
        ind = dict(con.execute("""select breakdown_value, numerator from ind_values where indicator_code = 'actions_overdue'
                                  and period_type = 'quarter' and period_label = ? and breakdown = 'agency'""",
                               [Q4.label]).fetchall())
    assert len(overdue) >= 3
    expected: dict[str, list[int]] = {}
    for agency, _, _, days in overdue:
        expected.setdefault(agency, []).append(days)
    shown = {r[0]: r for r in body(tables["overdue-by-agency"])}
    assert set(shown) == set(expected)
    for agency, days in expected.items():
        row = shown[agency]
        assert int(row[1]) == len(days) == ind[agency], agency
        assert row[2] == f"{max(days):,} days", agency
        bands = [sum(d <= 30 for d in days), sum(30 < d <= 90 for d in days), sum(90 < d <= 180 for d in days),
                 sum(d > 180 for d in days)]
        assert [int(c) for c in row[3:7]] == bands, agency
    total = tables["overdue-by-agency"][-1]
    assert total[0] == "All agencies" and int(total[1]) == len(overdue)
    # most overdue first: the order the subgroup chases them in
    counts = [int(r[1]) for r in body(tables["overdue-by-agency"])]
    assert counts == sorted(counts, reverse=True)


def test_each_overdue_action_appears_under_its_agency(page_db, tables):
    with duckdb.connect(str(page_db), read_only=True) as con:
        overdue = overdue_from_register(con)
    listed = tables["overdue-actions"][1:]
    assert len(listed) == len(overdue)
    for agency, reference, due, days in overdue:
        assert [agency, reference, f"{due:%-d %b %Y}", f"{days:,}"] in [[r[0], r[1], r[5], r[6]] for r in listed]


def test_the_overdue_chart_draws_the_tables_numbers(html, tables):
    figure = json.loads(re.search(r'id="learning-actions-chart-data">(.*?)</script>', html, re.DOTALL).group(1))
    bars = {}
    for trace in figure["data"]:
        for agency, n in zip(trace["y"], trace["x"]):
            bars[agency] = bars.get(agency, 0) + n
    assert bars == {r[0]: int(r[1]) for r in body(tables["overdue-by-agency"])}


def test_reviews_in_progress_against_six_months_equal_the_register(page_db, tables):
    with duckdb.connect(str(page_db), read_only=True) as con:
        open_reviews = con.execute(f"""
            select case_reference, review_start_date + interval 6 month < ? as beyond
            from {register(con, 'stg_reviews')}
            where review_start_date <= ? and (ratified_date is null or ratified_date > ?)""", [END] * 3).fetchall()
    assert len(open_reviews) >= 2
    counts = {r[0]: int(r[1]) for r in tables["reviews-in-progress"][1:]}
    assert counts["Within 6 months"] == sum(not b for _, b in open_reviews)
    assert counts["Beyond 6 months"] == sum(b for _, b in open_reviews)
    assert counts["All in progress"] == len(open_reviews)
    listed = {r[0]: r for r in tables["review-timescales"][1:]}
    for reference, beyond in open_reviews:
        assert listed[reference][8] == ("Overdue" if beyond else listed[reference][8]), reference
        assert beyond or listed[reference][8].startswith("Due "), reference
    assert any(b for _, b in open_reviews)          # the demo has one beyond 6 months: the test shows "Overdue"


def test_rapid_reviews_are_judged_on_15_working_days(tables, db):
    # SD: notified 25 April 2022, rapid review 10 May 2022: 10 working days (the May Day bank holiday excluded)
    listed = {r[0]: r for r in tables["review-timescales"][1:]}
    assert listed["SD"][3:5] == ["10 May 2022", "On time"]
    # KT: notified Monday 12 December 2022. England's bank holidays of 26 and 27 December and 2 January are not
    # working days: held 4 January 2023 is 14 working days on (on time, though 23 calendar days and 17 weekdays);
    # held 6 January is 16 (late)
    for held, expected in (("2023-01-04", "On time"), ("2023-01-06", "Late")):
        with duckdb.connect(str(db)) as con:
            con.execute(f"update {raw_table('reviews', 'reviews')} set rapid_review_date = date '{held}' "
                        "where case_reference = 'KT'")
        listed = {r[0]: r for r in Tables(section(render(db))).tables["review-timescales"][1:]}
        assert listed["KT"][4] == expected, held


def test_audit_grades_by_audit_equal_the_register(page_db, tables):
    first, _ = Q4.rolling_year()
    with duckdb.connect(str(page_db), read_only=True) as con:
        rows = con.execute(f"""
            select a.audit_reference, coalesce(g.label, c.grade) grade, count(*) n
            from {register(con, 'stg_audits')} a join {register(con, 'stg_audit_cases')} c using (audit_reference)
            left join ref_codes g on g.code_list = 'audit_grade' and g.code = c.grade
            where a.audit_date between ? and ? group by all""", [first, END]).fetchall()
    grid = tables["audit-grades"]
    heading, listed, total = grid[0], body(grid), grid[-1]
    assert len(listed) == len({r[0] for r in rows}) >= 2
    for reference, grade, n in rows:
        row = next(r for r in listed if r[0].endswith(f"({reference})"))
        assert int(row[heading.index(grade)]) == n, (reference, grade)
    assert int(total[3]) == sum(n for *_, n in rows)


def test_themes_by_quarter_equal_the_indicator(page_db, tables):
    grid = tables["themes-by-quarter"]
    heading = grid[0]
    with duckdb.connect(str(page_db), read_only=True) as con:
        for label in heading[1:-1]:
            parts = dict(con.execute("""select breakdown_value, numerator from ind_values where indicator_code =
                'learning_themes' and period_type = 'quarter' and period_label = ? and breakdown = 'theme'""",
                                     [label]).fetchall())
            column = {r[0]: int(r[heading.index(label)]) for r in body(grid)}
            assert {t: n for t, n in column.items() if n} == {t: int(n) for t, n in parts.items()}, label
    assert sum(int(r[-1]) for r in body(grid)) >= int(grid[-1][-1])   # a review may name several themes


def test_child_deaths_four_year_comparison_is_the_cdops_return(page_db, tables):
    grid = tables["deaths-by-area"]
    assert grid[0] == ["Area", "2019-20", "2020-21", "2021-22", "2022-23"]
    with duckdb.connect(str(page_db), read_only=True) as con:
        for area, *years in body(grid):
            for label, shown in zip(grid[0][1:], years):
                n = con.execute("""select numerator from ind_values where indicator_code = 'child_deaths_trend'
                    and period_type = 'year' and period_label = '2022-23' and breakdown_value = ?""",
                                [f"{label}: {area}"]).fetchone()[0]
                assert int(shown) == n, (area, label)
    # calibrated to the 2022-23 report: 128 Black Country deaths, 38 in Sandwell
    assert grid[-1][-1] == "128"
    assert next(r for r in grid if r[0] == "Sandwell")[-1] == "38"


def test_the_section_collapses_like_the_others(html):
    part = section(html)
    assert re.search(r'<details class="section-detail" data-role="section-detail">\s*<summary>', part)
    details = part.split('data-role="section-detail"')[1]
    for key in ("actions", "reviews", "audits", "themes", "deaths"):
        assert f'data-part="{key}"' in details, key   # every part folds with the section
    assert 'href="#section-learning"' in html          # and the contents link to it


def test_internal_marking_when_small_counts_of_children_are_shown(html):
    assert html.count('data-role="internal-marking"') == 2   # the page header and the section
    header = html.split("</header>")[0]
    assert "internal-marking" in header


def test_no_internal_marking_without_small_counts_of_children(db):
    from pipeline.lib.indicators import load_catalogue

    children = [i.code for i in load_catalogue() if i.section in ("learning", "assurance", "child_deaths")
                and i.disclosure == "children"]
    with duckdb.connect(str(db)) as con:
        for column in ("numerator", "denominator", "value"):
            con.execute(f"update ind_values set {column} = {column} + 10 where indicator_code in (select unnest(?)) "
                        f"and {column} between 1 and 5", [children])
    assert 'data-role="internal-marking"' not in render(db)
    with duckdb.connect(str(db)) as con:   # one count of 1 to 5 is enough to mark the page
        con.execute("""update ind_values set numerator = 3 where indicator_code = 'child_deaths_referred'
                       and period_type = 'quarter' and quarter_key = '2021-22-Q1' and breakdown = 'total'""")
    assert render(db).count('data-role="internal-marking"') == 2
    with duckdb.connect(str(db)) as con:   # so is a percentage resting on one: '0 of 4 rapid reviews'
        con.execute("update ind_values set numerator = 13 where numerator = 3 and indicator_code = 'child_deaths_referred'")
    assert 'data-role="internal-marking"' not in render(db)
    with duckdb.connect(str(db)) as con:
        con.execute("""update ind_values set numerator = 0, denominator = 4, value = 0
                       where indicator_code = 'rapid_reviews_15wd_pct' and period_type = 'quarter'
                       and quarter_key = '2021-22-Q1' and breakdown = 'total'""")
    assert render(db).count('data-role="internal-marking"') == 2


def test_a_register_not_received_says_so_never_zero(db):
    with duckdb.connect(str(db)) as con:
        con.execute("""delete from raw_sheets where (file_id, period_key) in (select file_id, period_key from raw_files
                       where return_type = 'actions' and period_key = ?)""", [Q4.partition_key])
        con.execute("delete from raw_files where return_type = 'actions' and period_key = ?", [Q4.partition_key])
        indicators.store_quarter(con, Q4, indicators.compute_quarter(con, Q4, ONS_CODE))
    part = section(render(db)).split('data-part="actions"')[1].split('data-part="reviews"')[0]
    assert 'data-status="not_received"' in part
    assert f"Not received for {Q4.label}." in part
    assert "<table" not in part and ">0<" not in part
    others = section(render(db)).split('data-part="reviews"')[1]
    assert 'data-status="complete"' in others                  # the other registers still show


def test_agency_text_in_an_action_is_only_ever_text(db):
    hostile = "Chase <img src=x onerror=alert(1)> & report"
    with duckdb.connect(str(db)) as con:
        con.execute(f"update {raw_table('actions', 'actions')} set action = ? where due_date < ? and date_closed is null",
                    [hostile, END])
    page = section(render(db))
    assert "<img src=x" not in page
    assert "Chase &lt;img src=x onerror=alert(1)&gt; &amp; report" in page


def test_an_earlier_quarter_reads_the_registers_as_filed_then(page_db):
    q = Quarter(2022, 2)
    found = Tables(section(render(page_db, q))).tables
    with duckdb.connect(str(page_db), read_only=True) as con:
        n = con.execute("""select numerator from ind_values where indicator_code = 'reviews_in_progress' and
                           period_type = 'quarter' and period_label = ? and breakdown = 'total'""", [q.label]).fetchone()[0]
        with indicators.as_of(con, q):     # the stg_ views as they stood when the quarter was filed
            open_then = {r[0] for r in con.execute(f"""select case_reference from {register(con, 'stg_reviews', q)}
                where review_start_date <= ? and (ratified_date is null or ratified_date > ?)""", [q.end, q.end]).fetchall()}
    assert found["reviews-in-progress"][-1] == ["All in progress", f"{int(n)}"] == ["All in progress", f"{len(open_then)}"]
    assert open_then <= {r[0] for r in found["review-timescales"][1:]}
    assert found["overdue-by-agency"][-1][1] == "0"      # no action was overdue at 30 September 2022


def test_a_register_with_no_action_closed_yet_still_shows_its_overdue_actions(db):
    """A date column with no date in it at all (no action closed by then, as in a partnership's first quarters)
    reads as empty dates, not as a column no date can be compared with (the demo's dashboard failed on it)."""
    with duckdb.connect(str(db)) as con:
        con.execute(f"update {raw_table('actions', 'actions')} set date_closed = null")
        indicators.store_quarter(con, Q4, indicators.compute_quarter(con, Q4, ONS_CODE))
        expected = overdue_from_register(con)
    assert expected
    part = section(render(db)).split('data-part="actions"')[1].split('data-part="reviews"')[0]
    for _agency, reference, _due, _days in expected:
        assert str(reference) in part
