-- Assertion: a RAG colour is green, amber or red and always has words (rag_label) and a basis; none = pass.
-- Inputs: mart_comparison. Parameters: $quarter_key.
with comparison as (
    select * from mart_comparison where quarter_key = $quarter_key
),

final as (
    select indicator_code, period_type, period_label, rag, rag_label, rag_basis
    from comparison
    where rag is not null
      and (rag not in ('green', 'amber', 'red') or coalesce(rag_label, '') = '' or coalesce(rag_basis, '') = '')
)

select * from final
