-- Children in need: children on a child in need plan at the period end, and who they are.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_cin (Annex A list 6), ref_codes. Parameters: $period_start, $period_end.
-- Counting rules:
--   * "on a Child in Need Plan" (the partnership's measure) = a CIN episode open at the period end
--     (started on or before it, not closed by it) with case status CINP; one row per child.
--   * DfE's "children in need at 31 March" counts every open episode whatever its case status
--     (CIN plans, CP plans, children looked after, open assessments): cin_all_at_end, benchmarked;
--     episodes of need starting in the period likewise count every episode (DfE B1 Started_episodes).
--   * Age at the period end in DfE bands; unborn = date of birth after the period end, or gender
--     not stated (U) with no date of birth. Disability: Unknown is kept out of the Yes/No denominator.

with episodes as (
    select * from stg_cin
),

codes as (
    select * from ref_codes
),

open_at_end as (
    select * from episodes
    where cin_start_date <= $period_end
      and (cin_closure_date is null or cin_closure_date > $period_end)
),

on_plan as (
    select * from open_at_end
    where case_status = 'CINP'
    qualify row_number() over (partition by child_id order by cin_start_date desc) = 1
),

children as (
    select
        on_plan.*,
        dfe_age_band(date_of_birth, gender, $period_end) = 'Unborn' as unborn,
        date_sub('year', date_of_birth, $period_end::date) as age_at_end
    from on_plan
),

described as (
    select
        children.*,
        dfe_age_band(date_of_birth, gender, $period_end) as age_band,
        report_age_band(date_of_birth, gender, $period_end) as report_age_band,
        case when unborn then 'Unborn' else coalesce(gender_codes.label, 'Not stated/recorded') end as gender_label,
        coalesce(ethnicity_codes.code_group, 'Not known') as ethnicity_group,
        case disability when 'Y' then 'Yes' when 'N' then 'No' else 'Unknown' end as disability_label
    from children
    left join codes as gender_codes on gender_codes.code_list = 'gender' and gender_codes.code = children.gender
    left join codes as ethnicity_codes
        on ethnicity_codes.code_list = 'ethnicity' and ethnicity_codes.code = children.ethnicity
),

totals as (
    select
        count(*) as children,
        count(*) filter (where cin_start_date <= $period_end::date - interval 9 month) as nine_months,
        count(*) filter (where disability = 'Y') as disabled,
        count(*) filter (where disability in ('Y', 'N')) as disability_known,
        (select count(*) from open_at_end) as all_episodes,
        (select count(*) from episodes where cin_start_date between $period_start and $period_end) as started
    from described
),

breakdowns as (
    select 'cin_by_gender' as indicator_code, 'gender' as breakdown, gender_label as breakdown_value,
           count(*) as numerator, (select children from totals) as denominator
    from described group by all
    union all
    select 'cin_by_ethnicity', 'ethnicity_group', ethnicity_group, count(*), (select children from totals)
    from described group by all
    union all
    select 'cin_by_age_band', 'age_band', age_band, count(*), (select children from totals)
    from described group by all
    union all
    select 'cin_by_report_age_band', 'report_age_band', report_age_band, count(*), (select children from totals)
    from described group by all
    union all
    -- Unknown is shown, but only Yes and No are shares of the children whose disability is known.
    select 'cin_by_disability', 'disability', disability_label, count(*),
           case when disability_label = 'Unknown' then (select children from totals)
                else (select disability_known from totals) end
    from described group by all
),

headline as (
    select 'cin_at_end' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           children as numerator, null as denominator from totals
    union all select 'cin_rate_10k', 'total', 'All', children, null from totals
    union all select 'cin_all_at_end', 'total', 'All', all_episodes, null from totals
    union all select 'cin_all_rate_10k', 'total', 'All', all_episodes, null from totals
    union all select 'cin_started', 'total', 'All', started, null from totals
    union all select 'cin_9months_pct', 'total', 'All', nine_months, children from totals
    union all select 'cin_disability_pct', 'total', 'All', disabled, disability_known from totals
    union all select 'cin_by_gender', 'total', 'All', children, children from totals
    union all select 'cin_by_ethnicity', 'total', 'All', children, children from totals
    union all select 'cin_by_age_band', 'total', 'All', children, children from totals
    union all select 'cin_by_report_age_band', 'total', 'All', children, children from totals
    union all select 'cin_by_disability', 'total', 'All', children, children from totals
),

final as (
    select * from headline
    union all select * from breakdowns
)

select * from final
