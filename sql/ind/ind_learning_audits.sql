-- The QPPA audit programme: audits completed, the grades of the cases audited, agencies' returns on time or late.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_audits, stg_audit_cases, stg_audit_returns (the audits register as last filed), ref_codes.
-- Parameters: $period_start, $period_end.
-- Rules: an audit counts in the period of its audit date, and so do its cases' grades. An agency's return counts in
-- the period it was due: on time when returned by the due date; late when returned after it, or not returned by
-- the period's end once the due date has passed. 'Good or better' is the grade list's group (config/codes.yaml).

with audit_register as materialized (
    select * from stg_audits
),

case_register as materialized (
    select * from stg_audit_cases
),

return_register as materialized (
    select * from stg_audit_returns
),

latest_filing as (
    -- A register is filed whole each quarter: the latest filing from each agency replaces its earlier ones, so a row
    -- taken out of the register leaves the figures too (stg_ alone would keep its last version).
    select 'audits' as sheet, filed_by, max(period_key) as period_key from audit_register group by filed_by
    union all select 'cases', filed_by, max(period_key) from case_register group by filed_by
    union all select 'returns', filed_by, max(period_key) from return_register group by filed_by
),

-- materialized: the register is read once, not once per count below
audits as materialized (
    select audit_register.* from audit_register
    join latest_filing on latest_filing.sheet = 'audits' and latest_filing.filed_by is not distinct from audit_register.filed_by
        and latest_filing.period_key = audit_register.period_key
    where audit_date between $period_start and $period_end
),

cases as materialized (
    select case_register.* from case_register
    join latest_filing on latest_filing.sheet = 'cases' and latest_filing.filed_by is not distinct from case_register.filed_by
        and latest_filing.period_key = case_register.period_key
    where audit_reference in (select audit_reference from audits)
),

returns as materialized (
    select return_register.* from return_register
    join latest_filing on latest_filing.sheet = 'returns' and latest_filing.filed_by is not distinct from return_register.filed_by
        and latest_filing.period_key = return_register.period_key
    where date_due between $period_start and $period_end
),

grades as (
    select code, label, code_group from ref_codes where code_list = 'audit_grade'
),

types as (
    select code, label from ref_codes where code_list = 'audit_type'
),

agencies as (
    select code, label from ref_codes where code_list = 'agency'
),

graded_cases as materialized (
    select cases.*, coalesce(grades.label, cases.grade) as grade_label, grades.code_group
    from cases left join grades on grades.code = cases.grade
),

graded_returns as materialized (
    select returns.*, coalesce(grades.label, returns.grade) as grade_label, grades.code_group
    from returns left join grades on grades.code = returns.grade
    where returns.grade is not null
),

agency_returns as materialized (
    select returns.*, coalesce(agencies.label, returns.agency) as agency_label,
        date_returned is not null and date_returned <= $period_end and date_returned <= date_due as on_time,
        (date_returned is not null and date_returned <= $period_end and date_returned > date_due)
            or ((date_returned is null or date_returned > $period_end) and date_due < $period_end) as late
    from returns left join agencies on agencies.code = returns.agency
),

totals as (
    select
        (select count(*) from audits) as audits,
        (select count(*) from graded_cases) as cases_graded,
        (select count(*) from graded_cases where code_group = 'Good or better') as cases_good,
        (select count(*) from agency_returns) as returns_due,
        (select count(*) from agency_returns where on_time) as returns_on_time,
        (select count(*) from agency_returns where date_returned is not null and date_returned <= $period_end) as returned,
        (select count(*) from agency_returns where late) as returns_late,
        (select count(*) from graded_returns) as returns_graded,
        (select count(*) from graded_returns where code_group = 'Good or better') as returns_good
),

by_type as (
    select 'audits_completed' as indicator_code, 'audit_type' as breakdown,
           coalesce(types.label, audits.audit_type) as breakdown_value, count(*) as numerator, null as denominator
    from audits left join types on types.code = audits.audit_type
    group by coalesce(types.label, audits.audit_type)
),

by_grade as (
    select 'audit_cases_by_grade' as indicator_code, 'grade' as breakdown, grade_label as breakdown_value,
           count(*) as numerator, (select cases_graded from totals) as denominator
    from graded_cases group by grade_label
    union all
    select 'audit_agency_grades', 'grade', grade_label, count(*), (select returns_graded from totals)
    from graded_returns group by grade_label
),

late_by_agency as (
    select 'audit_returns_late' as indicator_code, 'agency' as breakdown, agency_label as breakdown_value,
           count(*) as numerator, null as denominator
    from agency_returns where late group by agency_label
),

headline as (
    select 'audits_completed' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           audits as numerator, null as denominator from totals
    union all select 'audit_cases_by_grade', 'total', 'All', cases_graded, cases_graded from totals
    union all select 'audit_cases_good_pct', 'total', 'All', cases_good, cases_graded from totals
    union all select 'audit_return_rate_pct', 'total', 'All', returned, returns_due from totals
    union all select 'audit_returns_on_time_pct', 'total', 'All', returns_on_time, returns_due from totals
    union all select 'audit_returns_late', 'total', 'All', returns_late, null from totals
    union all select 'audit_agency_grades', 'total', 'All', returns_graded, returns_graded from totals
    union all select 'audit_agency_good_pct', 'total', 'All', returns_good, returns_graded from totals
),

final as (
    select * from headline
    union all select * from by_type
    union all select * from by_grade
    union all select * from late_by_agency
)

select * from final
