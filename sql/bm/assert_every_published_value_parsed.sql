-- assert_every_published_value_parsed: every published cell is a number or a known DfE symbol
-- (c, x, z, low, k, u, ':', '~', '-'); anything else means a format change in a new release.
-- grain: one row per offending DfE measure x value text (none when the assertion holds).
-- inputs: bm_published.
-- params: none.

with

published as (select * from bm_published),

final as (
    select indicator_code, dfe_measure, source_file, value_text, status, count(*) as n_rows
    from published
    where status in ('unparsed', 'blank')
    group by all
)

select * from final
