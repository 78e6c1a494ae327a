"""The report's figures and tables: plotly charts in the house template, each with the table of its data.

Every builder returns a `ReportFigure` and does no I/O. Three kinds:

- `chart`: a plotly figure the Word draft carries and that is exported as PNG/SVG (the infographic, the
  report's breakdown charts, comparisons with DfE's published figures);
- `table`: one of the report's own tables (contacts by quarter, LADO referrals by month, the top 10 courses,
  training impact, eLearning): a Word table in the draft and a sheet of the workbook, never drawn as an image;
- `data`: the data behind a sentence (contacts by source, children in care by ethnicity, ...): workbook only.

Rules the report's readers rely on: comparisons with England, the region and statistical neighbours are drawn
only for rates and percentages (never a count against England's), and only for a whole year; categories come
in their natural order (age bands by age); no internal indicator code appears in any title, label, note or
alt text (codes go to the workbook and provenance.json); agency text (course and module titles) reaches plotly
through `plotly_text`, so no markup in it takes effect. In public mode every count of children goes through
pipeline.lib.sdc first; staff and training counts (`disclosure: none`) are published as they are.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from pipeline.lib import sdc
from pipeline.lib.render.figures import PALETTE, register_template
from pipeline.lib.report import words
from pipeline.lib.report.facts import Fact, Facts, YearData
from pipeline.lib.settings import partnership_settings
from pipeline.lib.text import plotly_text

WIDTH = 1000          # layout pixels; exported at SCALE for print (2,000 px wide: 300 dpi at 16.9 cm)
SCALE = 2.0
INTERNAL_MARK = "INTERNAL - QPPA - not for publication"
HEADER_FILL, HEADER_FONT, STRIPE = PALETTE[0], "white", "#f3f2f1"
CHART, TABLE, DATA = "chart", "table", "data"
COMPARABLE_UNITS = {"percent", "rate_per_10k", "ratio", "mean"}   # never a count against England's


@dataclass
class ReportFigure:
    name: str                       # file stem: figures/<name>.png|svg, sheet name in the workbook
    title: str
    fig: go.Figure | None           # None for a table or data sheet (never drawn as an image)
    data: pd.DataFrame              # the published table behind the figure (symbols, not hidden numbers)
    alt: str
    codes: list[str]                # indicator codes: workbook and provenance only, never printed in the draft
    period: str
    definitions: list[tuple[str, str]] = field(default_factory=list)   # (code, definition)
    notes: list[str] = field(default_factory=list)
    kind: str = CHART
    section: str = ""               # the narrative section (template stem) it belongs to

    @property
    def width(self) -> int:
        return int(self.fig.layout.width or WIDTH) if self.fig is not None else WIDTH

    @property
    def height(self) -> int:
        return int(self.fig.layout.height or 500) if self.fig is not None else 0

    @property
    def drawn(self) -> bool:
        return self.kind == CHART and self.fig is not None


def local_authority() -> str:
    return str(partnership_settings().get("local_authority") or "The local authority")


def partnership_name() -> str:
    return str(partnership_settings().get("name") or "The partnership")


def _wrap(text: str, width: int) -> str:
    """Plotly does not wrap annotation text: break it into lines of about `width` characters."""
    return "<br>".join(textwrap.wrap(text, width)) or text


def _label(text) -> str:
    """Any category or title that reaches plotly: its markup neutralised (agency text is only ever text)."""
    return plotly_text(text)


def _finish(fig: go.Figure, title: str, codes: list[str], period: str, public: bool, height: int) -> go.Figure:
    # `codes` stay with the figure's workbook sheet and provenance; the printed source note names no code.
    source = f"Source: {partnership_name()}, returns for {period}."
    if public:
        source += " Counts of 1 to 5 children are shown as c."
    source = _wrap(_label(source), 150)
    extra = 15 * source.count("<br>")  # room below the plot for every wrapped line of the source note
    bottom = (fig.layout.margin.b or 60) + extra
    fig.update_layout(template=register_template(), title={"text": _label(title), "x": 0.01, "xanchor": "left"},
                      width=WIDTH, height=height + extra, margin={"b": bottom})
    # Anchored by its bottom edge just above the image's bottom, so it sits below any axis labels and
    # grows upwards into the room added for its extra lines.
    fig.add_annotation(text=source, xref="paper", yref="paper", x=0, y=0,
                       xanchor="left", yanchor="bottom", yshift=-bottom + 8, showarrow=False, align="left",
                       font={"size": 11, "color": "#505a5f"})
    if not public:
        fig.add_annotation(text=INTERNAL_MARK, xref="paper", yref="paper", x=1, y=1.08, xanchor="right",
                           showarrow=False, font={"size": 13, "color": "#d4351c"})
    return fig


def _defs(data: YearData, codes: list[str]) -> list[tuple[str, str]]:
    return [(c, data.meta[c].definition if c in data.meta else "") for c in codes]


# ---- infographic tiles ---------------------------------------------------------------------------------

# (indicator code, tile label), in the report's own infographic order.
TILES = [
    ("contacts_total", "Total Contacts"), ("referrals_total", "Referrals"), ("rereferrals_pct", "Re-referrals"),
    ("police_child_abuse_crimes", "Child Abuse Crimes"), ("yj_first_time_entrants", "First Time Entrants into Youth Justice"),
    ("cin_at_end", "Children in Need"), ("cpp_at_end", "Children on Child Protection Plans"),
    ("cpp_second_subsequent_pct", "subject to second or subsequent Child Protection Plan"),
    ("cla_at_end", "Children in Care"), ("health_iha_in_timescale_pct", "Initial Health Assessments completed in timescale"),
    ("missing_episodes", "Missing Episodes"), ("eh_open_at_end", "open to Strengthening Families and Early Help"),
    ("eh_assessments_completed", "Early Help Assessments completed"), ("eh_success_pct", "Early Help Success Rate"),
    ("cla_care_plans_in_timescale_pct", "Care Plans in Timescale"),
]


def _tile_text(f: Fact) -> str:
    if f.suppressed:
        return "c"
    return f.pct if f.unit == "percent" else f.count


def infographic(data: YearData, facts: Facts, public: bool) -> ReportFigure | None:
    tiles = [(code, label, facts[code]) for code, label in TILES if facts[code].available]
    if not tiles:
        return None
    cols = 3
    rows = -(-len(tiles) // cols)
    fig = go.Figure()
    for i, (_code, label, f) in enumerate(tiles):
        r, c = divmod(i, cols)
        x0, x1 = c / cols + 0.01, (c + 1) / cols - 0.01
        y1, y0 = 1 - r / rows - 0.01, 1 - (r + 1) / rows + 0.01
        fig.add_shape(type="rect", xref="paper", yref="paper", x0=x0, x1=x1, y0=y0, y1=y1,
                      fillcolor=PALETTE[i % 5] if PALETTE[i % 5] != "#F0E442" else PALETTE[0], opacity=0.12,
                      line={"color": PALETTE[0], "width": 1})
        # yanchor set explicitly: plotly's "auto" anchors by where the text sits on the page, which
        # puts the same text at different heights in different rows of tiles.
        fig.add_annotation(text=f"<b>{_label(_tile_text(f))}</b>", xref="paper", yref="paper", x=(x0 + x1) / 2,
                           y=y0 + (y1 - y0) * 0.62, xanchor="center", yanchor="middle", showarrow=False,
                           font={"size": 34, "color": "#0b0c0c"})
        partial = " (part of the year)" if f.partial else ""
        fig.add_annotation(text=_wrap(_label(label + partial), 32), xref="paper", yref="paper", x=(x0 + x1) / 2,
                           y=y0 + (y1 - y0) * 0.27, xanchor="center", yanchor="middle", showarrow=False,
                           font={"size": 15, "color": "#0b0c0c"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(margin={"l": 20, "r": 20, "t": 70, "b": 50})
    codes = [code for code, _, _ in tiles]
    title = f"The year in numbers, {data.year.label}"
    table = pd.DataFrame({"Measure": [label for _, label, _ in tiles], "Value": [_tile_text(f) for _, _, f in tiles],
                          "Indicator": codes})
    alt = f"{title}: " + "; ".join(f"{t} {label}" for t, label in zip(table["Value"], table["Measure"])) + "."
    return ReportFigure("infographic", title, _finish(fig, title, codes, data.year.label, public, 150 * rows + 110),
                        table, alt, codes, data.year.label, _defs(data, codes), section="")


# ---- the report's own tables -----------------------------------------------------------------------------

def _publish(frame: pd.DataFrame, cols: list[str], public: bool, protects: bool = True,
             pct_cols: dict | None = None, total_row: str | None = None) -> dict[str, list[str]]:
    """Each column's printed values: through disclosure control when public and the counts are of children."""
    if public and protects:
        done = sdc.suppress_counts(frame, cols, total_row=total_row, pct_cols=pct_cols or {})
        return {c: done[f"{c}_published"].tolist() for c in [*cols, *(pct_cols or {})]}
    out = {c: [words.fmt(v, "count", 0) for v in frame[c]] for c in cols}
    for c in pct_cols or {}:
        out[c] = [words.fmt(v, "percent", 1) for v in frame[c]]
    return out


