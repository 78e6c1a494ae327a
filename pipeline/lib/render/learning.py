"""The dashboard's "Learning and assurance" section: what the QPPA subgroup must chase, then how reviews and audits went.

Five parts, in the order the subgroup works through them (issue 13):

- actions   overdue actions by agency at the quarter's end: how many, the oldest, by how long overdue, each action
- reviews   reviews in progress against their timescales: rapid review within 15 working days of the notification,
            review ratified within 6 months of its start (on time / late / overdue)
- audits    the 12 months' audits with their cases' grades, and agencies' audit returns
- themes    learning themes across reviews and audits, by quarter
- deaths    child deaths notified by area, the four-year comparison of the latest whole year

Every count is the indicator's (ind_values, the same figures as the cards and the report); the registers (as they
were filed for the quarter, pipeline.lib.learning.registers) add only the detail a count cannot carry: which action,
which review, which audit. A register's detail that does not add up to its indicator is left out with a notice,
never shown beside a different figure. A register not received for the quarter says "Not received", never 0.

The dashboard is internal and shows counts of children (reviews, themes, deaths) unsuppressed: `small_numbers`
says when any count of children from 1 to 5 is on the page, and the section and the page header then say so.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from pipeline.lib import sdc
from pipeline.lib.indicators import as_of, load_catalogue
from pipeline.lib.learning.registers import Registers
from pipeline.lib.periods import Quarter
from pipeline.lib.render.data import ValueIndex
from pipeline.lib.render.figures import LEGEND_ABOVE, PALETTE, breakdown_bars
from pipeline.lib.render.model import NOT_RECEIVED, Chart, coverage_text
from pipeline.lib.text import plotly_text
from pipeline.lib.working_days import add_working_days, working_days_between

SECTION_KEY = "learning"
SECTION_TITLE = "Learning and assurance"
SECTION_INTRO = ("What the QPPA subgroup must chase first, overdue actions by agency, then reviews against their "
                 "timescales, audit grades, learning themes and child deaths.")
CATALOGUE_SECTIONS = ("learning", "assurance", "child_deaths")   # shown together in this section
OVERDUE_BANDS = ["1-30 days", "31-90 days", "91-180 days", "Over 180 days"]  # sql/ind/ind_learning_actions.sql
RAPID_REVIEW_WORKING_DAYS = 15
REVIEW_MONTHS = 6
INTERNAL_MARKING = ("Internal: this page shows counts of children's reviews, learning themes and child deaths "
                    "without small-number suppression. Do not publish or forward it.")


def overdue_band(days: int) -> str:
    """The SQL's bands (sql/ind/ind_learning_actions.sql): 1-30, 31-90, 91-180, over 180 days past due."""
    return OVERDUE_BANDS[0] if days <= 30 else OVERDUE_BANDS[1] if days <= 90 else \
        OVERDUE_BANDS[2] if days <= 180 else OVERDUE_BANDS[3]


def six_months_after(day: dt.date) -> dt.date:
    """DuckDB's `day + interval 6 month` (the SQL's rule): the same day 6 months on, or that month's last day."""
    return (pd.Timestamp(day) + pd.DateOffset(months=REVIEW_MONTHS)).date()


def _day(d: dt.date | None) -> str:
    return f"{d:%-d %b %Y}" if d else "-"


def _n(value) -> str:
    return "-" if value is None or pd.isna(value) else f"{round(float(value)):,}"


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]
    role: str                                   # data-role, for tests and for the reader's find
    total: list[str] | None = None              # a total row, set apart in a <tfoot>


@dataclass
class Part:
    key: str
    title: str
    status: str = "complete"                    # complete | partial | not_received
    partial: str = ""
    summary: str = ""
    tables: list[Table] = field(default_factory=list)
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def received(self) -> bool:
        return self.status != "not_received"

    @property
    def anchor(self) -> str:
        return f"learning-{self.key}"


@dataclass
class LearningView:
    parts: list[Part]
    small_numbers: bool

    @property
    def marking(self) -> str:
        return INTERNAL_MARKING if self.small_numbers else ""


