-- Child protection plans: open at the period end, started and ended in the period, repeat plans.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_child_protection (Annex A list 7; latest known state of each plan). Parameters: $period_start, $period_end.
-- Counting rules (DfE CIN census): "open at 31 March" = started on or before the period end and not ended by it;
-- second or subsequent = plans starting in the period whose child had any previous plan, however long ago (DfE D3);
-- 2 years or more = open continuously for 730 days or more at the period end (DfE D5).

with plans as (
    select * from stg_child_protection
),

open_at_end as (
    select * from plans
    where cpp_start_date <= $period_end
      and (cpp_end_date is null or cpp_end_date > $period_end)
),

started as (
    select * from plans where cpp_start_date between $period_start and $period_end
),

ended as (
    select * from plans where cpp_end_date between $period_start and $period_end
),

totals as (
    select
        (select count(*) from open_at_end) as open_plans,
        (select count(*) from open_at_end where previous_plans >= 1) as open_with_previous,
        (select count(*) from open_at_end where date_diff('day', cpp_start_date, $period_end::date) >= 730) as open_2y,
        (select count(*) from started) as started_plans,
        (select count(*) from started where previous_plans >= 1) as started_subsequent,
        (select count(*) from ended) as ended_plans,
        (select count(*) from ended where date_diff('day', cpp_start_date, cpp_end_date) >= 730) as ended_2y
),

by_category as (
    select 'cpp_by_category' as indicator_code, 'latest_category' as breakdown,
           coalesce(c.label, o.latest_category) as breakdown_value, count(*) as numerator,
           (select open_plans from totals) as denominator
    from open_at_end o
    left join ref_codes c on c.code_list = 'abuse_category' and c.code = o.latest_category
    group by all
),

by_gender as (
    select 'cpp_by_gender', 'gender', coalesce(c.label, o.gender), count(*), (select open_plans from totals)
    from open_at_end o
    left join ref_codes c on c.code_list = 'gender' and c.code = o.gender
    group by all
),

headline as (
    select 'cpp_at_end' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           open_plans as numerator, null as denominator from totals
    union all select 'cpp_rate_10k', 'total', 'All', open_plans, null from totals
    union all select 'cpp_started', 'total', 'All', started_plans, null from totals
    union all select 'cpp_ended', 'total', 'All', ended_plans, null from totals
    union all select 'cpp_second_subsequent_pct', 'total', 'All', started_subsequent, started_plans from totals
    union all select 'cpp_open_previous_plan_pct', 'total', 'All', open_with_previous, open_plans from totals
    union all select 'cpp_2yrs_open_pct', 'total', 'All', open_2y, open_plans from totals
    union all select 'cpp_2yrs_ceased_pct', 'total', 'All', ended_2y, ended_plans from totals
),

final as (
    select * from headline
    union all select * from by_category
    union all select * from by_gender
)

select * from final
