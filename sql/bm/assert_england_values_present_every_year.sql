-- assert_england_values_present_every_year: every comparator row has England's published number, unless the
-- mapping excludes it and says why (england_status 'excluded', the reason in england_note).
-- grain: one row per offending indicator_code x year_label (none when the assertion holds).
-- inputs: bm_comparators.
-- params: none.

with

comparators as (select * from bm_comparators),

final as (
    select indicator_code, year_label, release, england_status
    from comparators
    where england is null and england_status is distinct from 'excluded'
)

select * from final