def quarterly_contacts(data: YearData, public: bool) -> ReportFigure | None:
    total = data.quarter_rows("contacts_total")
    eh = data.quarter_rows("contacts_met_eh_threshold_pct")
    if total.empty:
        return None
    quarters = [q.label for q in data.year.quarters]
    by_q = {r["period_label"]: r for r in total.to_dict("records")}
    eh_q = {r["period_label"]: r for r in eh.to_dict("records")}
    frame = pd.DataFrame({"quarter": quarters,
                          "contacts": [by_q.get(q, {}).get("numerator") for q in quarters],
                          "met_eh": [eh_q.get(q, {}).get("numerator") for q in quarters]})
    frame["pct"] = 100 * frame["met_eh"] / frame["contacts"]
    pub = _publish(frame.set_index("quarter"), ["contacts", "met_eh"], public, pct_cols={"pct": ("met_eh", "contacts")})
    pub = {k: [("not received" if v in (sdc.NOT_AVAILABLE, words.NOT_AVAILABLE) else v) for v in vals]
           for k, vals in pub.items()}
    rows = ["Total Contacts", "Met Threshold for EH", "% Met Threshold for EH"]
    table = pd.DataFrame({"Contact to Referral/Met Threshold for EH": rows,
                          **{q: [pub["contacts"][i], pub["met_eh"][i], pub["pct"][i]] for i, q in enumerate(quarters)}})
    codes = ["contacts_total", "contacts_met_eh_threshold_pct"]
    title = f"Contacts and the Early Help threshold by quarter, {data.year.label}"
    alt = f"Table: {title}. " + "; ".join(f"{q}: {pub['contacts'][i]} contacts, {pub['met_eh'][i]} met the "
                                          f"threshold for Early Help ({pub['pct'][i]})" for i, q in enumerate(quarters)) + "."
    return ReportFigure("quarterly_contacts", title, None, table, alt, codes, data.year.label, _defs(data, codes),
                        kind=TABLE, section="contacts_and_referrals")


