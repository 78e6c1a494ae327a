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

-- Age at a date in the report's own bands (config/indicators.yaml report_age_bands, table ref_age_bands):
-- whole years; Unborn and Unknown as dfe_age_band; an age no band covers is 'Unknown'.
create or replace macro report_age_band(date_of_birth, gender, at_date) as
    case
        when date_of_birth > at_date or (date_of_birth is null and gender = 'U') then 'Unborn'
        when date_of_birth is null then 'Unknown'
        else coalesce((select min(label) from ref_age_bands
                       where date_sub('year', date_of_birth, at_date::date) >= age_from
                         and (age_to is null or date_sub('year', date_of_birth, at_date::date) <= age_to)),
                      'Unknown')
    end;

-- The first day of a quarter partition key: '2022-23-Q4' -> 2023-01-01 (Q1 = April-June).
create or replace macro quarter_start(quarter_key) as
    make_date(
        cast(left(quarter_key, 4) as integer) + (right(quarter_key, 1) = '4')::integer,
        (cast(right(quarter_key, 1) as integer) * 3) % 12 + 1,
        1);
