"""Plain Python used by the pipeline: no Dagster imports here, so all of it is unit-testable on its own."""
