"""Financial quarters, working days and random days for the demo generator.

Working days use the same England bank holidays as `pipeline.lib.working_days` (the `holidays` package),
in vectorised numpy form: `wd_between(a, b)` equals `working_days_between(a, b)` (same day = 0).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pipeline.lib.working_days import bank_holidays

MONTH_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DAY = dt.timedelta(days=1)


@lru_cache(maxsize=1)
def holidays() -> np.ndarray:
    days = [d for year in range(2000, 2031) for d in bank_holidays(year)]
    return np.array(sorted(days), dtype="datetime64[D]")


def d64(values) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[D]")


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


class _WorkingDays:
    """Working days as ordinals, for O(1) scalar arithmetic (numpy's busday functions are slow one at a time)."""

    def __init__(self, first: dt.date = dt.date(2000, 1, 1), last: dt.date = dt.date(2031, 12, 31)):
        days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
        busy = np.is_busday(days, holidays=holidays())
        self.base = first.toordinal()
        self.ordinals = (np.flatnonzero(busy) + self.base).tolist()
        # index of the first working day on or after each day
        self.next_index = (np.cumsum(busy) - busy).tolist()
        self.busy = busy.tolist()

    def index(self, day: dt.date) -> int:
        return self.next_index[day.toordinal() - self.base]


@lru_cache(maxsize=1)
def _wd() -> _WorkingDays:
    return _WorkingDays()


def is_wd(day: dt.date) -> bool:
    w = _wd()
    return w.busy[day.toordinal() - w.base]


def add_wd(day: dt.date, n: int) -> dt.date:
    """The working day `n` working days after `day` (before it when n < 0); a non-working `day` rolls forward
    first (numpy's busday_offset with roll="forward", as pipeline.lib.working_days.add_working_days)."""
    w = _wd()
    return dt.date.fromordinal(w.ordinals[w.index(day) + n])


def wd_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (same day = 0), as working_days_between counts."""
    w = _wd()
    return w.index(end + DAY) - w.index(start + DAY)


def wd_between_many(starts, ends) -> np.ndarray:
    return np.busday_count(d64(starts) + 1, d64(ends) + 1, holidays=holidays())


def minus_months(day: dt.date, months: int) -> dt.date:
    """`day` less whole months, the day clamped to the month's length (31 March - 9 months = 30 June)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - DAY).day
    return dt.date(year, month, min(day.day, last))


def fy_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


@dataclass(frozen=True)
class Quarter:
    index: int          # 0 = first quarter generated
    fy_start_year: int
    q: int              # 1..4, Q1 = April-June
    start: dt.date
    end: dt.date

    @property
    def fy(self) -> str:
        return fy_label(self.fy_start_year)

    @property
    def label(self) -> str:
        return f"{self.fy} Q{self.q}"

    @property
    def months(self) -> list[dt.date]:
        return [dt.date(self.start.year, self.start.month + i, 1) for i in range(3)]

    def contains(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def name_fields(self) -> dict:
        last = self.end
        return {
            "q": self.q,
            "fy": self.fy,
            "fy_short": f"{self.fy_start_year % 100:02d}-{(self.fy_start_year + 1) % 100:02d}",
            "fy_compact": f"{self.fy_start_year % 100:02d}{(self.fy_start_year + 1) % 100:02d}",
            "mon": MONTH_ABBR[last.month - 1],
            "yy": f"{last.year % 100:02d}",
        }


def financial_quarters(first_year: int, n_years: int) -> list[Quarter]:
    quarters = []
    for y in range(first_year, first_year + n_years):
        for q in range(4):
            start = dt.date(y + (q == 3), (3 + 3 * q) % 12 + 1, 1)
            next_start = dt.date(y + (q >= 2), (6 + 3 * q) % 12 + 1, 1)
            quarters.append(Quarter(len(quarters), y, q + 1, start, next_start - DAY))
    return quarters


def age_years(dob: dt.date, on: dt.date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


class DayPicker:
    """Random days in a date range, weighted by day type and by month (weekends and bank holidays quieter)."""

    def __init__(self, first: dt.date, last: dt.date, month_weights: list[float]):
        self.first = first
        self.days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
        self.is_wd = np.is_busday(self.days, holidays=holidays())
        weekday = self.days.astype("datetime64[D]").view("int64")
        self.is_weekend = ((weekday + 3) % 7) >= 5  # 1970-01-01 was a Thursday
        months = self.days.astype("datetime64[M]").astype(int) % 12  # 0 = January
        self.month_w = np.asarray(month_weights)[(months - 3) % 12]   # weights listed from April

    def pick(self, rng: np.random.Generator, start: dt.date, end: dt.date, n: int,
             weekend: float = 0.0, holiday: float = 0.0) -> list[dt.date]:
        """`n` days in [start, end], sorted; weekend/holiday are the relative weights of those days (0 = never)."""
        if n == 0:
            return []
        lo = (start - self.first).days
        hi = (end - self.first).days + 1
        w = np.where(self.is_wd[lo:hi], 1.0, np.where(self.is_weekend[lo:hi], weekend, holiday))
        w = w * self.month_w[lo:hi]
        if w.sum() <= 0:  # e.g. a bank-holiday weekend: any day will do
            w = np.ones(hi - lo)
        idx = np.sort(rng.choice(hi - lo, size=n, p=w / w.sum()))
        return self.days[lo + idx].astype("datetime64[D]").tolist()

    def pick_one(self, rng, start, end, weekend=0.0, holiday=0.0) -> dt.date:
        return self.pick(rng, start, end, 1, weekend, holiday)[0]
