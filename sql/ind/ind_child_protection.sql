-- Child protection plans: open at the period end, started and ended in the period, repeat plans,
-- duration, statutory visits and review conferences, and who the children are.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_child_protection (Annex A list 7; latest known state of each plan); raw_child_protection
--   with raw_files for the visit counts, which are per quarterly return ("Statutory Visits in Quarter"),
--   so a year sums its four returns rather than reading only the latest; ref_codes.
-- Parameters: $period_start, $period_end.
-- Counting rules (DfE CIN census):
--   * open at 31 March = started on or before the period end and not ended by it (an end ON the day is ended);
--   * second or subsequent (D3) = plans starting in the period whose child had any previous plan, however long ago;
--   * 2 years or more at the end (D5) = open 730 days or more; ceased after 2 years (D7) = lasted 730 days or more;
--   * visits in timescale = sum of visits within 20 working days / sum of visits, over the period's returns;
--   * reviews in timescale = of the plans open at the end that had been open 3 months or more, those whose
--     latest review conference was within the 6 months before the period end (reviews at most 6-monthly);
--   * age at the period end in DfE bands, and in the report's own bands (config report_age_bands);
--     unborn = DOB after the period end, or gender U with no DOB;
--     disability Unknown is kept out of the Yes/No denominator.

with plans as (
    select * from stg_child_protection
),

codes as (
    select * from ref_codes
),

plan_returns as (
    -- one row per plan per quarterly return: the current file for that quarter
    select r.*
    from raw_child_protection as r
    inner join raw_files as f on f.file_id = r.file_id and f.period_key = r.period_key
    where f.is_current
      and quarter_start(r.period_key) between $period_start and $period_end
    qualify row_number() over (
        partition by r.child_id, r.cpp_start_date, r.period_key
        order by f.modified_at desc, f.file_name desc, r.source_row
    ) = 1
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

children as (
    select
        open_at_end.*,
        date_diff('day', cpp_start_date, $period_end::date) as days_open,
        dfe_age_band(date_of_birth, gender, $period_end) = 'Unborn' as unborn,
        date_sub('year', date_of_birth, $period_end::date) as age_at_end
    from open_at_end
),

described as (
    select
        children.*,
        dfe_age_band(date_of_birth, gender, $period_end) as age_band,
        report_age_band(date_of_birth, gender, $period_end) as report_age_band,
        -- DfE D5 duration bands
        case
            when cpp_start_date > $period_end::date - interval 3 month then '3 months or less'
            when cpp_start_date > $period_end::date - interval 6 month then '3-6 months'
            when cpp_start_date > $period_end::date - interval 1 year then '6 months to 1 year'
            when days_open < 730 then '1-2 years'
            else '2 years or more'
        end as duration_band,
        case when unborn then 'Unborn' else coalesce(gender_codes.label, 'Not stated/recorded') end as gender_label,
        coalesce(ethnicity_codes.code_group, 'Not known') as ethnicity_group,
        case disability when 'Y' then 'Yes' when 'N' then 'No' else 'Unknown' end as disability_label,
        coalesce(category_codes.label, children.latest_category) as category_label
    from children
    left join codes as gender_codes on gender_codes.code_list = 'gender' and gender_codes.code = children.gender
    left join codes as ethnicity_codes
        on ethnicity_codes.code_list = 'ethnicity' and ethnicity_codes.code = children.ethnicity
    left join codes as category_codes
        on category_codes.code_list = 'abuse_category' and category_codes.code = children.latest_category
),

totals as (
    select
        (select count(*) from described) as open_plans,
        (select count(*) from described where previous_plans >= 1) as open_with_previous,
        (select count(*) from described where days_open >= 730) as open_2y,
        (select count(*) from described where cpp_start_date > $period_end::date - interval 9 month) as open_under_9m,
        (select count(*) from described where cpp_start_date <= $period_end::date - interval 3 month) as open_3m,
        (select count(*) from described
         where cpp_start_date <= $period_end::date - interval 3 month
           and last_review_date > $period_end::date - interval 6 month
           and last_review_date <= $period_end) as reviewed_in_time,
        (select count(*) from described where disability in ('Y', 'N')) as disability_known,
        (select count(*) from started) as started_plans,
        (select count(*) from started where previous_plans >= 1) as started_subsequent,
        (select count(*) from ended) as ended_plans,
        (select count(*) from ended where date_diff('day', cpp_start_date, cpp_end_date) >= 730) as ended_2y,
        (select sum(visits_in_timescale) from plan_returns) as visits_in_time,
        (select sum(visits_in_period) from plan_returns where visits_in_timescale is not null) as visits
),

breakdowns as (
    select 'cpp_by_category' as indicator_code, 'category' as breakdown, category_label as breakdown_value,
           count(*) as numerator, (select open_plans from totals) as denominator
    from described group by all
    union all
    select 'cpp_by_gender', 'gender', gender_label, count(*), (select open_plans from totals)
    from described group by all
    union all
    select 'cpp_by_ethnicity', 'ethnicity_group', ethnicity_group, count(*), (select open_plans from totals)
    from described group by all
    union all
    select 'cpp_by_age_band', 'age_band', age_band, count(*), (select open_plans from totals)
    from described group by all
    union all
    select 'cpp_by_report_age_band', 'report_age_band', report_age_band, count(*), (select open_plans from totals)
    from described group by all
    union all
    select 'cpp_duration_band', 'duration_band', duration_band, count(*), (select open_plans from totals)
    from described group by all
    union all
    select 'cpp_by_disability', 'disability', disability_label, count(*),
           case when disability_label = 'Unknown' then (select open_plans from totals)
                else (select disability_known from totals) end
    from described group by all
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
    union all select 'cpp_under_9months_pct', 'total', 'All', open_under_9m, open_plans from totals
    union all select 'cpp_visits_in_timescale_pct', 'total', 'All', visits_in_time, visits from totals
    union all select 'cpp_reviews_in_timescale_pct', 'total', 'All', reviewed_in_time, open_3m from totals
    union all select 'cpp_by_category', 'total', 'All', open_plans, open_plans from totals
    union all select 'cpp_by_gender', 'total', 'All', open_plans, open_plans from totals
    union all select 'cpp_by_ethnicity', 'total', 'All', open_plans, open_plans from totals
    union all select 'cpp_by_age_band', 'total', 'All', open_plans, open_plans from totals
    union all select 'cpp_by_report_age_band', 'total', 'All', open_plans, open_plans from totals
    union all select 'cpp_by_disability', 'total', 'All', open_plans, open_plans from totals
    union all select 'cpp_duration_band', 'total', 'All', open_plans, open_plans from totals
),

final as (
    select * from headline
    union all select * from breakdowns
)

select * from final
