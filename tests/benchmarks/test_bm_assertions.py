"""Each check's assertion (sql/bm/assert_*.sql), both ways: a passing input and a failing one."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.lib import benchmarks

# given: literal tables (SQL), expect: the number of offending rows
CASES = {
    "assert_one_row_per_indicator_and_year": (
        """create table bm_comparators as select * from (values
               ('rereferrals_pct', '2022-23'), ('rereferrals_pct', '2023-24'), ('cla_rate_10k', '2022-23')
           ) as t(indicator_code, year_label)""",
        "insert into bm_comparators values ('rereferrals_pct', '2022-23')",
        1,
    ),
    "assert_england_values_present_every_year": (
        """create table bm_comparators as select * from (values
               ('rereferrals_pct', '2022-23', 'EES 2025', 22.4, 'ok')
           ) as t(indicator_code, year_label, release, england, england_status)""",
        # an excluded England value (with its reason) passes; a missing one does not
        """insert into bm_comparators values ('yj_first_time_entrants_rate', '2023', 'LAIT 2026-04', null, 'excluded');
           insert into bm_comparators values ('rereferrals_pct', '2023-24', 'EES 2025', null, 'x')""",
        1,
    ),
    "assert_every_reference_file_yields_rows": (
        """create table ref_benchmark_files as select * from (values
               ('ees', 'rereferrals_pct:ees:1', 'dfe/c1_2013_to_2025.csv', 'EES 2025', 'value column rereferral_percent',
                '', 'time_period, rereferral_percent', 1967::bigint),
               ('population', null, 'dfe/ons.csv', null, 'rows with age_group', '', 'age_group', 3000::bigint)
           ) as t(source, measure_key, source_file, release, expected, missing_columns, file_columns, rows_found)""",
        """insert into ref_benchmark_files values ('ees', 'rereferrals_pct:ees:1', 'dfe-releases/2024/c1.csv',
               'EES 2024', 'value column rereferral_percent (or Re_referrals_percent)', 'rereferral_percent',
               'time_period, Re_referral_pct', 0)""",
        1,
    ),
    "assert_every_published_value_parsed": (
        """create table bm_published as select * from (values
               ('rereferrals_pct', 'c1.rereferral_percent', 'c1.csv', '22.9', 'ok'),
               ('rereferrals_pct', 'c1.rereferral_percent', 'c1.csv', 'c', 'c'),
               ('rereferrals_pct', 'ReReferral', 'lait.csv.gz', '-', '-')
           ) as t(indicator_code, dfe_measure, source_file, value_text, status)""",
        "insert into bm_published values ('rereferrals_pct', 'c1.rereferral_percent', 'c1.csv', '1,234', 'unparsed')",
        1,
    ),
    "assert_every_mapped_measure_published": (
        """create table ref_benchmark_measures as select * from (values
               ('rereferrals_pct:ees:1', 'ees', 'dfe/c1_*.csv', 'rereferral_percent', null),
               ('rereferrals_pct:lait', 'lait', null, null, 'ReReferral')
           ) as t(measure_key, source, dfe_file_glob, dfe_value_column, lait_short_desc);
           create table bm_published as select * from (values
               ('rereferrals_pct:ees:1', 22.9), ('rereferrals_pct:lait', 22.9)
           ) as t(measure_key, value_num)""",
        """insert into ref_benchmark_measures values ('s47_rate_10k:lait', 'lait', null, null, 'Section47');
           insert into bm_published values ('s47_rate_10k:lait', null)""",
        1,
    ),
    "assert_polarity_agrees_between_sources": (
        """create table bm_published as select * from (values
               ('rereferrals_pct', 'ees', 'lower_is_better'), ('rereferrals_pct', 'lait', 'lower_is_better'),
               ('cla_rate_10k', 'ees', 'neutral'), ('cla_rate_10k', 'lait', null)
           ) as t(indicator_code, source, polarity)""",
        "insert into bm_published values ('cla_rate_10k', 'lait', 'lower_is_better')",
        1,
    ),
    "assert_england_within_la_range": (
        """create table bm_comparators as select * from (values
               ('yj_first_time_entrants_rate', '2023', 'LAIT 2026-04', 146.0, 'rate_per_100k_10_17', 'lait.csv.gz'),
               ('cla_at_end', '2022-23', 'EES 2025', 83840.0, 'count', 'cla.csv')
           ) as t(indicator_code, year_label, release, england, unit, source_file);
           create table bm_published as select * from (values
               ('yj_first_time_entrants_rate', '2023', 'lait.csv.gz', 'Local authority', 41.0),
               ('yj_first_time_entrants_rate', '2023', 'lait.csv.gz', 'Local authority', 346.0),
               ('cla_at_end', '2022-23', 'cla.csv', 'Local authority', 796.0)
           ) as t(indicator_code, year_label, source_file, geographic_level, value_num)""",
        "update bm_comparators set england = 1320 where indicator_code = 'yj_first_time_entrants_rate'",
        1,
    ),
}


def test_every_assertion_has_a_case():
    assert set(CASES) == set(benchmarks.ASSERTIONS)


@pytest.mark.parametrize("assertion", list(CASES))
def test_assertion_passes_on_good_rows(assertion):
    given, _, _ = CASES[assertion]
    con = duckdb.connect()
    con.execute(given)

    assert benchmarks.failing_rows(con, assertion).empty


@pytest.mark.parametrize("assertion", list(CASES))
def test_assertion_fails_on_bad_rows(assertion):
    given, breakage, expected = CASES[assertion]
    con = duckdb.connect()
    con.execute(given)
    con.execute(breakage)

    assert len(benchmarks.failing_rows(con, assertion)) == expected


def test_unknown_assertion_is_refused():
    with pytest.raises(ValueError):
        benchmarks.failing_rows(duckdb.connect(), "assert_everything_is_fine")
