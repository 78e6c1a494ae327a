"""The independent check: every figure equals the generator's own count, clean and dirty alike; every row's fate is
the one the generator planned; an empty quarter is 'not received', a partial year says so.

Findings (tests/independent/FINDINGS.md) are marked xfail(strict=True): each turns red the day its defect is fixed.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.independent.conftest import COPY, EMPTY_QUARTER, GAP_QUARTERS, MISFILED
from tests.independent.journeys import FILED, Q, care_leavers_at, expected, expected_breakdowns
from tests.independent.workbooks import DIRTY_HEADINGS, JUNK, FileWritten

pytestmark = pytest.mark.independent

GROUPS = {
    "contacts": ["contacts_total", "contacts_children", "contacts_police_pct", "contacts_education_pct"],
    "referrals": ["referrals_total", "referrals_children", "rereferrals_pct", "referrals_nfa_pct",
                  "referrals_police_pct", "referrals_education_pct"],
    "assessments": ["assessments_completed", "assessments_started", "assessments_45wd_pct"],
    "s47": ["s47_total", "icpc_total", "icpc_15wd_pct", "icpc_to_plan_pct"],
    "cin": ["cin_all_at_end", "cin_started"],
    "child_protection": ["cpp_at_end", "cpp_started", "cpp_ended", "cpp_second_subsequent_pct", "cpp_2yrs_ceased_pct"],
    "children_in_care": ["cla_at_end", "cla_started", "cla_ceased"],
}
SNAPSHOTS = {"cin_all_at_end", "cpp_at_end", "cla_at_end"}
HISTORY_START = FILED[0].start


def windows() -> list[tuple[str, dt.date, dt.date, Q]]:
    """(period_type, start, end, partition) of every window the filed returns cover whole."""
    out = []
    for q in FILED:
        out.append(("quarter", q.start, q.end, q))
        rolling_start = Q(q.fy - 1, q.n).next().start
        if rolling_start >= HISTORY_START:
            out.append(("rolling_12m", rolling_start, q.end, q))
        if q.n == 4:
            out.append(("year", Q(q.fy, 1).start, q.end, q))
    return out


def totals(build) -> dict[tuple, tuple]:
    rows = build.con.execute("""
        select indicator_code, period_type, period_start, period_end, numerator, denominator, value, status,
               coverage, missing_quarters
        from ind_values where breakdown = 'total'""").fetchall()
    return {(r[0], r[1], r[2], r[3]): r[4:] for r in rows}


def _num(x):
    return None if x is None else round(float(x), 6)


def mismatches(world, build, codes: list[str]) -> list[str]:
    got = totals(build)
    problems = []
    for period_type, start, end, q in windows():
        want = expected(world, start, end)
        for code in codes:
            n, d = want[code]
            row = got.get((code, period_type, start, end))
            where = f"{code} {period_type} {start}..{end}"
            if row is None:
                problems.append(f"{where}: no row in ind_values (expected {n}/{d})")
                continue
            numerator, denominator, value, status = row[0], row[1], row[2], row[3]
            if status != "complete":
                problems.append(f"{where}: status {status!r}, expected 'complete' (every quarter filed)")
            if d == 0:   # nothing to divide: no figure, never 0%
                if value is not None:
                    problems.append(f"{where}: value {value} with a zero denominator")
                continue
            if _num(numerator) != n or (d is not None and _num(denominator) != d):
                problems.append(f"{where}: got {_num(numerator)}/{_num(denominator)}, expected {n}/{d}")
            elif d is not None and (value is None or abs(float(value) - 100 * n / d) > 1e-6):
                problems.append(f"{where}: value {value}, expected {100 * n / d:.4f}")
    return problems


def report(problems: list[str], limit: int = 25) -> str:
    return f"{len(problems)} problems:\n" + "\n".join(problems[:limit]) + ("\n..." if len(problems) > limit else "")


FINDINGS = {
    1: "Ofsted's 'List 5 - S47 and ICPC' is read as List 7 and the real List 7 is never read",
    2: '#N/A in Allocated Team / Worker quarantines the whole row',
    3: "'CS Assessment Updated' in an optional outcome column quarantines the assessment",
    4: 'impossible children in care (looked after before birth, aged 19) are loaded and counted',
    5: 'sheets not read (notes, lists 9-11, a list taken for a duplicate) have no raw_sheets row',
    6: 'lists 9, 10 and 11 are not read; no care-leaver figure',
    7: "a byte-identical copy shares the original's file ID and multiplies its figures",
    8: 'a return left loose in the year folder is not in raw_files',
}


# Fixed on main, each now guarded by the tests that waited for it (FINDINGS.md says by what).
FIXED = {1, 2, 3, 4, 5, 6, 7, 8}


def finding(*numbers: int) -> pytest.MarkDecorator:
    """xfail(strict) naming the open findings (FINDINGS.md) a test waits for: it turns red the day they are all
    fixed, and then the finding goes into FIXED. A test whose findings are all fixed runs as an ordinary test."""
    still_open = [n for n in numbers if n not in FIXED]
    if not still_open:
        return pytest.mark.independent
    return pytest.mark.xfail(strict=True, reason="; ".join(f"FINDING {n}: {FINDINGS[n]}" for n in still_open))


# ---- 1. every indicator equals the generator's count -----------------------------------------------------------------

INDICATOR_FINDINGS = {("clean", "child_protection"): finding(1), ("clean", "children_in_care"): finding(4),
                      ("dirty", "referrals"): finding(2), ("dirty", "assessments"): finding(3),
                      ("dirty", "cin"): finding(2), ("dirty", "child_protection"): finding(1),
                      ("dirty", "children_in_care"): finding(4)}


@pytest.mark.parametrize("group", list(GROUPS))
@pytest.mark.parametrize("variant", ["clean", "dirty"])
def test_every_indicator_equals_the_generators_count(request, world, variant, group):
    mark = INDICATOR_FINDINGS.get((variant, group))
    if mark is not None:
        request.applymarker(mark)
    build = request.getfixturevalue(variant)
    problems = mismatches(world, build, GROUPS[group])
    assert not problems, report(problems)


BREAKDOWNS = {"front_door": ["contacts_by_source", "referrals_by_source"],
              "child_protection": ["cpp_by_category", "cpp_by_age_band", "cpp_by_disability"],
              "children_in_care": ["cla_by_age_band", "cla_by_gender"]}
BREAKDOWN_FINDINGS = {("clean", "child_protection"): finding(1), ("dirty", "child_protection"): finding(1),
                      ("clean", "children_in_care"): finding(4), ("dirty", "children_in_care"): finding(4),
                      ("dirty", "front_door"): finding(2)}


@pytest.mark.parametrize("group", list(BREAKDOWNS))
@pytest.mark.parametrize("variant", ["clean", "dirty"])
def test_every_breakdown_equals_the_generators_count(request, world, variant, group):
    """Source groups, categories, DfE age bands at the period end, disability (Yes/No of the known), gender."""
    mark = BREAKDOWN_FINDINGS.get((variant, group))
    if mark is not None:
        request.applymarker(mark)
    build = request.getfixturevalue(variant)
    codes = BREAKDOWNS[group]
    rows = build.con.execute(f"""
        select indicator_code, period_type, period_start, period_end, breakdown_value, numerator, denominator
        from ind_values where breakdown <> 'total' and indicator_code in ({", ".join("?" * len(codes))})""",
        codes).fetchall()
    got = {(r[0], r[1], r[2], r[3], r[4]): (_num(r[5]), _num(r[6])) for r in rows}
    problems = []
    for period_type, start, end, _ in windows():
        want = {k: v for k, v in expected_breakdowns(world, start, end).items() if k[0] in codes}
        here = {(k[0], k[4]): v for k, v in got.items() if k[1:4] == (period_type, start, end)}
        for key in sorted(set(want) | {k for k, v in here.items() if v[0]}):
            if here.get(key) != want.get(key):
                problems.append(f"{key[0]} [{key[1]}] {period_type} {start}..{end}: got {here.get(key)}, "
                                f"expected {want.get(key)}")
    assert not problems, report(problems)


@finding(2, 3)
def test_clean_and_dirty_give_identical_indicators(clean, dirty):
    a, b = totals(clean), totals(dirty)
    codes = {c for group in GROUPS.values() for c in group}
    diff = [f"{k}: clean {a.get(k)[:4] if a.get(k) else None} dirty {b.get(k)[:4] if b.get(k) else None}"
            for k in sorted(set(a) | set(b), key=str) if k[0] in codes and a.get(k) != b.get(k)]
    assert not diff, report(diff)


def test_the_run_succeeds(clean, dirty, gap):
    assert (clean.success, dirty.success, gap.success) == (True, True, True)


# ---- 2. every row's fate ----------------------------------------------------------------------------------------------

def _loaded_rows(build, written: FileWritten, list_key: str) -> set[int]:
    fid = build.file_id(written)
    tables = {t for (t,) in build.con.execute("select table_name from information_schema.tables").fetchall()}
    if f"raw_{list_key}" not in tables:
        return set()
    return {r for (r,) in build.con.execute(f"select source_row from raw_{list_key} where file_id = ?", [fid]).fetchall()}


def _quarantined_rows(build, written: FileWritten, list_key: str) -> set[int]:
    fid = build.file_id(written)
    return {r for (r,) in build.con.execute(
        "select source_row from raw_quarantine where file_id = ? and sheet_key = ?", [fid, list_key]).fetchall()}


LISTS_1_TO_8 = ["contacts", "referrals", "assessments", "s47", "cin", "child_protection", "children_in_care"]
LISTS_9_TO_11 = ["care_leavers", "adoption", "adopters"]


def _valid_row_problems(build, lists: list[str]) -> list[str]:
    problems = []
    for written in build.files:
        for sheet in written.sheets:
            if sheet.list_key not in lists:
                continue
            loaded = _loaded_rows(build, written, sheet.list_key)
            quarantined = _quarantined_rows(build, written, sheet.list_key)
            lost = [r for r in sheet.valid_rows if r not in loaded]
            wrongly = [r for r in sheet.valid_rows if r in quarantined]
            if lost:
                problems.append(f"{written.relative_path} [{sheet.sheet_name}]: {len(lost)} of {len(sheet.valid_rows)} "
                                f"valid rows not loaded (e.g. row {lost[0]}; {len(wrongly)} quarantined)")
    return problems


@pytest.mark.parametrize("variant", [pytest.param("clean", marks=finding(1)), pytest.param("dirty", marks=finding(1, 2, 3))])
def test_no_valid_row_of_lists_1_to_8_is_lost(request, variant):
    build = request.getfixturevalue(variant)
    problems = _valid_row_problems(build, LISTS_1_TO_8)
    assert not problems, report(problems)


@pytest.mark.parametrize("variant", [pytest.param("clean", marks=finding(6)), pytest.param("dirty", marks=finding(6))])
def test_every_row_of_lists_9_to_11_is_loaded(request, variant):
    build = request.getfixturevalue(variant)
    problems = _valid_row_problems(build, LISTS_9_TO_11)
    assert not problems, report(problems)


def _invalid_cases():
    from tests.independent.workbooks import invalid_rows
    return [pytest.param(variant, inv.why, id=f"{variant}-{inv.list_key}-{inv.why.replace(' ', '_')}")
            for variant in ("clean", "dirty") for inv in invalid_rows(Q(2022, 2))]


INVALID_FINDINGS = {(variant, why): finding(n) for variant in ("clean", "dirty") for why, n in [
    ("plan ends before it starts", 1),   # list 7 is never read, so its invalid row cannot be quarantined
    ("looked after from 8 years before birth", 4), ("a 19-year-old looked after", 4)]}


@pytest.mark.parametrize("variant,why", _invalid_cases())
def test_invalid_row_is_quarantined_naming_its_column(request, variant, why):
    mark = INVALID_FINDINGS.get((variant, why))
    if mark is not None:
        request.applymarker(mark)
    build = request.getfixturevalue(variant)
    hits = [(w, s, row, inv) for w in build.files for s in w.sheets for row, inv in s.invalid_rows.items() if inv.why == why]
    assert len(hits) == 1
    written, sheet, row, invalid = hits[0]
    assert row not in _loaded_rows(build, written, sheet.list_key), f"{why}: row {row} of {sheet.sheet_name} was loaded"
    assert row in _quarantined_rows(build, written, sheet.list_key), f"{why}: row {row} of {sheet.sheet_name} not quarantined"
    columns = {c.lower() for c in invalid.columns} | {DIRTY_HEADINGS.get(c, c).lower() for c in invalid.columns}
    named = {(c or "").lower() for (c,) in build.con.execute(
        "select column_name from raw_issues where file_id = ? and sheet_name = ? and source_row = ? and severity = 'error'",
        [build.file_id(written), sheet.sheet_name, row]).fetchall()}
    assert named & columns, f"{why}: the errors for row {row} name {sorted(named)}, expected one of {sorted(columns)}"


@finding(2, 3)
def test_junk_in_optional_cells_is_a_warning_naming_the_cell(dirty):
    """`CS Assessment Updated` and `#N/A` in columns no indicator needs: the row loads, the cell is warned about."""
    problems = []
    for written in dirty.files:
        fid = dirty.file_id(written)
        for sheet in written.sheets:
            junk_columns = [h for (key, h) in JUNK if key == sheet.list_key]
            if not junk_columns:
                continue
            warned = {(r, (c or "").lower()) for r, c in dirty.con.execute(
                "select source_row, column_name from raw_issues where file_id = ? and sheet_name = ? and severity = 'warning'",
                [fid, sheet.sheet_name]).fetchall()}
            # the writer puts junk in every third data row (n % 3 == 0)
            for n, row in enumerate(sheet.valid_rows):
                if n % 3:
                    continue
                missing = [h for h in junk_columns if (row, h.lower()) not in warned]
                if missing:
                    problems.append(f"{written.relative_path} [{sheet.sheet_name}] row {row}: no warning for {missing}")
    assert not problems, report(problems)


@pytest.mark.parametrize("variant", [pytest.param("clean", marks=finding(1, 5, 6)),
                                     pytest.param("dirty", marks=finding(1, 2, 3, 5, 6))])
def test_every_list_sheet_is_read_as_its_own_list_and_its_rows_add_up(request, variant):
    build = request.getfixturevalue(variant)
    problems = []
    for written in build.files:
        fid = build.file_id(written)
        logged = build.con.execute("""select sheet_name, sheet_key, status, rows_read, rows_loaded, rows_quarantined
                                      from raw_sheets where file_id = ?""", [fid]).fetchall()
        by_name: dict[str, list[tuple]] = {}
        for row in logged:
            by_name.setdefault(row[0], []).append(row)
        for sheet in written.sheets:
            if sheet.list_key is None:
                continue
            valid, invalid = len(sheet.valid_rows), len(sheet.invalid_rows)
            want = (sheet.sheet_name, sheet.list_key, "loaded", valid + invalid, valid, invalid)
            got = by_name.get(sheet.sheet_name, [])
            if [tuple(g) for g in got] != [want]:
                problems.append(f"{written.relative_path} [{sheet.sheet_name}]: raw_sheets {got or 'has no row'}, "
                                f"expected {want}")
    assert not problems, report(problems)


@finding(5)
def test_every_other_sheet_is_listed_as_not_read(dirty):
    problems = []
    for written in dirty.files:
        fid = dirty.file_id(written)
        for sheet in written.sheets:
            if sheet.list_key is not None:
                continue
            got = dirty.con.execute("select status from raw_sheets where file_id = ? and sheet_name = ?",
                                    [fid, sheet.sheet_name]).fetchall()
            if got != [("not_read",)]:
                problems.append(f"{written.relative_path} [{sheet.sheet_name}]: raw_sheets {got or 'has no row'}")
    assert not problems, report(problems)


# ---- 3. no data is not zero; a partial period says so ----------------------------------------------------------------

ALL_CODES = [c for group in GROUPS.values() for c in group]


def test_a_quarter_with_no_return_is_not_received_never_zero(clean):
    got = totals(clean)
    problems = []
    for code in ALL_CODES:
        row = got.get((code, "quarter", EMPTY_QUARTER.start, EMPTY_QUARTER.end))
        if row is None:
            problems.append(f"{code} {EMPTY_QUARTER.label}: no total row")
        elif (row[0], row[2], row[3]) != (None, None, "not_received"):
            problems.append(f"{code} {EMPTY_QUARTER.label}: numerator {row[0]}, value {row[2]}, status {row[3]}")
    assert not problems, report(problems)


PERIOD_FINDINGS = {("rolling", "child_protection"): finding(1), ("gap", "child_protection"): finding(1),
                   ("gap", "children_in_care"): finding(4)}


@pytest.mark.parametrize("group", list(GROUPS))
def test_rolling_year_reaching_before_the_first_return_is_partial(request, clean, group):
    mark = PERIOD_FINDINGS.get(("rolling", group))
    if mark is not None:
        request.applymarker(mark)
    got = totals(clean)
    problems = []
    for q in FILED[:3]:
        start = Q(q.fy - 1, q.n).next().start
        missing = []
        m = Q(q.fy - 1, q.n).next()
        while m.start < HISTORY_START:
            missing.append(m.label)
            m = m.next()
        for code in GROUPS[group]:
            if code in SNAPSHOTS:
                continue
            row = got.get((code, "rolling_12m", start, q.end))
            if row is None or row[3] != "partial" or row[5] != ", ".join(missing):
                problems.append(f"{code} 12 months to {q.end}: {row and (row[3], row[5])}, expected partial, {missing}")
    assert not problems, report(problems)


@pytest.mark.parametrize("group", list(GROUPS))
def test_a_year_missing_a_quarter_is_partial_and_the_missing_quarter_not_received(request, world, gap, group):
    mark = PERIOD_FINDINGS.get(("gap", group))
    if mark is not None:
        request.applymarker(mark)
    got = totals(gap)
    year = (Q(2022, 1).start, Q(2022, 4).end)
    missing = Q(2022, 3)
    problems = []
    for code in GROUPS[group]:
        row = got.get((code, "year", *year))
        if code in SNAPSHOTS:   # a snapshot rests on the year-end quarter alone, which was filed
            n, _ = expected(world, *year)[code]
            if row is None or row[3] != "complete" or _num(row[0]) != n:
                problems.append(f"{code} 2022-23 (snapshot): {row and row[:4]}, expected complete {n}")
        elif row is None or (row[3], row[4], row[5]) != (
                "partial", ", ".join(q.label for q in GAP_QUARTERS), missing.label):
            problems.append(f"{code} 2022-23: {row and row[3:]}, expected partial without {missing.label}")
        q3 = got.get((code, "quarter", missing.start, missing.end))
        if q3 is None or (q3[0], q3[2], q3[3]) != (None, None, "not_received"):
            problems.append(f"{code} {missing.label}: {q3 and q3[:4]}, expected not_received with no value")
    assert not problems, report(problems)


def test_a_misfiled_return_is_named_not_lost(gap):
    """The Q3 return left loose in 2022-23/: in raw_files as not filed (under whichever quarters it is listed), with a
    message saying where it should go, and never loaded (the gap test proves Q3 stays not received)."""
    rows = gap.con.execute("select period_key, status, message from raw_files where relative_path = ?", [MISFILED]).fetchall()
    assert rows, f"{MISFILED}: not in raw_files"
    assert {r[1] for r in rows} == {"not_filed"}, rows
    assert all(r[2] and "Q" in r[2] for r in rows), [r[2] for r in rows]


def test_a_byte_identical_copy_is_read_once_and_changes_no_figure(world, gap):
    """Two byte-identical files in 2022-23/Q2/: one read, the other a 'duplicate' with an ID of its own and no rows."""
    problems = []
    original = gap.files[1].relative_path
    rows = gap.con.execute("select relative_path, file_id, status from raw_files where relative_path in (?, ?)",
                           [original, COPY]).fetchall()
    statuses = sorted(r[2] for r in rows)
    if statuses != ["duplicate", "loaded"]:
        problems.append(f"raw_files {rows}: expected one 'loaded' and one 'duplicate'")
    if len({r[1] for r in rows}) != len(rows):
        problems.append(f"the two files share a file ID: {rows}")
    duplicates = [r[1] for r in rows if r[2] == "duplicate"]
    for table in ("raw_contacts", "raw_referrals", "raw_cin"):
        for file_id in duplicates:
            n = gap.con.execute(f"select count(*) from {table} where file_id = ?", [file_id]).fetchall()[0][0]
            if n:
                problems.append(f"{table}: {n} rows loaded from the duplicate")
    got = totals(gap)
    for q in GAP_QUARTERS[:2]:
        want = expected(world, q.start, q.end)
        for code in GROUPS["contacts"] + GROUPS["referrals"]:
            row = got.get((code, "quarter", q.start, q.end))
            if row is None or _num(row[0]) != want[code][0]:
                problems.append(f"{code} {q.label}: {row and row[:4]}, expected {want[code]}")
    assert not problems, report(problems)


# ---- 4. lists 9-11 -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("variant", [pytest.param("clean", marks=finding(6)), pytest.param("dirty", marks=finding(6))])
def test_care_leavers_at_each_quarter_end(request, world, variant):
    build = request.getfixturevalue(variant)
    got = totals(build)
    problems = []
    for q in FILED:
        row = got.get(("care_leavers_total", "quarter", q.start, q.end))
        want = care_leavers_at(world, q)
        if row is None or _num(row[0]) != want:
            problems.append(f"care_leavers_total {q.label}: {row and row[:4]}, expected {want}")
    assert not problems, report(problems)
