"""Regional mode: many partnerships in one project (config/partnerships.yaml), partitioned by partnership x quarter.

The single-partnership project (pipeline.definitions, config/partnership.yaml) does not import this package.
"""
