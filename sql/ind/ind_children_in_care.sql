-- Children in care (looked after): at the period end, starting and ceasing, who they are, where they live.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_children_in_care (Annex A list 8), ref_codes. Parameters: $period_start, $period_end.
-- Counting rules (DfE SSDA903 / CLA statistics):
--   * looked after at 31 March = started on or before the period end and not ceased by it; one row per child;
--   * started / ceased = children with a start / end date in the period (a child counts once per period);
--   * placement groups: foster care (U4-U6) with private provision (PR4) = external foster care, with own
--     provision (PR1) = internal foster care; connected carers (U1-U3); placed with parents (P1); else other;
--   * health assessment up to date = last health assessment within 12 months before the period end, or within
--     6 months for a child under 5 (review health assessments are 6-monthly under 5);
--   * age at the period end in DfE bands; unborn = DOB after the period end, or gender U with no DOB;
--     Unknown age and disability are kept out of the denominators of the shares they would distort; the report's
--     own bands (config/indicators.yaml report_age_bands) alongside;
--   * missing in the 12 months (DfE CLA "children looked after who were missing", LAIT Children_missing): the
--     children looked after at any time in the 12 months to the period end, whatever the window (counting rule
--     rolling_12_months), one per child, children looked after only under a series of short breaks (V3, V4)
--     left out as DfE leaves them out; missing = List 8's "Number of Episodes the Child has been 'Missing' from
--     their Placement in the last 12 months" > 0 on the child's latest record (missing, not 'absent');
--   * permanence plan at the first review (the report's "91% ... plan of permanence at their first LAC review"):
--     Annex A has no date of the first review, only the latest, so: children who started to be looked after in
--     the period and have had a statutory review since they started (for a child new to care the latest review
--     is the first or an early one), with a permanence plan recorded ("What is the permanence plan ...").

with episodes as (
    select * from stg_children_in_care
),

codes as (
    select * from ref_codes
),

open_at_end as (
    select * from episodes
    where cla_start_date <= $period_end
      and (cla_end_date is null or cla_end_date > $period_end)
    qualify row_number() over (partition by child_id order by cla_start_date desc) = 1
),

looked_after_in_12_months as (
    select * from episodes
    where cla_start_date <= $period_end
      and (cla_end_date is null or cla_end_date >= $period_end::date - interval 12 month + interval 1 day)
      and coalesce(legal_status, '') not in ('V3', 'V4')
    qualify row_number() over (partition by child_id order by cla_start_date desc, period_key desc) = 1
),

new_and_reviewed as (
    select * from episodes
    where cla_start_date between $period_start and $period_end
      and last_review_date >= cla_start_date
    qualify row_number() over (partition by child_id order by cla_start_date desc) = 1
),

children as (
    select
        open_at_end.*,
        dfe_age_band(date_of_birth, gender, $period_end) = 'Unborn' as unborn,
        date_sub('year', date_of_birth, $period_end::date) as age_at_end
    from open_at_end
),

described as (
    select
        children.*,
        dfe_age_band(date_of_birth, gender, $period_end) as age_band,
        report_age_band(date_of_birth, gender, $period_end) as report_age_band,
        case
            when placement_codes.code_group = 'Foster care' and placement_provider = 'PR4' then 'External foster care'
            when placement_codes.code_group = 'Foster care' and placement_provider = 'PR1' then 'Internal foster care'
            when placement_codes.code_group = 'Connected carers' then 'Connected carers'
            when placement_type = 'P1' then 'Placed with parents'
            else 'Other'
        end as placement_group,
        case when unborn then 'Unborn' else coalesce(gender_codes.label, 'Not stated/recorded') end as gender_label,
        coalesce(ethnicity_codes.code_group, 'Not known') as ethnicity_group,
        case disability when 'Y' then 'Yes' when 'N' then 'No' else 'Unknown' end as disability_label,
        last_health_assessment_date > $period_end::date
            - case when age_at_end < 5 then interval 6 month else interval 12 month end
            and last_health_assessment_date <= $period_end as health_assessment_up_to_date
    from children
    left join codes as placement_codes
        on placement_codes.code_list = 'placement_type' and placement_codes.code = children.placement_type
    left join codes as gender_codes on gender_codes.code_list = 'gender' and gender_codes.code = children.gender
    left join codes as ethnicity_codes
        on ethnicity_codes.code_list = 'ethnicity' and ethnicity_codes.code = children.ethnicity
),

totals as (
    select
        (select count(*) from described) as children,
        (select count(*) from described where category_of_need = 'N1') as abuse_neglect,
        (select count(*) from described where category_of_need is not null and category_of_need <> 'N0') as need_known,
        (select count(*) from described where health_assessment_up_to_date) as health_up_to_date,
        (select count(*) from described where age_band in ('5-9', '10-15')) as aged_5_15,
        (select count(*) from described where age_band <> 'Unknown') as age_known,
        (select count(*) from described where disability in ('Y', 'N')) as disability_known,
        (select count(distinct child_id) from episodes
         where cla_start_date between $period_start and $period_end) as started,
        (select count(distinct child_id) from episodes
         where cla_end_date between $period_start and $period_end) as ceased,
        (select count(*) from looked_after_in_12_months) as looked_after_12m,
        (select count(*) from looked_after_in_12_months where missing_episodes_12m > 0) as missing_12m,
        (select count(*) from new_and_reviewed) as new_reviewed,
        (select count(*) from new_and_reviewed where permanence_plan is not null) as new_with_plan
),

breakdowns as (
    select 'cla_by_gender' as indicator_code, 'gender' as breakdown, gender_label as breakdown_value,
           count(*) as numerator, (select children from totals) as denominator
    from described group by all
    union all
    select 'cla_by_ethnicity', 'ethnicity_group', ethnicity_group, count(*), (select children from totals)
    from described group by all
    union all
    select 'cla_by_age_band', 'age_band', age_band, count(*), (select children from totals)
    from described group by all
    union all
    select 'cla_by_report_age_band', 'report_age_band', report_age_band, count(*), (select children from totals)
    from described group by all
    union all
    select 'cla_by_placement_group', 'placement_group', placement_group, count(*), (select children from totals)
    from described group by all
    union all
    select 'cla_by_disability', 'disability', disability_label, count(*),
           case when disability_label = 'Unknown' then (select children from totals)
                else (select disability_known from totals) end
    from described group by all
),

headline as (
    select 'cla_at_end' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           children as numerator, null as denominator from totals
    union all select 'cla_rate_10k', 'total', 'All', children, null from totals
    union all select 'cla_started', 'total', 'All', started, null from totals
    union all select 'cla_ceased', 'total', 'All', ceased, null from totals
    union all select 'cla_abuse_neglect_pct', 'total', 'All', abuse_neglect, need_known from totals
    union all select 'cla_health_assessment_pct', 'total', 'All', health_up_to_date, children from totals
    union all select 'cla_aged_5_15_pct', 'total', 'All', aged_5_15, age_known from totals
    union all select 'cla_by_gender', 'total', 'All', children, children from totals
    union all select 'cla_by_ethnicity', 'total', 'All', children, children from totals
    union all select 'cla_by_age_band', 'total', 'All', children, children from totals
    union all select 'cla_by_report_age_band', 'total', 'All', children, children from totals
    union all select 'cla_missing_children', 'total', 'All', missing_12m, null from totals
    union all select 'cla_missing_pct', 'total', 'All', missing_12m, looked_after_12m from totals
    union all select 'cla_permanence_plan_first_review_pct', 'total', 'All', new_with_plan, new_reviewed from totals
    union all select 'cla_by_placement_group', 'total', 'All', children, children from totals
    union all select 'cla_by_disability', 'total', 'All', children, children from totals
),

final as (
    select * from headline
    union all select * from breakdowns
)

select * from final
