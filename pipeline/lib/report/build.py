"""One financial year's full set of annual-report exports, from the warehouse to a folder.

    <out_dir>/narrative.md, narrative.html, figures/<name>.png|svg, figures.xlsx, data-section.docx, provenance.json

Public mode (the default) applies disclosure control (pipeline.lib.sdc) to every published number; internal
mode (the QPPA's own version) does not, and says so on every page, sheet and figure. No Dagster here, so the
CLI and the `annual_report` asset share it and tests call it directly.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.lib.periods import FinancialYear
from pipeline.lib.render import narrative
from pipeline.lib.render.provenance import Provenance
from pipeline.lib.report import figures as report_figures
from pipeline.lib.report import html, images, word, workbook
from pipeline.lib.report.facts import load_year


@dataclass
class ReportSet:
    out_dir: Path
    files: list[Path]
    figures: list[str]
    not_available: list[str]
    timings: dict[str, float] = field(default_factory=dict)


def output_dir(data_output_dir: Path, year: FinancialYear, public: bool = True) -> Path:
    """output/report/2022-23/ (public) or output/report/2022-23-internal/, so the two never overwrite each other."""
    return data_output_dir / "report" / (year.label if public else f"{year.label}-internal")


def build(con: duckdb.DuckDBPyConnection, year: FinancialYear, out_dir: Path, public: bool = True,
          overrides: Path | None = None) -> ReportSet:
    timings: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        timings[name] = round(now - t, 2)
        t = now

    data = load_year(con, year)
    prov = Provenance.for_files(year.label, data.sources)
    provenance = {"period": year.label, "period_start": year.start.isoformat(), "period_end": year.end.isoformat(),
                  "generated_at": prov.generated_at, "pipeline_version": prov.version,
                  "mode": "public" if public else "internal (QPPA, not for publication)",
                  "disclosure_control": ("counts of 1 to 5 shown as c, secondary suppression of margins, "
                                         "percentages on suppressed counts withheld") if public else "none",
                  "sources": [{k: (None if pd.isna(v) else v) for k, v in s.items()} for s in prov.sources]}
    lap("read warehouse")

    sections = narrative.render_all(data, public=public, overrides=overrides)
    markdown = "\n".join(sections.values())
    lap("narrative")
    figs = report_figures.build_all(data, public=public)
    missing = report_figures.not_available(data, figs)
    lap("figures built")

    out_dir.mkdir(parents=True, exist_ok=True)
    fig_dir = out_dir / "figures"
    if fig_dir.exists():
        shutil.rmtree(fig_dir)  # a figure that is no longer drawn must not linger from an earlier run
    written = images.export(figs, fig_dir)
    lap("images (kaleido)")

    mark = "" if public else f"> {report_figures.INTERNAL_MARK}\n\n"
    (out_dir / "narrative.md").write_text(mark + markdown, encoding="utf-8")
    (out_dir / "narrative.html").write_text(html.from_markdown(sections, provenance, public), encoding="utf-8")
    workbook.write(figs, out_dir / "figures.xlsx", provenance, public)
    lap("workbook")
    used_codes = sorted({c for f in figs for c in f.codes} | {f.code for f in data.facts(public)})
    definitions = [(c, data.meta[c].title, data.meta[c].definition) for c in used_codes if c in data.meta]
    headings = dict(narrative.SECTIONS)
    word.write(sections, headings, figs, written, definitions, provenance, out_dir / "data-section.docx", public)
    lap("word")

    provenance["figures"] = [{"name": f.name, "title": f.title, "indicator_codes": f.codes, "alt": f.alt,
                              "png": f"figures/{f.name}.png", "svg": f"figures/{f.name}.svg",
                              "png_width_px": written[f.name]["width_px"], "png_height_px": written[f.name]["height_px"]}
                             for f in figs]
    provenance["figures_not_available"] = missing
    provenance["timings_s"] = timings
    (out_dir / "provenance.json").write_text(json.dumps(provenance, indent=2, default=str), encoding="utf-8")
    files = sorted(p for p in out_dir.rglob("*") if p.is_file())
    return ReportSet(out_dir, files, [f.name for f in figs], missing, timings)
