"""Working days in England, counted as DfE counts them: weekends and England & Wales bank holidays excluded.

Bank holidays come from the maintained `holidays` package (GB, subdivision ENG), which includes the
one-off days of 2 and 3 June 2022 (Platinum Jubilee) and 19 September 2022 (State Funeral) that
change 2022-23 timeliness figures. Peer tools that use np.busday_count alone get those wrong.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
import numpy as np
import pandas as pd


@lru_cache(maxsize=1)
def _holiday_array(first_year: int = 2010, last_year: int = 2035) -> np.ndarray:
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return np.array(sorted(calendar.keys()), dtype="datetime64[D]")


def bank_holidays(year: int) -> list[dt.date]:
    """England and Wales bank holidays falling on weekdays in a calendar year."""
    days = _holiday_array()
    return [d.astype(dt.date) for d in days if d.astype(dt.date).year == year and np.is_busday(d)]


def working_days_between(start, end) -> np.ndarray:
    """Working days after `start` up to and including `end` (same day = 0), element-wise.

    This is the CIN-census convention: an assessment authorised on the day it started took 0
    working days; one started on a Friday and authorised the next Monday took 1. Accepts scalars,
    Series or arrays of dates; returns floats with NaN where either date is missing.
    """
    start_s = pd.to_datetime(pd.Series(start), errors="coerce")
    end_s = pd.to_datetime(pd.Series(end), errors="coerce")
    valid = (start_s.notna() & end_s.notna()).to_numpy()
    out = np.full(len(start_s), np.nan)
    if valid.any():
        begin = start_s[valid].to_numpy().astype("datetime64[D]") + np.timedelta64(1, "D")
        stop = end_s[valid].to_numpy().astype("datetime64[D]") + np.timedelta64(1, "D")
        counts = np.busday_count(begin, stop, holidays=_holiday_array())
        out[valid] = counts  # negative where end precedes start: callers flag those
    return out


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (the due date of a timescale)."""
    result = np.busday_offset(np.datetime64(start, "D"), days, roll="forward", holidays=_holiday_array())
    return result.astype(dt.date)
