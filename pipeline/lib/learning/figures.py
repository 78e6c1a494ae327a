"""The learning sections' charts and tables, as the report's other figures: a `ReportFigure` each, no I/O.

    build_all(facts) -> [ReportFigure]   in the report's order; the report's exporter writes them (PNG, SVG, workbook)

Each carries the narrative section it follows (`section`: learning_from_reviews, qppa_assurance, child_deaths)
and its kind, as the report's own figures do: the reviews, actions, impact, audit grades and four-year child
death comparison are the report's tables (Word tables and workbook sheets, never images); the child deaths by
area and by age band are charts. Every count of children goes through disclosure control in public mode (the
tables show 'c', the bars leave a gap and say so); agency text reaches plotly only through
pipeline.lib.text.plotly_text, Word through xml_text and the workbook as text that cannot run. No indicator code
is printed in a chart (codes go to the workbook and provenance.json).
"""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from pipeline.lib import sdc
from pipeline.lib.learning.facts import LearningFacts
from pipeline.lib.render.figures import PALETTE, register_template
from pipeline.lib.report.figures import INTERNAL_MARK, TABLE, ReportFigure, partnership_name
from pipeline.lib.text import plotly_text

WIDTH = 1000


REVIEWS, QPPA, DEATHS = "learning_from_reviews", "qppa_assurance", "child_deaths"   # the sections' template stems


def _finish(fig: go.Figure, title: str, period: str, public: bool, height: int) -> go.Figure:
    # The printed source names no indicator code: codes stay with the workbook sheet and provenance.json.
    source = f"Source: {partnership_name()}, learning registers and the Child Death Overview Panel's return, {period}."
    if public:
        source += " Counts of children of 1 to 5 are shown as c."
    source = "<br>".join(textwrap.wrap(plotly_text(source), 150))
    extra = 15 * source.count("<br>")
    bottom = (fig.layout.margin.b or 60) + extra
    fig.update_layout(template=register_template(), title={"text": plotly_text(title), "x": 0.01, "xanchor": "left"},
                      width=WIDTH, height=height + extra, margin={"b": bottom})
    fig.add_annotation(text=source, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="bottom",
                       yshift=-bottom + 8, showarrow=False, align="left", font={"size": 11, "color": "#505a5f"})
    if not public:
        fig.add_annotation(text=INTERNAL_MARK, xref="paper", yref="paper", x=1, y=1.08, xanchor="right",
                           showarrow=False, font={"size": 13, "color": "#d4351c"})
    return fig


def _numbers(texts: list[str]) -> list[float | None]:
    """Published texts ('1,234', 'c', 'x') -> bar heights; a hidden count is no bar."""
    return [None if t in (sdc.SUPPRESSED, sdc.NOT_AVAILABLE) else float(str(t).replace(",", "")) for t in texts]


def _definitions(codes: list[str]) -> list[tuple[str, str]]:
    from pipeline.lib.indicators import catalogue_by_code

    catalogue = catalogue_by_code()
    return [(c, catalogue[c].definition if c in catalogue else "") for c in codes]


# ---- child deaths ----------------------------------------------------------------------------------------------

def child_deaths_by_area(f: LearningFacts) -> ReportFigure | None:
    d = f.deaths
    if not d.by_area:
        return None
    year = f.year.label
    frame = pd.DataFrame({"Area": [a for a, _ in d.by_area],
                          "Deaths notified": [sdc.SUPPRESSED if n.suppressed else n.text for _, n in d.by_area]})
    frame.loc[len(frame)] = [f"{d.cdop_area} total", d.total.text]
    heights = _numbers([n.text if not n.suppressed else sdc.SUPPRESSED for _, n in d.by_area])
    fig = go.Figure(go.Bar(x=[plotly_text(a) for a, _ in d.by_area], y=heights, marker={"color": PALETTE[0]},
                           text=[n.text if not n.suppressed else "c" for _, n in d.by_area], textposition="outside",
                           cliponaxis=False))
    fig.update_layout(yaxis_title="Deaths notified", showlegend=False, margin={"l": 70, "r": 20, "t": 60, "b": 90})
    title = f"Child deaths notified to the {d.cdop_area} CDOP by area, {year}"
    alt = f"Bar chart: {title}. " + "; ".join(f"{a} {t}" for a, t in frame.itertuples(index=False)) + "."
    codes = ["child_deaths_by_area"]
    return ReportFigure("child_deaths_by_area", title, _finish(fig, title, year, f.public, 440), frame, alt,
                        codes, year, _definitions(codes), section=DEATHS)


