-- The actions tracker: actions open, overdue (by agency and by how long), closed, and recommendations fully closed.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_actions (the tracker as last filed), ref_codes. Parameters: $period_start, $period_end.
-- Rules: an action is closed when it has a Date Closed (the status is the agency's word; a 'Complete' without a date
-- is warned at intake and stays open). At the period end an action is open when it was agreed by then (no Date
-- Agreed: counted as known) and not closed by then; overdue when open and its due date is before the period end.
-- A recommendation (reference + number) is closed when every action under it known at the period end is closed.

with register as materialized (
    select * from stg_actions
),

latest_filing as (
    -- A register is filed whole each quarter: the latest filing from each agency replaces its earlier ones, so a row
    -- taken out of the register leaves the figures too (stg_ alone would keep its last version).
    select filed_by, max(period_key) as period_key from register group by filed_by
),

-- materialized: the register is read once, not once per count below
actions as materialized (
    select register.* from register
    join latest_filing on latest_filing.filed_by is not distinct from register.filed_by
        and latest_filing.period_key = register.period_key
),

agencies as (
    select code, label from ref_codes where code_list = 'agency'
),

known as materialized (
    select actions.*, coalesce(agencies.label, actions.agency) as agency_label,
        date_closed is not null and date_closed <= $period_end as closed_by_end
    from actions left join agencies on agencies.code = actions.agency
    where date_agreed is null or date_agreed <= $period_end
),

open_at_end as materialized (
    select *, date_diff('day', due_date, $period_end) as days_overdue
    from known where not closed_by_end
),

overdue as materialized (
    select *,
        case when days_overdue <= 30 then '1-30 days'
             when days_overdue <= 90 then '31-90 days'
             when days_overdue <= 180 then '91-180 days'
             else 'Over 180 days' end as overdue_band
    from open_at_end where due_date < $period_end
),

closed_in_period as (
    select * from known where date_closed between $period_start and $period_end
),

recommendations as (
    select source_reference, recommendation_number, bool_and(closed_by_end) as all_closed
    from known where recommendation_number is not null
    group by source_reference, recommendation_number
),

totals as (
    select
        (select count(*) from open_at_end) as open_actions,
        (select count(*) from overdue) as overdue,
        (select count(*) from closed_in_period) as closed,
        (select count(*) from closed_in_period where date_closed <= due_date) as closed_on_time,
        (select count(*) from recommendations) as recommendations,
        (select count(*) from recommendations where all_closed) as recommendations_closed
),

by_agency as (
    select 'actions_open' as indicator_code, 'agency' as breakdown, agency_label as breakdown_value,
           count(*) as numerator, null as denominator
    from open_at_end group by agency_label
    union all
    select 'actions_overdue', 'agency', agency_label, count(*), null from overdue group by agency_label
    union all
    select 'actions_closed', 'agency', agency_label, count(*), null from closed_in_period group by agency_label
),

by_age as (
    select 'actions_overdue_by_age' as indicator_code, 'overdue_band' as breakdown, overdue_band as breakdown_value,
           count(*) as numerator, null as denominator
    from overdue group by overdue_band
),

headline as (
    select 'actions_open' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           open_actions as numerator, null as denominator from totals
    union all select 'actions_overdue', 'total', 'All', overdue, null from totals
    union all select 'actions_overdue_by_age', 'total', 'All', overdue, null from totals
    union all select 'actions_overdue_pct', 'total', 'All', overdue, open_actions from totals
    union all select 'actions_closed', 'total', 'All', closed, null from totals
    union all select 'actions_closed_on_time_pct', 'total', 'All', closed_on_time, closed from totals
    union all select 'recommendations_closed_pct', 'total', 'All', recommendations_closed, recommendations from totals
),

final as (
    select * from headline
    union all select * from by_agency
    union all select * from by_age
)

select * from final
