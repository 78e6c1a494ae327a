-- Assertion: every reconciliation agrees within its tolerance. Returns the rows beyond it (none = pass).
-- Inputs: mart_reconciliation. Parameters: $quarter_key.
with reconciliation as (
    select * from mart_reconciliation where quarter_key = $quarter_key
),

final as (
    select check_code, indicator_code, period_label, pipeline_value, compared_value, difference, tolerance,
           tolerance_relative
    from reconciliation
    where beyond_tolerance
)

select * from final
