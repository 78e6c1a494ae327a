-- bm_published: every value DfE publishes for a mapped measure, as published, with its release.
-- grain: one row per indicator_code x source_file x time_period x area (National / Regional / LA).
-- inputs: raw_ees_long, raw_ees_files, raw_lait, raw_area_aliases (loaded by pipeline.lib.benchmarks),
--         ref_benchmark_measures, ref_benchmark_measure_filters, ref_lait_dictionary, ref_population.
-- params: none.
-- rules: EES time_period 2023 = year ending 31 March 2023 ('2022-23'); LAIT Years '2023' likewise on
--        financial-year and at-31-March measures, '2024-25' = time_period 2025; calendar-year measures
--        keep the calendar year as their label. A value that is not a number keeps its symbol in
--        status (c, x, z, low, k, u, ':', '~', '-') and has value_num NULL: symbols are not zeros.

with

ees_long as (select * from raw_ees_long),
ees_files as (select * from raw_ees_files),
lait as (select * from raw_lait),
area_aliases as (select * from raw_area_aliases),
measures as (select * from ref_benchmark_measures),
measure_filters as (select * from ref_benchmark_measure_filters),
lait_dictionary as (select * from ref_lait_dictionary),
population as (select * from ref_population),

-- EES --------------------------------------------------------------------------------------------

-- a file row belongs to a measure when every filter column of the measure holds a stated value
filter_hits as (
    select
        mf.measure_key,
        l.source_file,
        l.row_id,
        count(distinct mf.filter_column) as n_hits
    from measure_filters as mf
    inner join ees_files as f on f.measure_key = mf.measure_key
    inner join ees_long as l
        on l.source_file = f.source_file
        and l.dfe_column = mf.filter_column
        and l.value_text = mf.filter_value
    group by all
),

-- a filter column may accept several spellings (value aliases across releases): it counts once
filter_counts as (
    select measure_key, count(distinct filter_column) as n_filters
    from measure_filters
    group by all
),

ees_values as (
    select
        m.indicator_code,
        m.measure_key,
        f.dfe_file_stem || '.' || m.dfe_value_column as dfe_measure,
        'ees' as source,
        f.source_file,
        f.release,
        f.release_date,
        m.polarity,
        cast(l.time_period as integer) as time_period,
        case when lower(l.time_identifier) = 'calendar year' then 'calendar' else 'financial' end
            as year_type,
        l.geographic_level,
        case when l.geographic_level = 'Local authority' then l.old_la_code end as dfe_la_code,
        case l.geographic_level
            when 'National' then l.country_code
            when 'Regional' then l.region_code
            else l.new_la_code
        end as ons_code,
        case l.geographic_level
            when 'National' then l.country_name
            when 'Regional' then l.region_name
            else l.la_name
        end as area_name,
        case when l.geographic_level <> 'National' then l.region_name end as region_name,
        l.value_text
    from measures as m
    inner join ees_files as f on f.measure_key = m.measure_key
    inner join ees_long as l
        on l.source_file = f.source_file
        and l.dfe_column = m.dfe_value_column
    left join filter_counts as fc on fc.measure_key = m.measure_key
    left join filter_hits as fh
        on fh.measure_key = m.measure_key
        and fh.source_file = l.source_file
        and fh.row_id = l.row_id
    where m.source = 'ees'
        and coalesce(fh.n_hits, 0) = coalesce(fc.n_filters, 0)
),

-- LAIT -------------------------------------------------------------------------------------------

lait_rows as (
    select
        m.indicator_code,
        m.measure_key,
        m.lait_short_desc as dfe_measure,
        'lait' as source,
        l.source_file,
        l.release,
        l.release_date,
        d.polarity,
        case when d.year_type = 'Calendar Year' then 'calendar' else 'financial' end as year_type,
        l.years,
        -- LAIT numbers England 970 and the regions 980-990; everything else is a local authority
        cast(cast(l.la_number as double) as integer) as la_number,
        l.area_name as lait_area_name,
        l.region as lait_region,
        l.value_text
    from measures as m
    inner join lait as l on l.short_desc = m.lait_short_desc
    left join lait_dictionary as d on d.measure_short = m.lait_short_desc
    where m.source = 'lait'
),

