-- assert_england_within_la_range: for a rate or percentage, England's published value lies between
-- the lowest and highest LA value of the same release and year. A value outside that range is a
-- different statistic under the same name (a count, another denominator): show it with care.
-- grain: one row per offending indicator_code x year_label (none when the assertion holds).
-- inputs: bm_comparators, bm_published.
-- params: none.

with

comparators as (select * from bm_comparators),
published as (select * from bm_published),

la_range as (
    select indicator_code, year_label, source_file, min(value_num) as la_min, max(value_num) as la_max
    from published
    where geographic_level = 'Local authority' and value_num is not null
    group by all
),

final as (
    select c.indicator_code, c.year_label, c.release, c.england, r.la_min, r.la_max
    from comparators as c
    inner join la_range as r using (indicator_code, year_label, source_file)
    where c.unit <> 'count'
        and (c.england < r.la_min or c.england > r.la_max)
)

select * from final