class _Values:
    """The ValueIndex read for one quarter's windows: a row that was not received is no value."""

    def __init__(self, values: ValueIndex, quarter: Quarter):
        self.values = values
        self.quarter = quarter
        self.rolling = f"12 months to {quarter.end:%b %Y}"

    def total(self, code: str, period_type: str = "quarter", label: str | None = None) -> dict | None:
        label = label or (self.quarter.label if period_type == "quarter" else self.rolling)
        return self.values.totals.get((code, period_type, label))

    def parts(self, code: str, period_type: str = "quarter", label: str | None = None) -> dict[str, float]:
        label = label or (self.quarter.label if period_type == "quarter" else self.rolling)
        return {str(r["breakdown_value"]): float(r["numerator"]) for r in self.values.parts.get((code, period_type, label), [])
                if r["numerator"] is not None and not pd.isna(r["numerator"])}

    def adds_up(self, part: Part, code: str, period_type: str, what: str) -> None:
        """A breakdown that does not add up to its total is said, beside both (never quietly shown as it is)."""
        row, parts = self.total(code, period_type), self.parts(code, period_type)
        if row and round(sum(parts.values())) != round(float(row["numerator"])):
            part.notes.append(f"The {what} add up to {_n(sum(parts.values()))}, not the total of {_n(row['numerator'])}: "
                              "recompute the quarter's indicators before relying on them.")

    def status(self, part: Part, code: str, period_type: str = "quarter") -> bool:
        """Sets the part's status from the indicator's row; False when the register was not received."""
        row = self.total(code, period_type)
        status = str(row["status"]) if row else "not_received"
        if row is None or status == "not_received" or row["numerator"] is None or pd.isna(row["numerator"]):
            part.status, part.summary = "not_received", f"{NOT_RECEIVED} for {self.quarter.label}."
            return False
        part.status = status
        if status == "partial":
            part.partial = coverage_text(row.get("coverage"), self.quarter.year.label)
        return True


# ---- overdue actions -------------------------------------------------------------------------------------------

def overdue_actions(reg: Registers, end: dt.date) -> pd.DataFrame:
    """Actions open and past due at `end`, with the SQL's rules: agreed by then (or no date agreed), not closed by
    then, due before it."""
    a = reg.actions
    cols = ["agency", "source_reference", "recommendation_number", "action", "owner_role", "due_date", "days",
            "band", "progress_date"]
    if a.empty:
        return pd.DataFrame(columns=cols)
    known = a["date_agreed"].map(lambda d: d is None or d <= end)
    open_ = a["date_closed"].map(lambda d: d is None or d > end)
    due = a["due_date"].map(lambda d: d is not None and d < end)
    rows = a[(known & open_ & due).astype(bool)].copy()
    rows["agency"] = [reg.label("agency", c) or str(c) for c in rows["agency"]]
    rows["days"] = [(end - d).days for d in rows["due_date"]]
    rows["band"] = rows["days"].map(overdue_band)
    return rows.sort_values(["days", "source_reference"], ascending=[False, True])[cols]


