"""The regional code location: the hub's partnerships x quarters, built from the same library functions.

    dg dev -m pipeline.regional.definitions        (or deploy/workspace.yaml)

Assets are partitioned by partnership x quarter (keys `sandwell|2022-23-Q3`, dimensions `partnership` and
`quarter`), so a partnership's late return reruns only its own partitions. Each run works on one partition and
one partnership's warehouse; runs of different partnerships go at once, runs of one partnership one at a time
(deploy/dagster.yaml: a limit of 1 per value of the run tag dagster/partition/partnership).
"""

import hashlib
import json
import os
import warnings
from pathlib import Path

import dagster as dg

from pipeline.defs.partitions import (
    last_five_quarters,
    last_four_quarters,
    quarter_partitions,
    year_partitions,
    year_to_quarters,
)
from pipeline.lib.paths import REFERENCE_DIR
from pipeline.lib.periods import FinancialYear, Quarter, quarter_from_path
from pipeline.lib.render import dashboard
from pipeline.lib.report import build as report_build
from pipeline.regional import dashboard as hub_dashboard
from pipeline.regional import report, steps, store
from pipeline.regional.config import Hub, HubConfigError, Partnership, load_hub

DATA_DIR_ENV = "SAFEGUARDING_REGIONAL_DATA_DIR"
PARTNERSHIP_TAG = "dagster/partition/partnership"

HUB = load_hub()
partnership_partitions = dg.StaticPartitionsDefinition(HUB.slugs)
partnership_quarters = dg.MultiPartitionsDefinition({"partnership": partnership_partitions,
                                                     "quarter": quarter_partitions})
partnership_years = dg.MultiPartitionsDefinition({"partnership": partnership_partitions, "year": year_partitions})


def _same_partnership(quarters: dg.PartitionMapping) -> dg.MultiPartitionMapping:
    """A partnership's quarter reads the same partnership's quarters `quarters` maps to (MultiPartitionMapping is
    beta in Dagster 1.13: its warning is silenced here, where it is used on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return _multi_mapping(quarters)


def _multi_mapping(quarters: dg.PartitionMapping, downstream: str = "quarter") -> dg.MultiPartitionMapping:
    return dg.MultiPartitionMapping({
        "partnership": dg.DimensionPartitionMapping("partnership", dg.IdentityPartitionMapping()),
        "quarter": dg.DimensionPartitionMapping(downstream, quarters),
    })


def _same_partnership_year() -> dg.MultiPartitionMapping:
    """A partnership's year reads the same partnership's four quarters (beta, as above)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return _multi_mapping(year_to_quarters, downstream="year")


def _every_partnership() -> dg.MultiToSingleDimensionPartitionMapping:
    """The hub's quarter reads every partnership's same quarter (beta in Dagster 1.13, as above)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="quarter")


class RegionalWorkspace(dg.ConfigurableResource):
    """The hub's data folder: raw/<slug>/<2022-23>/<Q3>/, partnerships/<slug>/, reference.duckdb."""

    data_dir: str
    reference_dir: str = str(REFERENCE_DIR)

    @property
    def root(self) -> Path:
        return Path(self.data_dir)

    def hub(self) -> Hub:
        return HUB

    def store(self, slug: str) -> store.PartnershipStore:
        return store.PartnershipStore(self.root, HUB.get(slug))


def _partition(context) -> tuple[Partnership, Quarter]:
    keys = context.partition_key.keys_by_dimension
    return HUB.get(keys["partnership"]), Quarter.from_partition_key(keys["quarter"])


def _key(partnership: Partnership) -> str:
    try:
        return partnership.pseudonym_key()
    except HubConfigError as err:
        raise dg.Failure(str(err)) from None


@dg.asset(group_name="regional_reference", kinds={"duckdb"})
def regional_reference(regional: RegionalWorkspace) -> dg.MaterializeResult:
    """DfE's and ONS's published files, loaded once for every partnership (reference.duckdb, renamed into place).

    Same loader as bm_published (pipeline.lib.benchmarks.load_reference). Each partnership's run copies it in.
    """
    summary = store.build_reference(regional.root, Path(regional.reference_dir), HUB.partnerships[0].config())
    return dg.MaterializeResult(metadata={
        "build": summary["build_id"], "bm_published rows": summary["bm_published_rows"],
        "releases": ", ".join(summary["releases"]), "path": dg.MetadataValue.path(str(store.reference_path(regional.root))),
    })


