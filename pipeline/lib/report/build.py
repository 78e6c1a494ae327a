"""One financial year's full set of annual-report exports, from the warehouse to a folder.

    <out_dir>/narrative.md, narrative.html, figures/<name>.png|svg, figures.xlsx, data-section.docx, provenance.json,
             briefings/<review-REF|audit-REF|thematic-briefing>.html|docx

The learning sections (reviews, QPPA assurance, child deaths: pipeline.lib.learning) come after the data
sections, with their tables and charts and a 7-minute briefing per review and audit. The public set's briefings
leave out reviews not yet published (their learning is not public until the review is); the internal set has all.

Public mode (the default) applies disclosure control (pipeline.lib.sdc) to every published count of children;
internal mode (the QPPA's own version) does not, and says so on every page, sheet and figure. A public year is
never written from a partial year (a quarter's returns missing) unless the author asks for it
(`allow_partial`); then every sentence resting on part of the year says what it covers. Every file is written
atomically. No Dagster here, so the CLI and the `annual_report` asset share it and tests call it directly.
"""

from __future__ import annotations

import concurrent.futures
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.lib import atomic
from pipeline.lib.learning import briefings
from pipeline.lib.learning import figures as learning_figures
from pipeline.lib.learning.facts import LearningFacts
from pipeline.lib.periods import FinancialYear
from pipeline.lib.render.provenance import Provenance
from pipeline.lib.report import figures as report_figures
from pipeline.lib.report import html, images, narrative, word, workbook
from pipeline.lib.report.facts import load_year


class PartialYear(RuntimeError):
    """The year's figures rest on part of the year and the author has not asked for a partial report."""


class NoYearFigures(RuntimeError):
    """ind_values holds no figures for the year (its Q4 has not been run)."""


@dataclass
class ReportSet:
    out_dir: Path
    files: list[Path]
    figures: list[str]
    not_available: list[str]
    timings: dict[str, float] = field(default_factory=dict)
    images_skipped: list[str] = field(default_factory=list)   # figures/<name>.png|svg not written this run
    images_reason: str | None = None                            # why (names the browser and what to do)
    tables: list[str] = field(default_factory=list)             # the report's own tables (Word tables, sheets)
    missing_quarters: list[str] = field(default_factory=list)   # a partial year's missing quarters


def output_dir(data_output_dir: Path, year: FinancialYear, public: bool = True) -> Path:
    """output/report/2022-23/ (public) or output/report/2022-23-internal/, so the two never overwrite each other."""
    return data_output_dir / "report" / (year.label if public else f"{year.label}-internal")


