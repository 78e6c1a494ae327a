-- Learning themes by how often they were named across the reviews and the audits of the period.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_reviews, stg_audits (themes stored as codes joined by '; '), ref_codes. Parameters: $period_start, $period_end.
-- Rule: a review counts in the period it was received, an audit in the period of its audit date; each names a theme
-- once. The total is the number of reviews and audits naming any theme.

with review_register as materialized (
    select * from stg_reviews
),

audit_register as materialized (
    select * from stg_audits
),

latest_filing as (
    -- Each register as last filed by each agency (a row taken out of a register leaves the figures).
    select 'reviews' as register, filed_by, max(period_key) as period_key from review_register group by filed_by
    union all select 'audits', filed_by, max(period_key) from audit_register group by filed_by
),

reviews as (
    select 'review' as source, case_reference as reference, themes from review_register
    join latest_filing on latest_filing.register = 'reviews' and latest_filing.filed_by is not distinct from review_register.filed_by
        and latest_filing.period_key = review_register.period_key
    where date_received between $period_start and $period_end and themes is not null
),

audits as (
    select 'audit' as source, audit_reference as reference, themes from audit_register
    join latest_filing on latest_filing.register = 'audits' and latest_filing.filed_by is not distinct from audit_register.filed_by
        and latest_filing.period_key = audit_register.period_key
    where audit_date between $period_start and $period_end and themes is not null
),

-- materialized: the register is read once, not once per count below
themed as materialized (
    select * from reviews union all select * from audits
),

named as materialized (
    select distinct source, reference, trim(theme) as theme
    from themed, unnest(string_split(themes, ';')) as t(theme)
    where trim(theme) <> ''
),

labels as (
    select code, label from ref_codes where code_list = 'learning_theme'
),

by_theme as (
    select 'learning_themes' as indicator_code, 'theme' as breakdown, coalesce(labels.label, named.theme) as breakdown_value,
           count(*) as numerator, (select count(*) from themed) as denominator
    from named left join labels on labels.code = named.theme
    group by coalesce(labels.label, named.theme)
),

headline as (
    select 'learning_themes' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           count(*) as numerator, count(*) as denominator
    from themed
),

final as (
    select * from headline
    union all select * from by_theme
)

select * from final