@dg.asset(partitions_def=partnership_quarters, group_name="regional", kinds={"duckdb", "excel"})
def regional_returns(context: dg.AssetExecutionContext, regional: RegionalWorkspace) -> dg.MaterializeResult:
    """The partnership's returns for the quarter (raw/<slug>/<2022-23>/<Q3>/), read, checked and loaded into its
    own warehouse with its own key: pipeline.lib.returns.intake.intake_quarter, as for one partnership."""
    partnership, quarter = _partition(context)
    where = regional.store(partnership.slug)
    key = _key(partnership)
    with where.writing() as con:
        outcomes, loaded, quarantined = steps.load_returns(con, where, quarter, key)
    rejected = [o for o in outcomes if o.status == "rejected"]
    for o in rejected:
        context.log.warning(f"{partnership.name}: rejected {o.relative_path}: {o.message}")
    if not outcomes:
        context.log.warning(f"{partnership.name}: no files filed for {quarter.label} under {where.raw_dir / quarter.folder}")
    return dg.MaterializeResult(metadata={
        "partnership": partnership.name, "quarter": quarter.label, "files": len(outcomes),
        "files_rejected": len(rejected), "rows_loaded": loaded, "rows_quarantined": quarantined,
    })


@dg.asset(partitions_def=partnership_quarters, group_name="regional", kinds={"duckdb"},
          deps=[dg.AssetDep(regional_returns, partition_mapping=_same_partnership(last_four_quarters)),
                regional_reference])
def regional_ind_values(context: dg.AssetExecutionContext, regional: RegionalWorkspace) -> dg.MaterializeResult:
    """The partnership's indicators for the quarter, 12 months and year (pipeline.lib.indicators), with its own
    LA's population, and its comparators (England, region, its statistical neighbours) rebuilt from the reference."""
    partnership, quarter = _partition(context)
    where = regional.store(partnership.slug)
    with where.writing() as con:
        build = steps.prepare_reference(con, regional.root, partnership)
        values = steps.compute_figures(con, partnership, quarter)
    headline = values[(values["breakdown"] == "total") & (values["period_type"] == "quarter")]
    return dg.MaterializeResult(metadata={
        "partnership": partnership.name, "quarter": quarter.label, "rows": len(values), "reference build": build,
        "status of the quarter's figures": dg.MetadataValue.json(
            {str(k): int(v) for k, v in headline["status"].value_counts().sort_index().items()}),
    })


@dg.asset(partitions_def=partnership_quarters, group_name="regional", kinds={"duckdb"},
          deps=[dg.AssetDep(regional_ind_values, partition_mapping=_same_partnership(last_five_quarters)),
                dg.AssetDep(regional_returns, partition_mapping=_same_partnership(last_four_quarters))])
def regional_comparison(context: dg.AssetExecutionContext, regional: RegionalWorkspace) -> dg.MaterializeResult:
    """mart_comparison and mart_reconciliation for the partnership's quarter (pipeline.lib.comparison)."""
    partnership, quarter = _partition(context)
    where = regional.store(partnership.slug)
    with where.writing() as con:
        compared, reconciled = steps.compare(con, quarter)
    return dg.MaterializeResult(metadata={
        "partnership": partnership.name, "quarter": quarter.label, "comparison rows": compared,
        "reconciliation rows": reconciled,
    })


@dg.asset(partitions_def=partnership_quarters, group_name="regional", kinds={"html"}, deps=[regional_comparison])
def regional_partnership_dashboard(context: dg.AssetExecutionContext, regional: RegionalWorkspace) -> dg.MaterializeResult:
    """The partnership's own QPPA dashboard for the quarter, exactly as the single-partnership project draws it,
    at partnerships/<slug>/output/dashboard/<2022-23-Q3>.html."""
    partnership, quarter = _partition(context)
    where = regional.store(partnership.slug)
    config = partnership.config()
    with where.writing() as con:  # the lock, so no run of this partnership writes while the page reads
        path = dashboard.write_dashboard(con, quarter, where.output_dir, config["partnership"],
                                         config["expected_returns"])
    dashboard.write_index(where.output_dir, config["partnership"])
    return dg.MaterializeResult(metadata={"partnership": partnership.name, "quarter": quarter.label,
                                          "path": dg.MetadataValue.path(str(path))})


