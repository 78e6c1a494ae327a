"""The intake of one quarter: every file filed under raw/<2022-23>/<Q3>/ read, checked and loaded.

One agency's broken file never stops the others: a file that cannot be read is recorded as rejected
with the reason, and the rest carry on. Every data row ends up loaded or quarantined.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.lib.periods import Quarter
from pipeline.lib.pseudonymise import month_of, pseudonymise_ids
from pipeline.lib.returns import filing, limits, store
from pipeline.lib.returns.identifying import mask_issues, reduce_mappings
from pipeline.lib.returns.messages import describe
from pipeline.lib.returns.reader import (
    ReturnFileError,
    duplicate_sheets,
    open_workbook,
    read_sheet,
    recognise,
    sheet_fates,
)
from pipeline.lib.returns.spec import CodeList, ReturnSpec, load_code_lists, load_specs
from pipeline.lib.returns.validate import SheetResult, match_headings, validate_sheet

ACCEPTED_SUFFIXES = {".xlsx", ".xlsm", ".xls"}


@dataclass
class FileOutcome:
    file_id: str
    relative_path: str
    file_name: str
    sha256: str
    size_bytes: int
    modified_at: dt.datetime
    agency: str
    return_type: str | None = None
    status: str = "loaded"
    rule: str | None = None
    message: str | None = None
    sheets: list[dict] = field(default_factory=list)
    issues: list[pd.DataFrame] = field(default_factory=list)
    mappings: list[pd.DataFrame] = field(default_factory=list)
    quarantine: list[pd.DataFrame] = field(default_factory=list)
    tables: dict[str, list[pd.DataFrame]] = field(default_factory=dict)


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def quarter_files(raw_dir: Path, quarter: Quarter) -> list[Path]:
    """The files filed for `quarter` that its intake reads (raw/<2022-23>/<Q3>/..., symlinks within raw/ only)."""
    return [f.path for f in filing.files_for(raw_dir, quarter) if f.filed]


def file_id_of(relative_path: str, sha256: str) -> str:
    """A file's identity is its place and its bytes: two copies of one file never share an ID."""
    return hashlib.sha256(f"{relative_path}\0{sha256}".encode()).hexdigest()[:16]