def child_deaths_four_years(f: LearningFacts) -> ReportFigure | None:
    d = f.deaths
    if d.trend_table.empty:
        return None
    years = d.trend_years
    table = d.trend_table
    frame = table.reset_index().rename(columns={"area": "Area", "index": "Area"})
    frame.columns = ["Area", *years]
    title = f"Child deaths notified: {len(years)}-year comparison across the {d.cdop_area} areas, {years[0]} to {years[-1]}"
    alt = f"Grouped bar chart: {title}. " + "; ".join(
        f"{r[0]}: " + ", ".join(f"{y} {v}" for y, v in zip(years, r[1:])) for r in frame.itertuples(index=False)) + "."
    codes = ["child_deaths_trend"]
    # The report's four-year comparison is a table (one row per area, one column per year), not another chart.
    return ReportFigure("child_deaths_four_years", title, None, frame, alt.replace("Grouped bar chart", "Table"), codes,
                        f.year.label, _definitions(codes), kind=TABLE, section=DEATHS)


def child_deaths_local_by_age(f: LearningFacts) -> ReportFigure | None:
    d = f.deaths
    if d.age_table.empty:
        return None
    table = d.age_table
    years = list(table.columns)
    fig = go.Figure()
    for i, y in enumerate(years):
        texts = [str(v) for v in table[y]]
        fig.add_trace(go.Bar(x=list(table.index), y=_numbers(texts), name=y, text=texts, textposition="outside",
                             cliponaxis=False, marker={"color": PALETTE[i]}))
    fig.update_layout(barmode="group", yaxis_title="Deaths notified", margin={"l": 70, "r": 20, "t": 60, "b": 120},
                      legend={"orientation": "h", "y": -0.18, "x": 0})
    frame = table.reset_index()
    frame.columns = ["Age band", *years]
    title = f"{d.area} child deaths by age band, {years[0]} and {years[-1]}"
    alt = f"Grouped bar chart: {title}. " + "; ".join(
        f"{r[0]}: " + ", ".join(f"{y} {v}" for y, v in zip(years, r[1:])) for r in frame.itertuples(index=False)) + "."
    codes = ["child_deaths_local"]
    return ReportFigure("child_deaths_local_by_age", title, _finish(fig, title, f.year.label, f.public, 460),
                        frame, alt, codes, f.year.label, _definitions(codes), section=DEATHS)


# ---- learning from reviews ---------------------------------------------------------------------------------------

def learning_actions_by_agency(f: LearningFacts) -> ReportFigure | None:
    r = f.reviews
    open_by = dict(r.facts.values.parts("actions_open")[["breakdown_value", "numerator"]].itertuples(index=False))
    overdue_by = dict(r.facts.values.parts("actions_overdue")[["breakdown_value", "numerator"]].itertuples(index=False))
    if not open_by:
        return None
    agencies = sorted(open_by, key=lambda a: (-overdue_by.get(a, 0), -open_by[a], a))
    frame = pd.DataFrame({"Agency": agencies, "Open": [f"{int(open_by[a]):,}" for a in agencies],
                          "Overdue": [f"{int(overdue_by.get(a, 0)):,}" for a in agencies]})
    frame.loc[len(frame)] = ["All agencies", r.actions_open.text, r.actions_overdue.text]
    title = f"Actions from reviews and audits open at {f.year.end:%-d %B %Y}, by agency (overdue first)"
    alt = f"Table: {title}. " + "; ".join(f"{a}: {o} open, {d} overdue" for a, o, d in frame.itertuples(index=False)) + "."
    codes = ["actions_open", "actions_overdue"]
    return ReportFigure("learning_actions_by_agency", title, None, frame, alt, codes, f.year.label, _definitions(codes),
                        kind=TABLE, section=REVIEWS)


def learning_impact(f: LearningFacts) -> ReportFigure | None:
    if not f.impact.available:
        return None
    frame = f.impact.frame
    title = f"Impact: indicators before and after the actions meant to move them, to {f.year.end:%B %Y}"
    alt = f"Table: {title}. " + " ".join(f.impact.sentences)
    codes = sorted({r["code"] for r in f.impact.rows})
    return ReportFigure("learning_impact", title, None, frame, alt, codes, f.year.label, _definitions(codes),
                        notes=["A change after an action does not prove the action caused it.", *f.impact.notes],
                        kind=TABLE, section=REVIEWS)


