-- Section 47 enquiries and initial child protection conferences (ICPCs) in a period.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_s47 (Annex A list 5), ref_working_days. Parameters: $period_start, $period_end.
-- DfE rules (CIN census; Working Together): an S47 enquiry counts in the period its strategy discussion
-- (S47 start) falls in; an ICPC counts in the period its conference date falls in, and is in timescale
-- when held within 15 working days of the strategy discussion that initiated the enquiry
-- (working days after the start up to and including the ICPC date; weekends and England bank holidays excluded).

with enquiries as (
    select * from stg_s47
),

working_days as (
    select * from ref_working_days
),

started as (
    select * from enquiries where s47_start_date between $period_start and $period_end
),

conferences as (
    select enquiries.*, held.working_day_number - strategy.working_day_number as working_days
    from enquiries
    left join working_days as strategy on strategy.day = enquiries.s47_start_date
    left join working_days as held on held.day = enquiries.icpc_date
    where icpc_date between $period_start and $period_end
),

totals as (
    select
        (select count(*) from started) as s47,
        count(*) as icpc,
        count(*) filter (where working_days <= 15) as icpc_within_15,
        count(*) filter (where icpc_resulted_in_plan = 'Y') as icpc_to_plan,
        count(*) filter (where icpc_resulted_in_plan is not null) as icpc_outcome_recorded
    from conferences
),

final as (
    select 's47_total' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           s47 as numerator, null as denominator from totals
    union all select 's47_rate_10k', 'total', 'All', s47, null from totals
    union all select 'icpc_total', 'total', 'All', icpc, null from totals
    union all select 'icpc_rate_10k', 'total', 'All', icpc, null from totals
    union all select 'icpc_15wd_pct', 'total', 'All', icpc_within_15, icpc from totals
    union all select 'icpc_to_plan_pct', 'total', 'All', icpc_to_plan, icpc_outcome_recorded from totals
)

select * from final
