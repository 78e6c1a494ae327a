-- Shared rules as DuckDB macros, created once per connection by pipeline.lib.indicators.load_reference_tables.
-- One definition each, so a DfE change is one edit.

-- Age at a date in DfE's CIN/CLA bands. Unborn: date of birth after the date, or no date of birth with
-- gender not stated (how Annex A records an unborn child).
create or replace macro dfe_age_band(date_of_birth, gender, at_date) as
    case
        when date_of_birth > at_date or (date_of_birth is null and gender = 'U') then 'Unborn'
        when date_of_birth is null then 'Unknown'
        when date_sub('year', date_of_birth, at_date::date) < 1 then 'Under 1'
        when date_sub('year', date_of_birth, at_date::date) < 5 then '1-4'
        when date_sub('year', date_of_birth, at_date::date) < 10 then '5-9'
        when date_sub('year', date_of_birth, at_date::date) < 16 then '10-15'
        else '16+'
    end;
