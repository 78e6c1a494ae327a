-- assert_one_row_per_indicator_and_year: bm_comparators holds one comparator per indicator and year.
-- grain: one row per offending indicator_code x year_label (none when the assertion holds).
-- inputs: bm_comparators.
-- params: none.

with

comparators as (select * from bm_comparators),

final as (
    select indicator_code, year_label, count(*) as n_rows
    from comparators
    group by all
    having count(*) > 1
)

select * from final