def _agency_from_path(path: Path, quarter_dir: Path, default: str) -> str:
    """Agencies may file into a subfolder of the quarter named after themselves."""
    parts = path.relative_to(quarter_dir).parts
    return parts[0] if len(parts) > 1 else default


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def read_return(path: Path, raw_dir: Path, quarter: Quarter, specs: dict[str, ReturnSpec],
                code_lists: dict[str, CodeList], pseudonym_key: str, today: dt.date,
                sha: str | None = None) -> FileOutcome:
    before = _stat(path)
    sha = sha or file_digest(path)
    quarter_dir = raw_dir / quarter.folder
    relative = path.relative_to(raw_dir).as_posix()
    outcome = FileOutcome(
        file_id=file_id_of(relative, sha), relative_path=relative, file_name=path.name, sha256=sha,
        size_bytes=before[0], modified_at=dt.datetime.fromtimestamp(before[1] // 1_000_000_000),
        agency=_agency_from_path(path, quarter_dir, "Unknown agency"),
    )
    try:
        _read_into(outcome, path, quarter, specs, code_lists, pseudonym_key, today)
    except ReturnFileError as err:
        outcome.status, outcome.rule, outcome.message = "rejected", err.rule, err.message
    if outcome.return_type:
        outcome.agency = _agency_from_path(path, quarter_dir, specs[outcome.return_type].default_agency)
    # A file still being saved or copied into the folder: what was read may be half of it. Read it next time.
    if path.exists() and _stat(path) != before:
        changed = FileOutcome(outcome.file_id, outcome.relative_path, outcome.file_name, outcome.sha256,
                              outcome.size_bytes, outcome.modified_at, outcome.agency, outcome.return_type)
        changed.status, changed.rule = "rejected", "changed_while_read"
        changed.message = describe("changed_while_read", value=relative)[1]
        return changed
    return outcome


def _read_into(outcome: FileOutcome, path: Path, quarter: Quarter, specs: dict[str, ReturnSpec],
               code_lists: dict[str, CodeList], pseudonym_key: str, today: dt.date) -> None:
    if path.suffix.lower() not in ACCEPTED_SUFFIXES:
        raise ReturnFileError("wrong_extension", f"{path.name}: returns must be Excel workbooks (.xlsx); "
                              f"'{path.suffix or 'no extension'}' files are not read. Save it as .xlsx and file it again.")
    reader = open_workbook(path)
    if len(reader.sheet_names) > limits.max_sheets():
        raise ReturnFileError("too_many_sheets", f"{path.name}: " + describe(
            "too_many_sheets", value=f"{len(reader.sheet_names):,}", detail=f"{limits.max_sheets():,}")[1])
    parts = limits.sheet_parts(path) if path.suffix.lower() != ".xls" else {}
    scans = limits.BackgroundScans(path, {name: part for name, (part, _) in parts.items()})
    recognised = recognise(reader, specs)
    if recognised is None:
        expected = "; ".join(f"{s.title} (sheets such as '{s.sheets[0].sheet_names[0]}')" for s in specs.values())
        raise ReturnFileError("unrecognised_return", f"{path.name}: no sheet matches a known return. "
                              f"Expected one of: {expected}. Use the blank template for the return.")
    spec, sheet_names = recognised

    outcome.return_type = spec.return_type
    if path.suffix.lower() == ".xls":
        outcome.issues.append(_file_issue(outcome, "", "legacy_xls", path.name))
    features = limits.workbook_features(path) if path.suffix.lower() != ".xls" else {}
    if features.get("macros"):
        outcome.issues.append(_file_issue(outcome, "", "macro_enabled", path.name))
    if features.get("external_links"):
        outcome.issues.append(_file_issue(outcome, "", "external_links", str(features["external_links"])))
    # every sheet accounted for: one not read gets its own raw_sheets row with the reason, and an issue unless it
    # is only notes or empty (a duplicate is said by duplicate_sheet below)
    for fate in sheet_fates(reader, specs):
        if fate.fate != "not_read":
            continue
        outcome.sheets.append({"file_id": outcome.file_id, "period_key": quarter.partition_key,
                               # no sheet_key: a sheet not read is no list's, even a copy of one (the reason says)
                               "sheet_key": None, "sheet_title": None, "sheet_name": fate.sheet,
                               "header_row": None, "rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0,
                               "rows_outside_period": 0, "blank_rows": 0, "status": "not_read",
                               "reason": f"{fate.reason} of {fate.list_key}" if fate.list_key else fate.reason})
        if fate.reason not in ("duplicate", "notes", "empty"):
            outcome.issues.append(pd.DataFrame([{
                "source_row": None, "column_name": "", "value": fate.sheet, "rule": f"sheet_not_read:{fate.reason}",
                "severity": fate.severity or "warning", "sheet_name": fate.sheet,
                "message": fate.message or describe("sheet_not_read", value=fate.sheet)[1]}]))
    for key, others in duplicate_sheets(reader, spec, sheet_names).items():
        title = next(s.title for s in spec.sheets if s.key == key)
        for other in others:
            outcome.issues.append(_file_issue(outcome, other, "duplicate_sheet", other,
                                              f"{title} (the sheet read was '{sheet_names[key]}')"))
    row_limit = limits.max_rows(spec.return_type)
    period_dates: dict[str, pd.Series] = {}
    for sheet_spec in spec.sheets:
        name = sheet_names.get(sheet_spec.key)
        base = {"file_id": outcome.file_id, "period_key": quarter.partition_key, "sheet_key": sheet_spec.key,
                "sheet_title": sheet_spec.title, "sheet_name": name, "header_row": None, "rows_read": 0, "rows_loaded": 0,
                "rows_quarantined": 0, "rows_outside_period": 0, "blank_rows": 0}
        if name is None:
            outcome.sheets.append({**base, "status": "missing"})
            outcome.issues.append(_file_issue(outcome, "", "missing_sheet", sheet_spec.title))
            continue
        part, visibility = parts.get(name, (None, "visible"))
        if visibility != "visible":
            outcome.issues.append(_file_issue(outcome, name, "hidden_sheet", name,
                                              "very hidden (it can only be seen from the VBA editor)"
                                              if visibility == "veryHidden" else "hidden"))
        scan = scans.result(name) if part else None
        if scan is not None and scan.rows > row_limit:
            outcome.sheets.append({**base, "status": "too_many_rows"})
            outcome.issues.append(_file_issue(outcome, name, "too_many_rows", name,
                                              f"{scan.rows:,} rows, more than the {row_limit:,}"))
            continue
        try:
            raw = read_sheet(reader, name, sheet_spec, path, has_formulas=scan is None or scan.has_formulas)
        except Exception as exc:  # noqa: BLE001 - a sheet calamine cannot parse must not stop the others
            outcome.sheets.append({**base, "status": "unreadable"})
            outcome.issues.append(_file_issue(outcome, name, "no_header", f"{name} ({exc})"))
            continue
        if raw is None:
            outcome.sheets.append({**base, "status": "no_header"})
            outcome.issues.append(_file_issue(outcome, name, "no_header", name))
            continue
        result = validate_sheet(raw, sheet_spec, code_lists, (quarter.start, quarter.end), today)
        status = "empty" if result.rows_read == 0 else "loaded"
        if result.rows_read == 0:
            outcome.issues.append(_file_issue(outcome, name, "empty_sheet", name))
        outcome.sheets.append({**base, "header_row": raw.header_row, "rows_read": result.rows_read,
                               "rows_loaded": len(result.clean), "rows_quarantined": len(result.quarantined),
                               "rows_outside_period": int((~result.clean["in_period"]).sum()) if len(result.clean) else 0,
                               "blank_rows": raw.blank_rows, "status": status})
        dates = _period_dates(result.clean, sheet_spec)
        if dates is not None:
            period_dates[name] = dates
        _collect(outcome, result, raw, sheet_spec, name, quarter, pseudonym_key)
    _one_message_for_a_misfiled_return(outcome, quarter, period_dates)


def _period_dates(clean: pd.DataFrame, sheet_spec) -> pd.Series | None:
    """The date each loaded row is placed in a quarter by (registers are filed as they stand: None)."""
    period = sheet_spec.period
    if period["rule"] == "event":
        column = period["date"]
    elif period["rule"] == "episode":
        column = period["start"]
    elif period["rule"] == "any_date":
        present = [c for c in period["dates"] if c in clean]
        return clean[present].bfill(axis=1).iloc[:, 0] if present and len(clean) else None
    else:
        return None
    return clean[column] if column in clean and len(clean) else None


def _one_message_for_a_misfiled_return(outcome: FileOutcome, quarter: Quarter, period_dates: dict[str, pd.Series]) -> None:
    """A return none of whose rows fall in the quarter it was filed under gets one message, not one per row."""
    sheets = [s for s in outcome.sheets if s["sheet_name"] in period_dates and s["rows_loaded"]]
    if not sheets or any(s["rows_outside_period"] < s["rows_loaded"] for s in sheets):
        return
    names = [s["sheet_name"] for s in sheets]
    dates = pd.concat([period_dates[n] for n in names]).dropna()
    if dates.empty:
        return
    quarters = sorted({Quarter.containing(d.date()) for d in pd.to_datetime(dates)})
    for i, frame in enumerate(outcome.issues):
        if "rule" in frame and len(frame):
            drop = (frame["rule"] == "outside_period") & frame["sheet_name"].isin(names)
            outcome.issues[i] = frame[~drop]
    listed = ", ".join(f"'{n}'" for n in names)
    rows = sum(s["rows_loaded"] for s in sheets)
    if len(quarters) == 1:
        other = quarters[0]
        detail = (f"Every row ({rows:,}) of {listed} is dated {other.label}, none {quarter.label}: filed under "
                  f"{quarter.label} by mistake? If it is the {other.label} return, move it to raw/{other.folder}/.")
    else:
        detail = (f"No row ({rows:,}) of {listed} is dated {quarter.label}: they are dated {quarters[0].label} to "
                  f"{quarters[-1].label}. Check it is the {quarter.label} return and was filed in the right folder.")
    outcome.issues.append(_file_issue(outcome, "", "wrong_quarter", quarter.label, detail))


def _file_issue(outcome: FileOutcome, sheet: str, rule: str, value: str, detail: str = "") -> pd.DataFrame:
    severity, message = describe(rule, value=value, detail=detail)
    return pd.DataFrame([{"source_row": None, "column_name": "", "value": value, "rule": rule,
                          "severity": severity, "message": message, "sheet_name": sheet}])


def _collect(outcome: FileOutcome, result: SheetResult, raw, sheet_spec, sheet_name: str, quarter: Quarter,
             key: str) -> None:
    clean = result.clean.copy()
    for column in sheet_spec.columns:
        if column.type == "child_id":
            clean[column.name] = pseudonymise_ids(clean[column.name], key)
        elif column.name == "date_of_birth" and len(clean):
            clean[column.name] = month_of(clean[column.name])  # DOB kept to its month only
    stored = [c.name for c in sheet_spec.columns if c.stored]
    clean_stored = clean[["source_row", "in_period", *stored]]
    clean_stored.insert(0, "source_sheet", sheet_name)
    clean_stored.insert(0, "source_file", outcome.file_name)
    clean_stored.insert(0, "filed_by", outcome.agency)
    clean_stored.insert(0, "period_key", quarter.partition_key)
    clean_stored.insert(0, "file_id", outcome.file_id)
    outcome.tables.setdefault(sheet_spec.raw_table, []).append(clean_stored)
    issues = _value_sent_for_outside_period(result.issues.copy(), result.clean, sheet_spec)
    found, _ = match_headings(raw.headings, sheet_spec)
    issues = mask_issues(issues, raw, sheet_spec, found, limits.max_value_chars())
    issues["sheet_name"] = sheet_name
    outcome.issues.append(issues)
    mappings = reduce_mappings(result.mappings.copy(), sheet_spec)
    mappings["sheet_name"] = sheet_name
    outcome.mappings.append(mappings)
    quarantine = result.quarantined.copy()
    quarantine["sheet_key"] = sheet_spec.key
    outcome.quarantine.append(quarantine)


def _value_sent_for_outside_period(issues: pd.DataFrame, clean: pd.DataFrame, sheet_spec) -> pd.DataFrame:
    """An outside-the-quarter warning's Value is the date the agency sent, not the quarter's range."""
    outside = issues["rule"] == "outside_period"
    if not outside.any():
        return issues
    period = sheet_spec.period
    start = period.get("date") or period.get("start") or next(iter(period.get("dates", [])), None)
    end = period.get("end") if period["rule"] == "episode" else None
    shown = {}
    # only the rows warned about (a handful), not every loaded row, go through Python
    warned = clean[clean["source_row"].isin(issues.loc[outside, "source_row"].tolist())]
    for row in warned.itertuples(index=False):
        first = getattr(row, start, None) if start else None
        if period["rule"] == "any_date":
            first = next((getattr(row, c) for c in period["dates"] if c in clean and pd.notna(getattr(row, c))), None)
        text = f"{first:%d/%m/%Y}" if first is not None and pd.notna(first) else ""
        if end and end in clean:
            last = getattr(row, end)
            text += f" to {last:%d/%m/%Y}" if pd.notna(last) else " (still open)"
        shown[row.source_row] = text
    issues.loc[outside, "value"] = issues.loc[outside, "source_row"].map(shown).fillna(issues.loc[outside, "value"])
    return issues


def _not_read(found: filing.Found, raw_dir: Path, quarter: Quarter) -> FileOutcome:
    """A file under raw/ that is listed, not read: misfiled, or a symlink out of raw/ (never opened)."""
    readable = not found.path.is_symlink() and found.path.is_file()
    sha = file_digest(found.path) if readable else hashlib.sha256(b"").hexdigest()
    st = found.path.lstat()
    agency = "Unknown agency"
    if found.quarter is not None:
        _, _, after = filing.guess_quarter(tuple(Path(found.relative_path).parts[:-1]))
        below = Path(found.relative_path).parts[after:-1]
        agency = below[0] if below else agency
    # 'not_filed': in the wrong place (docs/contracts.md); 'rejected': in a quarter folder but refused unopened.
    status = "rejected" if found.rule == "symlink_outside_raw" else "not_filed"
    return FileOutcome(file_id_of(found.relative_path, sha), found.relative_path, found.path.name, sha, st.st_size,
                       dt.datetime.fromtimestamp(int(st.st_mtime)), agency, status=status, rule=found.rule,
                       message=found.message)


def _duplicate(found: filing.Found, raw_dir: Path, sha: str, first: FileOutcome) -> FileOutcome:
    st = found.path.stat()
    quarter_dir = raw_dir / found.quarter.folder
    outcome = FileOutcome(file_id_of(found.relative_path, sha), found.relative_path, found.path.name, sha, st.st_size,
                          dt.datetime.fromtimestamp(int(st.st_mtime)),
                          _agency_from_path(found.path, quarter_dir, first.agency), return_type=first.return_type,
                          status="duplicate", rule="duplicate_file")
    outcome.message = describe("duplicate_file", value=found.relative_path, detail=first.relative_path)[1]
    return outcome


def intake_quarter(con: duckdb.DuckDBPyConnection, raw_dir: Path, quarter: Quarter, pseudonym_key: str,
                   today: dt.date | None = None, specs: dict[str, ReturnSpec] | None = None) -> list[FileOutcome]:
    """Read every file filed for `quarter` and replace that quarter's rows in the warehouse.

    Every file under raw/ that belongs to the quarter, or to no quarter, is recorded: read, a byte-identical
    copy of one read (not read twice), or not read with where it should go. Idempotent: the same files give
    the same tables. Rows of earlier versions of a file that is no longer in the folder are kept (queryable,
    marked not present and not current) rather than deleted.
    """
    today = today or dt.date.today()
    specs = specs or load_specs()
    code_lists = load_code_lists()
    listed = filing.files_for(raw_dir, quarter)
    digests = {f.relative_path: file_digest(f.path) for f in listed if f.filed}
    # Of byte-identical copies, the one saved first (then the shortest name: 'x.xlsx' before 'x (1).xlsx') is read.
    primary: dict[str, filing.Found] = {}
    for found in sorted((f for f in listed if f.filed), key=lambda f: (f.path.stat().st_mtime_ns, len(f.path.name),
                                                                        f.relative_path)):
        primary.setdefault(digests[found.relative_path], found)
    read: dict[str, FileOutcome] = {}
    for found in (f for f in listed if f.filed and primary[digests[f.relative_path]] is f):
        sha = digests[found.relative_path]
        read[sha] = read_return(found.path, raw_dir, quarter, specs, code_lists, pseudonym_key, today, sha=sha)
    outcomes: list[FileOutcome] = []
    for found in listed:
        if not found.filed:
            outcomes.append(_not_read(found, raw_dir, quarter))
            continue
        sha = digests[found.relative_path]
        first = read[sha]
        outcomes.append(first if primary[sha] is found else _duplicate(found, raw_dir, sha, first))
    write_quarter(con, quarter, outcomes, specs)
    return outcomes


def write_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter, outcomes: list[FileOutcome],
                  specs: dict[str, ReturnSpec]) -> None:
    store.ensure_tables(con, specs)
    columns = _all_columns(con)   # one catalogue query, not one per insert
    key = quarter.partition_key
    present_ids = [o.file_id for o in outcomes]
    con.execute("begin transaction")
    try:
        tables = ["raw_files", *store.LOG_TABLES.keys() - {"raw_files"},
                  *(s.raw_table for spec in specs.values() for s in spec.sheets)]
        # Rows reach these tables only here, in one transaction with their file's raw_files row: a file with no
        # raw_files row for the quarter has no rows to replace, and the 26 deletes (~60 ms even when empty) are skipped.
        seen = con.execute("select count(*) from raw_files where period_key = ? and file_id in (select unnest(?))",
                           [key, present_ids]).fetchone()[0]
        for table in tables if seen else ():
            con.execute(f"delete from {table} where period_key = ? and file_id in (select unnest(?))", [key, present_ids])
        con.execute("update raw_files set present = false, is_current = false where period_key = ?", [key])
        files = pd.DataFrame([{
            "file_id": o.file_id, "period_key": key, "period_label": quarter.label, "relative_path": o.relative_path,
            "file_name": o.file_name, "sha256": o.sha256, "size_bytes": o.size_bytes, "modified_at": o.modified_at,
            "return_type": o.return_type, "agency": o.agency, "status": o.status, "rule": o.rule, "message": o.message,
            "present": True, "is_current": False} for o in outcomes], columns=columns["raw_files"])
        _insert(con, "raw_files", files)
        # A resubmission replaces the earlier return of the same type from the same agency for the quarter.
        con.execute("""
            update raw_files set is_current = true
            where period_key = $key and file_id in (
                select file_id from (
                    select file_id, row_number() over (
                        partition by return_type, agency order by modified_at desc, file_name desc) as version_rank
                    from raw_files where period_key = $key and present and status = 'loaded'
                ) where version_rank = 1)
        """, {"key": key})
        pending: dict[str, list[pd.DataFrame]] = {}   # table -> its frames, in the order they were inserted one by one
        for o in outcomes:
            pending.setdefault("raw_sheets", []).append(pd.DataFrame(o.sheets, columns=columns["raw_sheets"]))
            if o.status == "rejected":
                o.issues.append(pd.DataFrame([{"source_row": None, "column_name": "", "value": o.file_name, "rule": o.rule,
                                               "severity": "error", "message": o.message, "sheet_name": ""}]))
            for frame, table in ((o.issues, "raw_issues"), (o.mappings, "raw_mappings"), (o.quarantine, "raw_quarantine")):
                if frame:
                    combined = pd.concat(frame, ignore_index=True)
                    combined["file_id"], combined["period_key"] = o.file_id, key
                    combined["file_name"], combined["agency"] = o.file_name, o.agency
                    pending.setdefault(table, []).append(combined[[c for c in columns[table] if c in combined]])
            for table, frames in o.tables.items():
                pending.setdefault(table, []).extend(frames)
        for table, frames in pending.items():
            for run in _same_types(frames):
                _insert(con, table, run[0] if len(run) == 1 else pd.concat(run, ignore_index=True))
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _all_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Table -> its columns in order, for every table of the warehouse."""
    out: dict[str, list[str]] = {}
    for table, column in con.execute("select table_name, column_name from duckdb_columns() where not internal "
                                     "order by table_name, column_index").fetchall():   # = information_schema's
        out.setdefault(table, []).append(column)
    return out


def _same_types(frames: list[pd.DataFrame]) -> list[list[pd.DataFrame]]:
    """Consecutive non-empty frames with the same columns and dtypes, together: one insert each run, not one a frame.

    An insert costs ~5 ms however few its rows (DuckDB looks over every column of the frame), most of a small
    authority's write. Only frames of identical dtypes are concatenated, so concat changes no value or type, and
    runs keep the frames' order, so each table's rows are in the order one insert a frame gave.
    """
    runs: list[list[pd.DataFrame]] = []
    last = None
    for frame in frames:
        if frame.empty:
            continue
        kind = tuple(frame.dtypes.items())
        if runs and kind == last:
            runs[-1].append(frame)
        else:
            runs.append([frame])
            last = kind
    return runs


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    con.register("_frame", frame)
    try:
        con.execute(f"insert into {table} by name select * from _frame")
    finally:
        con.unregister("_frame")


