"""Financial-year partitions: quarters (Q1 = April-June) for intake and indicators, years for the annual report.

Keys are the labels the partnership uses: `2022-23-Q4` for a quarter, `2022-23` for a year. They run from the
first year of history in config/partnership.yaml (`history_start`, default 2013-14, the start of DfE's series)
to the period that contains today, so the analyst never sees a partition for a quarter that has not begun.
As text the keys sort in time order, which the warehouse relies on (`period_key <= '2022-23-Q4'`).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import typing
from collections.abc import Callable

import dagster as dg

from pipeline.lib.periods import FinancialYear, Quarter, quarters_between
from pipeline.lib.settings import partnership_settings

DEFAULT_HISTORY_START = "2013-14"


def history_quarters(today: dt.date | None = None) -> list[Quarter]:
    """Every quarter the pipeline can be run for: from the configured start to the quarter containing today."""
    start = FinancialYear.from_label(str(partnership_settings().get("history_start", DEFAULT_HISTORY_START)))
    return quarters_between(start.quarters[0], Quarter.containing(today or dt.date.today()))


def history_years(today: dt.date | None = None) -> list[FinancialYear]:
    return sorted({q.year for q in history_quarters(today)})


_QUARTERS = history_quarters()
_YEARS = history_years()

quarter_partitions = dg.StaticPartitionsDefinition([q.partition_key for q in _QUARTERS])
year_partitions = dg.StaticPartitionsDefinition([y.partition_key for y in _YEARS])


def _trailing(quarters_back: int) -> dg.StaticPartitionMapping:
    """A quarter reads itself and the `quarters_back` quarters before it (upstream -> the downstreams that read it)."""
    keys = [q.partition_key for q in _QUARTERS]
    return dg.StaticPartitionMapping({key: set(keys[i:i + quarters_back + 1]) for i, key in enumerate(keys)})


# Rolling-12-month values read the three quarters before this one too.
last_four_quarters = _trailing(3)
# Direction of travel reads the previous quarter and the same quarter a year earlier.
last_five_quarters = _trailing(4)
# The year's outputs read its four quarters.
year_to_quarters = dg.StaticPartitionMapping({q.partition_key: q.year.partition_key for q in _QUARTERS})


# A backfill of several quarters (a year from the CLI, a range from the UI) runs as one run, not one per
# quarter: on an on-disk instance each run costs ~1.5 s of CPU and seconds of sqlite writes before any work.
one_run_per_backfill = dg.BackfillPolicy.single_run()


class _OnePartition:
    """The run's context as a body written for one partition sees it: `partition_key` is this key."""

    def __init__(self, context, key: str):
        self._context = context
        self.partition_key = key
        self.partition_keys = [key]

    def __getattr__(self, name: str):
        return getattr(self._context, name)


def each_partition(body: Callable) -> Callable:
    """Run an asset or check body written for one partition once per partition of the run, in time order.

    Put it under `@dg.asset(..., backfill_policy=one_run_per_backfill)` or `@dg.asset_check(...)`: a run
    over one quarter behaves exactly as before; a run over a range (a year) calls the body for each quarter
    in turn, so a quarter reads the quarters before it already written. An asset's metadata is kept per
    partition; a check gives one result for the run, failing if any quarter fails, with each quarter's
    metadata under its key.
    """

    @functools.wraps(body)
    def run(context, *args, **kwargs):
        keys = list(context.partition_keys)
        if len(keys) == 1:
            return body(_OnePartition(context, keys[0]), *args, **kwargs)
        results = {key: body(_OnePartition(context, key), *args, **kwargs) for key in keys}
        first = next(iter(results.values()))
        if isinstance(first, dg.AssetCheckResult):
            return _one_check_result(results)
        for key, result in results.items():
            if result is not None and result.metadata:
                context.add_asset_metadata(dict(result.metadata), partition_key=key)
        return dg.MaterializeResult()

    # Dagster reads the body's parameters (context, resources) and return type from the wrapper: give it them
    # resolved, so a module with `from __future__ import annotations` works too.
    run.__signature__ = inspect.signature(body, eval_str=True)
    run.__annotations__ = typing.get_type_hints(body)
    return run


def _one_check_result(results: dict[str, dg.AssetCheckResult]) -> dg.AssetCheckResult:
    failing = [key for key, r in results.items() if not r.passed]
    metadata: dict[str, object] = {"partitions": ", ".join(results), "failing partitions": ", ".join(failing) or "none"}
    for key, r in results.items():
        metadata.update({f"{key} {name}": value for name, value in (r.metadata or {}).items()})
    severities = [r.severity for r in results.values() if not r.passed] or [next(iter(results.values())).severity]
    severity = (dg.AssetCheckSeverity.ERROR if dg.AssetCheckSeverity.ERROR in severities
                else dg.AssetCheckSeverity.WARN)
    return dg.AssetCheckResult(passed=not failing, severity=severity, metadata=metadata)


def quarter_of(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> Quarter:
    return Quarter.from_partition_key(context.partition_key)


def year_of(context: dg.AssetExecutionContext) -> FinancialYear:
    return FinancialYear.from_partition_key(context.partition_key)


def check_in_history(years: list[FinancialYear]) -> None:
    """A year outside the partitions gets one line saying what can be run, not Dagster's traceback."""
    known = {y.partition_key for y in _YEARS}
    outside = [y.label for y in years if y.partition_key not in known]
    if outside:
        raise SystemExit(f"{', '.join(outside)}: outside the years the pipeline covers ({_YEARS[0].label} to "
                         f"{_YEARS[-1].label}; the first is history_start in config/partnership.yaml).")
