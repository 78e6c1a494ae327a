"""The generator's SpreadsheetML writer gives the same data as openpyxl did, and the same data as before.

The writer (pipeline/lib/demo/workbook.py) replaced openpyxl's write-only mode for speed. Two proofs that
nothing the pipeline reads changed: a quarter's workbooks written by both give the same cells (every value and
column type through fastexcel, as the intake reads them; fonts and number formats through openpyxl), and the
whole generated dataset hashes to the digest recorded from the openpyxl-written returns (dataset_digest.json),
so the indicators computed from it are those of before.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import fastexcel
import openpyxl
import pytest

from pipeline.lib.demo.returns import SheetOut, WorkbookOut, quarter_workbooks
from pipeline.lib.demo.workbook import write_workbook
from tests.demo import openpyxl_writer
from tests.demo.readback import dataset_digest

DIGEST = Path(__file__).with_name("dataset_digest.json")
STAMP = dt.datetime(2023, 5, 1, 9, 30)


def _cells(path: Path) -> dict[str, tuple[list[str], list[list]]]:
    reader = fastexcel.read_excel(str(path))
    out = {}
    for name in reader.sheet_names:
        df = reader.load_sheet(name, header_row=None).to_pandas()
        out[name] = ([str(t) for t in df.dtypes], df.astype(object).where(df.notna(), None).values.tolist())
    return out


def _styles(path: Path) -> list[tuple]:
    """Fonts and number formats of the title rows, headers and first rows (openpyxl reads a whole sheet slowly)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    return [(ws.title, c.coordinate, c.font.b, c.font.sz, c.number_format, c.value)
            for ws in wb.worksheets for row in ws.iter_rows(max_row=40) for c in row if c.value is not None]


def test_same_cells_as_openpyxl(world, tmp_path):
    # The last quarter: title rows above the headers in three returns, dates, datetimes, numbers, blanks.
    for book in quarter_workbooks(world, world.ctx.quarters[-1]):
        ours, theirs = tmp_path / f"ours-{book.filename}", tmp_path / f"openpyxl-{book.filename}"
        assert write_workbook(ours, book, STAMP) == openpyxl_writer.write_workbook(theirs, book, STAMP)
        assert _cells(ours) == _cells(theirs), book.filename
        assert _styles(ours) == _styles(theirs), book.filename
        props, reference = (openpyxl.load_workbook(p, read_only=True).properties for p in (ours, theirs))
        assert (props.creator, props.title, props.created) == (reference.creator, reference.title, reference.created)


def test_dataset_is_the_one_recorded(demo_out):
    """Every generated workbook reads back exactly as the recorded one (regenerate the file with
    `python -c "from tests.demo.readback import dataset_digest; ..."` only when the demo data are meant to change)."""
    assert dataset_digest(demo_out) == json.loads(DIGEST.read_text(encoding="utf-8"))


def test_the_digest_sees_one_changed_cell(demo_out, tmp_path):
    path = min(demo_out.glob("2022-23/Q4/*.xlsx"))  # a small register: openpyxl rewrites it quickly
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    cell = next(c for row in ws.iter_rows(min_row=ws.max_row) for c in row if isinstance(c.value, int | str))
    cell.value = cell.value + 1 if isinstance(cell.value, int) else cell.value + "x"
    copy = tmp_path / "2022-23" / "Q4" / path.name
    copy.parent.mkdir(parents=True)
    wb.save(copy)
    recorded = json.loads(DIGEST.read_text(encoding="utf-8"))
    assert dataset_digest(tmp_path)[str(copy.relative_to(tmp_path))] != recorded[str(path.relative_to(demo_out))]


def _book(value) -> WorkbookOut:
    from pipeline.lib.demo.spec import load_return_specs

    sheet = load_return_specs()["multi_agency"].sheets[0]
    return WorkbookOut("multi_agency", "x.xlsx", "test", [SheetOut("Measures", sheet, [[value]])])


@pytest.mark.parametrize("value", ["bad \x07 bell", object(), float("nan")])
def test_refuses_what_a_cell_cannot_hold(tmp_path, value):
    with pytest.raises((ValueError, TypeError)):
        write_workbook(tmp_path / "x.xlsx", _book(value), STAMP)