@dg.asset(partitions_def=quarter_partitions, group_name="regional", kinds={"html"},
          deps=[dg.AssetDep(regional_comparison, partition_mapping=_every_partnership())])
def regional_dashboard(context: dg.AssetExecutionContext, regional: RegionalWorkspace) -> dg.MaterializeResult:
    """The hub's dashboard for the quarter: every member against the others, the hub, the region and England on
    the scorecard measures, and the hub's child deaths (pipeline.regional.dashboard); output/regional/<key>.html.
    Reads the members' warehouses read-only: a member with no figures yet is shown as not received."""
    quarter = Quarter.from_partition_key(context.partition_key)
    path = hub_dashboard.write(HUB, regional.root, quarter)
    return dg.MaterializeResult(metadata={"quarter": quarter.label, "path": dg.MetadataValue.path(str(path))})


class RegionalReportConfig(dg.Config):
    """As the single partnership's annual_report: `internal` for the QPPA's unsuppressed version, `allow_partial`
    to write a year some quarter's returns are missing from."""

    internal: bool = False
    allow_partial: bool = False


@dg.asset(partitions_def=partnership_years, group_name="regional", kinds={"markdown", "docx", "xlsx"},
          deps=[dg.AssetDep(regional_comparison, partition_mapping=_same_partnership_year())])
def regional_annual_report(context: dg.AssetExecutionContext, regional: RegionalWorkspace,
                           config: RegionalReportConfig) -> dg.MaterializeResult:
    """The partnership's annual report for the year, exactly as the single-partnership project writes it, with the
    partnership's own name, local authority, CDOP area and published figures (pipeline.regional.report), at
    partnerships/<slug>/output/report/<2022-23>/."""
    keys = context.partition_key.keys_by_dimension
    partnership, year = HUB.get(keys["partnership"]), FinancialYear.from_partition_key(keys["year"])
    try:
        result = report.write_report(regional.root, partnership, year, public=not config.internal,
                                     allow_partial=config.allow_partial)
    except (report_build.PartialYear, report_build.NoYearFigures) as err:
        raise dg.Failure(description=f"{partnership.name}: {err}") from err
    return dg.MaterializeResult(metadata={
        "partnership": partnership.name, "year": year.label, "path": dg.MetadataValue.path(str(result.out_dir)),
        "quarters missing": ", ".join(result.missing_quarters) or "none", "files": len(result.files)})


# The sensor's job: the figures. Dashboards are drawn by their own job (a page costs more than the figures, and
# is wanted once the quarter's returns are in, not at every refiled return).
regional_quarter_job = dg.define_asset_job(
    "regional_quarter_job",
    selection=dg.AssetSelection.assets(regional_returns, regional_ind_values, regional_comparison),
    description="One partnership's quarter: its returns read, its indicators and their comparison.",
)

regional_dashboard_job = dg.define_asset_job(
    "regional_dashboard_job", selection=dg.AssetSelection.assets(regional_partnership_dashboard),
    description="One partnership's own QPPA dashboard for the quarter.")

regional_hub_dashboard_job = dg.define_asset_job(
    "regional_hub_dashboard_job", selection=dg.AssetSelection.assets(regional_dashboard),
    description="The hub's dashboard for the quarter: members compared, and the hub's child deaths.")

regional_report_job = dg.define_asset_job(
    "regional_report_job", selection=dg.AssetSelection.assets(regional_annual_report),
    description="One partnership's annual report for the year.")

regional_reference_job = dg.define_asset_job(
    "regional_reference_job", selection=dg.AssetSelection.assets(regional_reference),
    description="Reload DfE's published files for every partnership (after a new DfE release).")


