-- assert_every_reference_file_yields_rows: every file a pattern in config/benchmark_measures.yaml matched gave
-- rows: for an EES file, rows of each measure mapped to it (its value column, after the column aliases, and its
-- filter values); for the LAIT extract, rows of the mapped Short Descs; for an ONS file, rows of the 0-17 age
-- group. A file that matches and yields nothing is a renamed column or label in a new (or older) release: the
-- row names the file, what was expected, what the file lacks and the columns it has, so the mapping can be fixed.
-- grain: one row per offending file (x measure for EES) (none when the assertion holds).
-- inputs: ref_benchmark_files.
-- params: none.

with

files as (select * from ref_benchmark_files),

final as (
    select source, source_file, measure_key, release, expected, missing_columns, file_columns
    from files
    where rows_found = 0
)

select * from final
