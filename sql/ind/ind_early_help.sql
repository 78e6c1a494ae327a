-- Early help assessments: started, completed, open at the period end, and outcomes at closure.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_early_help (Annex A list 2 with the partnership's local columns), ref_codes.
-- Parameters: $period_start, $period_end.
-- Counting rules:
--   * started / completed = assessment start / completion date in the period (list 2's own count; the report's
--     'assessments completed' is the multi-agency dataset's all-services figure, eh_assessments_completed);
--   * open at the end = started on or before the period end and not closed by it (closure date, local column);
--     one row per child;
--   * TAF within 12 weeks / family visit within 2 weeks = of the children open at the end whose assessment is
--     completed (the family plan, and so TAF meetings, follow the assessment), the last Team Around the Family
--     meeting in the 12 weeks (84 days) / last visit in the 14 days up to the period end;
--   * success = closed in the period with outcomes achieved, of those closed with the outcome recorded;
--   * age at the period end in DfE bands, and in the report's own bands (config report_age_bands);
--     unborn = DOB after the period end, or gender U with no DOB.

with episodes as (
    select * from stg_early_help
),

codes as (
    select * from ref_codes
),

open_at_end as (
    select * from episodes
    where eh_start_date <= $period_end
      and (eh_closure_date is null or eh_closure_date > $period_end)
    qualify row_number() over (partition by child_id order by eh_start_date desc) = 1
),

closed as (
    select * from episodes where eh_closure_date between $period_start and $period_end
),

described as (
    select
        open_at_end.*,
        dfe_age_band(date_of_birth, gender, $period_end) as age_band,
        report_age_band(date_of_birth, gender, $period_end) as report_age_band,
        coalesce(gender_codes.label, 'Not stated/recorded') as gender_label,
        coalesce(ethnicity_codes.code_group, 'Not known') as ethnicity_group
    from open_at_end
    left join codes as gender_codes on gender_codes.code_list = 'gender' and gender_codes.code = open_at_end.gender
    left join codes as ethnicity_codes
        on ethnicity_codes.code_list = 'ethnicity' and ethnicity_codes.code = open_at_end.ethnicity
),

totals as (
    select
        (select count(*) from episodes where eh_start_date between $period_start and $period_end) as started,
        (select count(*) from episodes where eh_completion_date between $period_start and $period_end) as completed,
        (select count(*) from described) as open_children,
        (select count(*) from described where eh_completion_date <= $period_end) as open_assessed,
        (select count(*) from described where eh_completion_date <= $period_end
           and last_taf_date between $period_end::date - 83 and $period_end) as taf_12_weeks,
        (select count(*) from described where eh_completion_date <= $period_end
           and last_family_visit_date between $period_end::date - 13 and $period_end) as visit_2_weeks,
        (select count(*) from closed where eh_outcome_achieved = 'Y') as closed_successful,
        (select count(*) from closed where eh_outcome_achieved is not null) as closed_outcome_recorded
),

breakdowns as (
    select 'eh_by_gender' as indicator_code, 'gender' as breakdown,
           case when age_band = 'Unborn' then 'Unborn' else gender_label end as breakdown_value,
           count(*) as numerator, (select open_children from totals) as denominator
    from described group by all
    union all
    select 'eh_by_ethnicity', 'ethnicity_group', ethnicity_group, count(*), (select open_children from totals)
    from described group by all
    union all
    select 'eh_by_age_band', 'age_band', age_band, count(*), (select open_children from totals)
    from described group by all
    union all
    select 'eh_by_report_age_band', 'report_age_band', report_age_band, count(*), (select open_children from totals)
    from described group by all
),

headline as (
    select 'eh_assessments_started' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           started as numerator, null as denominator from totals
    union all select 'eh_list2_assessments_completed', 'total', 'All', completed, null from totals
    union all select 'eh_open_at_end', 'total', 'All', open_children, null from totals
    union all select 'eh_taf_12_weeks_pct', 'total', 'All', taf_12_weeks, open_assessed from totals
    union all select 'eh_family_visit_2_weeks_pct', 'total', 'All', visit_2_weeks, open_assessed from totals
    union all select 'eh_success_pct', 'total', 'All', closed_successful, closed_outcome_recorded from totals
    union all select 'eh_by_gender', 'total', 'All', open_children, open_children from totals
    union all select 'eh_by_ethnicity', 'total', 'All', open_children, open_children from totals
    union all select 'eh_by_age_band', 'total', 'All', open_children, open_children from totals
    union all select 'eh_by_report_age_band', 'total', 'All', open_children, open_children from totals
),

final as (
    select * from headline
    union all select * from breakdowns
)

select * from final
