"""Synthetic children: IDs, dates of birth, sex, ethnicity, disability.

A child keeps one ID in every list and quarter. IDs look like a case-management number ("SC1234567") but
are a permutation of a counter, so they are unique, stable for a seed, and carry no real identifier.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from pipeline.lib.demo.allocate import draw
from pipeline.lib.demo.dates import age_years

_ID_SPAN = 9_000_000
_ID_STEP = 7_368_787  # coprime with _ID_SPAN: the counter -> ID map is a permutation


class Registry:
    """All children generated, held column-wise; a child is an int index."""

    def __init__(self, rng: np.random.Generator, shape: dict, codes):
        self.rng = rng
        self.shape = shape
        self.codes = codes
        self._offset = int(rng.integers(_ID_SPAN))
        self.dob: list[dt.date] = []
        self.sex: list[str] = []
        self.ethnicity: list[str] = []
        self.disability: list[str] = []
        eth = shape["ethnicity_weights"]
        self._eth_weights = {c: eth.get(c, 0) for c in codes.codes("ethnicity")}
        self._age_weights = np.asarray(shape["age_weights"], dtype=float)
        self._pools: dict[tuple, dict] = {}
        self._ages: dict[tuple, dict] = {}

    def __len__(self) -> int:
        return len(self.dob)

    def add(self, dob: dt.date, sex: str, ethnicity: str, disability: str) -> int:
        self.dob.append(dob)
        self.sex.append(sex)
        self.ethnicity.append(ethnicity)
        self.disability.append(disability)
        return len(self.dob) - 1

    def child_id(self, child: int) -> str:
        return f"SC{1_000_000 + (child * _ID_STEP + self._offset) % _ID_SPAN:07d}"

    # ---- attributes as a return written at `on` shows them ----
    def gender_at(self, child: int, on: dt.date) -> str:
        # An unborn child (a pre-birth plan or referral) is recorded "Not stated/recorded" until born.
        return "U" if self.dob[child] > on else self.sex[child]

    def age_at(self, child: int, on: dt.date) -> int | None:
        return None if self.dob[child] > on else age_years(self.dob[child], on)

    def dob_at(self, child: int, on: dt.date) -> dt.date | None:
        return None if self.dob[child] > on else self.dob[child]

    # ---- new children ----
    def random_ethnicity(self, within: list[str] | None = None) -> str:
        if within is None:
            return draw(self.rng, self._eth_weights)
        key = tuple(within)
        if key not in self._pools:
            self._pools[key] = {c: self._eth_weights.get(c, 0) or 1 for c in within}
        return draw(self.rng, self._pools[key])

    def random_dob(self, at: dt.date, ages: tuple[int, int] = (0, 17), unborn_share: float = 0.0,
                   under_18_for: int = 0) -> dt.date:
        """A date of birth for a child aged within `ages` at `at` (or due within 5 months of it), and still under
        18 `under_18_for` days after `at` (a referral's assessment and CIN episode follow it: none may start on
        an adult)."""
        if unborn_share and self.rng.random() < unborn_share:
            return at + dt.timedelta(days=int(self.rng.integers(20, 150)))
        key = tuple(ages)
        if key not in self._ages:
            lo, hi = ages
            self._ages[key] = {lo + i: w for i, w in enumerate(self._age_weights[lo:hi + 1])}
        age = draw(self.rng, self._ages[key])
        dob = at - dt.timedelta(days=int(age * 365.25 + self.rng.integers(0, 365)))
        return max(dob, at + dt.timedelta(days=under_18_for + 1) - dt.timedelta(days=int(18 * 365.25)))

    def under_18_on(self, child: int, day: dt.date) -> bool:
        return self.dob[child] > day - dt.timedelta(days=int(18 * 365.25))

    def new_random(self, at: dt.date, ages: tuple[int, int] = (0, 17), unborn_share: float | None = None,
                   under_18_for: int = 0) -> int:
        share = self.shape["unborn_share"] if unborn_share is None else unborn_share
        return self.add(
            self.random_dob(at, ages, share, under_18_for),
            "M" if self.rng.random() < 0.51 else "F",
            self.random_ethnicity(),
            draw(self.rng, self.shape["disability_weights"]),
        )


def band_dob_range(band: tuple[int, int], on: dt.date) -> tuple[dt.date, dt.date]:
    """Dates of birth giving an age in years within `band` (inclusive) on `on`."""
    lo_age, hi_age = band
    latest = dt.date(on.year - lo_age, on.month, min(on.day, 28 if on.month == 2 else on.day))
    earliest = dt.date(on.year - hi_age - 1, on.month, min(on.day, 28 if on.month == 2 else on.day)) + dt.timedelta(days=1)
    return earliest, latest


def ethnicity_pools(shape: dict, codes) -> dict[str, list[str]]:
    """Report ethnicity group -> the codes it covers (from config/codes.yaml groups)."""
    pools = {}
    for name, rule in shape["ethnicity_groups"].items():
        pools[name] = list(rule["codes"]) if "codes" in rule else codes.group_codes("ethnicity", rule["group"])
    return pools
