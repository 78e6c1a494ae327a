-- Contacts to children's social care ("the front door") received in a period.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_contacts (Annex A list 1, current returns, de-duplicated), ref_codes.
-- Parameters: $period_start, $period_end (dates, inclusive). Counting rule: Date of Contact in the period;
-- a contact about several children is one row per child, as Annex A records it. Children contacted counts each
-- child once however many contacts they had (distinct pseudonymised Child Unique ID).

with contacts as (
    select * from stg_contacts
    where contact_date between $period_start and $period_end
),

source_groups as (
    select code, code_group from ref_codes where code_list = 'source'
),

contacts_with_group as (
    select contacts.*, coalesce(source_groups.code_group, 'Unknown') as source_group
    from contacts
    left join source_groups on source_groups.code = contacts.contact_source
),

totals as (
    select
        count(*) as contacts,
        count(distinct child_id) as children,
        count(*) filter (where contact_source = '6') as police,
        count(*) filter (where source_group = 'Education') as education,
        count(*) filter (where contact_outcome = 'SCT') as outcome_sct,
        count(*) filter (where contact_outcome is not null) as outcome_recorded,
        count(*) filter (where domestic_abuse = 'Y') as domestic_abuse,
        count(*) filter (where domestic_abuse = 'Y' and contact_source = '6') as domestic_abuse_police,
        count(*) filter (where domestic_abuse is not null) as domestic_abuse_recorded,
        count(*) filter (where met_early_help_threshold = 'Y') as met_eh_threshold,
        count(*) filter (where met_early_help_threshold is not null) as eh_threshold_recorded
    from contacts_with_group
),

by_source as (
    select 'contacts_by_source' as indicator_code, 'source_group' as breakdown, source_group as breakdown_value,
           count(*) as numerator, (select contacts from totals) as denominator
    from contacts_with_group
    group by source_group
),

by_month as (
    select 'contacts_by_month', 'month', strftime(date_trunc('month', contact_date), '%Y-%m'), count(*), null
    from contacts
    group by date_trunc('month', contact_date)
),

headline as (
    select 'contacts_total' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           contacts as numerator, null as denominator from totals
    union all select 'contacts_children', 'total', 'All', children, null from totals
    union all select 'contacts_by_source', 'total', 'All', contacts, contacts from totals
    union all select 'contacts_by_month', 'total', 'All', contacts, null from totals
    union all select 'contacts_police_pct', 'total', 'All', police, contacts from totals
    union all select 'contacts_education_pct', 'total', 'All', education, contacts from totals
    -- Only contacts with an outcome recorded count in the denominator: no "unknown" in a Yes/No share.
    union all select 'contacts_outcome_sct_pct', 'total', 'All', outcome_sct, outcome_recorded from totals
    union all select 'contacts_domestic_abuse_pct', 'total', 'All', domestic_abuse, domestic_abuse_recorded from totals
    union all select 'contacts_domestic_abuse_police_pct', 'total', 'All', domestic_abuse_police, domestic_abuse from totals
    union all select 'contacts_police_domestic_abuse_pct', 'total', 'All', domestic_abuse_police, police from totals
    union all select 'contacts_met_eh_threshold_pct', 'total', 'All', met_eh_threshold, eh_threshold_recorded from totals
),

final as (
    select * from headline
    union all select * from by_source
    union all select * from by_month
)

select * from final