def learning_reviews(f: LearningFacts) -> ReportFigure | None:
    """The year's reviews with their status at its end. Public: only reviews already published (their references and
    dates are public); the internal version lists every review considered or open in the year."""
    reg = f.registers
    cases = reg.reviews
    if cases.empty:
        return None
    start, end = f.year.start, f.year.end
    def within(d) -> bool:
        return d is not None and start <= d <= end

    # received in the year, running at any time in it, ratified or published in it
    running = cases["review_start_date"].map(lambda d: d is not None and d <= end).astype(bool) & cases["ratified_date"].map(
        lambda d: d is None or d >= start)
    active = cases[cases["date_received"].map(within) | running | cases["ratified_date"].map(within)
                   | cases["published_date"].map(within)]
    if f.public:
        active = active[active["published_date"].map(lambda d: d is not None and d <= end).astype(bool)]
    if active.empty:
        return None

    def status(r) -> str:
        if r["published_date"] is not None and r["published_date"] <= end:
            return f"Published {r['published_date']:%B %Y}"
        if r["ratified_date"] is not None and r["ratified_date"] <= end:
            return f"Ratified {r['ratified_date']:%B %Y}"
        if r["review_start_date"] is not None:
            return f"In progress since {r['review_start_date']:%B %Y}"
        return "Closed" if r["decision"] == "nfa" else "Decision awaited" if r["decision"] == "pending" else "Not started"

    rows = [{"Reference": r["case_reference"], "Route": reg.label("review_route", r["route"]),
             "Decision": reg.label("review_decision", r["decision"]), f"At {end:%-d %B %Y}": status(r),
             "Themes": ", ".join(reg.labels("learning_theme", r["themes"]))}
            for r in active.sort_values("date_received").to_dict("records")]
    frame = pd.DataFrame(rows)
    title = (f"Reviews published by {end:%-d %B %Y}" if f.public else f"Reviews considered or in progress in {f.year.label}")
    alt = f"Table: {title}. " + "; ".join(f"{r['Reference']}: {r['Decision']}, {r[f'At {end:%-d %B %Y}']}"
                                          for r in rows) + "."
    codes = ["reviews_considered", "reviews_ratified", "reviews_published"]
    return ReportFigure("learning_reviews", title, None, frame, alt, codes, f.year.label, _definitions(codes),
                        kind=TABLE, section=REVIEWS)


# ---- QPPA ----------------------------------------------------------------------------------------------------------

def qppa_audit_grades(f: LearningFacts) -> ReportFigure | None:
    q = f.qppa
    if not q.macfas:
        return None
    grades = [c.label for c in f.registers.codes["audit_grade"].codes]
    cases = f.registers.audit_cases
    rows = []
    for m in q.macfas:
        mine = cases[cases["audit_reference"] == m["reference"]]
        labels = [f.registers.label("audit_grade", g) for g in mine["grade"]]
        rows.append({"Audit": f"{m['title']} ({m['month']})", "Cases": str(len(labels)),
                     **{g: str(labels.count(g)) for g in grades}})
    frame = pd.DataFrame(rows)
    frame = frame[["Audit", "Cases", *[g for g in grades if (frame[g] != "0").any()]]]
    title = f"Multi-agency case file audits in {f.year.label}: cases by grade"
    alt = f"Table: {title}. " + "; ".join(f"{m['title']}: {m['grades']}" for m in q.macfas) + "."
    codes = ["audit_cases_by_grade"]
    return ReportFigure("qppa_audit_grades", title, None, frame, alt, codes, f.year.label, _definitions(codes),
                        kind=TABLE, section=QPPA)


NAMES = ["learning_reviews", "learning_actions_by_agency", "learning_impact", "qppa_audit_grades", "child_deaths_by_area",
         "child_deaths_four_years", "child_deaths_local_by_age"]


def not_available(built: list[ReportFigure]) -> list[str]:
    """The learning figures and tables the year's registers cannot give (for the author and provenance)."""
    names = {f.name for f in built}
    return [n for n in NAMES if n not in names]


def build_all(facts: LearningFacts) -> list[ReportFigure]:
    figures = [learning_reviews(facts), learning_actions_by_agency(facts), learning_impact(facts),
               qppa_audit_grades(facts), child_deaths_by_area(facts), child_deaths_four_years(facts),
               child_deaths_local_by_age(facts)]
    return [f for f in figures if f is not None]
