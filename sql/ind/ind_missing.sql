-- Missing-from-home-and-care episodes starting in a period, the children involved and return home interviews.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_missing_episodes (episode-level missing return). Parameters: $period_start, $period_end.
-- Counting rules: an episode counts in the period it started; children are distinct pseudonymised IDs.
-- Children missing per month = distinct children with an episode starting in each calendar month of the
-- period, averaged over the period's months (months with none count as 0); the rate divides that mean by
-- the 0-17 population (Python: unit rate_per_10k). Breakdown 'month': each month's distinct children.
-- RHI within 72 hours: completed no later than 72 hours after the child returned (episode end). Not a DfE
-- statistic (2014 statutory guidance); the denominator is interviews completed.

with episodes as (
    select * from stg_missing_episodes
    where missing_start::date between $period_start and $period_end
),

months as (
    select unnest(range(date_trunc('month', $period_start::date), $period_end::date + interval 1 day,
                        interval 1 month)) as month_start
),

children as (
    select
        child_id,
        count(*) as episodes,
        bool_or(rhi_offered = 'Y') as offered_rhi
    from episodes
    group by child_id
),

children_per_month as (
    select months.month_start, count(distinct episodes.child_id) as children
    from months
    left join episodes on date_trunc('month', episodes.missing_start) = months.month_start
    group by months.month_start
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
    union all select 'missing_children_per_month', 'total', 'All',
                     (select sum(children) from children_per_month), (select count(*) from children_per_month)
    union all select 'missing_children_per_month', 'month', strftime(month_start, '%Y-%m'), children, 1
              from children_per_month
    union all select 'missing_children_rate_10k_per_month', 'total', 'All',
                     (select avg(children) from children_per_month), null
    union all select 'missing_children_rhi_offered_pct', 'total', 'All',
                     (select count(*) from children where offered_rhi), (select count(*) from children)
    union all select 'missing_rhi_72h_pct', 'total', 'All', within_72h, completed from rhi
)

select * from final
