-- Adoption (Annex A list 10): children adopted, placed for adoption, with a decision that they should be, and
-- decisions reversed, in a period.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_adoption. Parameters: $period_start, $period_end.
-- Counting rules: each event counts in the period its date falls in (Date of Adoption Order, Date Placed for
-- Adoption, Date of Decision that Child Should be Placed for Adoption, Date of Decision that Child Should No Longer
-- be Placed for Adoption); a child counts once per event type in a period. Adopted in the year is DfE's "number of
-- children looked after adopted in the year" (LAIT No_of LAC Adopted). DfE's timeliness measures (A1/A2: days
-- from entering care to placement) are not in the reference files, so only counts are computed.

with adoption as (
    select * from stg_adoption
),

final as (
    select 'adoption_orders' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           count(distinct child_id) filter (where adoption_order_date between $period_start and $period_end)
               as numerator,
           null::double as denominator
    from adoption
    union all
    select 'adoption_placed', 'total', 'All',
           count(distinct child_id) filter (where placed_for_adoption_date between $period_start and $period_end),
           null
    from adoption
    union all
    select 'adoption_decisions', 'total', 'All',
           count(distinct child_id) filter (where adoption_decision_date between $period_start and $period_end),
           null
    from adoption
    union all
    select 'adoption_decisions_reversed', 'total', 'All',
           count(distinct child_id) filter (where decision_reversed_date between $period_start and $period_end),
           null
    from adoption
)

select * from final
