-- mart_comparison: each indicator's headline value beside its previous value and DfE's benchmarks,
--                  with direction of travel and a RAG rating that always carries words.
-- Grain: one row per indicator_code x period_type x period_label (the 'total' breakdown) for one quarter partition.
-- Inputs: ind_values (every partition, for the previous values), ref_indicators (the catalogue: polarity,
--   benchmark code, RAG rule), bm_comparators (DfE's published LA / England / region / SN values per year).
-- Parameters: $quarter_key (the partition, e.g. '2022-23-Q4').
-- Rules:
--   * previous value: a quarter against the quarter before; a rolling 12 months or a year against the same
--     window a year earlier. Direction compares values rounded to the indicator's decimals; travel reads the
--     direction through polarity (neutral: 'not applicable').
--   * benchmark year: the latest DfE year (with a value) no later than the financial year holding the period
--     end; a calendar-year measure counts in the financial year its December falls in.
--   * comparable: DfE figures are annual, so they are set beside percentages, snapshots at the period end and
--     12-month windows, never beside a quarter's flow; gaps are only for rates, percentages and means
--     (a count's gap to England's count means nothing).
--   * RAG against a comparator: green = better by more than the tolerance, amber = within it either side,
--     red = worse by more. Against a target: green = meets it, amber = short by the tolerance or less, red =
--     short by more. Neutral polarity, no rule, or no comparator: rag null and rag_basis says why.
--   * reconciliation_diff: the value minus DfE's published LA value for the same completed year (periods
--     ending 31 March: the year and 12-month rows, and snapshots at the end), null when not published.
--   * suppressed: a count-based numerator of 1-5 (disclosure control in public outputs) of an indicator whose
--     catalogue `disclosure` is 'children' (children, families, cases); staff and training counts are not.
--   * received, partial, not received (docs/contracts.md): status, coverage and missing_quarters come from
--     ind_values. Only a complete window is set against DfE's annual figures, rated, reconciled, or given a
--     direction of travel (against a complete previous window): a partial year is not a year.

with values_now as (
    select * from ind_values
    where quarter_key = $quarter_key and breakdown = 'total'
),

values_all as (
    select * from ind_values where breakdown = 'total'
),

catalogue as (
    select * from ref_indicators
),

comparators as (
    select * from bm_comparators
),

with_catalogue as (
    select
        v.*,
        c.title, c.section, c.decimals::integer as decimals, c.polarity, c.counting_rule, c.benchmark as benchmark_code,
        c.rag_against, c.rag_tolerance, c.rag_target, c.disclosure,
        case when v.period_type = 'quarter' then v.period_start - interval 1 day
             else v.period_end - interval 1 year end as previous_end,
        -- DfE time_period of the financial year holding the period end (2023 = year to 31 March 2023)
        year(v.period_end) + case when month(v.period_end) >= 4 then 1 else 0 end as fy_time_period
    from values_now as v
    inner join catalogue as c using (indicator_code)
),

with_previous as (
    select
        w.*,
        p.period_label as previous_label,
        p.value as previous_value,
        p.status as previous_status
    from with_catalogue as w
    left join values_all as p
        on p.indicator_code = w.indicator_code
        and p.period_type = w.period_type
        and p.period_end = w.previous_end::date
),

benchmark_year as (
    select
        w.indicator_code, w.period_type, w.period_label,
        b.year_label as benchmark_year, b.time_period as benchmark_time_period, b.release as benchmark_release,
        b.la_value as la_published, b.england, b.region_name, b.region_value, b.sn_model, b.sn_mean, b.sn_median,
        b.sn_count, b.national_rank, b.ranked_of, b.quartile
    from with_catalogue as w
    inner join comparators as b
        on b.indicator_code = w.benchmark_code
        and b.time_period + case when b.year_type = 'calendar' then 1 else 0 end <= w.fy_time_period
        and coalesce(b.la_value, b.england, b.sn_mean, b.region_value) is not null
    qualify row_number() over (
        partition by w.indicator_code, w.period_type, w.period_label order by b.time_period desc) = 1
),

joined as (
    select
        w.*,
        b.* exclude (indicator_code, period_type, period_label),
        round(w.value, w.decimals) as shown,
        round(w.previous_value, w.decimals) as previous_shown,
        w.status = 'complete'
            and (w.unit = 'percent' or w.counting_rule = 'open_at_period_end' or w.period_type in ('rolling_12m', 'year'))
            as benchmark_comparable
    from with_previous as w
    left join benchmark_year as b using (indicator_code, period_type, period_label)
),

