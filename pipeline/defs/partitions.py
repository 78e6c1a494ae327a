"""Financial-year partitions: quarters (Q1 = April-June) for intake and indicators, years for the annual report."""

import dagster as dg

from pipeline.lib.periods import FinancialYear, Quarter

quarter_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1,4,7,10 *", start="2021-04-01", fmt="%Y-%m-%d", timezone="Europe/London"
)
year_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 4 *", start="2021-04-01", fmt="%Y-%m-%d", timezone="Europe/London"
)
# The year's outputs read its four quarters.
year_to_quarters = dg.TimeWindowPartitionMapping()


def quarter_of(context: dg.AssetExecutionContext) -> Quarter:
    return Quarter.from_partition_key(context.partition_key)


def year_of(context: dg.AssetExecutionContext) -> FinancialYear:
    return FinancialYear.from_partition_key(context.partition_key)