def fingerprints(raw: Path, slugs: list[str]) -> tuple[dict[str, str], list[str]]:
    """Each partnership-quarter's fingerprint (file names, sizes, modification times) under raw/<slug>/, and the
    folders under raw/ that are no partnership of the hub (named, never silently ignored)."""
    entries: dict[str, list[str]] = {}
    strangers = sorted(p.name for p in raw.iterdir() if p.is_dir() and p.name not in slugs) if raw.exists() else []
    for slug in slugs:
        folder = raw / slug
        if not folder.exists():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            quarter = quarter_from_path(path.relative_to(folder).parts)
            if quarter is None:
                continue
            stat = path.stat()
            key = dg.MultiPartitionKey({"partnership": slug, "quarter": quarter.partition_key})
            entries.setdefault(str(key), []).append(f"{path.relative_to(folder)}|{stat.st_size}|{stat.st_mtime_ns}")
    return ({key: hashlib.sha256("\n".join(v).encode()).hexdigest()[:16] for key, v in sorted(entries.items())},
            strangers)


@dg.sensor(job=regional_quarter_job, minimum_interval_seconds=30,
           default_status=(dg.DefaultSensorStatus.RUNNING if os.environ.get("SAFEGUARDING_REGIONAL_SENSOR") == "on"
                           else dg.DefaultSensorStatus.STOPPED))
def regional_returns_sensor(context: dg.SensorEvaluationContext, regional: RegionalWorkspace):
    """One run per partnership-quarter whose files changed since the last look, and nothing for the others, but
    the same partnership's filed quarters that read the changed one (the next four: rolling 12 months, and the
    comparison with the quarter before and a year before), so a late return never leaves them stale.

    Requests go in time order within each partnership and alternate between partnerships, so the queue (one run
    per partnership at a time) starts the earliest quarter first and keeps both slots busy.
    """
    digests, strangers = fingerprints(regional.root / "raw", HUB.slugs)
    for name in strangers:
        context.log.warning(f"raw/{name}/ is no partnership in {HUB.path} ({', '.join(HUB.slugs)}): its files are "
                            "not read. Add the partnership to the hub file or move the folder.")
    seen = json.loads(context.cursor) if context.cursor else {}
    changed = [k for k, d in digests.items() if seen.get(k) != d]
    context.update_cursor(json.dumps(digests, sort_keys=True))
    if not changed:
        yield dg.SkipReason("No partnership's returns changed" if digests else "No returns filed under raw/<partnership>/")
        return
    for slug, quarter, because in rerun_order(changed, digests):
        key = dg.MultiPartitionKey({"partnership": slug, "quarter": quarter})
        yield dg.RunRequest(run_key=f"{key}:{digests[str(key)]}:{because}", partition_key=key)


def rerun_order(changed: list[str], digests: dict[str, str]) -> list[tuple[str, str, str]]:
    """(partnership, quarter, the change it is for) for each changed key and the filed quarters reading it, once
    each, in time order within a partnership, alternating between partnerships."""
    wanted: dict[tuple[str, str], list[str]] = {}
    for k in changed:
        slug, key = k.split("|")
        quarter = Quarter.from_partition_key(key)
        for _ in range(5):
            if f"{slug}|{quarter.partition_key}" in digests:
                wanted.setdefault((slug, quarter.partition_key), []).append(f"{k}@{digests[k]}")
            quarter = quarter.next()
    ordered = sorted(wanted, key=lambda p: (p[1], HUB.slugs.index(p[0])))
    return [(slug, q, hashlib.sha256(",".join(sorted(wanted[(slug, q)])).encode()).hexdigest()[:12])
            for slug, q in ordered]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[regional_reference, regional_returns, regional_ind_values, regional_comparison,
                regional_partnership_dashboard, regional_dashboard, regional_annual_report],
        jobs=[regional_quarter_job, regional_dashboard_job, regional_hub_dashboard_job, regional_report_job,
              regional_reference_job],
        sensors=[regional_returns_sensor],
        # In-process within a run (a step is ~0.1-1 s); runs themselves are separate processes, two at a time.
        executor=dg.in_process_executor,
        resources={"regional": RegionalWorkspace(data_dir=dg.EnvVar(DATA_DIR_ENV))},
    )