def _monthly_rows(data: YearData, codes: tuple[str, ...]) -> tuple[str, pd.DataFrame] | None:
    """The first of `codes` with a 'month' breakdown for the year: (code, rows by month)."""
    for code in codes:
        rows = data.year_rows(code, "month")
        if not rows.empty:
            return code, rows.sort_values("breakdown_value")
    return None


def _month_label(key: str) -> str:
    try:
        return pd.Timestamp(f"{key}-01").strftime("%B %Y")
    except ValueError:
        return str(key)


LADO_CODES = ("lado_referrals_by_month", "lado_referrals")


def lado_by_month(data: YearData, facts: Facts, public: bool) -> ReportFigure | None:
    found = _monthly_rows(data, LADO_CODES)
    if found is None:
        return None
    code, rows = found
    frame = pd.DataFrame({"month": [_month_label(m) for m in rows["breakdown_value"]],
                          "n": rows["numerator"].astype(float).tolist()}).set_index("month")
    frame.loc["Total"] = [frame["n"].sum()]
    fact = facts.fact(code) or facts.fact("lado_referrals")
    protects = fact.protects_children if fact is not None else True
    pub = _publish(frame, ["n"], public, protects, total_row="Total")
    table = pd.DataFrame({"Month": frame.index.tolist(), "New referrals to the LADO": pub["n"]})
    title = f"New referrals received by the LADO by month, {data.year.label}"
    alt = f"Table: {title}. " + "; ".join(f"{m}: {n}" for m, n in table.itertuples(index=False)) + "."
    return ReportFigure("lado_by_month", title, None, table, alt, [code], data.year.label, _defs(data, [code]),
                        kind=TABLE, section="lado")


