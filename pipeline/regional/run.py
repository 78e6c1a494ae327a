"""Run partnerships' quarters in this process, one after another (no daemon): the regional reference, then each
partnership-quarter's figures in time order.

    SAFEGUARDING_REGIONAL_DATA_DIR=data/hub python -m pipeline.regional.run 2022-23 [--partnership dudley ...]
        [--dashboards] [--report]

Each partnership's key must be in its variable (config/partnerships.yaml `pseudonym_key_env`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import dagster as dg

from pipeline.lib.periods import FinancialYear, Quarter
from pipeline.regional import definitions as regional
from pipeline.regional import report, steps, store

FIGURES = [regional.regional_returns, regional.regional_ind_values, regional.regional_comparison]


def run(data_dir: Path, slugs: list[str], quarter_keys: list[str], reference: bool = True,
        dashboards: bool = False, instance: dg.DagsterInstance | None = None) -> None:
    resources = {"regional": regional.RegionalWorkspace(data_dir=str(data_dir))}
    instance = instance or dg.DagsterInstance.ephemeral()
    if reference:
        dg.materialize([regional.regional_reference], resources=resources, instance=instance)
    assets = [*FIGURES, regional.regional_partnership_dashboard] if dashboards else FIGURES
    for slug in slugs:
        for key in sorted(quarter_keys):
            partition = dg.MultiPartitionKey({"partnership": slug, "quarter": key})
            dg.materialize(assets, partition_key=partition, resources=resources, instance=instance)


def run_batch(data_dir: Path, slugs: list[str], quarter_keys: list[str]) -> dict[str, dict]:
    """The figures of each partnership's quarters without a Dagster run per quarter, for many partnerships in one
    process (bench_national): its warehouse opened once, under its run lock as a run would, then the same steps in
    the same order as the regional_returns, regional_ind_values and regional_comparison assets, quarter by quarter
    in time order. A run per partition cost ~0.3 s of Dagster and three warehouse opens. The reference must be
    built first (run(data_dir, [], [])). Per slug: files read, files rejected, rows loaded."""
    done: dict[str, dict] = {}
    for slug in slugs:
        partnership = regional.HUB.get(slug)
        where = store.PartnershipStore(Path(data_dir), partnership)
        key = partnership.pseudonym_key()
        summary = {"files": 0, "rejected": 0, "rows_loaded": 0}
        with where.writing() as con:
            for quarter_key in sorted(quarter_keys):
                quarter = Quarter.from_partition_key(quarter_key)
                outcomes, loaded, _ = steps.load_returns(con, where, quarter, key)
                steps.prepare_reference(con, Path(data_dir), partnership)  # after the first quarter: a no-op
                steps.compute_figures(con, partnership, quarter)
                steps.compare(con, quarter)
                summary["files"] += len(outcomes)
                summary["rejected"] += sum(o.status == "rejected" for o in outcomes)
                summary["rows_loaded"] += loaded
        done[slug] = summary
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("years", nargs="+", help="financial years, e.g. 2022-23")
    parser.add_argument("--partnership", action="append", help="a slug from the hub file (default: every one)")
    parser.add_argument("--dashboards", action="store_true", help="draw each partnership's dashboards too")
    parser.add_argument("--report", action="store_true",
                        help="then write each partnership's annual report for the years (public, whole years only)")
    args = parser.parse_args(argv)
    data_dir = os.environ.get(regional.DATA_DIR_ENV)
    if not data_dir:
        print(f"Set {regional.DATA_DIR_ENV} to the hub's data folder (raw/<partnership>/<year>/<quarter>/ in it).",
              file=sys.stderr)
        return 2
    slugs = args.partnership or regional.HUB.slugs
    for slug in slugs:
        regional.HUB.get(slug)
    keys = [q.partition_key for y in args.years for q in FinancialYear.from_label(y).quarters]
    run(Path(data_dir), slugs, keys, dashboards=args.dashboards)
    if args.report:
        for slug in slugs:
            for year in args.years:
                written = report.write_report(Path(data_dir), regional.HUB.get(slug), FinancialYear.from_label(year))
                print(f"{slug} {year}: {written.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