def actions_part(v: _Values, reg: Registers) -> Part:
    part = Part("actions", "Overdue actions, by agency")
    if not v.status(part, "actions_overdue"):
        return part
    end = v.quarter.end
    total = v.total("actions_overdue")["numerator"]
    by_agency = v.parts("actions_overdue")
    by_band = v.parts("actions_overdue_by_age")
    open_row = v.total("actions_open")
    v.adds_up(part, "actions_overdue", "quarter", "overdue actions by agency")
    v.adds_up(part, "actions_overdue_by_age", "quarter", "overdue actions by how long")
    detail = overdue_actions(reg, end)
    register_counts = detail["agency"].value_counts().to_dict()
    if register_counts != {a: int(n) for a, n in by_agency.items()}:
        part.notes.append("The actions tracker's rows for the quarter do not add up to the overdue figures by agency "
                          "(the register may not be in the warehouse): the oldest and the list of actions are left out.")
        detail = detail.iloc[0:0]
    agencies = sorted(by_agency, key=lambda a: (-by_agency[a], -(detail.loc[detail["agency"] == a, "days"].max()
                                                               if a in register_counts else 0), a))
    rows = []
    for agency in agencies:
        mine = detail[detail["agency"] == agency]
        bands = Counter(mine["band"])
        rows.append([agency, _n(by_agency[agency]), f"{mine['days'].max():,} days" if len(mine) else "-",
                     *[f"{bands[b]:,}" if len(mine) else "-" for b in OVERDUE_BANDS]])
    oldest = f"{detail['days'].max():,} days" if len(detail) else "-"
    part.tables.append(Table(f"Actions overdue at {end:%-d %B %Y}, by agency (most overdue first)",
                             ["Agency", "Overdue", "Oldest", *OVERDUE_BANDS], rows, "overdue-by-agency",
                             ["All agencies", _n(total), oldest, *[_n(by_band.get(b, 0)) for b in OVERDUE_BANDS]]))
    if len(detail):
        rank = {a: i for i, a in enumerate(agencies)}
        listed = detail.assign(_rank=detail["agency"].map(rank)).sort_values(["_rank", "days"], ascending=[True, False])
        part.tables.append(Table(f"Each overdue action at {end:%-d %B %Y}, by agency",
                                 ["Agency", "From", "Recommendation", "Action", "Owner", "Due", "Days overdue",
                                  "Latest update"],
                                 [[r.agency, str(r.source_reference), _n(r.recommendation_number), str(r.action or ""),
                                   str(r.owner_role or ""), _day(r.due_date), f"{r.days:,}", _day(r.progress_date)]
                                  for r in listed.itertuples()], "overdue-actions"))
    n_open = open_row["numerator"] if open_row else None
    if not total:
        part.summary = f"None of the {_n(n_open)} actions open at {end:%-d %B %Y} was past its due date."
        return part
    part.summary = (f"{_n(total)} of the {_n(n_open)} actions open at {end:%-d %B %Y} "
                    f"{'was' if total == 1 else 'were'} past their due date, across {len(agencies)} "
                    f"agenc{'y' if len(agencies) == 1 else 'ies'}.")
    if len(detail):
        worst = detail.iloc[0]
        part.summary += (f" The oldest, {worst['agency']}'s action from {worst['source_reference']}, was "
                         f"{worst['days']:,} days overdue.")
        part.chart = overdue_chart(detail, agencies)
    return part


def overdue_chart(detail: pd.DataFrame, agencies: list[str]) -> Chart:
    """Each agency's overdue actions as one bar, stacked by how long overdue (the longest darkest, on the right)."""
    labels = [plotly_text(a) for a in agencies]
    counts = {b: [int(((detail["agency"] == a) & (detail["band"] == b)).sum()) for a in agencies] for b in OVERDUE_BANDS}
    colours = [PALETTE[4], PALETTE[0], PALETTE[5], PALETTE[7]]
    data = [{"type": "bar", "orientation": "h", "name": b, "y": labels, "x": counts[b], "marker": {"color": c},
             "hovertemplate": f"%{{y}}: %{{x}} overdue {b}<extra></extra>"} for b, c in zip(OVERDUE_BANDS, colours)]
    most = max(sum(counts[b][i] for b in OVERDUE_BANDS) for i in range(len(agencies)))
    figure = {"data": data, "layout": {"barmode": "stack", "height": max(200, 90 + 28 * len(agencies)),
                                       "margin": {"l": 10, "r": 20, "t": 10, "b": 40},
                                       "legend": LEGEND_ABOVE,
                                       "xaxis": {"title": {"text": "Actions overdue"}, "rangemode": "tozero",
                                                 "dtick": 1 if most <= 10 else None, "gridcolor": "#e5e5e5"},
                                       "yaxis": {"type": "category", "autorange": "reversed"}}}
    rows = [[a, *[f"{counts[b][i]:,}" for b in OVERDUE_BANDS]] for i, a in enumerate(agencies)]
    longest = next((b for b in reversed(OVERDUE_BANDS) if sum(counts[b])), OVERDUE_BANDS[0])
    summary = (f"{', '.join(a for a, n in zip(agencies, counts[longest]) if n)} "
               f"{'has' if sum(1 for n in counts[longest] if n) == 1 else 'have'} actions overdue {longest.lower()}.")
    return Chart("learning-actions-chart", figure, summary, ["Agency", *OVERDUE_BANDS], rows,
                 "Actions overdue by agency and by how long")