# ---- breakdowns (sources, demographics) -----------------------------------------------------------------

# (codes to try in order, title, kind, section): the report's own age bands where the indicators have them.
BREAKDOWN_FIGURES = [
    (("contacts_by_source",), "Contacts by source", DATA, "contacts_and_referrals"),
    (("referrals_by_source",), "Referrals by source", DATA, "contacts_and_referrals"),
    (("cin_by_gender",), "Children in need by gender", DATA, "children_in_need"),
    (("cin_by_ethnicity",), "Children in need by ethnicity", DATA, "children_in_need"),
    (("cin_by_report_age_band", "cin_by_age_band"), "Children in need by age", CHART, "children_in_need"),
    (("cpp_by_category",), "Child protection plans by category of abuse", CHART, "cp_plans"),
    (("cpp_by_gender",), "Child protection plans by gender", DATA, "cp_plans"),
    (("cpp_by_ethnicity",), "Child protection plans by ethnicity", DATA, "cp_plans"),
    (("cpp_by_report_age_band", "cpp_by_age_band"), "Child protection plans by age", DATA, "cp_plans"),
    (("cla_by_gender",), "Children in care by gender", CHART, "children_in_care"),
    (("cla_by_ethnicity",), "Children in care by ethnicity", DATA, "children_in_care"),
    (("cla_by_report_age_band", "cla_by_age_band"), "Children in care by age", DATA, "children_in_care"),
    (("cla_by_placement_group",), "Children in care by placement", CHART, "children_in_care"),
    (("eh_by_gender",), "Early help by gender", DATA, "early_help"),
    (("eh_by_ethnicity",), "Early help by ethnicity", DATA, "early_help"),
    (("eh_by_report_age_band", "eh_by_age_band"), "Children open to early help by age", CHART, "early_help"),
]


