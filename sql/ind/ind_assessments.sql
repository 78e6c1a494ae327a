-- Single (continuous) assessments completed in a period and how long they took in working days.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_assessments (Annex A list 4), ref_working_days (England: weekends and bank holidays excluded).
-- Parameters: $period_start, $period_end (dates, inclusive).
-- DfE rule (CIN census, table C2): an assessment counts in the period its Date of Authorisation falls in;
-- its duration is the working days after the Continuous Assessment Start Date up to and including the
-- authorisation date (same day = 0), and it is in timescale at 45 working days or fewer. Bank holidays
-- count as non-working days, including 2-3 June 2022 and 19 September 2022.
-- Assessments started: Continuous Assessment Start Date in the period (DfE C2's starts), completed or not.

with assessments as (
    select * from stg_assessments
),

working_days as (
    select * from ref_working_days
),

completed as (
    select
        assessments.*,
        authorised.working_day_number - started.working_day_number as working_days,
        visited.working_day_number - started.working_day_number as visit_working_days
    from assessments
    left join working_days as started on started.day = assessments.assessment_start_date
    left join working_days as authorised on authorised.day = assessments.assessment_authorised_date
    left join working_days as visited on visited.day = assessments.initial_visit_date
    where assessment_authorised_date between $period_start and $period_end
),

banded as (
    -- DfE C2 duration bands
    select
        *,
        case
            when working_days is null then 'Unknown'
            when working_days = 0 then 'Same day'
            when working_days <= 10 then '1-10'
            when working_days <= 20 then '11-20'
            when working_days <= 30 then '21-30'
            when working_days <= 40 then '31-40'
            when working_days <= 45 then '41-45'
            when working_days <= 50 then '46-50'
            when working_days <= 60 then '51-60'
            else '61+'
        end as duration_band
    from completed
),

totals as (
    select
        count(*) as completed,
        count(*) filter (where working_days <= 45) as within_45,
        count(*) filter (where first_assessment = 'Y') as new_completed,
        count(*) filter (where first_assessment = 'Y' and working_days <= 45) as new_within_45,
        count(*) filter (where visit_working_days between 0 and 5) as visit_within_5,
        count(*) filter (where assessment_outcome in ('NFA', 'EH', 'OTHER_AGENCY')) as nfa_stepdown,
        count(*) filter (where assessment_outcome is not null) as outcome_recorded,
        (select count(*) from assessments
         where assessment_start_date between $period_start and $period_end) as started
    from banded
),

by_duration as (
    select 'assessments_duration_band' as indicator_code, 'duration_band' as breakdown,
           duration_band as breakdown_value, count(*) as numerator, (select completed from totals) as denominator
    from banded
    group by duration_band
),

headline as (
    select 'assessments_completed' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           completed as numerator, null as denominator from totals
    union all select 'assessments_started', 'total', 'All', started, null from totals
    union all select 'assessments_45wd_pct', 'total', 'All', within_45, completed from totals
    union all select 'assessments_new_45wd_pct', 'total', 'All', new_within_45, new_completed from totals
    -- The report's denominator: every completed assessment (no visit date = not within 5 days).
    union all select 'assessments_initial_visit_5wd_pct', 'total', 'All', visit_within_5, completed from totals
    union all select 'assessments_nfa_stepdown_pct', 'total', 'All', nfa_stepdown, outcome_recorded from totals
    union all select 'assessments_duration_band', 'total', 'All', completed, completed from totals
),

final as (
    select * from headline
    union all select * from by_duration
)

select * from final
