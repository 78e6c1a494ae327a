-- assert_every_mapped_measure_published: each measure in config/benchmark_measures.yaml found rows
-- with at least one number (a renamed LAIT Short Desc, EES column or filter value shows up here).
-- grain: one row per offending measure (none when the assertion holds).
-- inputs: ref_benchmark_measures, bm_published.
-- params: none.

with

measures as (select * from ref_benchmark_measures),
published as (select * from bm_published),

numbers_per_measure as (
    select measure_key, count(value_num) as n_values
    from published
    group by all
),

final as (
    select m.measure_key, m.source, m.dfe_file_glob, m.dfe_value_column, m.lait_short_desc
    from measures as m
    left join numbers_per_measure as n using (measure_key)
    where coalesce(n.n_values, 0) = 0
)

select * from final