def breakdown_figure(data: YearData, f: Fact, title: str, public: bool, kind: str = CHART,
                     section: str = "", name: str | None = None) -> ReportFigure | None:
    parts = f.parts if f.available else []
    if not parts:
        return None
    labels = [p.label for p in parts]
    full_title = f"{title}, {data.year.label}"
    table = pd.DataFrame({"Group": labels, "Number": [p.count if not p.suppressed else "c" for p in parts],
                          "Per cent": [p.pct if not p.suppressed else "c" for p in parts]})
    alt = (f"Bar chart: {full_title}. " + "; ".join(f"{p.label} {p.pct0 if not p.suppressed else 'c (fewer than 6)'}"
                                                    for p in parts) + ".")
    fig = None
    if kind == CHART:
        fig = go.Figure(go.Bar(
            y=[_label(x) for x in labels], x=[p.pct_value for p in parts], orientation="h", marker={"color": PALETTE[0]},
            text=[p.pct0 if not p.suppressed else "c" for p in parts], textposition="outside",
            hovertemplate="%{y}: %{x:.1f}%<extra></extra>", cliponaxis=False,
        ))
        fig.update_layout(xaxis_title="Per cent", showlegend=False, margin={"l": 10, "r": 40, "t": 60, "b": 90})
        fig.update_yaxes(autorange="reversed", automargin=True)
        fig.update_xaxes(rangemode="tozero", gridcolor="#e5e5e5", ticksuffix="%")
        fig = _finish(fig, full_title, [f.code], data.year.label, public, max(280, 130 + 30 * len(parts)))
    return ReportFigure(name or f.code, full_title, fig, table, alt, [f.code], data.year.label, _defs(data, [f.code]),
                        kind=kind, section=section)


# ---- missing --------------------------------------------------------------------------------------------

MISSING_MONTH_CODES = ("missing_children_by_month", "missing_children_per_month", "missing_children")


def missing_by_month(data: YearData, facts: Facts, public: bool) -> ReportFigure | None:
    """Children missing in each month (the report: 'on average 87 children missing each month')."""
    found = _monthly_rows(data, MISSING_MONTH_CODES)
    if found is None:
        return None
    code, rows = found
    months = [pd.Timestamp(f"{m}-01").strftime("%b %Y") for m in rows["breakdown_value"]]
    frame = pd.DataFrame({"month": months, "children": rows["numerator"].astype(float).tolist()}).set_index("month")
    pub = _publish(frame, ["children"], public)
    shown = [None if v == sdc.SUPPRESSED else n for v, n in zip(pub["children"], frame["children"])]
    fig = go.Figure(go.Bar(x=months, y=shown, marker={"color": PALETTE[0]}, text=pub["children"],
                           textposition="outside", cliponaxis=False))
    fig.update_layout(yaxis_title="Children missing", showlegend=False, margin={"l": 60, "r": 20, "t": 60, "b": 90})
    fig.update_xaxes(type="category", tickangle=0, tickvals=months,
                     ticktext=[m.replace(" ", "<br>") for m in months])
    title = f"Children missing by month, {data.year.label}"
    table = pd.DataFrame({"Month": months, "Children missing": pub["children"]})
    alt = f"Bar chart: {title}. " + "; ".join(f"{m}: {n}" for m, n in table.itertuples(index=False)) + "."
    return ReportFigure("missing_by_month", title, _finish(fig, title, [code], data.year.label, public, 360),
                        table, alt, [code], data.year.label, _defs(data, [code]), section="missing_children")


# ---- training tables ------------------------------------------------------------------------------------

def _course_frame(data: YearData, cols: list[tuple[str, str]], dim: str) -> pd.DataFrame:
    frames = []
    for code, heading in cols:
        rows = data.year_rows(code, dim)
        frames.append(rows.set_index("breakdown_value")["numerator"].rename(heading).astype(float))
    frame = pd.concat(frames, axis=1)
    frame.index = frame.index.astype(str)
    return frame


def _protects(facts: Facts, codes: list[str]) -> bool:
    """Disclosure control applies to a table when any of its indicators counts children."""
    found = [facts.fact(c) for c in codes]
    return any(f is None or f.protects_children for f in found)


