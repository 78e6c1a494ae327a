"""Disclosure control: given a table, expect what may be published (DfE rule: 1-5 -> 'c', secondary suppression)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.lib import sdc


def published(frame: pd.DataFrame, col: str) -> list[str]:
    return list(frame[f"{col}_published"])


def test_primary_suppression_hides_one_to_five_and_keeps_zero():
    given = pd.DataFrame({"group": ["a", "b", "c", "d", "e"], "n": [0, 1, 5, 6, None]})
    got = sdc.suppress_counts(given, ["n"])
    assert published(got, "n") == ["0", "c", "c", "6", "x"]
    assert list(got["n_status"]) == ["shown", "primary", "primary", "shown", "missing"]
    # the numeric column never carries a hidden value
    assert got["n"].tolist()[0] == 0 and math.isnan(got["n"][1]) and got["n"][3] == 6


def test_single_hidden_cell_in_a_column_total_hides_the_next_smallest():
    given = pd.DataFrame({"n": [120, 3, 40, 17, 180]}, index=["Police", "Health", "Education", "Other", "Total"])
    got = sdc.suppress_counts(given, ["n"], total_row="Total")
    expect = {"Police": "120", "Health": "c", "Education": "40", "Other": "c", "Total": "180"}
    assert dict(zip(got.index, published(got, "n"))) == expect
    assert got.loc["Other", "n_status"] == "secondary"


def test_secondary_suppression_skips_zeros_and_falls_back_to_the_total():
    given = pd.DataFrame({"n": [0, 4, 0, 4]}, index=["a", "b", "c", "Total"])
    got = sdc.suppress_counts(given, ["n"], total_row="Total")
    assert published(got, "n") == ["0", "c", "0", "c"]


def test_row_and_column_margins_propagate_until_stable():
    # Rows: gender; columns: age bands with a row total and a column total row.
    given = pd.DataFrame(
        {"u5": [2, 30, 32], "5_15": [40, 50, 90], "16_17": [10, 12, 22], "total": [52, 92, 144]},
        index=["Female", "Male", "Total"],
    )
    got = sdc.suppress_counts(given, ["u5", "5_15", "16_17"], total_col="total", total_row="Total")
    table = {col: published(got, col) for col in ["u5", "5_15", "16_17", "total"]}
    # Female u5 (2) is primary; the row forces Female 16-17 (10), the u5 column forces Male u5 (30),
    # then the 16-17 column and the Male row are each left with two hidden cells: stable.
    assert table == {
        "u5": ["c", "c", "32"],
        "5_15": ["40", "50", "90"],
        "16_17": ["c", "c", "22"],
        "total": ["52", "92", "144"],
    }
    statuses = got[[f"{c}_status" for c in ["u5", "16_17"]]].to_numpy().tolist()
    assert statuses == [["primary", "secondary"], ["secondary", "secondary"], ["shown", "shown"]]
    # No margin is left with exactly one hidden entry.
    hidden = got[[f"{c}_status" for c in ["u5", "5_15", "16_17", "total"]]].isin(["primary", "secondary"])
    assert all(n != 1 for n in hidden.sum(axis=1)) and all(n != 1 for n in hidden.sum(axis=0))


def test_small_total_is_suppressed_and_its_cells_are_protected():
    given = pd.DataFrame({"a": [2, 10], "b": [2, 11], "total": [4, 21]}, index=["x", "y"])
    got = sdc.suppress_counts(given, ["a", "b"], total_col="total")
    assert published(got, "a") == ["c", "10"] and published(got, "b") == ["c", "11"] and published(got, "total") == ["c", "21"]


def test_percentages_built_on_hidden_counts_are_withheld():
    given = pd.DataFrame({"n": [3, 97, 8, 108], "pct": [2.8, 89.8, 7.4, 100.0]}, index=["a", "b", "d", "Total"])
    got = sdc.suppress_counts(given, ["n"], total_row="Total", pct_cols={"pct": "n"})
    assert published(got, "pct") == ["c", "89.8%", "c", "100.0%"]
    assert math.isnan(got.loc["a", "pct"]) and got.loc["b", "pct"] == 89.8


def test_percentage_with_a_small_denominator_is_withheld():
    given = pd.DataFrame({"num": [2, 40], "den": [4, 50], "pct": [50.0, 80.0]})
    got = sdc.suppress_counts(given, ["num", "den"], pct_cols={"pct": ("num", "den")})
    assert published(got, "pct") == ["c", "80.0%"]


def test_single_values():
    assert sdc.publish_count(4).text == "c" and sdc.publish_count(4).suppressed
    assert sdc.publish_count(0).text == "0" and sdc.publish_count(29563).text == "29,563"
    assert sdc.publish_count(None).text == "x"
    assert sdc.publish_pct(50.0, 3, 6).text == "c"
    assert sdc.publish_pct(23.06, 967, 4194, decimals=0).text == "23%"


def test_published_view_prints_symbols():
    given = pd.DataFrame({"group": ["a", "b", "Total"], "n": [3, 10, 13]}).set_index("group")
    view = sdc.published_view(sdc.suppress_counts(given, ["n"], total_row="Total"), ["n"])
    assert list(view.columns) == ["n"] and view["n"].tolist() == ["c", "c", "13"]


# ---- what disclosure control protects: children (the default), not staff and training counts ----------

def test_staff_and_training_counts_are_published_as_they_are():
    courses = pd.DataFrame({"no_shows": [4, 42, 3, 49]}, index=["Hidden Men", "Core Working Together", "Exploitation",
                                                               "Total"])
    staff = sdc.suppress_counts(courses, ["no_shows"], total_row="Total", disclosure="none")
    assert published(staff, "no_shows") == ["4", "42", "3", "49"]
    assert set(staff["no_shows_status"]) == {"shown"}
    children = sdc.suppress_counts(courses, ["no_shows"], total_row="Total")          # the default protects
    assert published(children, "no_shows") == ["c", "42", "c", "49"]


def test_single_values_follow_the_indicators_disclosure():
    assert sdc.publish_count(4).text == "c"
    assert sdc.publish_count(4, disclosure="none").text == "4"
    assert sdc.publish_count(None, disclosure="none").text == "x"
    assert sdc.publish_pct(50.0, 2, 4).text == "c"
    assert sdc.publish_pct(50.0, 2, 4, disclosure="none").text == "50.0%"


def test_the_catalogue_says_what_each_indicator_protects():
    assert sdc.disclosure_of("training_no_shows") == "none"
    assert sdc.disclosure_of("elearning_completions") == "none"
    assert sdc.disclosure_of("lado_referrals") == "none"                   # allegations about staff
    assert sdc.disclosure_of("cpp_at_end") == "children"
    assert sdc.disclosure_of("ae_self_harm") == "children"                 # a partner measure: children
    assert sdc.applies("children") and not sdc.applies("none") and sdc.applies(None)
    with pytest.raises(ValueError):
        sdc.applies("staff")
    with pytest.raises(KeyError):
        sdc.disclosure_of("no_such_indicator")


def test_mart_comparison_suppresses_only_what_protects_children():
    import duckdb

    from pipeline.lib import indicators, warehouse

    con = duckdb.connect()
    rows = pd.DataFrame([{"indicator_code": code, "period_type": "quarter", "period_label": "2022-23 Q4",
                          "period_start": pd.Timestamp("2023-01-01"), "period_end": pd.Timestamp("2023-03-31"),
                          "quarter_key": "2022-23-Q4", "breakdown": "total", "breakdown_value": "All",
                          "numerator": 4.0, "denominator": None, "value": 4.0, "unit": "count",
                          "population_year": 2022, "status": "complete", "coverage": "2022-23 Q4",
                          "missing_quarters": "", "sources": "x", "disclosure": sdc.disclosure_of(code)}
                         for code in ("training_no_shows", "cpp_started")])
    con.register("_v", rows)
    con.execute("create table ind_values as select * from _v")
    con.execute("create table bm_comparators (indicator_code varchar, year_label varchar, time_period integer, "
                "year_type varchar, release varchar, la_value double, england double, region_name varchar, "
                "region_value double, sn_model varchar, sn_mean double, sn_median double, sn_count bigint, "
                "national_rank bigint, ranked_of bigint, quartile varchar)")
    indicators.load_catalogue_table(con)
    got = warehouse.query(con, "mart_comparison", {"quarter_key": "2022-23-Q4"}).set_index("indicator_code")
    assert not got.loc["training_no_shows", "suppressed"] and got.loc["training_no_shows", "disclosure"] == "none"
    assert got.loc["cpp_started", "suppressed"] and got.loc["cpp_started", "disclosure"] == "children"
