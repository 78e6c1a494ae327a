"""Financial-year quarters (Q1 = April-June) and years, as the partnership reports them."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_FY = re.compile(r"^(20\d{2})[-_/ ]?(?:20)?(\d{2})$")
_Q = re.compile(r"^q([1-4])$", re.IGNORECASE)
_QUARTER_KEY = re.compile(r"^(\d{4}-\d{2})[- ]Q([1-4])$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    fy_start: int   # 2022 for 2022-23
    number: int     # 1..4

    @property
    def start(self) -> dt.date:
        month = 4 + 3 * (self.number - 1)
        return dt.date(self.fy_start + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        nxt = self.next()
        return nxt.start - dt.timedelta(days=1)

    @property
    def year(self) -> FinancialYear:
        return FinancialYear(self.fy_start)

    @property
    def label(self) -> str:
        return f"{self.year.label} Q{self.number}"

    @property
    def short_label(self) -> str:
        return f"Q{self.number} {self.year.label}"

    @property
    def partition_key(self) -> str:
        """'2022-23-Q4': what the analyst reads in Dagster; sorts in time order as text."""
        return f"{self.year.label}-Q{self.number}"

    @property
    def folder(self) -> str:
        return f"{self.year.label}/Q{self.number}"

    def next(self) -> Quarter:
        return Quarter(self.fy_start + (self.number == 4), self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.fy_start - (self.number == 1), (self.number - 2) % 4 + 1)

    def rolling_year(self) -> tuple[dt.date, dt.date]:
        """The 12 months ending with this quarter."""
        return Quarter(self.fy_start - 1, self.number).next().start, self.end

    @classmethod
    def from_partition_key(cls, key: str) -> Quarter:
        """'2022-23-Q4' (or the label '2022-23 Q4') -> Quarter(2022, 4)."""
        m = _QUARTER_KEY.match(key.strip())
        if not m:
            raise ValueError(f"'{key}' is not a quarter like 2022-23-Q4")
        return cls(FinancialYear.from_label(m.group(1)).start_year, int(m.group(2)))

    @classmethod
    def containing(cls, day: dt.date) -> Quarter:
        fy = day.year if day.month >= 4 else day.year - 1
        return cls(fy, (day.month - 4) % 12 // 3 + 1)

    @classmethod
    def from_label(cls, label: str) -> Quarter:
        """'2022-23 Q3' -> Quarter(2022, 3)."""
        year, q = label.split()
        return cls(FinancialYear.from_label(year).start_year, int(q[1]))


@dataclass(frozen=True, order=True)
class FinancialYear:
    start_year: int

    @property
    def start(self) -> dt.date:
        return dt.date(self.start_year, 4, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.start_year + 1, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @property
    def partition_key(self) -> str:
        """'2022-23', as the partnership names its years."""
        return self.label

    @property
    def time_period(self) -> int:
        """DfE's EES `time_period` for this year (2023 = year ending 31 March 2023)."""
        return self.start_year + 1

    @property
    def quarters(self) -> list[Quarter]:
        return [Quarter(self.start_year, n) for n in range(1, 5)]

    def previous(self) -> FinancialYear:
        return FinancialYear(self.start_year - 1)

    @classmethod
    def from_label(cls, label: str) -> FinancialYear:
        m = _FY.match(label.strip())
        if not m:
            raise ValueError(f"'{label}' is not a financial year like 2022-23")
        start = int(m.group(1))
        if (start + 1) % 100 != int(m.group(2)):
            raise ValueError(f"'{label}' is not a financial year like 2022-23 (the years must be consecutive)")
        return cls(start)

    @classmethod
    def from_partition_key(cls, key: str) -> FinancialYear:
        return cls.from_label(key)


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    """Every quarter from `first` to `last`, both included, in time order."""
    out, q = [], first
    while q <= last:
        out.append(q)
        q = q.next()
    return out


def quarter_from_path(relative_parts: tuple[str, ...]) -> Quarter | None:
    """The quarter a file was filed under: raw/<2022-23>/<Q3>/...; None if it is not filed that way."""
    for i in range(len(relative_parts) - 1):
        try:
            year = FinancialYear.from_label(relative_parts[i])
        except ValueError:
            continue
        if m := _Q.match(relative_parts[i + 1]):
            return Quarter(year.start_year, int(m.group(1)))
    return None
