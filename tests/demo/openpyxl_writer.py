"""The reference writer: the returns as .xlsx through openpyxl's write-only mode (the generator's writer until
it wrote SpreadsheetML itself). tests/demo/test_workbook.py checks the two give the same cells.


openpyxl stamps a workbook with the time it was saved, and zip entries carry their write time: both are
fixed here (the document dates are the quarter's submission date), so the same seed gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from contextlib import contextmanager
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell import cell as openpyxl_cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from pipeline.lib.demo.returns import WorkbookOut

ZIP_TIME = (2023, 1, 1, 0, 0, 0)
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


class _FixedTimeZip(zipfile.ZipFile):
    """A ZipFile whose entries all carry one fixed timestamp."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        name = zinfo_or_arcname.filename if isinstance(zinfo_or_arcname, zipfile.ZipInfo) else zinfo_or_arcname
        info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        super().writestr(info, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        with open(filename, "rb") as handle:
            self.writestr(arcname or Path(filename).name, handle.read())


@contextmanager
def _uk_date_formats():
    """Dates and datetimes get dd/mm/yyyy formats, as UK returns show them. openpyxl picks a new cell's date
    format from its module-level TIME_FORMATS; swapping it for the duration is ~30% faster than styling
    every date cell."""
    saved = dict(openpyxl_cell.TIME_FORMATS)
    openpyxl_cell.TIME_FORMATS.update({dt.datetime: DATETIME_FORMAT, dt.date: DATE_FORMAT})
    try:
        yield
    finally:
        openpyxl_cell.TIME_FORMATS.clear()
        openpyxl_cell.TIME_FORMATS.update(saved)


def write_workbook(path: Path, book: WorkbookOut, stamp: dt.datetime) -> dict[str, int]:
    """Write one workbook; returns rows written per sheet."""
    wb = Workbook(write_only=True)
    wb.properties.creator = book.creator
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.title = book.return_type
    counts = {}
    for sheet in book.sheets:
        ws = wb.create_sheet(sheet.name)
        columns = sheet.spec.columns
        for i, col in enumerate(columns, start=1):
            width = 12 if col.type in ("date", "datetime", "integer", "number") else min(45, max(12, len(col.heading) // 2))
            ws.column_dimensions[get_column_letter(i)].width = width
        for title in sheet.title_rows:
            if title:
                cell = WriteOnlyCell(ws, title[0])
                cell.font = Font(bold=True, size=12)
                ws.append([cell])
            else:
                ws.append([])
        header = []
        for col in columns:
            cell = WriteOnlyCell(ws, col.heading)
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        with _uk_date_formats():
            for row in sheet.rows:
                ws.append(row)
        counts[sheet.name] = len(sheet.rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    archive = _FixedTimeZip(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()  # not wb.save(): that would stamp the current time
    return counts
