-- mart_reconciliation: pipeline figures set against figures that should agree with them.
-- Grain: one row per check x indicator x period (period_type x period_label) for one quarter partition.
-- Inputs: mart_comparison (pipeline value and DfE's published LA value), ind_values, stg_missing_episodes,
--   stg_children_in_care, ref_reconciliation_tolerance (config/indicators.yaml reconciliation_tolerance).
-- Parameters: $quarter_key, $period_type, $period_label, $period_start, $period_end (one window of the quarter).
-- Checks:
--   * dfe_published: every benchmarked indicator whose period is a completed DfE year (reconciliation_diff set):
--     our value against DfE's published value for the LA; tolerance by unit.
--   * cp_plans_at_year_end_vs_dfe: children on a CP plan at 31 March against DfE's published figure (D5 / LAIT).
--   * police_da_notifications_vs_contacts: police's domestic abuse notifications (multi-agency dataset) against
--     contacts from police flagged domestic abuse (Annex A list 1): two agencies' counts of the same events.
--   * missing_episodes_vs_annex_a: 12-month windows only. Missing (not 'away') episodes of looked-after
--     children in the missing return, against the sum of Annex A list 8's "episodes missing from placement in
--     the last 12 months" over the children looked after at the window's end. List 8 counts as at its return
--     date, so the two agree only when the return is the one filed for the window's end.
-- beyond_tolerance: |difference| above the tolerance (relative tolerances are shares of the compared figure);
-- status: 'agrees' | 'beyond tolerance' | 'one side missing' (a figure not reported is not a disagreement) |
--   'partial period' (a side rests on a window some of whose returns were not received: a difference would be
--   the missing quarters, not a disagreement, so it is never beyond tolerance).

with comparison as (
    select * from mart_comparison
    where quarter_key = $quarter_key and period_type = $period_type and period_label = $period_label
),

values_in_window as (
    select * from ind_values
    where quarter_key = $quarter_key and period_type = $period_type and period_label = $period_label
      and breakdown = 'total'
),

tolerances as (
    select * from ref_reconciliation_tolerance
),

dfe_published as (
    select 'dfe_published' as check_code, indicator_code,
           'Pipeline value against DfE''s published value for ' || benchmark_year as check_title,
           unit as tolerance_unit, 'Pipeline' as pipeline_label, value as pipeline_value,
           'DfE published (' || benchmark_release || ')' as compared_label, la_published as compared_value,
           status = 'complete' as sides_complete
    from comparison
    where reconciliation_diff is not null
    union all
    select 'cp_plans_at_year_end_vs_dfe', indicator_code,
           'Children on a child protection plan at 31 March against DfE''s published figure',
           unit, 'Pipeline', value, 'DfE published (' || benchmark_release || ')', la_published,
           status = 'complete'
    from comparison
    where indicator_code = 'cpp_at_end' and la_published is not null
      and month(period_end) = 3 and day(period_end) = 31 and benchmark_year is not null
      and reconciliation_diff is not null
),

police_da as (
    select 'police_da_notifications_vs_contacts' as check_code, 'police_da_notifications' as indicator_code,
           'Police domestic abuse notifications against contacts from police flagged domestic abuse' as check_title,
           'cross_agency' as tolerance_unit,
           'Police notifications (multi-agency dataset)' as pipeline_label,
           (select numerator from values_in_window where indicator_code = 'police_da_notifications') as pipeline_value,
           'Police domestic abuse contacts (Annex A list 1)' as compared_label,
           (select numerator from values_in_window where indicator_code = 'contacts_domestic_abuse_police_pct')
               as compared_value,
           (select count(*) from values_in_window
            where indicator_code in ('police_da_notifications', 'contacts_domestic_abuse_police_pct')
              and status = 'complete') = 2 as sides_complete
),

missing_return as (
    select count(*) as episodes
    from stg_missing_episodes
    where missing_start::date between $period_start and $period_end
      and looked_after = 'Y' and missing_type = 'M'
),

in_care_at_end as (
    select * from stg_children_in_care
    where cla_start_date <= $period_end
      and (cla_end_date is null or cla_end_date > $period_end)
    qualify row_number() over (partition by child_id order by cla_start_date desc) = 1
),

annex_a_list_8 as (
    select sum(missing_episodes_12m) as episodes from in_care_at_end
),

missing as (
    select 'missing_episodes_vs_annex_a' as check_code, 'missing_episodes' as indicator_code,
           'Missing episodes of children in care: missing return against Annex A list 8' as check_title,
           'cross_agency' as tolerance_unit,
           'Missing return: episodes of looked-after children' as pipeline_label,
           (select episodes from missing_return) as pipeline_value,
           'Annex A list 8: missing episodes in the last 12 months' as compared_label,
           (select sum(episodes) from annex_a_list_8) as compared_value,
           (select count(*) from values_in_window
            where indicator_code in ('missing_episodes', 'cla_at_end') and status = 'complete') = 2 as sides_complete
    where $period_type in ('rolling_12m', 'year')
),

checks as (
    select * from dfe_published
    union all select * from police_da where pipeline_value is not null or compared_value is not null
    union all select * from missing
),

final as (
    select
        checks.check_code, checks.indicator_code, checks.check_title,
        $period_type as period_type, $period_label as period_label, $quarter_key as quarter_key,
        $period_end::date as period_end,
        checks.pipeline_label, checks.pipeline_value, checks.compared_label, checks.compared_value,
        checks.pipeline_value - checks.compared_value as difference,
        tolerances.tolerance, tolerances.relative as tolerance_relative,
        coalesce(checks.sides_complete and abs(checks.pipeline_value - checks.compared_value) > case
            when tolerances.relative then tolerances.tolerance * abs(checks.compared_value)
            else tolerances.tolerance end, false) as beyond_tolerance,
        case
            when checks.pipeline_value is null or checks.compared_value is null then 'one side missing'
            when not coalesce(checks.sides_complete, false) then 'partial period'
            when abs(checks.pipeline_value - checks.compared_value) > case
                when tolerances.relative then tolerances.tolerance * abs(checks.compared_value)
                else tolerances.tolerance end then 'beyond tolerance'
            else 'agrees'
        end as status
    from checks
    left join tolerances on tolerances.unit = checks.tolerance_unit
)

select * from final