travel as (
    select
        *,
        value - previous_value as change,
        case
            when shown is null or previous_shown is null then null
            when status <> 'complete' or previous_status <> 'complete' then null
            when shown > previous_shown then 'up'
            when shown < previous_shown then 'down'
            else 'same'
        end as direction
    from joined
),

rag_inputs as (
    select
        *,
        case
            when polarity = 'neutral' or direction is null then 'not applicable'
            when direction = 'same' then 'no change'
            when (direction = 'up') = (polarity = 'higher_is_better') then 'improving'
            else 'worsening'
        end as travel,
        benchmark_comparable and unit in ('percent', 'rate_per_10k', 'ratio', 'mean') as gaps_meaningful,
        case rag_against
            when 'sn_mean' then sn_mean
            when 'sn_median' then sn_median
            when 'england' then england
            when 'region' then region_value
            when 'target' then rag_target
        end as rag_comparator,
        case rag_against
            when 'sn_mean' then 'statistical neighbours'
            when 'sn_median' then 'statistical neighbours (median)'
            when 'england' then 'England'
            when 'region' then coalesce(region_name, 'the region')
            when 'target' then 'the target'
        end as rag_comparator_name
    from travel
),

rated as (
    select
        *,
        case polarity
            when 'higher_is_better' then shown - rag_comparator
            when 'lower_is_better' then rag_comparator - shown
        end as better_by,
        rag_against is not null and polarity <> 'neutral' and shown is not null and rag_comparator is not null
            and status = 'complete' and (rag_against = 'target' or benchmark_comparable) as rateable
    from rag_inputs
),

with_rag as (
    select
        *,
        case
            when not rateable then null
            when rag_against = 'target' then
                case when better_by >= 0 then 'green' when better_by >= -rag_tolerance then 'amber' else 'red' end
            else
                case when better_by > rag_tolerance then 'green' when better_by < -rag_tolerance then 'red'
                     else 'amber' end
        end as rag
    from rated
),

final as (
    select
        indicator_code, title, section, unit, decimals, polarity, period_type, period_label, quarter_key,
        period_end, value, numerator, denominator,
        coalesce(disclosure = 'children' and unit in ('count', 'percent', 'rate_per_10k') and numerator between 1 and 5,
                 false) as suppressed,
        previous_label, previous_value, change, direction, travel,
        benchmark_year, benchmark_release, la_published, england, region_name, region_value, sn_model,
        sn_mean, sn_median, sn_count, national_rank, ranked_of, quartile,
        case when gaps_meaningful then value - england end as gap_to_england,
        case when gaps_meaningful then value - region_value end as gap_to_region,
        case when gaps_meaningful then value - sn_mean end as gap_to_sn,
        rag,
        case
            when rag is null then null
            when rag_against = 'target' then
                case rag when 'green' then 'Meets the target of ' || rag_target::varchar
                         when 'amber' then 'Just short of the target of ' || rag_target::varchar
                         else 'Short of the target of ' || rag_target::varchar end
            else
                case rag when 'green' then 'Better than ' when 'amber' then 'In line with ' else 'Worse than ' end
                || rag_comparator_name
        end as rag_label,
        case
            when rag is not null then
                printf('%s against %s %s%s; %s; amber %s', shown::varchar, rag_comparator_name,
                       round(rag_comparator, decimals)::varchar,
                       case when rag_against = 'target' then '' else ' (DfE ' || benchmark_year || ')' end,
                       replace(polarity, '_', ' '),
                       case when rag_against = 'target' then 'if short by ' || rag_tolerance || ' or less'
                            else 'within ' || rag_tolerance || ' either side' end)
            when status = 'not_received' then 'Not received: no return for ' || missing_quarters
            when status = 'partial' then 'Partial: rests on ' || coverage || ' only (not received: ' || missing_quarters
                || '), so it is not set against DfE''s annual figures or rated'
            when rag_against is null then 'No RAG rule in the catalogue'
            when polarity = 'neutral' then 'Neutral: no direction is better'
            when shown is null then 'No value for the period'
            when rag_against <> 'target' and benchmark_code is null then 'No DfE benchmark for this indicator'
            when rag_comparator is null then 'DfE has not published ' || rag_comparator_name || ' for this indicator yet'
            else 'A ' || period_type || ' flow is not comparable with DfE''s annual figure'
        end as rag_basis,
        case
            when status = 'complete' and month(period_end) = 3 and day(period_end) = 31
                 and benchmark_time_period = year(period_end)
                 and (period_type in ('year', 'rolling_12m') or counting_rule = 'open_at_period_end')
                then value - la_published
        end as reconciliation_diff,
        benchmark_code,
        coalesce(benchmark_comparable, false) as benchmark_comparable,
        status,
        coverage,
        missing_quarters,
        disclosure
    from with_rag
)

select * from final
