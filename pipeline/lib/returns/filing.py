"""Where each file under raw/ was filed, and whether it is read: nothing under raw/ goes unrecorded.

A return is read only from `raw/<2022-23>/<Q3>/` (any depth below: an agency may file into its own subfolder).
Every other file under raw/ is still listed, with where it should go: a near-miss folder (`Q 3`, `Quarter 1`,
`22-23/Q2`, `2022-2023/q3`) names the quarter it was surely meant for; a file loose in a year folder or
elsewhere is listed with the quarters it could belong to. Symbolic links are never followed out of raw/.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.lib.periods import FinancialYear, Quarter

IGNORED_NAMES = {"readme.md", ".ds_store", "thumbs.db", "desktop.ini"}

_YEAR = re.compile(r"^(?:fy\s*)?(?:20)?(\d{2})\s*[-_/ ]?\s*(?:20)?(\d{2})$", re.IGNORECASE)
_QUARTER = re.compile(r"^(?:q|qtr|quarter)\s*[-_.]?\s*([1-4])$", re.IGNORECASE)
_YEAR_AND_QUARTER = re.compile(r"^(.+?)\s*[-_ ]\s*((?:q|qtr|quarter)\s*[-_.]?\s*[1-4])$|^((?:q|qtr|quarter)\s*[-_.]?\s*[1-4])\s*[-_ ]\s*(.+)$",
                               re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    """One file under raw/ and what the intake does with it."""

    path: Path                 # the file as found (a symlink is not resolved)
    relative_path: str         # from raw/, with '/' separators
    quarter: Quarter | None    # the quarter it is filed for, or the one it was surely meant for
    filed: bool                # True: read for `quarter`; False: listed, not read
    rule: str | None = None    # why it is not read: misfiled, not_in_quarter_folder, symlink_outside_raw
    message: str | None = None
    year: FinancialYear | None = None   # a file loose in a year folder: the year

    def belongs_to(self, quarter: Quarter) -> bool:
        """Whether `quarter`'s intake lists this file (every quarter lists a file it cannot place)."""
        if self.quarter is not None:
            return self.quarter == quarter
        if self.year is not None:
            return self.year == quarter.year
        return True


def _year(part: str) -> FinancialYear | None:
    m = _YEAR.match(part.strip())
    if not m:
        return None
    first, second = int(m.group(1)), int(m.group(2))
    return FinancialYear(2000 + first) if second == (first + 1) % 100 else None


def _quarter_number(part: str) -> int | None:
    m = _QUARTER.match(part.strip())
    return int(m.group(1)) if m else None


def guess_quarter(parts: tuple[str, ...]) -> tuple[Quarter | None, FinancialYear | None, int]:
    """(quarter, year, index of the part after the quarter folder) read from folder names, however spelt."""
    for i, part in enumerate(parts):
        year = _year(part)
        if year is not None:
            number = _quarter_number(parts[i + 1]) if i + 1 < len(parts) else None
            if number is not None:
                return Quarter(year.start_year, number), year, i + 2
            return None, year, i + 1
        combined = _YEAR_AND_QUARTER.match(part.strip())   # 'Q3 2022-23', '2022-23 Q3'
        if combined:
            y, q = (combined.group(1), combined.group(2)) if combined.group(1) else (combined.group(4), combined.group(3))
            year, number = _year(y), _quarter_number(q)
            if year is not None and number is not None:
                return Quarter(year.start_year, number), year, i + 1
    return None, None, 0


