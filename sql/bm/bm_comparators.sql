-- bm_comparators: the partnership's LA beside England, its region and its statistical neighbours,
--                 with its national rank and quartile band, LAIT's way.
-- grain: one row per indicator_code x year_label.
-- inputs: bm_published, ref_statistical_neighbours, ref_benchmark_measures.
-- params: $dfe_la_code (varchar, e.g. '333'), $region_name (e.g. 'West Midlands'),
--         $sn_model ('auto' | 'april_2021' | 'may_2025'), $may_2025_from (int: first time_period
--         that 'auto' gives the May 2025 model), $sn_statistic ('mean' | 'median': which one sn_value is).
-- rules (LAIT, dfe-analytical-services/local-authority-interactive-tool R/fn_analysis.R):
--   * release: where an indicator/year is published in several releases or sources, the newest
--     release (release_date, then file name) that has at least one value is the comparator; all of
--     them stay in bm_published.
--   * England: the published National value, unless the mapping says why it is not England's figure
--     (england_excluded, e.g. LAIT's first-time entrants: the sum of the regional rates); then NULL with
--     england_status 'excluded' and the reason in england_note.
--   * SN mean: plain mean of the neighbours' published values, neighbours with no value left out;
--     SN median likewise (DfE's newer dashboards); sn_count = neighbours with a value.
--   * national rank: rank among LAs with a value, ties take the lower rank (R ties.method = "min",
--     SQL rank()), descending when higher is better, ascending when lower is better; NULL if neutral.
--   * quartile: cut points = England LA distribution quantiles 0/25/50/75/100 (R type 7 = quantile_cont);
--     bands [q0,q25], (q25,q50], (q50,q75], (q75,q100]; A = best: the lowest band when lower is
--     better, the highest when higher is better; NULL if neutral or the LA value is missing.

with

published as (select * from bm_published where indicator_code is not null),
neighbours as (select * from ref_statistical_neighbours),
measures as (select * from ref_benchmark_measures),

indicator_labels as (
    select indicator_code, any_value(label) as label
    from measures
    group by all
),

-- one release per indicator and year --------------------------------------------------------------

candidate_releases as (
    select
        indicator_code,
        year_label,
        time_period,
        year_type,
        source,
        source_file,
        release,
        release_date,
        dfe_measure,
        measure_key,
        any_value(polarity) as polarity
    from published
    group by all
    having count(value_num) > 0
),

ranked_releases as (
    select
        *,
        row_number() over (
            partition by indicator_code, year_label
            order by release_date desc, source_file desc
        ) as release_rank,
        string_agg(release, '; ') over (
            partition by indicator_code, year_label
            order by release_date desc, source_file desc
            rows between unbounded preceding and unbounded following
        ) as releases_available
    from candidate_releases
),

chosen as (
    select
        *,
        case
            when $sn_model <> 'auto' then $sn_model
            -- a calendar year ends inside the financial year after it (Dec 2024 is in 2024-25)
            when time_period + case when year_type = 'calendar' then 1 else 0 end >= $may_2025_from
                then 'may_2025'
            else 'april_2021'
        end as sn_model
    from ranked_releases
    where release_rank = 1
),

chosen_values as (
    select p.*
    from published as p
    inner join chosen as c
        on c.indicator_code = p.indicator_code
        and c.year_label = p.year_label
        and c.source_file = p.source_file
        and c.measure_key = p.measure_key
),

-- the LA, England, region ---------------------------------------------------------------------

la as (
    select indicator_code, year_label, area_name as la_name, value_num as la_value,
        value_text as la_value_text, status as la_status
    from chosen_values
    where geographic_level = 'Local authority' and dfe_la_code = $dfe_la_code
),

england as (
    select
        v.indicator_code,
        v.year_label,
        case when m.england_excluded is null then v.value_num end as england,
        case when m.england_excluded is null then v.status else 'excluded' end as england_status,
        m.england_excluded as england_note
    from chosen_values as v
    left join measures as m on m.measure_key = v.measure_key
    where v.geographic_level = 'National'
),

region as (
    select indicator_code, year_label, value_num as region_value, status as region_status
    from chosen_values
    where geographic_level = 'Regional' and lower(area_name) = lower($region_name)
),

la_values as (
    select indicator_code, year_label, dfe_la_code, value_num
    from chosen_values
    where geographic_level = 'Local authority'
),

-- statistical neighbours ------------------------------------------------------------------------

sn_values as (
    select c.indicator_code, c.year_label, n.neighbour_dfe_code, v.value_num
    from chosen as c
    inner join neighbours as n
        on n.model = c.sn_model
        and n.dfe_la_code = $dfe_la_code
    left join la_values as v
        on v.indicator_code = c.indicator_code
        and v.year_label = c.year_label
        and v.dfe_la_code = n.neighbour_dfe_code
),

sn_stats as (
    select
        indicator_code,
        year_label,
        avg(value_num) as sn_mean,
        median(value_num) as sn_median,
        count(value_num) as sn_count
    from sn_values
    group by all
),

-- national rank and quartile band ------------------------------------------------------------------

la_ranked as (
    select
        v.indicator_code,
        v.year_label,
        v.dfe_la_code,
        case c.polarity
            when 'higher_is_better' then rank() over (
                partition by v.indicator_code, v.year_label order by v.value_num desc)
            when 'lower_is_better' then rank() over (
                partition by v.indicator_code, v.year_label order by v.value_num asc)
        end as national_rank
    from la_values as v
    inner join chosen as c using (indicator_code, year_label)
    where v.value_num is not null
),

ranked_counts as (
    select indicator_code, year_label, count(*) as n_with_value
    from la_values
    where value_num is not null
    group by all
),

quartile_cuts as (
    select
        indicator_code,
        year_label,
        quantile_cont(value_num, [0.25, 0.5, 0.75]) as cuts
    from la_values
    where value_num is not null
    group by all
),

la_band as (
    select
        la.indicator_code,
        la.year_label,
        case
            when la.la_value is null then null
            when la.la_value <= q.cuts[1] then 1
            when la.la_value <= q.cuts[2] then 2
            when la.la_value <= q.cuts[3] then 3
            else 4
        end as band_from_lowest
    from la
    inner join quartile_cuts as q using (indicator_code, year_label)
),

final as (
    select
        c.indicator_code,
        il.label,
        c.year_label,
        c.time_period,
        c.year_type,
        $dfe_la_code as dfe_la_code,
        la.la_name,
        la.la_value,
        la.la_value_text,
        la.la_status,
        e.england,
        e.england_status,
        e.england_note,
        r.region_value,
        r.region_status,
        $region_name as region_name,
        c.sn_model,
        s.sn_mean,
        s.sn_median,
        s.sn_count,
        $sn_statistic as sn_statistic,
        case when $sn_statistic = 'median' then s.sn_median else s.sn_mean end as sn_value,
        case when c.polarity in ('higher_is_better', 'lower_is_better') then rk.national_rank end
            as national_rank,
        case when c.polarity in ('higher_is_better', 'lower_is_better') then n.n_with_value end
            as ranked_of,
        case c.polarity
            when 'lower_is_better' then ['A', 'B', 'C', 'D'][b.band_from_lowest]
            when 'higher_is_better' then ['D', 'C', 'B', 'A'][b.band_from_lowest]
        end as quartile,
        coalesce(c.polarity, 'neutral') as polarity,
        m.unit,
        m.decimals,
        c.source,
        c.dfe_measure,
        c.source_file,
        c.release,
        c.release_date,
        c.releases_available
    from chosen as c
    left join indicator_labels as il using (indicator_code)
    left join measures as m on m.measure_key = c.measure_key
    left join la using (indicator_code, year_label)
    left join england as e using (indicator_code, year_label)
    left join region as r using (indicator_code, year_label)
    left join sn_stats as s using (indicator_code, year_label)
    left join la_ranked as rk
        on rk.indicator_code = c.indicator_code
        and rk.year_label = c.year_label
        and rk.dfe_la_code = $dfe_la_code
    left join ranked_counts as n using (indicator_code, year_label)
    left join la_band as b using (indicator_code, year_label)
)

select * from final
