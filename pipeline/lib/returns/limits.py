"""Bounded work whatever the input: the intake's limits (config/intake.yaml) and the cheap counts that apply them.

A sheet's rows are counted from its XML as a stream (C-speed byte search, a few MB of memory) before the sheet
is loaded, so a 1,000,000-row sheet is refused without ever being held in memory.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from pipeline.lib.settings import CONFIG_DIR, read_yaml

INTAKE_CONFIG = CONFIG_DIR / "intake.yaml"
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:?[A-Z]*(\d*)"')


def intake_settings(path: Path | None = None) -> dict:
    return read_yaml(path or INTAKE_CONFIG)


def max_rows(return_type: str | None) -> int:
    limits = intake_settings()["limits"]
    return int((limits.get("max_rows_per_sheet_by_return") or {}).get(return_type, limits["max_rows_per_sheet"]))


def max_sheets() -> int:
    return int(intake_settings()["limits"]["max_sheets"])


def max_value_chars() -> int:
    return int(intake_settings()["limits"]["max_value_chars"])


MIN_ROW_BYTES = 6   # '<row/>': no row of a sheet's XML is shorter


def sheet_rows(path: Path, part: str, limit: int | None = None) -> int | None:
    """Rows in one sheet's XML (`<row` elements), or None when the part cannot be read (calamine then reports it).

    With `limit`, a part too small to hold more rows than that is not counted (None): it cannot be over.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            if limit is not None and zf.getinfo(part).file_size < (limit + 1) * MIN_ROW_BYTES:
                return None
        with zipfile.ZipFile(path) as zf, zf.open(part) as fh:
            count, tail = 0, b""
            while chunk := fh.read(1 << 22):
                data = tail + chunk
                count += data.count(b"<row ") + data.count(b"<row>") + data.count(b":row ")
                tail = data[-4:]   # shorter than any tag searched for: a tag cut in two is counted once
            return count
    except (zipfile.BadZipFile, KeyError, OSError):
        return None


def sheet_parts(path: Path) -> dict[str, tuple[str, str]]:
    """Sheet name -> (zip part, visibility: 'visible', 'hidden' or 'veryHidden') from xl/workbook.xml."""
    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        with zipfile.ZipFile(path) as zf:
            book = ET.fromstring(zf.read("xl/workbook.xml"))
            rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (zipfile.BadZipFile, KeyError, ET.ParseError, OSError):
        return {}
    targets = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for sheet in book.iter(f"{ns_main}sheet"):
        target = targets.get(sheet.get(f"{ns_rel}id"))
        if target:
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            out[sheet.get("name")] = (part, sheet.get("state") or "visible")
    return out


def workbook_features(path: Path) -> dict[str, int]:
    """Parts of a workbook the intake never runs but says it saw: macros, links to other workbooks."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return {}
    return {"macros": sum(1 for n in names if n.lower().endswith("vbaproject.bin")),
            "external_links": sum(1 for n in names if n.startswith("xl/externalLinks/") and n.endswith(".xml"))}
