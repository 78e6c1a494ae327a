"""The report's figures and tables: plotly figures in the house template, each with the table of its data.

Every builder returns a `ReportFigure` (figure + the published table behind it + alt text + the indicator codes
it shows) and does no I/O. In public mode every count goes through pipeline.lib.sdc first, so a bar, a cell or a
tile never shows a value from 1 to 5, or a total that would reveal one. Figures for indicators with no value
are simply not built; `not_available` lists them.
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

WIDTH = 1000          # layout pixels; exported at SCALE for print (2,000 px wide: 300 dpi at 16.9 cm)
SCALE = 2.0
INTERNAL_MARK = "INTERNAL - QPPA - not for publication"
HEADER_FILL, HEADER_FONT, STRIPE = PALETTE[0], "white", "#f3f2f1"


@dataclass
class ReportFigure:
    name: str                       # file stem: figures/<name>.png|svg, sheet name in the workbook
    title: str
    fig: go.Figure
    data: pd.DataFrame              # the published table behind the figure (symbols, not hidden numbers)
    alt: str
    codes: list[str]
    period: str
    definitions: list[tuple[str, str]] = field(default_factory=list)   # (code, definition)
    notes: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return int(self.fig.layout.width or WIDTH)

    @property
    def height(self) -> int:
        return int(self.fig.layout.height or 500)


def _wrap(text: str, width: int) -> str:
    """Plotly does not wrap annotation text: break it into lines of about `width` characters."""
    return "<br>".join(textwrap.wrap(text, width)) or text


def _finish(fig: go.Figure, title: str, codes: list[str], period: str, public: bool, height: int) -> go.Figure:
    source = f"Source: SCSP data pipeline, {period}; indicators: {', '.join(codes)}."
    if public:
        source += " Counts of 1 to 5 are shown as c."
    source = _wrap(source, 150)
    extra = 15 * source.count("<br>")  # room below the plot for every wrapped line of the source note
    bottom = (fig.layout.margin.b or 60) + extra
    fig.update_layout(template=register_template(), title={"text": title, "x": 0.01, "xanchor": "left"},
                      width=WIDTH, height=height + extra, margin={"b": bottom})
    # Anchored by its bottom edge just above the image's bottom, so it sits below any axis labels and
    # grows upwards into the room added for its extra lines.
    fig.add_annotation(text=source, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="bottom",
                       yshift=-bottom + 8, showarrow=False, align="left",
                       font={"size": 11, "color": "#505a5f"})
    if not public:
        fig.add_annotation(text=INTERNAL_MARK, xref="paper", yref="paper", x=1, y=1.08, xanchor="right",
                           showarrow=False, font={"size": 13, "color": "#d4351c"})
    return fig


def _defs(data: YearData, codes: list[str]) -> list[tuple[str, str]]:
    return [(c, data.meta[c].definition if c in data.meta else "") for c in codes]


def _table_figure(frame: pd.DataFrame, height: int | None = None) -> go.Figure:
    n = len(frame)
    fills = [[STRIPE if i % 2 else "white" for i in range(n)]] * len(frame.columns)
    fig = go.Figure(go.Table(
        columnwidth=[3] + [1] * (len(frame.columns) - 1),
        header={"values": [f"<b>{c}</b>" for c in frame.columns], "fill_color": HEADER_FILL,
                "font": {"color": HEADER_FONT, "size": 14}, "align": ["left"] + ["right"] * (len(frame.columns) - 1),
                "height": 34},
        cells={"values": [frame[c].astype(str).tolist() for c in frame.columns], "fill_color": fills,
               "align": ["left"] + ["right"] * (len(frame.columns) - 1), "font": {"size": 13}, "height": 30},
    ))
    fig.update_layout(margin={"l": 20, "r": 20, "t": 60, "b": 50})
    return fig


# ---- infographic tiles ---------------------------------------------------------------------------------

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
    if f.unit == "percent":
        return f.pct if not f.suppressed else "c"
    return f.count if not f.suppressed else "c"


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
        fig.add_annotation(text=f"<b>{_tile_text(f)}</b>", xref="paper", yref="paper", x=(x0 + x1) / 2,
                           y=y0 + (y1 - y0) * 0.62, xanchor="center", yanchor="middle", showarrow=False,
                           font={"size": 34, "color": "#0b0c0c"})
        fig.add_annotation(text=_wrap(label, 32), xref="paper", yref="paper", x=(x0 + x1) / 2, y=y0 + (y1 - y0) * 0.27,
                           xanchor="center", yanchor="middle", showarrow=False, font={"size": 15, "color": "#0b0c0c"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(margin={"l": 20, "r": 20, "t": 70, "b": 50})
    codes = [code for code, _, _ in tiles]
    title = f"The year in numbers, {data.year.label}"
    table = pd.DataFrame({"Measure": [label for _, label, _ in tiles], "Value": [_tile_text(f) for _, _, f in tiles],
                          "Indicator": codes})
    alt = f"{title}: " + "; ".join(f"{t} {label}" for t, label in zip(table["Value"], table["Measure"])) + "."
    return ReportFigure("infographic", title, _finish(fig, title, codes, data.year.label, public, 170 * rows + 120),
                        table, alt, codes, data.year.label, _defs(data, codes))


# ---- quarterly contact table -----------------------------------------------------------------------------

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
    if public:
        done = sdc.suppress_counts(frame.set_index("quarter"), ["contacts", "met_eh"],
                                   pct_cols={"pct": ("met_eh", "contacts")})
        pub = {c: done[f"{c}_published"].tolist() for c in ["contacts", "met_eh", "pct"]}
    else:
        pub = {"contacts": [words.fmt(v, "count", 0) for v in frame["contacts"]],
               "met_eh": [words.fmt(v, "count", 0) for v in frame["met_eh"]],
               "pct": [words.fmt(v, "percent", 1) for v in frame["pct"]]}
    rows = ["Total Contacts", "Met Threshold for EH", "% Met Threshold for EH"]
    table = pd.DataFrame({"Contact to Referral/Met Threshold for EH": rows,
                          **{q: [pub["contacts"][i], pub["met_eh"][i], pub["pct"][i]]
                             for i, q in enumerate(quarters)}})
    codes = ["contacts_total", "contacts_met_eh_threshold_pct"]
    title = f"Contacts and Early Help threshold by quarter, {data.year.label}"
    alt = f"Table: {title}. " + "; ".join(f"{q}: {pub['contacts'][i]} contacts, {pub['met_eh'][i]} met the "
                                          f"threshold for Early Help ({pub['pct'][i]})" for i, q in enumerate(quarters)) + "."
    return ReportFigure("quarterly_contacts", title, _finish(_table_figure(table), title, codes, data.year.label, public, 300),
                        table, alt, codes, data.year.label, _defs(data, codes))


# ---- breakdowns (sources, demographics) -----------------------------------------------------------------

BREAKDOWN_FIGURES = [
    ("contacts_by_source", "Contacts by source"), ("referrals_by_source", "Referrals by source"),
    ("cin_by_gender", "Children in need by gender"), ("cin_by_ethnicity", "Children in need by ethnicity"),
    ("cin_by_age_band", "Children in need by age"),
    ("cpp_by_category", "Child protection plans by category of abuse"),
    ("cpp_by_gender", "Child protection plans by gender"), ("cpp_by_ethnicity", "Child protection plans by ethnicity"),
    ("cpp_by_age_band", "Child protection plans by age"),
    ("cla_by_gender", "Children in care by gender"), ("cla_by_ethnicity", "Children in care by ethnicity"),
    ("cla_by_age_band", "Children in care by age"), ("cla_by_placement_group", "Children in care by placement"),
    ("eh_by_gender", "Early help by gender"), ("eh_by_ethnicity", "Early help by ethnicity"),
    ("eh_by_age_band", "Early help by age"),
]


def breakdown_figure(data: YearData, f: Fact, title: str, public: bool) -> ReportFigure | None:
    parts = f.parts if f.available else []
    if not parts:
        return None
    labels = [p.label for p in parts]
    shares = [p.pct_value for p in parts]
    fig = go.Figure(go.Bar(
        y=labels, x=shares, orientation="h", marker={"color": PALETTE[0]},
        text=[p.pct0 if not p.suppressed else "c" for p in parts], textposition="outside",
        hovertemplate="%{y}: %{x:.1f}%<extra></extra>", cliponaxis=False,
    ))
    fig.update_layout(xaxis_title="Per cent", showlegend=False, margin={"l": 10, "r": 40, "t": 60, "b": 100})
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(rangemode="tozero", gridcolor="#e5e5e5", ticksuffix="%")
    table = pd.DataFrame({"Group": labels, "Number": [p.count if not p.suppressed else "c" for p in parts],
                          "Per cent": [p.pct if not p.suppressed else "c" for p in parts]})
    full_title = f"{title}, {data.year.label}"
    alt = (f"Bar chart: {full_title}. " + "; ".join(f"{p.label} {p.pct0 if not p.suppressed else 'c (fewer than 6)'}"
                                                    for p in parts) + ".")
    return ReportFigure(f.code, full_title,
                        _finish(fig, full_title, [f.code], data.year.label, public, max(320, 140 + 34 * len(parts))),
                        table, alt, [f.code], data.year.label, _defs(data, [f.code]))


# ---- missing --------------------------------------------------------------------------------------------

def missing_by_quarter(data: YearData, public: bool) -> ReportFigure | None:
    ep, ch = data.quarter_rows("missing_episodes"), data.quarter_rows("missing_children")
    if ep.empty and ch.empty:
        return None
    quarters = [q.label for q in data.year.quarters]
    e = {r["period_label"]: r["numerator"] for r in ep.to_dict("records")}
    c = {r["period_label"]: r["numerator"] for r in ch.to_dict("records")}
    frame = pd.DataFrame({"quarter": quarters, "episodes": [e.get(q) for q in quarters],
                          "children": [c.get(q) for q in quarters]}).set_index("quarter")
    done = sdc.suppress_counts(frame, ["episodes", "children"]) if public else frame.assign(
        episodes_published=[words.fmt(v, "count", 0) for v in frame["episodes"]],
        children_published=[words.fmt(v, "count", 0) for v in frame["children"]])
    fig = go.Figure()
    for i, (col, name) in enumerate([("episodes", "Missing episodes"), ("children", "Children missing")]):
        fig.add_trace(go.Bar(x=quarters, y=done[col], name=name, marker={"color": PALETTE[i]},
                             text=done[f"{col}_published"], textposition="outside", cliponaxis=False))
    fig.update_layout(barmode="group", yaxis_title="Number", margin={"l": 60, "r": 20, "t": 60, "b": 110},
                      legend={"orientation": "h", "y": -0.15, "x": 0})
    table = pd.DataFrame({"Quarter": quarters, "Missing episodes": done["episodes_published"].tolist(),
                          "Children missing": done["children_published"].tolist()})
    codes = ["missing_episodes", "missing_children"]
    title = f"Missing episodes and children by quarter, {data.year.label}"
    alt = f"Bar chart: {title}. " + "; ".join(f"{q}: {a} episodes by {b} children"
                                              for q, a, b in table.itertuples(index=False)) + "."
    return ReportFigure("missing_by_quarter", title, _finish(fig, title, codes, data.year.label, public, 460),
                        table, alt, codes, data.year.label, _defs(data, codes))


# ---- training tables ------------------------------------------------------------------------------------

def _course_table(data: YearData, cols: list[tuple[str, str]], dim: str, label: str, public: bool,
                  top: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    frames = []
    for code, heading in cols:
        rows = data.year_rows(code, dim)
        frames.append(rows.set_index("breakdown_value")["numerator"].rename(heading))
    frame = pd.concat(frames, axis=1)
    first = cols[0][1]
    frame = frame.sort_values(first, ascending=False, kind="stable")
    if top:
        frame = frame.head(top)
    frame.index = frame.index.astype(str)
    frame.loc["Total"] = frame.sum()
    headings = [h for _, h in cols]
    if public:
        done = sdc.suppress_counts(frame, headings, total_row="Total")
        table = pd.DataFrame({label: frame.index, **{h: done[f"{h}_published"].tolist() for h in headings}})
    else:
        table = pd.DataFrame({label: frame.index, **{h: [words.fmt(v, "count", 0) for v in frame[h]] for h in headings}})
    return table.reset_index(drop=True), [c for c, _ in cols]


def training_courses(data: YearData, public: bool) -> ReportFigure | None:
    if data.year_rows("training_spaces", "course").empty:
        return None
    cols = [("training_spaces", "Available Spaces"), ("training_allocated", "Allocated Places"),
            ("training_no_shows", "No shows")]
    table, codes = _course_table(data, cols, "course", "Course title", public, top=10)
    title = f"Top 10 courses delivered during {data.year.label}"
    alt = f"Table: {title}. " + "; ".join(f"{r[0]}: {r[1]} spaces, {r[2]} allocated, {r[3]} no shows"
                                          for r in table.itertuples(index=False)) + "."
    return ReportFigure("training_courses", title,
                        _finish(_table_figure(table), title, codes, data.year.label, public, 160 + 31 * len(table)),
                        table, alt, codes, data.year.label, _defs(data, codes))


def elearning_modules(data: YearData, public: bool) -> ReportFigure | None:
    if data.year_rows("elearning_completions", "module").empty:
        return None
    table, codes = _course_table(data, [("elearning_completions", "Completions")], "module", "eLearning module", public)
    title = f"eLearning modules completed during {data.year.label}"
    alt = f"Table: {title}. " + "; ".join(f"{r[0]}: {r[1]}" for r in table.itertuples(index=False)) + "."
    return ReportFigure("elearning_modules", title,
                        _finish(_table_figure(table), title, codes, data.year.label, public, 160 + 31 * len(table)),
                        table, alt, codes, data.year.label, _defs(data, codes))


# ---- benchmark comparisons ------------------------------------------------------------------------------

def benchmark_figure(data: YearData, f: Fact, public: bool) -> ReportFigure | None:
    if not f.available or not f.bench or f.raw_value is None or f.suppressed:
        return None
    names = ["Sandwell", *[n.replace(" average", "") for n, _ in f.comparators]]
    values = [f.raw_value, *[v for _, v in f.comparators]]
    keep = [(n, v) for n, v in zip(names, values) if v is not None]
    if len(keep) < 2:
        return None
    unit, d = f.unit, f.meta.decimals or 1
    shown = [words.fmt(v, unit, d) for _, v in keep]
    fig = go.Figure(go.Bar(
        x=[n for n, _ in keep], y=[v for _, v in keep], text=shown, textposition="outside", cliponaxis=False,
        marker={"color": [PALETTE[0]] + ["#b1b4b6"] * (len(keep) - 1),
                "pattern": {"shape": [""] + ["/"] * (len(keep) - 1)}},
    ))
    fig.update_layout(yaxis_title=f.title, showlegend=False, margin={"l": 70, "r": 20, "t": 60, "b": 90})
    if unit == "percent":
        fig.update_yaxes(ticksuffix="%")
    title = f"{f.title}: Sandwell {data.year.label} against DfE comparators ({f.benchmark_year or 'latest'})"
    table = pd.DataFrame({"Area": [n for n, _ in keep], "Value": shown})
    alt = f"Bar chart: {title}. " + "; ".join(f"{n} {s}" for (n, _), s in zip(keep, shown)) + ". " + f.vs_benchmarks
    return ReportFigure(f"benchmark_{f.code}", title, _finish(fig, title, [f.code], data.year.label, public, 440),
                        table, alt, [f.code], data.year.label, _defs(data, [f.code]),
                        notes=[(f"Comparators: DfE published figures for {f.benchmark_year}; "
                               f"release {(f.bench or {}).get('benchmark_release') or 'as loaded'}.")])


def build_all(data: YearData, public: bool = True) -> list[ReportFigure]:
    facts = data.facts(public=public)
    figures = [infographic(data, facts, public), quarterly_contacts(data, public)]
    figures += [breakdown_figure(data, facts[code], title, public) for code, title in BREAKDOWN_FIGURES]
    figures += [missing_by_quarter(data, public), training_courses(data, public), elearning_modules(data, public)]
    figures += [benchmark_figure(data, f, public) for f in facts if f.bench]
    return [f for f in figures if f is not None]


def not_available(data: YearData, built: list[ReportFigure]) -> list[str]:
    """The report's figures this year's indicators cannot draw yet (for the author and the provenance file)."""
    names = {f.name for f in built}
    wanted = ["infographic", "quarterly_contacts", *[c for c, _ in BREAKDOWN_FIGURES], "missing_by_quarter",
              "training_courses", "elearning_modules"]
    return [n for n in wanted if n not in names]