def classify(raw_dir: Path, path: Path) -> Found:
    relative = path.relative_to(raw_dir)
    rel = relative.as_posix()
    parts = relative.parts[:-1]   # folders only
    if path.is_symlink():
        target = Path(os.path.realpath(path))
        inside = target.is_relative_to(Path(os.path.realpath(raw_dir)))
        if not inside or not target.is_file():
            where = "outside raw/" if not inside else "to something that is not a file"
            return Found(path, rel, _exact_quarter(parts), False, "symlink_outside_raw",
                         f"{rel}: a symbolic link pointing {where}; it was not followed and nothing was read. "
                         "Copy the return itself into the quarter's folder.", _exact_year(parts))
    exact = _exact_quarter(parts)
    if exact is not None:
        return Found(path, rel, exact, True)
    quarter, year, after = guess_quarter(parts)
    below = "/".join(parts[after:])
    name = relative.name
    if quarter is not None:
        should = f"{quarter.folder}/{below + '/' if below else ''}{name}"
        return Found(path, rel, quarter, False, "misfiled",
                     f"{rel}: filed under '{'/'.join(parts[:after])}/', which is not a quarter folder, so it was not read. "
                     f"If it is the {quarter.label} return, move it to raw/{should} (quarter folders are named like "
                     f"'{quarter.folder}').")
    if year is not None:
        return Found(path, rel, None, False, "not_in_quarter_folder",
                     f"{rel}: not under a quarter folder, so it was not read. Move it into the folder of the quarter it "
                     f"covers: raw/{year.label}/Q1/ (April-June) to raw/{year.label}/Q4/ (January-March).", year=year)
    return Found(path, rel, None, False, "not_in_quarter_folder",
                 f"{rel}: not under a year and quarter folder, so it was not read. File it as "
                 "raw/<financial year>/<quarter>/, e.g. raw/2022-23/Q3/ for October-December 2022.")


def _exact_quarter(parts: tuple[str, ...]) -> Quarter | None:
    """raw/2022-23/Q3/...: the only place a return is read from."""
    if len(parts) >= 2 and (m := re.fullmatch(r"Q([1-4])", parts[1])):
        try:
            year = FinancialYear.from_label(parts[0])
        except ValueError:
            return None
        if year.label == parts[0]:
            return Quarter(year.start_year, int(m.group(1)))
    return None


def _exact_year(parts: tuple[str, ...]) -> FinancialYear | None:
    return _year(parts[0]) if parts else None


def _ignored(name: str) -> bool:
    # Excel's (~$) and LibreOffice's (.~lock.) lock files exist only while a workbook is open.
    return name.lower() in IGNORED_NAMES or name.startswith(("~$", ".~lock."))


def scan_raw(raw_dir: Path) -> tuple[list[Found], list[str]]:
    """Every file under raw/ (symlinked folders are not entered), and the symlinked folders skipped.

    os.walk with followlinks=False: a folder symlink is listed, never walked, wherever it points.
    """
    found: list[Found] = []
    skipped_dirs: list[str] = []
    if not raw_dir.exists():
        return found, skipped_dirs
    for root, dirs, files in os.walk(raw_dir, followlinks=False):
        base = Path(root)
        for d in sorted(dirs):
            if (base / d).is_symlink():
                skipped_dirs.append((base / d).relative_to(raw_dir).as_posix())
        for name in sorted(files):
            if _ignored(name):
                continue
            found.append(classify(raw_dir, base / name))
    return sorted(found, key=lambda f: f.relative_path), sorted(skipped_dirs)


def files_for(raw_dir: Path, quarter: Quarter) -> list[Found]:
    """What `quarter`'s intake records: the files filed for it, and every file under raw/ it cannot place."""
    found, skipped_dirs = scan_raw(raw_dir)
    out = [f for f in found if f.belongs_to(quarter)]
    for rel in skipped_dirs:
        parts = tuple(rel.split("/"))
        q = _exact_quarter(parts) or guess_quarter(parts)[0]
        if q is None or q == quarter:
            out.append(Found(raw_dir / rel, rel, q, False, "symlink_outside_raw",
                             f"{rel}/: a symbolic link to a folder; it was not followed and nothing in it was read. "
                             "Copy the returns themselves into the quarter's folder."))
    return sorted(out, key=lambda f: f.relative_path)
