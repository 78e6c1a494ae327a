-- Partner agencies' measures (multi-agency dataset), aggregated over a period the way the catalogue says.
-- Grain: one row per indicator_code x breakdown x breakdown_value (here always the 'total' breakdown).
-- Inputs: stg_partner_measures (one row per agency x measure x month), ref_partner_measures
--   (config/partner_measures.csv), ref_partner_ratios (catalogue indicators dividing one measure by another).
-- Parameters: $period_start, $period_end.
-- Rules: a measure whose `aggregation` is 'sum' is the sum of its monthly values in the period (e.g. police
-- protection orders); 'latest' is the value for the last month reported in the period (a snapshot at the end,
-- e.g. children at risk of exploitation). Agencies reporting the same measure are added together.
-- A new measure is a row in the CSV: no code. Measures with no value in the period give no row (Python then
-- gives the indicator its total row with no value, 'not_received'). A 'sum' measure whose CSV breakdown is
-- 'month' also gets a row per month reported (breakdown 'month', value 'YYYY-MM'), e.g. LADO referrals by month.

with measures as (
    select * from ref_partner_measures
),

ratios as (
    select * from ref_partner_ratios
),

reported as (
    select stg_partner_measures.*, measures.aggregation
    from stg_partner_measures
    inner join measures using (measure_code)
    where stg_partner_measures.period_start between $period_start and $period_end
      and stg_partner_measures.value is not null
),

latest_month as (
    select agency, measure_code, max(period_start) as period_start
    from reported
    where aggregation = 'latest'
    group by all
),

aggregated as (
    select measure_code, sum(value) as value
    from reported
    where aggregation = 'sum'
    group by measure_code
    union all
    select reported.measure_code, sum(reported.value)
    from reported
    inner join latest_month using (agency, measure_code, period_start)
    group by reported.measure_code
),

by_month as (
    select reported.measure_code, strftime(reported.period_start, '%Y-%m') as month, sum(reported.value) as value
    from reported
    inner join measures using (measure_code)
    where reported.aggregation = 'sum' and measures.breakdown = 'month'
    group by all
),

ratio_values as (
    select ratios.indicator_code, numerators.value as numerator, denominators.value as denominator
    from ratios
    inner join aggregated as numerators on numerators.measure_code = ratios.numerator_measure
    inner join aggregated as denominators on denominators.measure_code = ratios.denominator_measure
),

final as (
    select measure_code as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           value as numerator, null::double as denominator
    from aggregated
    union all
    select measure_code, 'month', month, value, null
    from by_month
    union all
    select indicator_code, 'total', 'All', numerator, denominator
    from ratio_values
)

select * from final
