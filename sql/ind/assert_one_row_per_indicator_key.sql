-- Assertion: one row per indicator x period type x period x breakdown x breakdown value.
-- Inputs: ind_values. Parameters: $quarter_key.
with values_in_quarter as (
    select * from ind_values where quarter_key = $quarter_key
),

final as (
    select indicator_code, period_type, period_label, breakdown, breakdown_value, count(*) as copies
    from values_in_quarter
    group by all
    having count(*) > 1
)

select * from final
