"""Blank templates: the committed ones are what the specification generates, and a filled one loads cleanly."""

from __future__ import annotations

import datetime as dt

import duckdb
import openpyxl
import pytest

from pipeline.lib.paths import PROJECT_ROOT
from pipeline.lib.periods import Quarter
from pipeline.lib.returns.intake import intake_quarter
from pipeline.lib.returns.spec import load_code_lists, load_specs
from pipeline.lib.returns.templates import (
    DROP_DOWN_TYPES,
    _list_name,
    dropdown_values,
    main,
    template_name,
    write_templates,
)
from tests.conftest import TEST_KEY

COMMITTED = PROJECT_ROOT / "templates" / "returns"
Q3 = Quarter(2022, 3)
SPECS = load_specs()


def content(path) -> dict:
    """Everything a person filling the template sees: sheets, their state, cells, validations, number formats."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        out[ws.title] = {
            "state": ws.sheet_state,
            "cells": [[c.value for c in row] for row in ws.iter_rows()],
            "validations": sorted((str(dv.sqref), dv.type, dv.formula1, dv.formula2, dv.operator)
                                  for dv in ws.data_validations.dataValidation),
            "formats": {k: d.number_format for k, d in ws.column_dimensions.items() if d.number_format != "General"},
            "freeze": ws.freeze_panes,
        }
    return out


@pytest.mark.parametrize("return_type", sorted(SPECS))
def test_committed_template_is_what_the_specification_generates(tmp_path, return_type):
    name = template_name(SPECS[return_type])
    main(["--out", str(tmp_path)])
    assert content(tmp_path / "returns" / name) == content(COMMITTED / name), (
        f"templates/returns/{name} is out of date: run python -m pipeline.lib.returns.templates --out templates/")


@pytest.mark.parametrize("return_type", sorted(SPECS))
def test_template_has_exact_headings_in_order_and_guidance(tmp_path, return_type):
    spec = SPECS[return_type]
    wb = openpyxl.load_workbook(next(p for p in write_templates(tmp_path) if p.name == template_name(spec)))
    assert wb.sheetnames == [s.sheet_names[0] for s in spec.sheets] + ["Guidance", "Codes"]
    assert wb["Codes"].sheet_state == "hidden"
    for sheet in spec.sheets:
        assert [c.value for c in wb[sheet.sheet_names[0]][1]] == [c.heading for c in sheet.columns]
    guidance = [[c.value for c in r] for r in wb["Guidance"].iter_rows(min_row=2)]
    assert len(guidance) == sum(len(s.columns) for s in spec.sheets)
    by_heading = {(g[0], g[1]): g for g in guidance}
    for sheet in spec.sheets:
        for column in sheet.columns:
            row = by_heading[(sheet.sheet_names[0], column.heading)]
            assert row[2] == ("Yes" if column.required else "No")
            assert ("Local column" in row[5]) == column.local


def test_every_coded_column_has_a_drop_down_from_the_codes_sheet(tmp_path):
    spec = SPECS["annex_a"]
    wb = openpyxl.load_workbook(next(p for p in write_templates(tmp_path) if p.name == template_name(spec)))
    ws = wb["List 1"]
    validations = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    gender = validations["B2"]
    assert (gender.type, gender.formula1) == ("list", "'Codes'!$A$2:$A$5")
    assert [wb["Codes"][f"A{r}"].value for r in range(2, 6)] == ["a) Male", "b) Female", "c) Not stated/recorded", "d) Neither"]
    assert validations["F2"].type == "date" and validations["E2"].type == "decimal"


def test_every_drop_down_value_reads_back_as_its_code():
    for name, codes in load_code_lists().items():
        for code, shown in zip(codes.codes, dropdown_values(codes)):
            assert codes.match(shown) == code.code, (name, shown)


def _valid_value(column, code_lists):
    if column.type in DROP_DOWN_TYPES:
        return dropdown_values(code_lists[_list_name(column)])[0]
    return {"child_id": "SC1", "date": dt.datetime(2022, 10, 5), "datetime": dt.datetime(2022, 10, 5, 14, 30),
            "integer": 1, "number": 1, "text": "Some text", "postcode": "B70 9LD", "worker": "A Worker",
            "reference": "SD", "free_text": "Some text", "quarter": "2022-23 Q3", "indicator": "rereferrals_pct"}[column.type]


@pytest.mark.parametrize("return_type", sorted(SPECS))
def test_a_filled_template_loads_with_zero_issues(tmp_path, return_type):
    spec, code_lists = SPECS[return_type], load_code_lists()
    template = COMMITTED / template_name(spec)
    wb = openpyxl.load_workbook(template)
    for sheet in spec.sheets:
        wb[sheet.sheet_names[0]].append([_valid_value(c, code_lists) for c in sheet.columns])
    folder = tmp_path / "raw" / Q3.folder
    folder.mkdir(parents=True)
    wb.save(folder / "filled.xlsx")
    con = duckdb.connect()
    [outcome] = intake_quarter(con, tmp_path / "raw", Q3, TEST_KEY, today=dt.date(2024, 1, 1))
    assert (outcome.status, outcome.return_type) == ("loaded", return_type)
    assert con.execute("select rule, column_name, message from raw_issues").fetchall() == []
    assert con.execute("select count(*), sum(rows_loaded) from raw_sheets where status <> 'not_read'").fetchone() == (
        len(spec.sheets), len(spec.sheets))
    # the template's own guidance and code sheets are accounted for as notes, never as lists
    not_read = con.execute("select sheet_name, reason from raw_sheets where status = 'not_read'").fetchall()
    assert {reason for _, reason in not_read} <= {"notes", "empty"}, not_read
    assert len(not_read) == len(wb.sheetnames) - len(spec.sheets)
    assert con.execute("select kind from raw_mappings where kind = 'heading'").fetchall() == []
