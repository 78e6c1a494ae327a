-- Assertion: percentages lie within 0-100. Returns the offending rows (none = pass).
-- Inputs: ind_values. Parameters: $quarter_key.
with values_in_quarter as (
    select * from ind_values where quarter_key = $quarter_key
),

final as (
    select indicator_code, period_type, period_label, breakdown_value, numerator, denominator, value
    from values_in_quarter
    where unit = 'percent' and (value < 0 or value > 100)
)

select * from final