def training_courses(data: YearData, facts: Facts, public: bool) -> ReportFigure | None:
    if data.year_rows("training_spaces", "course").empty:
        return None
    cols = [("training_spaces", "Available Spaces"), ("training_allocated", "Allocated Places"),
            ("training_no_shows", "No shows")]
    codes = [c for c, _ in cols]
    headings = [h for _, h in cols]
    frame = _course_frame(data, cols, "course").sort_values("Available Spaces", ascending=False, kind="stable")
    top = frame.head(10).copy()
    top.loc["Total, top 10 courses"] = top.sum()
    # "Total" is every course's, as the prose beside the table gives it (1,582 spaces), not the top 10's.
    totals = [facts.fact(c) for c in codes]
    top.loc[f"Total, all {len(frame)} courses"] = [f.raw_value if f is not None and f.available else frame[h].sum()
                                                    for f, h in zip(totals, headings)]
    pub = _publish(top, headings, public, _protects(facts, codes))
    table = pd.DataFrame({"Course title": top.index.tolist(), **pub})
    title = f"Top 10 courses delivered during {data.year.label}"
    alt = f"Table: {title}. " + "; ".join(f"{r[0]}: {r[1]} spaces, {r[2]} allocated, {r[3]} no shows"
                                          for r in table.itertuples(index=False)) + "."
    return ReportFigure("training_courses", title, None, table, alt, codes, data.year.label, _defs(data, codes),
                        kind=TABLE, section="training")


def training_impact(data: YearData, facts: Facts, public: bool) -> ReportFigure | None:
    """Knowledge before and after each course (the report: Hidden Men 23.91% before, 97.83% after)."""
    pre, post = data.year_rows("training_pre_score", "course"), data.year_rows("training_post_score", "course")
    if pre.empty or post.empty:
        return None
    frame = pd.DataFrame({"pre": pre.set_index("breakdown_value")["value"].astype(float),
                          "post": post.set_index("breakdown_value")["value"].astype(float)})
    rated = data.year_rows("training_rated_4_or_5_pct", "course")
    frame["rated"] = rated.set_index("breakdown_value")["value"].astype(float) if not rated.empty else float("nan")
    frame = frame.dropna(subset=["pre", "post"])
    frame["gain"] = frame["post"] - frame["pre"]
    frame = frame.sort_values("gain", ascending=False, kind="stable")
    table = pd.DataFrame({"Course title": frame.index.astype(str).tolist(),
                          "Knowledge before (%)": [f"{v:.2f}%" for v in frame["pre"]],
                          "Knowledge after (%)": [f"{v:.2f}%" for v in frame["post"]],
                          "Rated 4 or 5 out of 5": [words.fmt(v, "percent", 1) if pd.notna(v) else words.NOT_AVAILABLE
                                                    for v in frame["rated"]]})
    codes = ["training_pre_score", "training_post_score", "training_rated_4_or_5_pct"]
    title = f"Knowledge before and after each course, {data.year.label}"
    alt = f"Table: {title}. " + "; ".join(f"{r[0]}: {r[1]} before, {r[2]} after" for r in table.itertuples(index=False)) + "."
    return ReportFigure("training_impact", title, None, table, alt, codes, data.year.label, _defs(data, codes),
                        kind=TABLE, section="training")


def elearning_modules(data: YearData, facts: Facts, public: bool) -> ReportFigure | None:
    if data.year_rows("elearning_completions", "module").empty:
        return None
    frame = _course_frame(data, [("elearning_completions", "Completions")], "module").sort_index()
    frame.loc["Total"] = frame.sum()
    pub = _publish(frame, ["Completions"], public, _protects(facts, ["elearning_completions"]), total_row="Total")
    table = pd.DataFrame({"eLearning module": frame.index.tolist(), "Completions": pub["Completions"]})
    codes = ["elearning_completions"]
    title = f"eLearning modules completed during {data.year.label}"
    alt = f"Table: {title}. " + "; ".join(f"{r[0]}: {r[1]}" for r in table.itertuples(index=False)) + "."
    return ReportFigure("elearning_modules", title, None, table, alt, codes, data.year.label, _defs(data, codes),
                        kind=TABLE, section="training")


# ---- benchmark comparisons ------------------------------------------------------------------------------

