"""The mapping and the partnership settings are data: checked here, never hard-coded."""

from __future__ import annotations

import copy

import pytest

from pipeline.lib import benchmarks
from pipeline.lib.paths import REFERENCE_DIR
from pipeline.lib.warehouse import query

REQUIRED_CODES = {
    "referrals_total", "referrals_rate_10k", "rereferrals_pct", "referrals_nfa_pct", "assessments_45wd_pct",
    "s47_rate_10k", "icpc_15wd_pct", "cin_at_end", "cin_rate_10k", "cpp_at_end", "cpp_rate_10k", "cpp_started",
    "cpp_started_rate_10k", "cpp_second_subsequent_pct", "cpp_2yrs_open_pct", "cpp_2yrs_ceased_pct",
    "cla_at_end", "cla_rate_10k", "cla_started", "cla_ceased", "cla_missing_pct", "yj_first_time_entrants_rate",
}


def test_mapping_covers_every_required_indicator(config):
    assert REQUIRED_CODES <= set(config["benchmark_measures"]["indicators"])


def test_every_lait_short_desc_is_in_the_dictionary(warehouse):
    missing = warehouse.execute(
        "select lait_short_desc from ref_benchmark_measures where source = 'lait' "
        "and lait_short_desc not in (select measure_short from ref_lait_dictionary)"
    ).fetchall()
    assert missing == []


def test_lait_polarity_comes_from_the_dictionary(warehouse):
    polarity = dict(warehouse.execute(
        "select distinct indicator_code, polarity from bm_published where source = 'lait' "
        "and indicator_code in ('assessments_45wd_pct', 'rereferrals_pct', 'cla_missing_pct')"
    ).fetchall())
    assert polarity == {"assessments_45wd_pct": "higher_is_better", "rereferrals_pct": "lower_is_better",
                        "cla_missing_pct": "neutral"}


@pytest.mark.parametrize(
    ("name", "year"),
    [("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", 2025),
     ("d3_cpps_subsequent_plan_2014_to_2026.csv", 2026)],
)
def test_ees_release_year_from_the_file_name(name, year):
    assert benchmarks.ees_release_year(REFERENCE_DIR / "dfe" / name) == year


def test_ees_release_year_from_the_data_when_the_name_has_none(warehouse):
    path = REFERENCE_DIR / "dfe" / "cla_number_and_rate_per_10k_children.csv"
    assert benchmarks.ees_release_year(path, warehouse) == 2025


def test_lait_release_month_from_the_file_name():
    assert benchmarks.lait_release_month(REFERENCE_DIR / "dfe" / "lait_childrens_services_2026-04.csv.gz") == (2026, 4)
    with pytest.raises(ValueError):
        benchmarks.lait_release_month(REFERENCE_DIR / "dfe" / "lait_childrens_services.csv.gz")


@pytest.mark.parametrize(
    ("section", "key", "bad"),
    [("benchmarks", "statistical_neighbour_model", "april_2022"),
     ("benchmarks", "statistical_neighbour_statistic", "mode")],
)
def test_partnership_settings_are_validated(config, section, key, bad):
    cfg = copy.deepcopy(config)
    cfg[section][key] = bad
    with pytest.raises(ValueError, match=key):
        benchmarks.comparator_params(cfg)


def test_ees_polarity_must_be_stated(config):
    measures = copy.deepcopy(config["benchmark_measures"])
    measures["indicators"]["rereferrals_pct"]["ees"][0]["polarity"] = "Low"
    with pytest.raises(ValueError, match="rereferrals_pct"):
        benchmarks.measure_frames(measures)


def test_another_partnership_is_a_config_change(warehouse, config):
    """Nothing about Sandwell is in the code: point the config at Wolverhampton (336)."""
    cfg = copy.deepcopy(config)
    cfg["partnership"].update(dfe_la_code=336, ons_la_code="E08000031", local_authority="Wolverhampton")
    frame = query(warehouse, "bm/bm_comparators", benchmarks.comparator_params(cfg))
    row = frame[(frame.indicator_code == "rereferrals_pct") & (frame.year_label == "2022-23")].iloc[0]
    sandwell_is_a_neighbour = warehouse.execute(
        "select count(*) from ref_statistical_neighbours where model = 'april_2021' "
        "and dfe_la_code = '336' and neighbour_dfe_code = '333'"
    ).fetchall()[0][0]

    assert row["la_name"] == "Wolverhampton"
    assert row["region_value"] == pytest.approx(19.4)
    assert sandwell_is_a_neighbour == 1
