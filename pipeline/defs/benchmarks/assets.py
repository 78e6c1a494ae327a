"""Benchmarks: what DfE publishes for England, the regions and every LA, and the partnership's comparators.

Source: DfE's own files in the reference folder (EES underlying-data CSVs, the LAIT extract and its
data dictionary, ONS 0-17 populations, the April 2021 and May 2025 statistical-neighbour models),
mapped to our indicator codes by config/benchmark_measures.yaml. The rules are in sql/bm/README.md.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd

from pipeline.defs.resources import Workspace
from pipeline.lib import benchmarks


@dg.asset(group_name="benchmarks", pool="duckdb_writer", kinds={"duckdb"})
def bm_published(workspace: Workspace) -> dg.MaterializeResult:
    """What DfE publishes for England, every region and every local authority, for each measure we compare
    ourselves with, exactly as published and with the release it came from (every release in the reference
    folder: the newest wins later, the older ones are kept). A file that gives no rows stops the job, named.

    Reads DfE's EES files, the LAIT extract and its dictionary, ONS populations and the statistical-neighbour
    models under data/reference/ (also writes ref_population, ref_statistical_neighbours, ref_lait_dictionary,
    ref_benchmark_measures, ref_benchmark_files). Table bm_published: one row per measure x file x year x area.
    """
    config = benchmarks.read_config()
    with workspace.connect() as con:
        summary = benchmarks.load_reference(con, Path(workspace.reference_dir), config)
        statuses = con.execute(
            "select status, count(*) as n_rows from bm_published group by all order by n_rows desc"
        ).df()
    return dg.MaterializeResult(
        metadata={
            "rows": dg.MetadataValue.int(summary["bm_published_rows"]),
            "releases found": dg.MetadataValue.text(", ".join(summary["releases"])),
            "years covered": dg.MetadataValue.text(
                f"{_year_label(summary['first_time_period'])} to {_year_label(summary['last_time_period'])}"
            ),
            "source files": dg.MetadataValue.md(
                "\n".join(f"- {name}" for name in summary["source_files"])
            ),
            "values by status": dg.MetadataValue.md(markdown_table(statuses)),
            "ref_population rows": dg.MetadataValue.int(summary["ref_population_rows"]),
            "ref_statistical_neighbours rows": dg.MetadataValue.int(
                summary["ref_statistical_neighbours_rows"]
            ),
        }
    )


@dg.asset(group_name="benchmarks", pool="duckdb_writer", kinds={"duckdb"}, deps=[bm_published])
def bm_comparators(workspace: Workspace) -> dg.MaterializeResult:
    """The partnership's local authority beside England, its region and its ten statistical neighbours for every
    year DfE has published, with its national rank and quartile, worked out the way DfE's LAIT does (newest release wins).

    Reads bm_published and ref_statistical_neighbours; the local authority, region and neighbour model come from
    config/partnership.yaml. Table bm_comparators: one row per indicator x year; bm_neighbour_values: each of
    the ten neighbours' own values (the dashboard's statistical-neighbour chart).
    """
    config = benchmarks.read_config()
    with workspace.connect() as con:
        frame = benchmarks.build_comparators(con, config)
    latest = frame[frame["year_type"] == "financial"]["time_period"].max()
    preview = frame[frame["time_period"] == latest][
        ["indicator_code", "la_value", "england", "region_value", "sn_value", "national_rank",
         "ranked_of", "quartile", "release"]
    ]
    return dg.MaterializeResult(
        metadata={
            "rows": dg.MetadataValue.int(len(frame)),
            "indicators": dg.MetadataValue.int(frame["indicator_code"].nunique()),
            "local authority": dg.MetadataValue.text(
                f"{frame['la_name'].dropna().iloc[0] if frame['la_name'].notna().any() else '?'}"
                f" ({frame['dfe_la_code'].iloc[0]})"
            ),
            "releases found": dg.MetadataValue.text(", ".join(sorted(frame["release"].unique()))),
            "years covered": dg.MetadataValue.text(
                ", ".join(sorted(frame["year_label"].unique()))
            ),
            "statistical neighbour models": dg.MetadataValue.text(
                ", ".join(sorted(frame["sn_model"].unique()))
            ),
            "preview (latest year)": dg.MetadataValue.md(markdown_table(preview)),
        }
    )


def _year_label(time_period: int | None) -> str:
    return "?" if time_period is None else f"{time_period - 1}-{time_period % 100:02d}"


def markdown_table(frame: pd.DataFrame) -> str:
    """A plain markdown table (no tabulate dependency), numbers rounded for reading (no 83.72999999999999)."""
    if frame.empty:
        return "(none)"
    frame = frame.round(2)
    cells = frame.astype(object).where(frame.notna(), "")
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |",
             "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in cells.itertuples(index=False)]
    return "\n".join(lines)
