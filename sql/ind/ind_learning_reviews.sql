-- Learning from practice reviews: cases considered, rapid reviews in time, reviews completed and in progress.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_reviews (the reviews register as last filed), ref_working_days, ref_codes.
-- Parameters: $period_start, $period_end (dates, inclusive).
-- Rules (Working Together): a rapid review within 15 working days of the serious incident notification, counted
-- among rapid reviews held in the period (working days after the notification up to and including the meeting,
-- England's bank holidays excluded); a review expected to complete (be ratified) within 6 calendar months of its
-- start, counted among reviews ratified in the period with a start date. Every date is judged against the period:
-- a review ratified after the period's end was still in progress at it.

with register as materialized (
    select * from stg_reviews
),

latest_filing as (
    -- A register is filed whole each quarter: the latest filing from each agency replaces its earlier ones, so a row
    -- taken out of the register leaves the figures too (stg_ alone would keep its last version).
    select filed_by, max(period_key) as period_key from register group by filed_by
),

-- materialized: the register is read once, not once per count below
reviews as materialized (
    select register.* from register
    join latest_filing on latest_filing.filed_by is not distinct from register.filed_by
        and latest_filing.period_key = register.period_key
),

decisions as (
    select code, label from ref_codes where code_list = 'review_decision'
),

received as materialized (
    select reviews.*, coalesce(decisions.label, reviews.decision) as decision_label
    from reviews left join decisions on decisions.code = reviews.decision
    where date_received between $period_start and $period_end
),

rapid_reviews as materialized (
    -- A date outside the calendar table has no working-day number: it counts as held, never as in time.
    select reviews.*, held.working_day_number - notified.working_day_number as working_days
    from reviews
    left join ref_working_days notified on notified.day = reviews.notification_date
    left join ref_working_days held on held.day = reviews.rapid_review_date
    where rapid_review_date between $period_start and $period_end and notification_date is not null
),

ratified as materialized (
    select reviews.*, coalesce(decisions.label, reviews.decision) as decision_label
    from reviews left join decisions on decisions.code = reviews.decision
    where ratified_date between $period_start and $period_end
),

in_progress as materialized (
    select *,
        case when $period_end <= review_start_date + interval 6 month then 'Within 6 months'
             else 'Beyond 6 months' end as timescale
    from reviews
    where review_start_date <= $period_end and (ratified_date is null or ratified_date > $period_end)
),

totals as (
    select
        (select count(*) from reviews where notification_date between $period_start and $period_end) as notified,
        (select count(*) from received where route = 'referral') as referred,
        (select count(*) from received) as considered,
        (select count(*) from rapid_reviews) as rapid_held,
        (select count(*) from rapid_reviews where working_days <= 15) as rapid_in_time,
        (select count(*) from ratified) as ratified,
        (select count(*) from ratified where review_start_date is not null) as ratified_with_start,
        (select count(*) from ratified where ratified_date <= review_start_date + interval 6 month) as within_6_months,
        (select count(*) from in_progress) as in_progress,
        (select count(*) from reviews where published_date between $period_start and $period_end) as published
),

by_decision as (
    select 'reviews_considered' as indicator_code, 'decision' as breakdown, decision_label as breakdown_value,
           count(*) as numerator, (select considered from totals) as denominator
    from received group by decision_label
    union all
    select 'reviews_ratified', 'decision', decision_label, count(*), (select ratified from totals)
    from ratified group by decision_label
),

by_timescale as (
    select 'reviews_in_progress' as indicator_code, 'timescale' as breakdown, timescale as breakdown_value,
           count(*) as numerator, (select in_progress from totals) as denominator
    from in_progress group by timescale
),

headline as (
    select 'reviews_notified' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           notified as numerator, null as denominator from totals
    union all select 'reviews_referred', 'total', 'All', referred, null from totals
    union all select 'reviews_considered', 'total', 'All', considered, considered from totals
    union all select 'rapid_reviews_15wd_pct', 'total', 'All', rapid_in_time, rapid_held from totals
    union all select 'reviews_ratified', 'total', 'All', ratified, ratified from totals
    union all select 'reviews_6_months_pct', 'total', 'All', within_6_months, ratified_with_start from totals
    union all select 'reviews_in_progress', 'total', 'All', in_progress, in_progress from totals
    union all select 'reviews_published', 'total', 'All', published, null from totals
),

final as (
    select * from headline
    union all select * from by_decision
    union all select * from by_timescale
)

select * from final
