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
from pipeline.lib.returns import store
from pipeline.lib.returns.messages import describe
from pipeline.lib.returns.reader import (
    ReturnFileError,
    duplicate_sheets,
    open_workbook,
    read_sheet,
    recognise,
)
from pipeline.lib.returns.spec import CodeList, ReturnSpec, load_code_lists, load_specs
from pipeline.lib.returns.validate import SheetResult, validate_sheet

ACCEPTED_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
IGNORED_NAMES = {"readme.md", ".ds_store", "thumbs.db"}


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
    folder = raw_dir / quarter.folder
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name.lower() not in IGNORED_NAMES
                  and not p.name.startswith("~$"))  # Excel's lock files while a workbook is open


def _agency_from_path(path: Path, quarter_dir: Path, default: str) -> str:
    """Agencies may file into a subfolder of the quarter named after themselves."""
    parts = path.relative_to(quarter_dir).parts
    return parts[0] if len(parts) > 1 else default


def read_return(path: Path, raw_dir: Path, quarter: Quarter, specs: dict[str, ReturnSpec],
                code_lists: dict[str, CodeList], pseudonym_key: str, today: dt.date) -> FileOutcome:
    sha = file_digest(path) if path.stat().st_size else hashlib.sha256(b"").hexdigest()
    quarter_dir = raw_dir / quarter.folder
    outcome = FileOutcome(
        file_id=sha[:16], relative_path=str(path.relative_to(raw_dir)), file_name=path.name, sha256=sha,
        size_bytes=path.stat().st_size, modified_at=dt.datetime.fromtimestamp(int(path.stat().st_mtime)),
        agency=_agency_from_path(path, quarter_dir, "Unknown agency"),
    )
    try:
        if path.suffix.lower() not in ACCEPTED_SUFFIXES:
            raise ReturnFileError("wrong_extension", f"{path.name}: returns must be Excel workbooks (.xlsx); "
                                  f"'{path.suffix or 'no extension'}' files are not read. Save it as .xlsx and file it again.")
        reader = open_workbook(path)
        recognised = recognise(reader, specs)
        if recognised is None:
            expected = "; ".join(f"{s.title} (sheets such as '{s.sheets[0].sheet_names[0]}')" for s in specs.values())
            raise ReturnFileError("unrecognised_return", f"{path.name}: no sheet matches a known return. "
                                  f"Expected one of: {expected}. Use the blank template for the return.")
        spec, sheet_names = recognised
    except ReturnFileError as err:
        outcome.status, outcome.rule, outcome.message = "rejected", err.rule, err.message
        return outcome

    outcome.return_type = spec.return_type
    outcome.agency = _agency_from_path(path, quarter_dir, spec.default_agency)
    if path.suffix.lower() == ".xls":
        outcome.issues.append(_file_issue(outcome, "", "legacy_xls", path.name))
    for key, others in duplicate_sheets(reader, spec, sheet_names).items():
        title = next(s.title for s in spec.sheets if s.key == key)
        for other in others:
            outcome.issues.append(_file_issue(outcome, other, "duplicate_sheet", other,
                                              f"{title} (the sheet read was '{sheet_names[key]}')"))
    for sheet_spec in spec.sheets:
        name = sheet_names.get(sheet_spec.key)
        base = {"file_id": outcome.file_id, "period_key": quarter.partition_key, "sheet_key": sheet_spec.key,
                "sheet_title": sheet_spec.title, "sheet_name": name, "header_row": None, "rows_read": 0, "rows_loaded": 0,
                "rows_quarantined": 0, "rows_outside_period": 0, "blank_rows": 0}
        if name is None:
            outcome.sheets.append({**base, "status": "missing"})
            outcome.issues.append(_file_issue(outcome, "", "missing_sheet", sheet_spec.title))
            continue
        try:
            raw = read_sheet(reader, name, sheet_spec, path)
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
        _collect(outcome, result, sheet_spec, name, quarter, pseudonym_key)
    return outcome


def _file_issue(outcome: FileOutcome, sheet: str, rule: str, value: str, detail: str = "") -> pd.DataFrame:
    severity, message = describe(rule, value=value, detail=detail)
    return pd.DataFrame([{"source_row": None, "column_name": "", "value": value, "rule": rule,
                          "severity": severity, "message": message, "sheet_name": sheet}])


