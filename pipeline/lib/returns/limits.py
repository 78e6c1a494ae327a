"""Bounded work whatever the input: the intake's limits (config/intake.yaml) and the cheap counts that apply them.

A sheet's rows are counted from its XML as a stream (C-speed byte search, a few MB of memory), on a thread beside
calamine's load, and a sheet with more rows than the limit is refused before it is validated or stored.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
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


FORMULA_MARKS = (b"<f>", b"<f ", b"<f/>", b":f>", b":f ")   # a formula tag, with or without a namespace prefix
_ROW_MARKS = (b"<row ", b"<row>", b":row ")


@dataclass(frozen=True)
class PartScan:
    rows: int            # `<row` elements in the sheet's XML
    has_formulas: bool   # a formula tag somewhere in it (reader.scan_formulas then finds which cells)


def scan_part(path: Path, part: str) -> PartScan | None:
    """One streamed pass over a sheet's XML (C-speed byte search, a few MB of memory): its rows and whether it
    holds any formula. None when the part cannot be read (calamine then reports it)."""
    try:
        with zipfile.ZipFile(path) as zf, zf.open(part) as fh:
            rows, formulas, tail = 0, False, b""
            while chunk := fh.read(1 << 22):
                data = tail + chunk
                rows += sum(data.count(mark) for mark in _ROW_MARKS)
                formulas = formulas or any(mark in data for mark in FORMULA_MARKS)
                tail = data[-4:]   # shorter than any row tag searched for: a tag cut in two is counted once
            return PartScan(rows, formulas)
    except (zipfile.BadZipFile, KeyError, OSError):
        return None


class BackgroundScans:
    """`scan_part` of every sheet of a workbook, on a thread started before the sheets are loaded: calamine
    releases the GIL, so the scans cost almost nothing beside the load, and no sheet's XML is inflated twice."""

    TIMEOUT_S = 600   # far above a 500,000-row sheet's scan (~2 s); a wait is never for ever

    def __init__(self, path: Path, parts: dict[str, str]):
        self._path, self._results = path, {}
        self._thread = threading.Thread(target=self._run, args=(parts,), daemon=True, name=f"scan {path.name}")
        self._thread.start()

    def _run(self, parts: dict[str, str]) -> None:
        for name, part in parts.items():
            self._results[name] = scan_part(self._path, part)

    def result(self, sheet_name: str) -> PartScan | None:
        self._thread.join(self.TIMEOUT_S)
        if self._thread.is_alive():
            raise TimeoutError(f"{self._path.name}: scanning the sheets' XML took over {self.TIMEOUT_S} s")
        return self._results.get(sheet_name)


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
