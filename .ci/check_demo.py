"""Assert what `make demo` left in a checkout: every output a reader opens, whole, and the images as expected.

    .venv/bin/python .ci/check_demo.py <checkout> <demo log> [--no-browser]

With --no-browser (Chromium could not start) the report has everything but its images and the demo's output
ends by saying which were skipped; without it every figure has its PNG and SVG. Exit status 1 and one line per
problem when anything is missing or broken.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

YEARS = ["2021-22", "2022-23"]
QUARTERS = [f"{y}-Q{n}" for y in YEARS for n in range(1, 5)]


def check(root: Path, log: str, no_browser: bool) -> list[str]:
    import duckdb
    import openpyxl
    from docx import Document

    problems: list[str] = []
    data = root / "data" / "demo"
    out = data / "output"
    for key in QUARTERS:
        page = out / "dashboard" / f"{key}.html"
        if not page.is_file():
            problems.append(f"no dashboard {page}")
        elif not page.read_text(encoding="utf-8").rstrip().endswith("</html>"):
            problems.append(f"dashboard {page} is not a whole HTML page")
    if (out / "dashboard" / "2022-23-Q4.html").is_file() and "29,563" not in (out / "dashboard" / "2022-23-Q4.html").read_text():
        problems.append("the 2022-23 Q4 dashboard does not show the year's 29,563 contacts")
    if not (out / "dashboard" / "index.html").is_file():
        problems.append("no dashboard index.html")
    feedback = sorted((out / "feedback").rglob("*.xlsx"))
    if len(feedback) < len(QUARTERS):
        problems.append(f"{len(feedback)} feedback workbooks for {len(QUARTERS)} quarters")
    for book in feedback:
        try:
            openpyxl.load_workbook(book, read_only=True).close()
        except Exception as err:  # noqa: BLE001 - any failure to open is the problem reported
            problems.append(f"feedback workbook {book} does not open: {err}")
    for year in YEARS:
        folder = out / "report" / year
        for name in ("narrative.md", "narrative.html", "figures.xlsx", "data-section.docx", "provenance.json"):
            if not (folder / name).is_file():
                problems.append(f"no {folder / name}")
        try:
            Document(str(folder / "data-section.docx"))
            openpyxl.load_workbook(folder / "figures.xlsx", read_only=True).close()
            provenance = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
            problems.append(f"{folder}: a report file does not open: {err}")
            continue
        charts = provenance.get("figures", [])
        drawn = [f for f in (folder / "figures").glob("*") if f.suffix in {".png", ".svg"}] \
            if (folder / "figures").is_dir() else []
        skipped = (provenance.get("images") or {}).get("skipped") or []
        if not charts:
            problems.append(f"{folder}/provenance.json lists no charts")
        elif not no_browser and (len(drawn) != 2 * len(charts) or skipped):
            problems.append(f"{folder}: {len(drawn)} images for {len(charts)} charts with a browser ({skipped=})")
        elif no_browser and (drawn or len(skipped) != len(charts)):
            problems.append(f"{folder}: {len(drawn)} images drawn, {len(skipped)} of {len(charts)} charts recorded "
                            "as skipped, although Chromium could not start")
    if no_browser and not any(line.startswith("Images skipped") for line in log.splitlines()):
        problems.append("the demo's output does not say that the images were skipped")
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        row = con.execute("""select numerator from ind_values where indicator_code = 'contacts_total'
                             and period_type = 'year' and period_label = '2022-23' and breakdown = 'total'""").fetchone()
    if row is None or row[0] != 29_563:
        problems.append(f"the warehouse's 2022-23 contacts are {row and row[0]}, not 29,563")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("log", type=Path)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    problems = check(args.root, args.log.read_text(encoding="utf-8", errors="replace"), args.no_browser)
    for p in problems:
        print(f"demo check: {p}", file=sys.stderr)
    print(f"demo check: {'FAILED' if problems else 'passed'} ({'no browser' if args.no_browser else 'with Chromium'})")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