# The comparisons the report's text makes, by section; only rates and percentages, only whole years.
BENCHMARK_FIGURES = [
    ("referrals_rate_10k", "contacts_and_referrals"), ("rereferrals_pct", "rereferrals"),
    ("icpc_15wd_pct", "icpc"), ("assessments_45wd_pct", "single_assessments"),
    ("cpp_rate_10k", "cp_plans"), ("cpp_second_subsequent_pct", "cp_plans"), ("cla_rate_10k", "children_in_care"),
]


def benchmark_figure(data: YearData, f: Fact, public: bool, section: str = "") -> ReportFigure | None:
    if (not f.available or f.unit not in COMPARABLE_UNITS or not f.comparable or f.raw_value is None
            or f.suppressed):
        return None
    names = [local_authority(), *[n.replace(" average", "") for n, _ in f.comparators]]
    values = [f.raw_value, *[v for _, v in f.comparators]]
    keep = [(n, v) for n, v in zip(names, values) if v is not None]
    if len(keep) < 2:
        return None
    unit, d = f.unit, f.meta.decimals or 1
    shown = [words.fmt(v, unit, d) for _, v in keep]
    fig = go.Figure(go.Bar(
        x=[_label(n) for n, _ in keep], y=[v for _, v in keep], text=shown, textposition="outside", cliponaxis=False,
        marker={"color": [PALETTE[0]] + ["#b1b4b6"] * (len(keep) - 1),
                "pattern": {"shape": [""] + ["/"] * (len(keep) - 1)}},
    ))
    y_title = "Per 10,000 children" if unit == "rate_per_10k" else ("Per cent" if unit == "percent" else "")
    fig.update_layout(yaxis_title=y_title, showlegend=False, margin={"l": 70, "r": 20, "t": 60, "b": 80})
    if unit == "percent":
        fig.update_yaxes(ticksuffix="%")
    title = f"{f.title}: {local_authority()} {data.year.label} against DfE's figures for {f.benchmark_year or 'the latest year'}"
    table = pd.DataFrame({"Area": [n for n, _ in keep], "Value": shown})
    alt = f"Bar chart: {title}. " + "; ".join(f"{n} {s}" for (n, _), s in zip(keep, shown)) + ". " + f.vs_benchmarks
    return ReportFigure(f"benchmark_{f.code}", title, _finish(fig, title, [f.code], data.year.label, public, 330),
                        table, alt, [f.code], data.year.label, _defs(data, [f.code]),
                        notes=[(f"Comparators: DfE published figures for {f.benchmark_year}; "
                               f"release {(f.bench or {}).get('benchmark_release') or 'as loaded'}.")],
                        section=section)


def build_all(data: YearData, public: bool = True) -> list[ReportFigure]:
    """Every figure, table and data sheet of the year, in the report's order."""
    facts = data.facts(public=public)
    figures = [infographic(data, facts, public), quarterly_contacts(data, public)]
    figures += [missing_by_month(data, facts, public)]
    for codes, title, kind, section in BREAKDOWN_FIGURES:
        f = facts.get(*codes)
        figures.append(breakdown_figure(data, f, title, public, kind, section, name=codes[-1]) if f.available else None)
    figures += [benchmark_figure(data, facts[code], public, section) for code, section in BENCHMARK_FIGURES]
    figures += [lado_by_month(data, facts, public), training_courses(data, facts, public),
                training_impact(data, facts, public), elearning_modules(data, facts, public)]
    return [f for f in figures if f is not None]


def not_available(data: YearData, built: list[ReportFigure]) -> list[str]:
    """The report's figures and tables this year's indicators cannot give yet (for the author and provenance)."""
    names = {f.name for f in built}
    wanted = ["infographic", "quarterly_contacts", "missing_by_month", *[c[-1] for c, _, _, _ in BREAKDOWN_FIGURES],
              *[f"benchmark_{c}" for c, _ in BENCHMARK_FIGURES], "lado_by_month", "training_courses",
              "training_impact", "elearning_modules"]
    return [n for n in wanted if n not in names]
