-- Safeguarding training delivered in a period: places offered, allocated, no-shows, knowledge before and after.
-- Grain: one row per indicator_code x breakdown x breakdown_value (breakdown 'course' gives the report's
--   "Top 10 courses" and "what difference did training make" tables).
-- Inputs: stg_training_sessions (the training uptake return's course sessions). Parameters: $period_start, $period_end.
-- Counting rule: a session counts in the period of its date. Session means (knowledge scores, ratings) are
-- weighted by the people who attended (attended, else allocated minus no-shows), so a course's figure is the
-- mean over its attendees, as the report quotes it ("Hidden Men: pre-session 23.91%, post-session 97.83%").
-- These are counts of staff places, not of children: published as they are (catalogue disclosure: none).

with sessions as (
    select
        *,
        coalesce(attended, places_allocated - no_shows) as attendees
    from stg_training_sessions
    where session_date between $period_start and $period_end
),

-- one row per course, plus the whole period as course NULL (the 'total' rows)
per_course as (
    select
        course_title,
        sum(spaces_available) as spaces,
        sum(places_allocated) as allocated,
        sum(no_shows) as no_shows,
        -- knowledge scores are per-session means: weight them by the people who attended
        sum((post_score_pct - pre_score_pct) * attendees)
            filter (where pre_score_pct is not null and post_score_pct is not null) as gain_weighted,
        sum(attendees) filter (where pre_score_pct is not null and post_score_pct is not null) as gain_weight,
        sum(pre_score_pct * attendees) filter (where pre_score_pct is not null) as pre_weighted,
        sum(attendees) filter (where pre_score_pct is not null) as pre_weight,
        sum(post_score_pct * attendees) filter (where post_score_pct is not null) as post_weighted,
        sum(attendees) filter (where post_score_pct is not null) as post_weight,
        -- "rated 4 or 5" is a per-session percentage of evaluations: weight it by attendees, as a count of people
        sum(rated_4_or_5_pct / 100.0 * attendees) filter (where rated_4_or_5_pct is not null) as rated_4_or_5,
        sum(attendees) filter (where rated_4_or_5_pct is not null) as rated
    from sessions
    group by grouping sets ((course_title), ())
),

measures as (
    select
        case when course_title is null then 'total' else 'course' end as breakdown,
        coalesce(course_title, 'All') as breakdown_value,
        per_course.* replace (coalesce(spaces, 0) as spaces, coalesce(allocated, 0) as allocated,
                              coalesce(no_shows, 0) as no_shows)
    from per_course
),

final as (
    select 'training_spaces' as indicator_code, breakdown, breakdown_value,
           spaces as numerator, null::double as denominator from measures
    union all select 'training_allocated', breakdown, breakdown_value, allocated, null from measures
    union all select 'training_no_shows', breakdown, breakdown_value, no_shows, null from measures
    union all select 'training_fill_pct', breakdown, breakdown_value, allocated, spaces from measures
        where breakdown = 'total'
    union all select 'training_no_show_pct', breakdown, breakdown_value, no_shows, allocated from measures
        where breakdown = 'total'
    union all select 'training_knowledge_gain', breakdown, breakdown_value, gain_weighted, gain_weight from measures
    union all select 'training_pre_score', breakdown, breakdown_value, pre_weighted, pre_weight from measures
    union all select 'training_post_score', breakdown, breakdown_value, post_weighted, post_weight from measures
    union all select 'training_rated_4_or_5_pct', breakdown, breakdown_value, rated_4_or_5, rated from measures
)

select * from final
-- a course with no scores recorded has no row for the score indicators (nothing to show, not a zero)
where breakdown = 'total' or numerator is not null
