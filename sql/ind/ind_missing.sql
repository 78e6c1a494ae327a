-- Missing-from-home-and-care episodes starting in a period, the children involved and return home interviews.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_missing_episodes. Parameters: $period_start, $period_end.
-- Counting rules: an episode counts in the period it started; children are distinct pseudonymised IDs.
-- RHI within 72 hours: completed no later than 72 hours after the child returned (episode end).

with episodes as (
    select * from stg_missing_episodes
    where missing_start::date between $period_start and $period_end
),

children as (
    select
        child_id,
        count(*) as episodes,
        bool_or(rhi_offered = 'Y') as offered_rhi
    from episodes
    group by child_id
),

rhi as (
    select
        count(*) filter (where rhi_completed is not null and missing_end is not null) as completed,
        count(*) filter (where rhi_completed is not null and missing_end is not null
                         and rhi_completed <= missing_end + interval 72 hour) as within_72h
    from episodes
),

final as (
    select 'missing_episodes' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           (select count(*) from episodes) as numerator, null as denominator
    union all select 'missing_children', 'total', 'All', (select count(*) from children), null
    union all select 'missing_episodes_per_child', 'total', 'All',
                     (select count(*) from episodes), (select count(*) from children)
    union all select 'missing_children_rhi_offered_pct', 'total', 'All',
                     (select count(*) from children where offered_rhi), (select count(*) from children)
    union all select 'missing_rhi_72h_pct', 'total', 'All', within_72h, completed from rhi
)

select * from final
