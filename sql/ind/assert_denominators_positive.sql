-- Assertion: a percentage, rate or ratio that has a value has a denominator above zero.
-- Inputs: ind_values. Parameters: $quarter_key.
with values_in_quarter as (
    select * from ind_values where quarter_key = $quarter_key
),

final as (
    select indicator_code, period_type, period_label, breakdown_value, numerator, denominator, value
    from values_in_quarter
    where unit in ('percent', 'rate_per_10k', 'ratio', 'mean')
      and value is not null and not (denominator > 0)
)

select * from final
