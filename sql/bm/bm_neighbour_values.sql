-- bm_neighbour_values: each statistical neighbour's own published value (LAIT's statistical-neighbour chart),
--                     for the release and the neighbour model bm_comparators chose, so the ten bars are the
--                     values its SN mean and median were taken from.
-- grain: one row per indicator_code x year_label x neighbour (ten per model).
-- inputs: bm_comparators, ref_statistical_neighbours, bm_published.
-- rules: a neighbour DfE publishes no number for (c, x, low, ...) keeps its row, value_num NULL and the symbol in
--        status: a symbol is not a zero and the chart says "no value".

select
    c.indicator_code,
    c.year_label,
    c.sn_model,
    n.neighbour_order,
    n.neighbour_dfe_code,
    n.neighbour_name,
    p.value_num,
    coalesce(p.status, 'not published') as status
from bm_comparators as c
inner join ref_statistical_neighbours as n
    on n.model = c.sn_model
    and n.dfe_la_code = c.dfe_la_code
left join bm_published as p
    on p.indicator_code = c.indicator_code
    and p.year_label = c.year_label
    and p.source_file = c.source_file
    and p.dfe_measure = c.dfe_measure
    and p.geographic_level = 'Local authority'
    and p.dfe_la_code = n.neighbour_dfe_code
order by c.indicator_code, c.year_label, n.neighbour_order