lait_periods as (
    select
        *,
        case
            when regexp_full_match(years, '\d{4}') then cast(years as integer)
            -- '2024-25' is a financial year; '2014-16' (a three-year range) is not
            when regexp_full_match(years, '\d{4}-\d{2}')
                and cast(right(years, 2) as integer) = (cast(left(years, 4) as integer) + 1) % 100
                then cast(left(years, 4) as integer) + 1
        end as time_period,
        case
            when la_number = 970 then 'National'
            when la_number between 980 and 990 then 'Regional'
            else 'Local authority'
        end as geographic_level
    from lait_rows
),

-- the ONS code, name and EES region of an LA for the mid-year its rate uses, else its latest known
la_by_year as (
    select dfe_la_code, mid_year, ons_code, area_name, region_name
    from population
    where geographic_level = 'Local authority'
),

la_latest as (
    select
        dfe_la_code,
        arg_max(ons_code, mid_year) as ons_code,
        arg_max(area_name, mid_year) as area_name,
        arg_max(region_name, mid_year) as region_name
    from population
    where geographic_level = 'Local authority'
    group by all
),

area_codes as (
    select geographic_level, lower(area_name) as area_key, arg_max(ons_code, mid_year) as ons_code
    from population
    where geographic_level in ('National', 'Regional')
    group by all
),

lait_values as (
    select
        p.indicator_code,
        p.measure_key,
        p.dfe_measure,
        p.source,
        p.source_file,
        p.release,
        p.release_date,
        p.polarity,
        p.time_period,
        p.year_type,
        p.geographic_level,
        case when p.geographic_level = 'Local authority' then cast(p.la_number as varchar) end
            as dfe_la_code,
        case p.geographic_level
            when 'Local authority' then coalesce(y.ons_code, la.ons_code)
            else ac.ons_code
        end as ons_code,
        case p.geographic_level
            -- EES/ONS spelling where the LA is known to the ONS file, so both sources read alike
            when 'Local authority' then coalesce(y.area_name, la.area_name, p.lait_area_name)
            else coalesce(a.area_name, p.lait_area_name)
        end as area_name,
        case p.geographic_level
            when 'Local authority' then coalesce(y.region_name, la.region_name, p.lait_region)
            when 'Regional' then coalesce(a.area_name, p.lait_area_name)
        end as region_name,
        p.value_text
    from lait_periods as p
    left join area_aliases as a on a.alias = p.lait_area_name
    left join la_by_year as y
        on p.geographic_level = 'Local authority'
        and y.dfe_la_code = cast(p.la_number as varchar)
        and y.mid_year = p.time_period - case when p.year_type = 'calendar' then 0 else 1 end
    left join la_latest as la
        on p.geographic_level = 'Local authority'
        and la.dfe_la_code = cast(p.la_number as varchar)
    left join area_codes as ac
        on ac.geographic_level = p.geographic_level
        and ac.area_key = lower(coalesce(a.area_name, p.lait_area_name))
    where p.time_period is not null
),

-- both sources -----------------------------------------------------------------------------------

unioned as (
    select * from ees_values
    union all by name
    select * from lait_values
),

parsed as (
    select
        *,
        try_cast(trim(value_text) as double) as parsed_num,
        trim(value_text) as trimmed_text
    from unioned
),

final as (
    select
        indicator_code,
        dfe_measure,
        source,
        source_file,
        release,
        release_date,
        time_period,
        case
            when year_type = 'calendar' then cast(time_period as varchar)
            else cast(time_period - 1 as varchar) || '-' || lpad(cast(time_period % 100 as varchar), 2, '0')
        end as year_label,
        year_type,
        geographic_level,
        dfe_la_code,
        ons_code,
        area_name,
        region_name,
        value_text,
        case when parsed_num is not null and isfinite(parsed_num) then parsed_num end as value_num,
        case
            when parsed_num is not null and isfinite(parsed_num) then 'ok'
            when trimmed_text in ('c', 'x', 'z', 'low', 'k', 'u', ':', '~', '-') then trimmed_text
            when trimmed_text is null or trimmed_text = '' then 'blank'
            else 'unparsed'
        end as status,
        polarity,
        measure_key
    from parsed
)

select * from final
