-- Child deaths notified to the Child Death Overview Panel: by area, this partnership's by age band and category,
-- joint agency responses, referrals for review, and the four-year comparison the annual report draws.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_child_deaths (the CDOP's aggregate return, each area's quarter as last reported), ref_codes.
-- Parameters: $period_start, $period_end.
-- Rules: a death counts in the quarter it was notified (the row's quarter). This partnership's area is the cdop_area
-- code in group 'Partnership area'. A quarter the CDOP reported counts as reported for every area (an area with
-- no row had no deaths); a window or year with no CDOP row at all gives no area rows (no data is not zero).
-- The four-year comparison (child_deaths_trend, breakdown 'year_area', values '2019-20: Sandwell') is drawn only
-- for a window that is a whole financial year: the four years ending with it.

with register as materialized (
    select * from stg_child_deaths
),

latest_report as (
    -- The CDOP files each quarter it reports whole (its rows for an area and quarter): the latest filing to report
    -- an area's quarter replaces earlier filings' rows for it, so a death re-categorised is never counted twice.
    select area, quarter_start, max(period_key) as period_key from register group by area, quarter_start
),

-- materialized: the register is read once, not once per count below
deaths as materialized (
    select register.*, year(quarter_start) - (month(quarter_start) < 4)::integer as fy_start
    from register join latest_report using (area, quarter_start, period_key)
),

areas as (
    select code, label, code_group from ref_codes where code_list = 'cdop_area'
),

age_bands as (
    select code, label from ref_codes where code_list = 'cdop_age_band'
),

categories as (
    select code, label from ref_codes where code_list = 'ncmd_category'
),

in_window as materialized (
    select deaths.*, coalesce(areas.label, deaths.area) as area_label, areas.code_group = 'Partnership area' as local
    from deaths left join areas on areas.code = deaths.area
    where quarter_start between $period_start and $period_end
),

reported_areas as (
    -- every area of the CDOP once the window has any row, so an area with no deaths shows 0
    select areas.label as area_label from areas where exists (select 1 from in_window)
),

per_area as (
    select reported_areas.area_label,
        coalesce(sum(in_window.notifications), 0) as notifications,
        coalesce(sum(in_window.joint_agency_responses), 0) as jars
    from reported_areas left join in_window using (area_label)
    group by reported_areas.area_label
),

local_deaths as materialized (
    select * from in_window where local
),

whole_year as (
    select month($period_start) = 4 and day($period_start) = 1
        and $period_end = cast($period_start + interval 1 year - interval 1 day as date) as is_year
),

trend_deaths as materialized (
    select deaths.*, coalesce(areas.label, deaths.area) as area_label,
        fy_start || '-' || lpad(cast((fy_start + 1) % 100 as varchar), 2, '0') as year_label
    from deaths left join areas on areas.code = deaths.area
    where quarter_start >= cast($period_start - interval 3 year as date) and quarter_start <= $period_end
      and (select is_year from whole_year)
),

trend_years as (
    select distinct year_label from trend_deaths
),

trend as (
    select trend_years.year_label || ': ' || areas.label as breakdown_value,
        coalesce(sum(trend_deaths.notifications), 0) as notifications
    from trend_years cross join areas
    left join trend_deaths on trend_deaths.year_label = trend_years.year_label and trend_deaths.area_label = areas.label
    group by trend_years.year_label, areas.label
),

totals as (
    select
        (select coalesce(sum(notifications), 0) from in_window) as notifications,
        (select coalesce(sum(joint_agency_responses), 0) from in_window) as jars,
        (select coalesce(sum(notifications), 0) from local_deaths) as local_notifications,
        (select coalesce(sum(referred_for_review), 0) from local_deaths) as local_referred
),

breakdowns as (
    select 'child_deaths_by_area' as indicator_code, 'cdop_area' as breakdown, area_label as breakdown_value,
           notifications as numerator, (select notifications from totals) as denominator
    from per_area
    union all
    select 'child_deaths_jar', 'cdop_area', area_label, jars, (select jars from totals) from per_area
    union all
    select 'child_deaths_local', 'cdop_age_band', coalesce(age_bands.label, local_deaths.age_band),
           sum(notifications), (select local_notifications from totals)
    from local_deaths left join age_bands on age_bands.code = local_deaths.age_band
    group by coalesce(age_bands.label, local_deaths.age_band)
    union all
    select 'child_deaths_by_category', 'ncmd_category', coalesce(categories.label, local_deaths.category),
           sum(notifications), (select local_notifications from totals)
    from local_deaths left join categories on categories.code = local_deaths.category
    group by coalesce(categories.label, local_deaths.category)
    union all
    select 'child_deaths_trend', 'year_area', breakdown_value, notifications, null from trend
),

headline as (
    select 'child_deaths_by_area' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           notifications as numerator, notifications as denominator from totals
    union all select 'child_deaths_jar', 'total', 'All', jars, jars from totals
    union all select 'child_deaths_local', 'total', 'All', local_notifications, local_notifications from totals
    union all select 'child_deaths_by_category', 'total', 'All', local_notifications, local_notifications from totals
    union all select 'child_deaths_referred', 'total', 'All', local_referred, null from totals
    union all select 'child_deaths_trend', 'total', 'All', notifications, null from totals
),

final as (
    select * from headline
    union all select * from breakdowns
)

select * from final