# ---- reviews against their timescales ----------------------------------------------------------------------------

def _stage(done: dt.date | None, due: dt.date, end: dt.date) -> str:
    """On time / Late (done after its due date) / Overdue (not done, past due) / Due <date> (not done, not yet due)."""
    if done is not None and done <= end:
        return "On time" if done <= due else "Late"
    return "Overdue" if end > due else f"Due {_day(due)}"


def review_timescales(reg: Registers, quarter: Quarter) -> list[dict]:
    """Reviews with a stage open at the quarter's end or completed in it, each stage against its timescale."""
    start, end = quarter.start, quarter.end
    out = []
    for r in reg.reviews.sort_values("date_received").to_dict("records") if len(reg.reviews) else []:
        notified, held = r["notification_date"], r["rapid_review_date"]
        begun, ratified = r["review_start_date"], r["ratified_date"]
        rapid_open = notified is not None and notified <= end and (held is None or held > end)
        rapid_now = held is not None and start <= held <= end and notified is not None
        review_open = begun is not None and begun <= end and (ratified is None or ratified > end)
        review_now = begun is not None and ratified is not None and start <= ratified <= end
        if not (rapid_open or rapid_now or review_open or review_now):
            continue
        rapid = ""
        if notified is not None and notified <= end:
            if held is not None and held <= end:
                rapid = "On time" if working_days_between(notified, held)[0] <= RAPID_REVIEW_WORKING_DAYS else "Late"
            else:
                rapid = _stage(None, add_working_days(notified, RAPID_REVIEW_WORKING_DAYS), end)
        review = _stage(ratified, six_months_after(begun), end) if begun is not None and begun <= end else ""
        out.append({"reference": str(r["case_reference"]), "decision": reg.label("review_decision", r["decision"]),
                    "notified": notified, "held": held if held is not None and held <= end else None, "rapid": rapid,
                    "started": begun, "due": six_months_after(begun) if begun is not None else None,
                    "ratified": ratified if ratified is not None and ratified <= end else None, "review": review,
                    "open": review_open, "beyond": review_open and end > six_months_after(begun)})
    return out


def reviews_part(v: _Values, reg: Registers) -> Part:
    part = Part("reviews", "Reviews against their timescales")
    if not v.status(part, "reviews_in_progress"):
        return part
    end = v.quarter.end
    in_progress = v.total("reviews_in_progress")["numerator"]
    timescale = v.parts("reviews_in_progress")
    v.adds_up(part, "reviews_in_progress", "quarter", "reviews in progress by timescale")
    rows = review_timescales(reg, v.quarter)
    register = Counter("Beyond 6 months" if r["beyond"] else "Within 6 months" for r in rows if r["open"])
    if dict(register) != {k: int(n) for k, n in timescale.items()}:
        part.notes.append("The reviews register's rows for the quarter do not add up to the reviews in progress "
                          "(the register may not be in the warehouse): the list of reviews is left out.")
        rows = []
    rapid = v.total("rapid_reviews_15wd_pct", "rolling_12m")
    part.tables.append(Table(f"Reviews in progress at {end:%-d %B %Y}, against the 6-month timescale",
                             ["Timescale", "Reviews"],
                             [[k, _n(timescale.get(k, 0))] for k in ("Within 6 months", "Beyond 6 months")],
                             "reviews-in-progress", ["All in progress", _n(in_progress)]))
    if rows:
        part.tables.append(Table(f"Each review open at {end:%-d %B %Y} or completed in {v.quarter.label}",
                                 ["Reference", "Decision", "Notified", "Rapid review held", "Within 15 working days",
                                  "Review started", "Due (6 months)", "Ratified", "Within 6 months"],
                                 [[r["reference"], r["decision"], _day(r["notified"]), _day(r["held"]), r["rapid"] or "-",
                                   _day(r["started"]), _day(r["due"]), _day(r["ratified"]), r["review"] or "-"]
                                  for r in rows], "review-timescales"))
    beyond = timescale.get("Beyond 6 months", 0)
    part.summary = (f"{_n(in_progress)} review{'' if in_progress == 1 else 's'} in progress at {end:%-d %B %Y}, "
                    f"{_n(beyond)} beyond 6 months of {'its' if in_progress == 1 else 'their'} start.")
    if rapid and rapid["denominator"] and not pd.isna(rapid["denominator"]):
        part.summary += (f" In the {v.rolling}, {_n(rapid['numerator'])} of {_n(rapid['denominator'])} rapid reviews "
                         f"were held within {RAPID_REVIEW_WORKING_DAYS} working days of the notification.")
    overdue = [r["reference"] for r in rows if "Overdue" in (r["rapid"], r["review"])]
    if overdue:
        part.summary += f" Overdue: {', '.join(overdue)}."
    return part


