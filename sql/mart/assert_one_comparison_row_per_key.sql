-- Assertion: one mart_comparison row per indicator x period type x period. Returns the duplicates (none = pass).
-- Inputs: mart_comparison. Parameters: $quarter_key.
with comparison as (
    select * from mart_comparison where quarter_key = $quarter_key
),

final as (
    select indicator_code, period_type, period_label, count(*) as copies
    from comparison
    group by all
    having count(*) > 1
)

select * from final
