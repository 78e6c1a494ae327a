-- E-learning modules completed in a period (the training uptake return's e-learning sheet).
-- Grain: one row per indicator_code x breakdown x breakdown_value (breakdown 'module' gives the report's table).
-- Inputs: stg_elearning. Parameters: $period_start, $period_end.
-- Counting rule: completions count in the month they are reported for. Staff completions, not children:
-- published as they are (catalogue disclosure: none). A sheet with a module per row can have thousands of
-- modules; pipeline.lib.indicators keeps the largest and adds the rest into one "All other modules" row.

with elearning as (
    select * from stg_elearning
    where completion_month between $period_start and $period_end
),

by_module as (
    select 'elearning_completions' as indicator_code, 'module' as breakdown, module as breakdown_value,
           sum(completions) as numerator, null::double as denominator
    from elearning
    group by module
),

headline as (
    select 'elearning_completions' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           coalesce(sum(completions), 0) as numerator, null::double as denominator
    from elearning
),

final as (
    select * from headline
    union all select * from by_module
)

select * from final