# ---- audits and their grades --------------------------------------------------------------------------------------

def audits_part(v: _Values, reg: Registers) -> Part:
    part = Part("audits", f"Audit grades, {v.rolling}")
    if not v.status(part, "audit_cases_by_grade", "rolling_12m"):
        return part
    first, end = v.quarter.rolling_year()
    by_grade = v.parts("audit_cases_by_grade", "rolling_12m")
    v.adds_up(part, "audit_cases_by_grade", "rolling_12m", "cases by grade")
    grades = [c.label for c in reg.codes["audit_grade"].codes]
    grades += [g for g in by_grade if g not in grades]
    audits = reg.audits
    chosen = audits[audits["audit_date"].map(lambda d: d is not None and first <= d <= end).astype(bool)] \
        if len(audits) else audits
    rows, tally = [], Counter()
    for a in chosen.sort_values("audit_date").to_dict("records") if len(chosen) else []:
        cases = reg.audit_cases[reg.audit_cases["audit_reference"] == a["audit_reference"]]
        if cases.empty:
            continue
        labels = Counter(reg.label("audit_grade", g) for g in cases["grade"])
        tally.update(labels)
        rows.append([f"{a['title']} ({a['audit_reference']})", reg.label("audit_type", a["audit_type"]),
                     _day(a["audit_date"]), f"{len(cases):,}", *[f"{labels[g]:,}" for g in grades]])
    if {g: n for g, n in tally.items() if n} != {g: int(n) for g, n in by_grade.items()}:
        part.notes.append("The audits register's case grades do not add up to the cases by grade for the 12 months "
                          "(the register may not be in the warehouse): the list of audits is left out.")
        rows = []
    total = v.total("audit_cases_by_grade", "rolling_12m")
    shown = [g for g in grades if by_grade.get(g) or any(r[4 + grades.index(g)] != "0" for r in rows)]
    keep = [0, 1, 2, 3, *[4 + grades.index(g) for g in shown]]
    part.tables.append(Table(f"Cases audited by grade, audits held in the {v.rolling}",
                             ["Audit", "Type", "Date", "Cases", *shown], [[r[i] for i in keep] for r in rows],
                             "audit-grades",
                             ["All audits", "", "", _n(total["numerator"]), *[_n(by_grade.get(g, 0)) for g in shown]]))
    good = v.total("audit_cases_good_pct", "rolling_12m")
    returned = v.total("audit_return_rate_pct", "rolling_12m")
    late = v.parts("audit_returns_late", "rolling_12m")
    part.summary = f"{_n(total['numerator'])} cases graded in the {v.rolling}"
    if good and good["denominator"]:
        part.summary += f", {_n(good['numerator'])} good or better"
    part.summary += "."
    if returned and returned["denominator"] and not pd.isna(returned["denominator"]):
        part.summary += (f" Agencies returned {_n(returned['numerator'])} of the {_n(returned['denominator'])} "
                         "audit returns due.")
    if late:
        part.summary += " Late or missing: " + ", ".join(f"{a} ({_n(n)})" for a, n in
                                                          sorted(late.items(), key=lambda x: (-x[1], x[0]))) + "."
    return part


