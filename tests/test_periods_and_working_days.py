"""Financial-year periods and working days with England's bank holidays."""

import datetime as dt

import numpy as np
import pytest

from pipeline.lib.periods import FinancialYear, Quarter, quarter_from_path
from pipeline.lib.working_days import add_working_days, bank_holidays, working_days_between


def test_quarters_follow_the_financial_year():
    q1 = Quarter(2022, 1)
    assert (q1.start, q1.end, q1.label) == (dt.date(2022, 4, 1), dt.date(2022, 6, 30), "2022-23 Q1")
    q4 = Quarter(2022, 4)
    assert (q4.start, q4.end) == (dt.date(2023, 1, 1), dt.date(2023, 3, 31))
    assert q4.rolling_year() == (dt.date(2022, 4, 1), dt.date(2023, 3, 31))
    assert Quarter.from_partition_key("2022-23-Q4") == q4 == Quarter.from_partition_key("2022-23 Q4")
    assert q4.partition_key == "2022-23-Q4" and FinancialYear(2022).partition_key == "2022-23"
    assert FinancialYear.from_label("2022-23").time_period == 2023


def test_filing_folder_gives_the_quarter():
    assert quarter_from_path(("2022-23", "Q3", "police", "x.xlsx")) == Quarter(2022, 3)
    assert quarter_from_path(("2022-2023", "q2", "x.xlsx")) == Quarter(2022, 2)
    assert quarter_from_path(("misc", "x.xlsx")) is None
    with pytest.raises(ValueError):
        FinancialYear.from_label("2022-24")


def test_2022_one_off_bank_holidays_are_not_working_days():
    days = bank_holidays(2022)
    assert {dt.date(2022, 6, 2), dt.date(2022, 6, 3), dt.date(2022, 9, 19)} <= set(days)
    # Wed 1 June 2022 to Mon 6 June: Thu and Fri were bank holidays, so one working day.
    assert working_days_between(dt.date(2022, 6, 1), dt.date(2022, 6, 6))[0] == 1
    # np.busday_count alone would say 3: the mistake peer tools make.
    assert np.busday_count("2022-06-02", "2022-06-07") == 3
    assert working_days_between(dt.date(2022, 9, 16), dt.date(2022, 9, 20))[0] == 1
    assert working_days_between(dt.date(2022, 9, 16), dt.date(2022, 9, 16))[0] == 0
    assert add_working_days(dt.date(2022, 6, 1), 1) == dt.date(2022, 6, 6)
