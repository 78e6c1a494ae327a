"""Shared context of one generation run: configuration, calendar, random streams, the children."""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field

import numpy as np

from pipeline.lib.demo.allocate import apportion
from pipeline.lib.demo.children import Registry
from pipeline.lib.demo.dates import DAY, DayPicker, Quarter, financial_quarters
from pipeline.lib.demo.spec import (
    CodeBook,
    load_partner_measures,
    load_partnership,
    load_return_specs,
    load_shape,
    load_targets,
)


def stream(seed: int, *keys) -> np.random.Generator:
    """An independent random stream per component, so changing one part never reshuffles another."""
    words = [seed] + [zlib.crc32(str(k).encode()) for k in keys]
    return np.random.default_rng(np.random.SeedSequence(words))


@dataclass
class Ctx:
    seed: int
    targets: dict
    shape: dict
    codes: CodeBook
    specs: dict
    partner_measures: list[dict]
    partnership: dict
    quarters: list[Quarter]
    picker: DayPicker
    registry: Registry
    years: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, seed: int | None = None) -> Ctx:
        targets = load_targets()
        shape = load_shape()
        codes = CodeBook()
        seed = targets["seed"] if seed is None else int(seed)
        quarters = financial_quarters(targets["first_year"], targets["years_generated"])
        # Days can be picked from long before the window (episodes open on its first day) to a quarter after.
        picker = DayPicker(dt.date(2004, 1, 1), quarters[-1].end + dt.timedelta(days=200), shape["month_weights"])
        registry = Registry(stream(seed, "children"), shape, codes)
        years = sorted({q.fy for q in quarters})
        missing = [y for y in years if y not in targets["years"]]
        if missing:
            raise ValueError(f"targets.yaml has no figures for {missing}")
        return cls(seed, targets, shape, codes, load_return_specs(), load_partner_measures(), load_partnership(),
                   quarters, picker, registry, years)

    def rng(self, *keys) -> np.random.Generator:
        return stream(self.seed, *keys)

    def year(self, fy: str) -> dict:
        return self.targets["years"][fy]

    def fy_quarters(self, fy: str) -> list[Quarter]:
        return [q for q in self.quarters if q.fy == fy]

    @property
    def first_day(self) -> dt.date:
        return self.quarters[0].start

    @property
    def last_day(self) -> dt.date:
        return self.quarters[-1].end

    def quarter_of(self, day: dt.date | None) -> Quarter | None:
        if day is None or day < self.first_day or day > self.last_day:
            return None
        months = (day.year - self.first_day.year) * 12 + day.month - self.first_day.month
        return self.quarters[months // 3]

    def fy_of(self, day: dt.date | None) -> str | None:
        q = self.quarter_of(day)
        return q.fy if q else None

    def fy_end(self, fy: str) -> dt.date:
        return self.fy_quarters(fy)[-1].end

    @property
    def quarter_weights(self) -> list[float]:
        w = self.shape["month_weights"]
        return [sum(w[3 * i:3 * i + 3]) for i in range(4)]

    def per_quarter(self, total: int) -> list[int]:
        """A yearly total split over the year's four quarters (exact)."""
        return apportion(total, self.quarter_weights)

    def per_quarter_all(self, key: str, field_name: str) -> list[int]:
        """Per-quarter split of `years[fy][key][field_name]` for every year, in quarter order."""
        out = []
        for fy in self.years:
            out += self.per_quarter(self.year(fy)[key][field_name])
        return out


def month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    months, day = [], dt.date(first.year, first.month, 1)
    while day <= last:
        months.append(day)
        day = (day + 32 * DAY).replace(day=1)
    return months