# ---- themes over time -----------------------------------------------------------------------------------------------

def themes_part(v: _Values, quarters: list[Quarter]) -> Part:
    part = Part("themes", "Learning themes across reviews and audits, by quarter")
    if not v.status(part, "learning_themes", "rolling_12m"):
        return part
    shown = [q for q in quarters if q <= v.quarter][-8:]
    by_quarter = {}
    for q in shown:
        row = v.total("learning_themes", "quarter", q.label)
        by_quarter[q] = None if row is None or row["status"] == "not_received" else v.parts("learning_themes", "quarter", q.label)
    year = v.parts("learning_themes", "rolling_12m")
    themes = sorted({t for p in by_quarter.values() if p for t in p} | set(year),
                    key=lambda t: (-year.get(t, 0), -sum((p or {}).get(t, 0) for p in by_quarter.values()), t))
    rows = [[t, *[NOT_RECEIVED if by_quarter[q] is None else _n(by_quarter[q].get(t, 0)) for q in shown],
             _n(year.get(t, 0))] for t in themes]
    totals = [v.total("learning_themes", "quarter", q.label) for q in shown]
    part.tables.append(Table("Reviews and audits naming each theme, by quarter (a review or audit may name several)",
                             ["Theme", *[q.label for q in shown], v.rolling], rows, "themes-by-quarter",
                             ["Reviews and audits naming any theme",
                              *[NOT_RECEIVED if by_quarter[q] is None else _n(t["numerator"]) for q, t in zip(shown, totals)],
                              _n(v.total("learning_themes", "rolling_12m")["numerator"])]))
    top = [t for t in themes if year.get(t)][:3]
    part.summary = (f"The themes named most often in the {v.rolling}: "
                    + ", ".join(f"{t.lower() if not t[:2].isupper() else t} ({_n(year[t])})" for t in top) + "."
                    if top else f"No review or audit in the {v.rolling} named a theme.")
    if top:
        chosen = [t for t in themes if year.get(t)][:12]
        part.chart = Chart("learning-themes-chart", breakdown_bars(chosen, [year[t] for t in chosen],
                                                                   "Reviews and audits naming the theme", ",.0f"),
                           f"The {len(chosen)} themes named most often in the {v.rolling}, most first.",
                           ["Theme", v.rolling], [[t, _n(year[t])] for t in chosen],
                           f"Learning themes, {v.rolling}")
    return part


# ---- child deaths ---------------------------------------------------------------------------------------------------

