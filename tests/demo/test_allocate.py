"""The exact-allocation helpers and the episode stock: calibrated figures come out by construction.

Given small literal inputs, expect exact totals, caps respected, and episode flows that hit their targets.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from pipeline.lib.demo.allocate import apportion, choose, pct_count, solve_cells, split_capped
from pipeline.lib.demo.dates import DayPicker, add_wd, financial_quarters, minus_months, wd_between
from pipeline.lib.demo.episodes import LongRule, build_stock
from pipeline.lib.working_days import working_days_between


def test_apportion_is_exact_and_proportional():
    assert apportion(802, [39, 17, 19, 11, 16]) == [307, 134, 149, 86, 126]
    assert sum(apportion(29563, [1.02, 1.0, 1.04])) == 29563
    assert apportion(0, [1, 2]) == [0, 0]
    assert pct_count(96.7, 802) == 776 and pct_count(82, 339) == 278


def test_split_capped_respects_caps():
    rng = np.random.default_rng(1)
    parts = split_capped(rng, 73, [30, 30, 30, 30])
    assert sum(parts) == 73 and max(parts) <= 30
    with pytest.raises(ValueError):
        split_capped(rng, 10, [3, 3])


def test_choose_exact_k():
    rng = np.random.default_rng(2)
    assert len(choose(rng, list(range(100)), 37)) == 37
    assert len(set(choose(rng, list(range(10)), 10))) == 10


def test_solve_cells_overlapping_sets():
    # Plans started this year (cells 0, 1) and open at the year end (cells 1, 2): 107 and 106 flagged.
    counts = solve_cells([150, 194, 145], [[0, 1], [1, 2]], [107, 106])
    assert counts[0] + counts[1] == 107 and counts[1] + counts[2] == 106
    assert all(0 <= c <= s for c, s in zip(counts, [150, 194, 145]))


def test_working_days_match_the_pipeline():
    pairs = [(dt.date(2022, 5, 27), dt.date(2022, 6, 6)), (dt.date(2022, 9, 16), dt.date(2022, 9, 20)),
             (dt.date(2023, 3, 31), dt.date(2023, 3, 31)), (dt.date(2022, 12, 23), dt.date(2023, 1, 3))]
    for a, b in pairs:
        assert wd_between(a, b) == working_days_between(a, b)[0]
    assert add_wd(dt.date(2022, 6, 1), 1) == dt.date(2022, 6, 6)  # 2-3 June 2022 were bank holidays
    assert wd_between(add_wd(dt.date(2022, 9, 22), -15), dt.date(2022, 9, 22)) == 15
    assert minus_months(dt.date(2023, 3, 31), 9) == dt.date(2022, 6, 30)


def test_stock_hits_flows_and_long_running_counts():
    quarters = financial_quarters(2021, 2)
    picker = DayPicker(dt.date(2015, 1, 1), dt.date(2023, 12, 31), [1] * 12)
    rules = [LongRule(3, minus_months(dt.date(2022, 3, 31), 9), 40),
             LongRule(7, minus_months(dt.date(2023, 3, 31), 9), 30)]
    episodes = build_stock(np.random.default_rng(3), quarters, picker, family="t", opening=200,
                           starts=[60] * 8, ends=[65] * 8, final_open=160, rules=rules, opening_age_mean=150,
                           opening_age_max=900, typical_days=200, start_days={}, end_days={})
    for q, n in zip(quarters, [60] * 8):
        assert sum(q.contains(e.start) for e in episodes) == n
        assert sum(e.end is not None and q.contains(e.end) for e in episodes) == 65
    end = dt.date(2023, 3, 31)
    still = [e for e in episodes if e.open_at(end)]
    assert len(still) == 160
    assert sum(e.start <= minus_months(end, 9) for e in still) == 30
    assert sum(e.open_at(dt.date(2022, 3, 31)) and e.start <= dt.date(2021, 6, 30) for e in episodes) == 40
    assert all(e.end is None or e.end > e.start for e in episodes)
