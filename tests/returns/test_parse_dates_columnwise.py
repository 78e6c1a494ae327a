"""Date cells parsed column-wise in Arrow read exactly as the cell-by-cell parser reads them, edge cases included."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa

from pipeline.lib.returns.parse import parse_date_text, parse_dates

TODAY = dt.date(2024, 1, 1)
CASES = {   # text -> (value, rule)
    "2022-10-05 00:00:00": (dt.datetime(2022, 10, 5), None),
    "2022-10-05 13:45:10": (dt.datetime(2022, 10, 5, 13, 45, 10), None),
    "2022-02-30 00:00:00": (None, "impossible_date"),    # Arrow would roll it over or refuse: never a date
    "2023-12-31 23:59:60": (None, "impossible_date"),    # a leap second is no Excel date
    "1899-12-31 00:00:00": (None, "impossible_date"),
    "0999-01-01 00:00:00": (None, "impossible_date"),
    "2024-01-01 00:00:00": (dt.datetime(2024, 1, 1), None),   # today is not the future
    "2024-01-02 00:00:00": (None, "future_date"),
    "2030-01-01 00:00:00": (None, "future_date"),
    " 2022-10-05 00:00:00": (dt.datetime(2022, 10, 5), None),  # not calamine's form: the text parser reads it
    "05/10/2022": (dt.datetime(2022, 10, 5), None),
    "#N/A": (None, "excel_error"),
}


def test_date_cells_read_as_the_text_parser_reads_them():
    texts = [*CASES, None]
    raw = pd.Series(pd.arrays.ArrowExtensionArray(pa.array(texts, pa.string())))
    parsed = parse_dates(raw, with_time=True, today=TODAY)
    for i, text in enumerate(texts[:-1]):
        value, rule = CASES[text]
        got = parsed.values.iloc[i]
        assert (None if pd.isna(got) else got.to_pydatetime()) == value, text
        assert (None if pd.isna(parsed.errors.iloc[i]) else parsed.errors.iloc[i]) == rule, text
        if rule is None and text != "#N/A":
            assert parse_date_text(text, True)[0] == value, text   # the row-by-row reading agrees
    assert pd.isna(parsed.values.iloc[-1]) and pd.isna(parsed.errors.iloc[-1])
    # a real date cell is no tolerant reading (nor is one with a stray space); a day-first text is
    assert [m["kind"] for m in parsed.mappings] == ["date_text_day_first"]
