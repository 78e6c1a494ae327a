"""The data-quality section: which returns arrived, rows loaded and held back per agency, the most frequent
problems, and the reconciliation of our figures with the figures that should agree with them."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from pipeline.lib.periods import Quarter
from pipeline.lib.render import data
from pipeline.lib.render.env import fmt_count
from pipeline.lib.render.model import is_missing


def cell(value) -> str:
    if is_missing(value):
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _arrivals(files: pd.DataFrame, expected: list[dict], due: dt.date | None) -> tuple[list[dict], set]:
    arrivals, seen = [], set()
    for exp in expected:
        matches = files[files["return_type"] == exp["return_type"]]
        seen.update(matches.index)
        if matches.empty:
            arrivals.append({"return_type": exp["return_type"], "agency": exp.get("agency", ""), "status": "Missing",
                             "shape": "red", "files": "-", "received": "-"})
            continue
        current = matches[matches["is_current"].fillna(False)]
        loaded = current if not current.empty else matches[matches["status"] == "loaded"]
        latest = (loaded if not loaded.empty else matches).iloc[0]
        received = pd.Timestamp(latest["modified_at"]).date() if not is_missing(latest["modified_at"]) else None
        if loaded.empty:
            status, shape = f"Rejected: {latest['message'] or latest['rule'] or 'see the feedback workbook'}", "red"
        elif due and received and received > due:
            status, shape = f"Late (due {due:%-d %B %Y})", "amber"
        else:
            status, shape = "Received", "green"
        arrivals.append({"return_type": exp["return_type"], "agency": exp.get("agency", ""), "status": status,
                         "shape": shape, "files": ", ".join(str(f) for f in matches["file_name"]),
                         "received": f"{received:%-d %b %Y}" if received else "-"})
    return arrivals, seen


def data_quality(con: duckdb.DuckDBPyConnection, quarter: Quarter, partnership: dict, expected: list[dict]) -> dict:
    files = data.files_for_quarter(con, quarter)
    due_days = partnership.get("returns_due_days")
    due = quarter.end + dt.timedelta(days=int(due_days)) if due_days else None
    arrivals, seen = _arrivals(files, expected, due)
    unexpected = files.drop(index=list(seen))
    sheets = data.sheets_for_quarter(con, quarter)
    by_agency = (sheets.groupby("agency", as_index=False)[["rows_read", "rows_loaded", "rows_quarantined"]].sum()
                 if not sheets.empty else sheets)
    recon = data.reconciliation(con, quarter)       # the table exists: the dashboard required it
    return {
        "arrivals": arrivals,
        "late_rule": (f"A return is late if it was filed more than {due_days} days after the quarter ended."
                      if due_days else "No deadline is set in config/partnership.yaml (returns_due_days), so "
                      "lateness is not assessed: the date each return was filed is shown."),
        "unexpected": [{"file": r["file_name"], "return_type": r["return_type"] or "-", "status": r["status"]}
                       for _, r in unexpected.iterrows()],
        "agencies": [{"agency": r["agency"], "read": fmt_count(r["rows_read"]), "loaded": fmt_count(r["rows_loaded"]),
                      "quarantined": fmt_count(r["rows_quarantined"])} for _, r in by_agency.iterrows()],
        "sheets": [{k: (fmt_count(v) if k.startswith("rows") or k == "blank_rows" else v) for k, v in r.items()}
                   for r in sheets.to_dict("records")],
        "issues": [{"agency": r["agency"], "rule": r["rule"], "severity": r["severity"], "example": r["example"],
                    "issues": fmt_count(r["issues"])} for _, r in data.top_issues(con, quarter).iterrows()],
        "reconciliation": {"columns": list(recon.columns),
                           "rows": [[cell(v) for v in r] for r in recon.itertuples(index=False)]},
    }
