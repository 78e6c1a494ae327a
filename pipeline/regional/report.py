"""A hub member's annual report: the single-partnership report (pipeline.lib.report.build), built from the member's
own warehouse with the member standing in for config/partnership.yaml (its name, local authority, CDOP area,
children's services and published figures), so one hub writes every member's report.

    <data_dir>/partnerships/<slug>/output/report/<2022-23>[-internal]/
"""

from __future__ import annotations

from pathlib import Path

from pipeline.lib.periods import FinancialYear
from pipeline.lib.report import build
from pipeline.lib.settings import partnership_in_use
from pipeline.regional.config import Partnership
from pipeline.regional.store import PartnershipStore


def write_report(data_dir: Path, partnership: Partnership, year: FinancialYear, public: bool = True,
                 allow_partial: bool = False) -> build.ReportSet:
    """The member's report set for the year (raises build.PartialYear / build.NoYearFigures as for one partnership)."""
    where = PartnershipStore(Path(data_dir), partnership)
    if not where.db_path.exists():
        raise build.NoYearFigures(f"No warehouse for {partnership.name} at {where.db_path}: run its quarters of "
                                  f"{year.label} (python -m pipeline.regional.run {year.label} --partnership "
                                  f"{partnership.slug}) before building its report.")
    out_dir = build.output_dir(where.output_dir, year, public)
    with partnership_in_use(partnership.config()["partnership"]), where.reading() as con:
        return build.build(con, year, out_dir, public=public, allow_partial=allow_partial)