def _collect(outcome: FileOutcome, result: SheetResult, sheet_spec, sheet_name: str, quarter: Quarter, key: str) -> None:
    clean = result.clean.copy()
    for column in sheet_spec.columns:
        if column.type == "child_id":
            clean[column.name] = pseudonymise_ids(clean[column.name], key)
        elif column.name == "date_of_birth" and len(clean):
            clean[column.name] = month_of(clean[column.name])  # DOB kept to its month only
    stored = [c.name for c in sheet_spec.columns if c.stored]
    clean = clean[["source_row", "in_period", *stored]]
    clean.insert(0, "source_sheet", sheet_name)
    clean.insert(0, "source_file", outcome.file_name)
    clean.insert(0, "filed_by", outcome.agency)
    clean.insert(0, "period_key", quarter.partition_key)
    clean.insert(0, "file_id", outcome.file_id)
    outcome.tables.setdefault(sheet_spec.raw_table, []).append(clean)
    issues = result.issues.copy()
    issues["sheet_name"] = sheet_name
    outcome.issues.append(issues)
    mappings = result.mappings.copy()
    mappings["sheet_name"] = sheet_name
    outcome.mappings.append(mappings)
    quarantine = result.quarantined.copy()
    quarantine["sheet_key"] = sheet_spec.key
    outcome.quarantine.append(quarantine)


def intake_quarter(con: duckdb.DuckDBPyConnection, raw_dir: Path, quarter: Quarter, pseudonym_key: str,
                   today: dt.date | None = None, specs: dict[str, ReturnSpec] | None = None) -> list[FileOutcome]:
    """Read every file filed for `quarter` and replace that quarter's rows in the warehouse.

    Idempotent: the same files give the same tables. Rows of earlier versions of a file that is no longer
    in the folder are kept (queryable, marked not present and not current) rather than deleted.
    """
    today = today or dt.date.today()
    specs = specs or load_specs()
    code_lists = load_code_lists()
    outcomes = [read_return(p, raw_dir, quarter, specs, code_lists, pseudonym_key, today)
                for p in quarter_files(raw_dir, quarter)]
    write_quarter(con, quarter, outcomes, specs)
    return outcomes


def write_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter, outcomes: list[FileOutcome],
                  specs: dict[str, ReturnSpec]) -> None:
    store.ensure_tables(con, specs)
    key = quarter.partition_key
    present_ids = [o.file_id for o in outcomes]
    con.execute("begin transaction")
    try:
        tables = ["raw_files", *store.LOG_TABLES.keys() - {"raw_files"},
                  *(s.raw_table for spec in specs.values() for s in spec.sheets)]
        for table in tables:
            con.execute(f"delete from {table} where period_key = ? and file_id in (select unnest(?))", [key, present_ids])
        con.execute("update raw_files set present = false, is_current = false where period_key = ?", [key])
        files = pd.DataFrame([{
            "file_id": o.file_id, "period_key": key, "period_label": quarter.label, "relative_path": o.relative_path,
            "file_name": o.file_name, "sha256": o.sha256, "size_bytes": o.size_bytes, "modified_at": o.modified_at,
            "return_type": o.return_type, "agency": o.agency, "status": o.status, "rule": o.rule, "message": o.message,
            "present": True, "is_current": False} for o in outcomes], columns=_columns(con, "raw_files"))
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
        for o in outcomes:
            _insert(con, "raw_sheets", pd.DataFrame(o.sheets, columns=_columns(con, "raw_sheets")))
            if o.status == "rejected":
                o.issues.append(pd.DataFrame([{"source_row": None, "column_name": "", "value": o.file_name, "rule": o.rule,
                                               "severity": "error", "message": o.message, "sheet_name": ""}]))
            for frame, table in ((o.issues, "raw_issues"), (o.mappings, "raw_mappings"), (o.quarantine, "raw_quarantine")):
                if frame:
                    combined = pd.concat(frame, ignore_index=True)
                    combined["file_id"], combined["period_key"] = o.file_id, key
                    combined["file_name"], combined["agency"] = o.file_name, o.agency
                    _insert(con, table, combined[[c for c in _columns(con, table) if c in combined]])
            for table, frames in o.tables.items():
                for frame in frames:
                    _insert(con, table, frame)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_name = ? order by ordinal_position", [table]).fetchall()]


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    con.register("_frame", frame)
    try:
        con.execute(f"insert into {table} by name select * from _frame")
    finally:
        con.unregister("_frame")


