"""LAIT's comparator rules, given literal rows and the real sql/bm/bm_comparators.sql on a real DuckDB.

given: a handful of LA values; expect: the rank (ties = min), quartile band (A = best by polarity),
SN mean/median (neighbours without a value left out) and release choice that LAIT's rules give.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from pipeline.lib import benchmarks
from pipeline.lib.warehouse import query

YEAR = "2022-23"


def _config(la: int | str = 1, model: str = "auto", statistic: str = "mean") -> dict:
    return {
        "partnership": {"dfe_la_code": la, "region": "Region R"},
        "benchmarks": {"statistical_neighbour_model": model, "statistical_neighbour_statistic": statistic},
        "benchmark_measures": {"statistical_neighbours": {"auto_may_2025_from_time_period": 2026}},
    }


def _published_row(la, value, *, polarity="lower_is_better", year=YEAR, release="EES 2025",
                   release_date=dt.date(2025, 11, 1), source_file="c1_x_2013_to_2025.csv",
                   level="Local authority", area=None, indicator="ind"):
    time_period = int(year[:4]) + 1
    numeric = isinstance(value, (int, float))
    return {
        "indicator_code": indicator, "dfe_measure": "m", "source": release.split()[0].lower(),
        "source_file": source_file, "release": release, "release_date": release_date,
        "time_period": time_period, "year_label": year, "year_type": "financial",
        "geographic_level": level, "dfe_la_code": None if la is None else str(la), "ons_code": None,
        "area_name": area or f"LA {la}", "region_name": "Region R",
        "value_text": str(value), "value_num": float(value) if numeric else None,
        "status": "ok" if numeric else value, "polarity": polarity, "measure_key": f"{indicator}:{release}",
    }


def _warehouse(published: list[dict], neighbours: list[tuple[str, int, int]] = ()) -> duckdb.DuckDBPyConnection:
    """A DuckDB holding exactly the given bm_published rows, SN pairs and measure metadata."""
    con = duckdb.connect()
    frame = pd.DataFrame(published)
    con.register("_p", frame)
    con.execute("create table bm_published as select * from _p")
    sn = pd.DataFrame(
        [{"model": m, "dfe_la_code": str(la), "neighbour_order": i + 1, "neighbour_dfe_code": str(n)}
         for i, (m, la, n) in enumerate(neighbours)],
        columns=["model", "dfe_la_code", "neighbour_order", "neighbour_dfe_code"],
    )
    con.register("_sn", sn)
    con.execute("create table ref_statistical_neighbours as select * from _sn")
    measures = frame[["indicator_code", "measure_key"]].drop_duplicates().assign(
        label="Indicator", unit="percent", decimals=1, england_excluded=None)
    con.register("_m", measures)
    con.execute("create table ref_benchmark_measures as select * from _m")
    return con


def _with_england(rows: list[dict], **kw) -> list[dict]:
    return rows + [_published_row(None, 25.0, level="National", area="England", **kw),
                   _published_row(None, 24.0, level="Regional", area="Region R", **kw)]


def _comparator(con, config) -> dict:
    frame = query(con, "bm/bm_comparators", benchmarks.comparator_params(config))
    assert len(frame) == 1
    return frame.iloc[0].to_dict()


# --- national rank: ties take the lower rank, direction by polarity -------------------------------

RANK_VALUES = {1: 10, 2: 20, 3: 20, 4: 30, 5: 40, 6: "c"}
RANK_EXPECT = {
    "higher_is_better": {1: 5, 2: 3, 3: 3, 4: 2, 5: 1, 6: None},
    "lower_is_better": {1: 1, 2: 2, 3: 2, 4: 4, 5: 5, 6: None},
    "neutral": {1: None, 2: None, 3: None, 4: None, 5: None, 6: None},
}


@pytest.mark.parametrize("polarity", list(RANK_EXPECT))
@pytest.mark.parametrize("la", list(RANK_VALUES))
def test_national_rank_ties_take_min_and_follow_polarity(polarity, la):
    con = _warehouse(_with_england([_published_row(k, v, polarity=polarity) for k, v in RANK_VALUES.items()]))

    row = _comparator(con, _config(la))

    expected = RANK_EXPECT[polarity][la]
    assert (None if pd.isna(row["national_rank"]) else row["national_rank"]) == expected
    assert (None if pd.isna(row["ranked_of"]) else row["ranked_of"]) == (None if polarity == "neutral" else 5)


# --- quartile band: England LA quantiles 0/25/50/75/100, A = best --------------------------------

QUARTILE_VALUES = {1: 10, 2: 20, 3: 30, 4: 40, 5: 50, 6: "c"}   # cut points 20 / 30 / 40
QUARTILE_EXPECT = {
    "lower_is_better": {1: "A", 2: "A", 3: "B", 4: "C", 5: "D", 6: None},   # 20 = q25 sits in A
    "higher_is_better": {1: "D", 2: "D", 3: "C", 4: "B", 5: "A", 6: None},
    "neutral": {1: None, 2: None, 3: None, 4: None, 5: None, 6: None},
}


@pytest.mark.parametrize("polarity", list(QUARTILE_EXPECT))
@pytest.mark.parametrize("la", list(QUARTILE_VALUES))
def test_quartile_band_a_is_best_by_polarity(polarity, la):
    con = _warehouse(_with_england(
        [_published_row(k, v, polarity=polarity) for k, v in QUARTILE_VALUES.items()]))

    row = _comparator(con, _config(la))

    quartile = None if pd.isna(row["quartile"]) else row["quartile"]
    assert quartile == QUARTILE_EXPECT[polarity][la]
    assert row["polarity"] == polarity


def test_quartile_cut_points_interpolate_like_r_type_7():
    # four values 10, 20, 30, 100: R quantile() gives q25 17.5, q50 25, q75 47.5
    values = {1: 10, 2: 20, 3: 30, 4: 100}
    expect = {1: "A", 2: "B", 3: "C", 4: "D"}
    for la, band in expect.items():
        con = _warehouse(_with_england([_published_row(k, v) for k, v in values.items()]))
        assert _comparator(con, _config(la))["quartile"] == band


# --- statistical neighbours -----------------------------------------------------------------------

def test_sn_mean_leaves_out_neighbours_without_a_value():
    rows = [_published_row(1, 50), _published_row(2, 10), _published_row(3, 20),
            _published_row(4, "c"), _published_row(5, 40)]
    # LA 1's neighbours: 2, 3, 4 (suppressed) and 7 (no row at all that year)
    neighbours = [("april_2021", 1, 2), ("april_2021", 1, 3), ("april_2021", 1, 4), ("april_2021", 1, 7)]
    con = _warehouse(_with_england(rows), neighbours)

    row = _comparator(con, _config(1))

    assert row["sn_count"] == 2
    assert row["sn_mean"] == pytest.approx(15.0)
    assert row["sn_median"] == pytest.approx(15.0)
    assert row["sn_value"] == pytest.approx(15.0)


def test_sn_median_and_statistic_choice():
    rows = [_published_row(1, 50), _published_row(2, 10), _published_row(3, 20), _published_row(5, 90)]
    neighbours = [("april_2021", 1, 2), ("april_2021", 1, 3), ("april_2021", 1, 5)]
    con = _warehouse(_with_england(rows), neighbours)

    row = _comparator(con, _config(1, statistic="median"))

    assert row["sn_mean"] == pytest.approx(40.0)
    assert row["sn_median"] == pytest.approx(20.0)
    assert row["sn_statistic"] == "median"
    assert row["sn_value"] == pytest.approx(20.0)


@pytest.mark.parametrize(
    ("model", "year", "expect_model", "expect_mean"),
    [
        ("auto", "2024-25", "april_2021", 10.0),   # April 2021 groupings up to 2024-25
        ("auto", "2025-26", "may_2025", 30.0),     # May 2025 model from 2025-26
        ("may_2025", "2024-25", "may_2025", 30.0),
        ("april_2021", "2025-26", "april_2021", 10.0),
    ],
)
def test_sn_model_auto_switches_in_2025_26(model, year, expect_model, expect_mean):
    rows = [_published_row(k, v, year=year) for k, v in {1: 50, 2: 10, 3: 30}.items()]
    neighbours = [("april_2021", 1, 2), ("may_2025", 1, 3)]
    con = _warehouse(_with_england(rows, year=year), neighbours)

    row = _comparator(con, _config(1, model=model))

    assert row["sn_model"] == expect_model
    assert row["sn_mean"] == pytest.approx(expect_mean)


# --- release choice -------------------------------------------------------------------------------

def test_newest_release_with_a_value_is_the_comparator():
    old = {"release": "EES 2025", "release_date": dt.date(2025, 11, 1), "source_file": "c1_2013_to_2025.csv"}
    new = {"release": "LAIT 2026-04", "release_date": dt.date(2026, 4, 1), "source_file": "lait_2026-04.csv.gz"}
    empty = {"release": "LAIT 2026-09", "release_date": dt.date(2026, 9, 1), "source_file": "lait_2026-09.csv.gz"}
    rows = (
        _with_england([_published_row(1, 10, **old), _published_row(2, 20, **old)], **old)
        + _with_england([_published_row(1, 11, **new), _published_row(2, 21, **new)], **new)
        + [_published_row(1, "-", **empty), _published_row(2, "-", **empty)]
    )
    con = _warehouse(rows)

    row = _comparator(con, _config(1))

    assert row["release"] == "LAIT 2026-04"
    assert row["la_value"] == 11
    assert row["releases_available"] == "LAIT 2026-04; EES 2025"


def test_missing_la_value_keeps_its_symbol():
    con = _warehouse(_with_england([_published_row(1, "c"), _published_row(2, 20), _published_row(3, 30)]))

    row = _comparator(con, _config(1))

    assert row["la_status"] == "c"
    assert row["la_value_text"] == "c"
    assert pd.isna(row["la_value"])
    assert pd.isna(row["national_rank"]) and pd.isna(row["quartile"])
    assert row["england"] == 25.0 and row["region_value"] == 24.0