def build(con: duckdb.DuckDBPyConnection, year: FinancialYear, out_dir: Path, public: bool = True,
          overrides: Path | None = None, allow_partial: bool = False) -> ReportSet:
    """Write the year's report set to `out_dir`. Raises PartialYear (one line naming the missing quarters) for
    a public report of a partial year unless `allow_partial`, and NoYearFigures when the year was never run."""
    timings: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        timings[name] = round(now - t, 2)
        t = now

    data = load_year(con, year)
    if not data.has_year():
        raise NoYearFigures(f"No figures for {year.label} in the warehouse: run the pipeline for {year.label} "
                            f"(its four quarters, Q4 last) before building its report.")
    gone = data.missing_quarters()
    if gone and public and not allow_partial:
        raise PartialYear(f"{year.label} is not a whole year: no returns were received for {', '.join(gone)} "
                          f"for some figures. File them and run those quarters, or build the partial report on "
                          f"purpose with `make report YEAR={year.label} PARTIAL=1` (each sentence then says "
                          f"what it covers).")
    prov = Provenance.for_files(year.label, data.sources)
    provenance = {"period": year.label, "period_start": year.start.isoformat(), "period_end": year.end.isoformat(),
                  "generated_at": prov.generated_at, "pipeline_version": prov.version,
                  "mode": "public" if public else "internal (QPPA, not for publication)",
                  "disclosure_control": ("counts of 1 to 5 shown as c, secondary suppression of margins, "
                                         "percentages on suppressed counts withheld") if public else "none",
                  "sources": [{k: (None if pd.isna(v) else v) for k, v in s.items()} for s in prov.sources],
                  "whole_year": not gone, "missing_quarters": gone}
    if gone:
        provenance["partial_note"] = (f"Partial year: no returns were received for {', '.join(gone)} for some "
                                      "figures; each sentence resting on part of the year says what it covers, "
                                      "and none is compared with DfE's annual figures or last year's.")
    lap("read warehouse")

    facts = data.facts(public=public)
    learning = LearningFacts(con, year, public)
    figs = report_figures.build_all(data, public=public)
    learning_figs = learning_figures.build_all(learning)
    figs += learning_figs
    charts = [f for f in figs if f.drawn]
    missing = report_figures.not_available(data, figs) + learning_figures.not_available(learning_figs)
    lap("figures built")

    # The images are drawn by Chromium (another process) while this thread writes the text, the workbook and the
    # briefings, which do not need them; only the Word draft and figures/ wait for them.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-images") as pool:
        drawing = pool.submit(images.render, charts)
        sections = narrative.render_all(data, public=public, overrides=overrides, facts=facts, learning=learning)
        markdown = "\n".join(sections.values())
        lap("narrative")

        out_dir.mkdir(parents=True, exist_ok=True)
        atomic.clean_partials(out_dir)
        mark = "" if public else f"> {report_figures.INTERNAL_MARK}\n\n"
        if gone:
            mark += f"> {provenance['partial_note']}\n\n"
        atomic.write_text(out_dir / "narrative.md", mark + markdown)
        atomic.write_text(out_dir / "narrative.html", html.from_markdown(sections, provenance, public))
        workbook.write(figs, out_dir / "figures.xlsx", provenance, public)
        lap("workbook")
        briefing_files = _write_briefings(con, year, out_dir / "briefings", overrides, public)
        lap("briefings")
        # render() bounds its own batch; this bound is only for a thread that somehow outlives it.
        drawn = drawing.result(timeout=images.batch_timeout(len(charts)) + 60)
        lap("images (kaleido, the wait beyond the work beside it)")
    # The appendix defines what the draft shows: the indicators the text read and those of its tables and charts.
    in_draft = [f for f in figs if f.drawn or f.kind == report_figures.TABLE]
    used_codes = list(dict.fromkeys([c for c in sorted(facts.used_in_text) if c in facts] +
                                    [c for f in in_draft for c in f.codes]))
    definitions = [(c, data.meta[c].title, without_codes(data.meta[c].definition, data.meta)) for c in used_codes
                   if c in data.meta and data.meta[c].definition]
    headings = dict(narrative.SECTIONS)
    word.write(sections, headings, figs, drawn.images, definitions, provenance, out_dir / "data-section.docx", public,
               images_reason=drawn.reason)
    lap("word")

    written = _write_images(out_dir / "figures", drawn)
    provenance["figures"] = [{"name": f.name, "title": f.title, "indicator_codes": f.codes, "alt": f.alt,
                              "png": f"figures/{f.name}.png" if f.name in written else None,
                              "svg": f"figures/{f.name}.svg" if f.name in written else None,
                              "png_width_px": drawn.images.get(f.name, {}).get("width_px"),
                              "png_height_px": drawn.images.get(f.name, {}).get("height_px")}
                             for f in charts]
    provenance["tables"] = [{"name": f.name, "title": f.title, "indicator_codes": f.codes, "in_word_draft": True}
                            for f in figs if f.kind == report_figures.TABLE]
    provenance["data_sheets"] = [{"name": f.name, "title": f.title, "indicator_codes": f.codes}
                                 for f in figs if f.kind == report_figures.DATA]
    provenance["figures_not_available"] = missing
    provenance["briefings"] = [f"briefings/{p.name}" for p in briefing_files]
    provenance["images"] = {"drawn": len(written), "skipped": drawn.skipped, "reason": drawn.reason,
                            "browser_tabs": drawn.tabs, "seconds": drawn.seconds,
                            "seconds_per_chart": round(drawn.seconds / len(charts), 2) if charts else 0.0}
    provenance["timings_s"] = timings
    atomic.write_text(out_dir / "provenance.json", json.dumps(provenance, indent=2, default=str))
    if drawn.reason:
        print(f"Report {year.label}: everything written except the {len(drawn.skipped)} charts' images "
              f"(figures/*.png, figures/*.svg): {drawn.reason}", file=sys.stderr)
    files = sorted(p for p in out_dir.rglob("*") if p.is_file())
    return ReportSet(out_dir, files, [f.name for f in charts], missing, timings, drawn.skipped, drawn.reason,
                     tables=[f.name for f in figs if f.kind == report_figures.TABLE], missing_quarters=gone)


def without_codes(text: str, meta: dict) -> str:
    """A definition as the draft prints it: any indicator code in it (the catalogue's definitions sometimes
    name one) replaced by that indicator's title, so no internal code reaches the reader."""
    codes = [c for c in meta if "_" in c and c in text]
    if not codes:
        return text
    pattern = re.compile(r"\b(" + "|".join(re.escape(c) for c in sorted(codes, key=len, reverse=True)) + r")\b")
    return pattern.sub(lambda m: f"'{meta[m.group(1)].title}'", text)


def _write_briefings(con: duckdb.DuckDBPyConnection, year: FinancialYear, out: Path, overrides: Path | None,
                     public: bool) -> list[Path]:
    """briefings/*.html|docx; then (and only then) a briefing no longer in the set (a review since dropped, or
    one not yet published in a public folder) is removed, so a folder never holds an earlier run's briefing."""
    written = briefings.write_briefings(con, year, out, overrides, public=public)
    keep = {p.name for p in written}
    if out.exists():
        for path in out.iterdir():
            if path.is_file() and path.name not in keep:
                path.unlink()
    return written


def _write_images(fig_dir: Path, drawn: images.ImageSet) -> set[str]:
    """figures/<name>.png|svg, each written atomically; then (and only then) the files of figures no longer
    drawn are removed. When no image could be drawn, earlier images are removed too: they would show an
    earlier run's numbers beside this run's text."""
    for name, entry in drawn.images.items():
        for fmt in images.FORMATS:
            atomic.write_bytes(fig_dir / f"{name}.{fmt}", entry[fmt])
    keep = {f"{name}.{fmt}" for name in drawn.images for fmt in images.FORMATS}
    if fig_dir.exists():
        for path in fig_dir.iterdir():
            if path.is_file() and path.name not in keep:
                path.unlink()
    return set(drawn.images)
