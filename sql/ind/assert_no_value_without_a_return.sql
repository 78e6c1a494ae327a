-- Assertion: no data is not zero. A window whose returns were not received has no value and no breakdown rows;
-- every row says whether it is complete, partial or not received. Returns the offending rows (none = pass).
-- Inputs: ind_values. Parameters: $quarter_key.
with values_in_quarter as (
    select * from ind_values where quarter_key = $quarter_key
),

final as (
    select indicator_code, period_type, period_label, breakdown, breakdown_value, status, numerator, value
    from values_in_quarter
    where status is null
       or status not in ('complete', 'partial', 'not_received')
       or (status = 'not_received' and (numerator is not null or value is not null or breakdown <> 'total'))
       or (status = 'partial' and coalesce(missing_quarters, '') = '')
)

select * from final
