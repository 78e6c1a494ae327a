-- ref_population: ONS mid-year estimates of children aged 0-17, as DfE ships them with the CIN release.
-- grain: one row per area (National / Regional / Local authority) x mid_year.
-- inputs: raw_population (every row of every matching ONS file, loaded by pipeline.lib.benchmarks).
-- params: $age_group (the file's age_group value for 0-17 year olds).
-- rules: the file's time_period is the mid-year; a financial year 2022-23 uses mid-2022, so rates
--        for time_period T use mid_year T - 1. When two files hold the same area and mid-year, the
--        newer file (later end year in its name) wins: ONS revises back years.

with

population as (select * from raw_population),

children as (
    select
        geographic_level,
        case when geographic_level = 'Local authority' then old_la_code end as dfe_la_code,
        case geographic_level
            when 'National' then country_code
            when 'Regional' then region_code
            else new_la_code
        end as ons_code,
        case geographic_level
            when 'National' then country_name
            when 'Regional' then region_name
            else la_name
        end as area_name,
        case when geographic_level <> 'National' then region_name end as region_name,
        cast(time_period as integer) as mid_year,
        try_cast(population_estimate as bigint) as population_0_17,
        source_file,
        file_end_year
    from population
    where age_group = $age_group
),

newest_file_first as (
    select
        *,
        row_number() over (
            partition by geographic_level, coalesce(dfe_la_code, ons_code), mid_year
            order by file_end_year desc, source_file desc
        ) as file_rank
    from children
),

final as (
    select
        geographic_level,
        dfe_la_code,
        ons_code,
        area_name,
        region_name,
        mid_year,
        population_0_17,
        source_file
    from newest_file_first
    where file_rank = 1
)

select * from final
