-- assert_polarity_agrees_between_sources: an indicator's polarity is the same in every source
-- (the LAIT dictionary's Polarity and the polarity stated for EES in benchmark_measures.yaml),
-- so a change of release never flips its rank or quartile.
-- grain: one row per offending indicator_code (none when the assertion holds).
-- inputs: bm_published.
-- params: none.

with

published as (select * from bm_published),

polarity_per_source as (
    select distinct indicator_code, source, coalesce(polarity, 'neutral') as polarity
    from published
),

final as (
    select
        indicator_code,
        string_agg(source || ': ' || polarity, '; ' order by source) as polarities
    from polarity_per_source
    group by all
    having count(distinct polarity) > 1
)

select * from final
