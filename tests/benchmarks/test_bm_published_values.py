"""The benchmark layer reproduces, from DfE's EES files alone, the numbers those files publish."""

from __future__ import annotations

import pytest

from pipeline.lib import benchmarks

SANDWELL = "333"

# given: indicator, 2022-23; expect: the values printed in DfE's 2025 EES release
PUBLISHED_2022_23 = [
    # indicator_code,            Sandwell, West Midlands, England
    ("rereferrals_pct",           22.9,     19.4,          22.4),
    ("cpp_second_subsequent_pct", 31.3,     24.3,          23.6),
    ("cpp_2yrs_open_pct",         4.8,      1.7,           2.2),
    ("cla_rate_10k",              93,       90,            70),
]


@pytest.mark.parametrize(("indicator", "sandwell", "west_midlands", "england"), PUBLISHED_2022_23)
def test_ees_comparator_reproduces_published_2022_23(ees_warehouse, indicator, sandwell, west_midlands, england):
    row = benchmarks.comparator(ees_warehouse, indicator, "2022-23")

    assert row["source"] == "ees"
    assert row["release"] == "EES 2025"
    assert row["la_name"] == "Sandwell"
    assert row["la_value"] == pytest.approx(sandwell)
    assert row["region_value"] == pytest.approx(west_midlands)
    assert row["england"] == pytest.approx(england)


def test_sandwell_rereferrals_are_964_of_4205(ees_warehouse):
    counts = dict(
        ees_warehouse.execute(
            """
            select indicator_code, value_num from bm_published
            where source = 'ees' and dfe_la_code = $code and year_label = '2022-23'
              and indicator_code in ('referrals_total', 'rereferrals_total')
            """,
            {"code": SANDWELL},
        ).fetchall()
    )

    assert counts == {"referrals_total": 4205, "rereferrals_total": 964}
    assert round(100 * 964 / 4205, 1) == 22.9


def test_west_midlands_rereferral_pct_recomputed_from_its_14_la_rows(ees_warehouse, la_groups):
    """Sum the counts of the 14 WM LAs, divide, compare with the published regional 19.4.

    Herefordshire's 2022-23 re-referral count is published as 'u' (low reliability): DfE's regional
    total leaves its re-referrals out but keeps its 1,569 referrals, and so does a sum of counts
    that skips symbols. Leaving Herefordshire out of both gives 19.9 instead.
    """
    wm = la_groups["west_midlands_las"]
    rows = ees_warehouse.execute(
        """
        select dfe_la_code, indicator_code, value_num, status from bm_published
        where source = 'ees' and year_label = '2022-23' and geographic_level = 'Local authority'
          and source_file like 'dfe/%'
          and indicator_code in ('referrals_total', 'rereferrals_total')
          and list_contains($wm, dfe_la_code)
        """,
        {"wm": wm},
    ).fetchall()
    referrals = sum(v for _, i, v, _ in rows if i == "referrals_total" and v is not None)
    rereferrals = sum(v for _, i, v, _ in rows if i == "rereferrals_total" and v is not None)
    regional = dict(
        ees_warehouse.execute(
            """
            select indicator_code, value_num from bm_published
            where source = 'ees' and year_label = '2022-23' and geographic_level = 'Regional'
              and area_name = 'West Midlands' and source_file like 'dfe/%'
            """
        ).fetchall()
    )

    assert len({code for code, *_ in rows}) == 14
    assert [(code, status) for code, i, _, status in rows if status != "ok"] == [("884", "u")]
    # England and regional counts are rounded to the nearest 10
    assert abs(referrals - regional["referrals_total"]) <= 5
    assert abs(rereferrals - regional["rereferrals_total"]) <= 5
    assert abs(100 * rereferrals / referrals - regional["rereferrals_pct"]) <= 0.05


@pytest.mark.parametrize("year_label", ["2021-22", "2024-25"])
def test_west_midlands_rereferral_pct_recomputed_in_years_with_every_la_published(ees_warehouse, year_label):
    frame = ees_warehouse.execute(
        """
        select
            sum(value_num) filter (where indicator_code = 'rereferrals_total' and geographic_level = 'Local authority')
              / sum(value_num) filter (where indicator_code = 'referrals_total' and geographic_level = 'Local authority')
              * 100 as recomputed,
            count(*) filter (where geographic_level = 'Local authority' and status <> 'ok') as symbols,
            any_value(value_num) filter (where indicator_code = 'rereferrals_pct' and geographic_level = 'Regional')
              as published
        from bm_published
        where source = 'ees' and year_label = $year and region_name = 'West Midlands' and source_file like 'dfe/%'
          and indicator_code in ('referrals_total', 'rereferrals_total', 'rereferrals_pct')
        """,
        {"year": year_label},
    ).df()

    assert frame.loc[0, "symbols"] == 0
    assert abs(frame.loc[0, "recomputed"] - frame.loc[0, "published"]) <= 0.05


def test_sandwell_population_for_2022_23_is_mid_2022(warehouse):
    assert benchmarks.population_0_17(warehouse, 333, "2022-23") == 85_920
    row = warehouse.execute(
        "select area_name, ons_code, region_name, source_file from ref_population "
        "where dfe_la_code = '333' and mid_year = 2022"
    ).fetchall()
    assert row == [("Sandwell", "E08000028", "West Midlands",
                    "dfe/ons_mid-year_population_estimates_2012_to_2024.csv")]


def test_lait_and_ees_agree_wherever_both_publish_a_number(warehouse):
    """The two DfE sources are the same statistics: no value of the latest EES release (dfe/) differs from LAIT's
    where both have one. (The 2024 release in dfe-releases/ differs where DfE revised a figure a year later.)"""
    differences = warehouse.execute(
        """
        select e.indicator_code, e.year_label, e.area_name, e.value_text, l.value_text
        from bm_published as e
        inner join bm_published as l
            on l.indicator_code = e.indicator_code and l.time_period = e.time_period
            and l.geographic_level = e.geographic_level
            and coalesce(l.dfe_la_code, lower(l.area_name)) = coalesce(e.dfe_la_code, lower(e.area_name))
        where e.source = 'ees' and e.source_file like 'dfe/%' and l.source = 'lait'
          and abs(e.value_num - l.value_num) > 1e-9
        """
    ).fetchall()
    overlap = warehouse.execute(
        """
        select count(*) from bm_published as e
        inner join bm_published as l using (indicator_code, time_period, geographic_level, dfe_la_code)
        where e.source = 'ees' and e.source_file like 'dfe/%' and l.source = 'lait'
          and e.value_num is not null and l.value_num is not null
        """
    ).fetchall()[0][0]

    assert overlap > 10_000
    assert differences == []
