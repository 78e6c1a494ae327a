-- Safeguarding training delivered in a period: places offered, allocated, no-shows, knowledge gain.
-- Grain: one row per indicator_code x breakdown x breakdown_value (breakdown 'course' gives the courses table).
-- Inputs: stg_training_sessions, stg_elearning. Parameters: $period_start, $period_end.
-- Counting rule: a session counts in the period of its date; session means (knowledge scores, ratings)
-- are weighted by the people who attended (attended, else allocated minus no-shows).

with sessions as (
    select * from stg_training_sessions
    where session_date between $period_start and $period_end
),

elearning as (
    select * from stg_elearning
    where completion_month between $period_start and $period_end
),

totals as (
    select
        sum(spaces_available) as spaces,
        sum(places_allocated) as allocated,
        sum(no_shows) as no_shows,
        -- Knowledge scores are per-session means: weight them by the people who attended.
        sum((post_score_pct - pre_score_pct) * coalesce(attended, places_allocated - no_shows))
            filter (where pre_score_pct is not null and post_score_pct is not null) as gain_weighted,
        sum(coalesce(attended, places_allocated - no_shows))
            filter (where pre_score_pct is not null and post_score_pct is not null) as gain_weight,
        sum(pre_score_pct * coalesce(attended, places_allocated - no_shows))
            filter (where pre_score_pct is not null) as pre_weighted,
        sum(coalesce(attended, places_allocated - no_shows)) filter (where pre_score_pct is not null) as pre_weight,
        sum(post_score_pct * coalesce(attended, places_allocated - no_shows))
            filter (where post_score_pct is not null) as post_weighted,
        sum(coalesce(attended, places_allocated - no_shows)) filter (where post_score_pct is not null) as post_weight,
        -- "rated 4 or 5" is a per-session percentage of evaluations: weight it by attendees, as a count of people
        sum(rated_4_or_5_pct / 100.0 * coalesce(attended, places_allocated - no_shows))
            filter (where rated_4_or_5_pct is not null) as rated_4_or_5,
        sum(coalesce(attended, places_allocated - no_shows)) filter (where rated_4_or_5_pct is not null) as rated
    from sessions
),

by_course as (
    select 'training_spaces' as indicator_code, 'course' as breakdown, course_title as breakdown_value,
           sum(spaces_available) as numerator, null as denominator
    from sessions group by course_title
    union all
    select 'training_allocated', 'course', course_title, sum(places_allocated), null from sessions group by course_title
    union all
    select 'training_no_shows', 'course', course_title, sum(no_shows), null from sessions group by course_title
),

by_module as (
    select 'elearning_completions' as indicator_code, 'module' as breakdown, module as breakdown_value,
           sum(completions) as numerator, null as denominator
    from elearning group by module
),

headline as (
    select 'training_spaces' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           spaces as numerator, null as denominator from totals
    union all select 'training_allocated', 'total', 'All', allocated, null from totals
    union all select 'training_no_shows', 'total', 'All', no_shows, null from totals
    union all select 'training_fill_pct', 'total', 'All', allocated, spaces from totals
    union all select 'training_no_show_pct', 'total', 'All', no_shows, allocated from totals
    union all select 'training_knowledge_gain', 'total', 'All', gain_weighted, gain_weight from totals
    union all select 'training_pre_score', 'total', 'All', pre_weighted, pre_weight from totals
    union all select 'training_post_score', 'total', 'All', post_weighted, post_weight from totals
    union all select 'training_rated_4_or_5_pct', 'total', 'All', rated_4_or_5, rated from totals
    union all select 'elearning_completions', 'total', 'All', (select sum(completions) from elearning), null
),

final as (
    select * from headline
    union all select * from by_course
    union all select * from by_module
)

select * from final
