-- Referrals to children's social care received in a period, re-referrals, conversion and NFA.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_referrals (Annex A list 3), ref_codes. Parameters: $period_start, $period_end.
-- Counting rules (DfE CIN census): every referral in the period counts, a child referred twice counts twice;
-- a re-referral is a referral within 12 months of a previous one, read from Annex A's
-- "Number of Referrals in Last 12 Months" (previous referrals in the 12 months before this one) >= 1.
-- Children referred counts each child once however many referrals they had (DfE C1 referral_child_count).

with referrals as (
    select * from stg_referrals
    where referral_date between $period_start and $period_end
),

source_groups as (
    select code, code_group from ref_codes where code_list = 'source'
),

referrals_with_group as (
    select referrals.*, coalesce(source_groups.code_group, 'Unknown') as source_group
    from referrals
    left join source_groups on source_groups.code = referrals.referral_source
),

totals as (
    select
        count(*) as referrals,
        count(distinct child_id) as children,
        count(*) filter (where referrals_last_12_months >= 1) as rereferrals,
        count(*) filter (where referral_nfa = 'Y') as nfa,
        count(*) filter (where progressed_to_assessment = 'Y') as to_assessment,
        count(*) filter (where progressed_to_assessment is not null) as outcome_recorded,
        count(*) filter (where referral_source = '6') as police,
        count(*) filter (where source_group = 'Education') as education
    from referrals_with_group
),

by_source as (
    select 'referrals_by_source' as indicator_code, 'source_group' as breakdown, source_group as breakdown_value,
           count(*) as numerator, (select referrals from totals) as denominator
    from referrals_with_group
    group by source_group
),

headline as (
    select 'referrals_total' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           referrals as numerator, null as denominator from totals
    union all select 'referrals_children', 'total', 'All', children, null from totals
    union all select 'referrals_by_source', 'total', 'All', referrals, referrals from totals
    union all select 'referrals_rate_10k', 'total', 'All', referrals, null from totals
    union all select 'rereferrals_pct', 'total', 'All', rereferrals, referrals from totals
    union all select 'referrals_nfa_pct', 'total', 'All', nfa, referrals from totals
    union all select 'referrals_to_assessment_pct', 'total', 'All', to_assessment, outcome_recorded from totals
    union all select 'referrals_police_pct', 'total', 'All', police, referrals from totals
    union all select 'referrals_education_pct', 'total', 'All', education, referrals from totals
    -- mean per calendar month of the period (3 for a quarter, 12 for a year)
    union all select 'referrals_per_month', 'total', 'All', referrals,
                     date_diff('month', $period_start::date, $period_end::date + 1) from totals
),

final as (
    select * from headline
    union all select * from by_source
)

select * from final