def deaths_part(v: _Values, reg: Registers) -> Part:
    part = Part("deaths", "Child deaths notified, with the four-year comparison")
    if not v.status(part, "child_deaths_by_area", "rolling_12m"):
        return part
    years = sorted({label for (code, ptype, label) in v.values.parts if code == "child_deaths_trend" and ptype == "year"
                    and label <= v.quarter.year.label})
    latest = years[-1] if years else None
    trend = v.parts("child_deaths_trend", "year", latest) if latest else {}
    table: dict[str, dict[str, float]] = {}
    for key, n in trend.items():
        year, area = key.split(": ", 1)
        table.setdefault(area, {})[year] = n
    columns = sorted({y for by_year in table.values() for y in by_year})
    rolling = v.parts("child_deaths_by_area", "rolling_12m")
    v.adds_up(part, "child_deaths_by_area", "rolling_12m", "deaths by area")
    add_rolling = v.quarter.number != 4                     # at Q4 the 12 months are the year itself
    order = [c.label for c in reg.codes["cdop_area"].codes]
    areas = sorted(set(table) | set(rolling), key=lambda a: (order.index(a) if a in order else len(order), a))
    rows = [[a, *[_n(table.get(a, {}).get(y)) for y in columns], *([_n(rolling.get(a, 0))] if add_rolling else [])]
            for a in areas]
    total = [_n(sum(table[a].get(y, 0) for a in table)) for y in columns]
    cdop = v.total("child_deaths_by_area", "rolling_12m")["numerator"]
    part.tables.append(Table(f"Child deaths notified by area, {columns[0]} to {columns[-1]}" if columns else
                             f"Child deaths notified by area, {v.rolling}",
                             ["Area", *columns, *([v.rolling] if add_rolling else [])], rows, "deaths-by-area",
                             ["All areas", *total, *([_n(cdop)] if add_rolling else [])]))
    if not columns:
        part.notes.append("No whole financial year of child deaths has been received yet: the four-year comparison "
                          "starts with the first Q4.")
    local = reg.partnership_area
    jar = v.parts("child_deaths_jar", "rolling_12m")
    referred = v.total("child_deaths_referred", "rolling_12m")
    part.summary = (f"{_n(cdop)} child deaths were notified across the CDOP in the {v.rolling}, "
                    f"{_n(rolling.get(local, 0))} in {local}; {_n(jar.get(local, 0))} of {local}'s required a joint "
                    f"agency response")
    if referred and not pd.isna(referred["numerator"]):
        part.summary += f" and {_n(referred['numerator'])} {'was' if referred['numerator'] == 1 else 'were'} referred for a review"
    part.summary += "."
    if columns:
        # horizontal, as the house's other breakdowns: area names down the side never run into each other on
        # a phone, as they did along the bottom
        data = [{"type": "bar", "orientation": "h", "name": y, "y": [plotly_text(a) for a in areas],
                 "x": [table.get(a, {}).get(y) for a in areas], "marker": {"color": PALETTE[i % len(PALETTE)]},
                 "hovertemplate": f"%{{y}} {y}: %{{x:,.0f}}<extra></extra>"} for i, y in enumerate(columns)]
        figure = {"data": data, "layout": {"barmode": "group", "showlegend": True,
                                           "height": max(240, 80 + 16 * len(areas) * len(columns)),
                                           "margin": {"l": 10, "r": 20, "t": 10, "b": 40},
                                           "legend": LEGEND_ABOVE,
                                           "xaxis": {"title": {"text": "Deaths notified"}, "rangemode": "tozero",
                                                     "gridcolor": "#e5e5e5"},
                                           "yaxis": {"type": "category", "autorange": "reversed"}}}
        trend = "; ".join(f"{a}: {', '.join(_n(table.get(a, {}).get(y)) for y in columns)}" for a in areas)
        part.chart = Chart("learning-deaths-chart", figure, f"Deaths notified each year, {columns[0]} to {columns[-1]}: "
                           f"{trend}.", ["Area", *columns],
                           [[a, *[_n(table.get(a, {}).get(y)) for y in columns]] for a in areas],
                           f"Child deaths notified by area, {columns[0]} to {columns[-1]}")
    return part


# ---- the section ------------------------------------------------------------------------------------------------------

def shows_small_numbers(values: ValueIndex) -> bool:
    """Any count of children (catalogue disclosure 'children') from 1 to 5 among this section's values on the page, as a
    figure or as what a percentage rests on ('3 of 3'): the cards show every loaded quarter, so every row up to the
    quarter counts."""
    children = {i.code for i in load_catalogue() if i.section in CATALOGUE_SECTIONS and i.disclosure == sdc.CHILDREN}
    rows = [r for (code, *_), r in values.totals.items() if code in children]
    rows += [r for (code, *_), parts in values.parts.items() if code in children for r in parts]
    return any(sdc.is_small(r[k]) for r in rows for k in ("numerator", "denominator")
               if r[k] is not None and not pd.isna(r[k]))


def learning_view(con: duckdb.DuckDBPyConnection, quarter: Quarter, values: ValueIndex,
                  quarters: list[Quarter]) -> LearningView:
    """The section for one quarter: the registers as filed for it, the counts from `values` (ind_values to it)."""
    with as_of(con, quarter):
        reg = Registers.read(con)
    v = _Values(values, quarter)
    parts = [actions_part(v, reg), reviews_part(v, reg), audits_part(v, reg), themes_part(v, quarters),
             deaths_part(v, reg)]
    return LearningView(parts, shows_small_numbers(values))
