-- Assertion: every indicator of the catalogue has its 'total' row in every window of the quarter (a figure that
-- is not there cannot be told apart from one nobody asked for). Returns the missing ones (none = pass).
-- Inputs: ind_values, ref_indicators (the catalogue). Parameters: $quarter_key.
with values_in_quarter as (
    select * from ind_values where quarter_key = $quarter_key
),

catalogue as (
    select indicator_code from ref_indicators
),

windows as (
    select distinct period_type, period_label from values_in_quarter
),

totals as (
    select distinct indicator_code, period_type, period_label from values_in_quarter where breakdown = 'total'
),

final as (
    select catalogue.indicator_code, windows.period_type, windows.period_label
    from catalogue
    cross join windows
    anti join totals using (indicator_code, period_type, period_label)
)

select * from final
