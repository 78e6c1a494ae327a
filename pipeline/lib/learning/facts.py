"""What the report's three learning sections say, worked out once from the warehouse: figures and the words they pick.

`LearningFacts(con, year, public)` reads the year's learning indicators from ind_values (the same figures as the
dashboard) and the registers (pipeline.lib.learning.registers) for the detail a figure cannot carry (which review
was ratified when, which agency's return is missing, each audit's grades). Everything a template prints is a
string or a `publish.Number` made here, so templates never do arithmetic, and in public mode a count of children
from 1 to 5 is never printed (reviews and deaths; actions and audits are not counts of children).

Templates (reports/templates/narrative/learning_from_reviews.md.j2, qppa_assurance.md.j2, child_deaths.md.j2)
see `learning.reviews`, `learning.qppa`, `learning.deaths`, `learning.impact`, `year` and `public`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from pipeline.lib import warehouse
from pipeline.lib.learning import publish
from pipeline.lib.learning.publish import Number, count, lower_first, not_available, percent
from pipeline.lib.learning.registers import Registers
from pipeline.lib.periods import FinancialYear
from pipeline.lib.report import words
from pipeline.lib.returns.spec import load_specs
from pipeline.lib.settings import partnership_settings

REVIEWING = ("lcspr", "national_review", "spotlight", "learning_review")   # decisions that start a review


def join(items: list[str]) -> str:
    return words.join_words([i for i in items if i])


def plural(n: float | None, one: str, many: str) -> str:
    return one if n == 1 else many


def month_year(day: dt.date) -> str:
    return f"{day:%B %Y}"


# ---- the year's indicator values ---------------------------------------------------------------------------------

class YearValues:
    """ind_values 'year' rows of this year and the previous one; a not-received row is no value (never zero)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, year: FinancialYear):
        self.year = year
        if warehouse.table_exists(con, "ind_values"):
            rows = con.execute("""select * from ind_values where period_type = 'year' and period_label in (?, ?)""",
                               [year.label, year.previous().label]).df()
        else:
            rows = pd.DataFrame(columns=["indicator_code", "period_label", "breakdown", "breakdown_value",
                                         "numerator", "denominator", "value"])
        if "status" in rows:
            rows = rows[rows["status"].fillna("complete") != "not_received"]
        self.rows = rows

    def total(self, code: str, previous: bool = False) -> dict | None:
        label = self.year.previous().label if previous else self.year.label
        r = self.rows
        hit = r[(r["indicator_code"] == code) & (r["period_label"] == label) & (r["breakdown"] == "total")]
        if hit.empty or pd.isna(hit.iloc[0]["numerator"]):
            return None
        return hit.iloc[0].to_dict()

    def parts(self, code: str, previous: bool = False) -> pd.DataFrame:
        label = self.year.previous().label if previous else self.year.label
        r = self.rows
        return r[(r["indicator_code"] == code) & (r["period_label"] == label) & (r["breakdown"] != "total")]

    def partial(self, code: str) -> str | None:
        """The quarters a partial year rests on ('2022-23 Q3, 2022-23 Q4'), or None when complete."""
        row = self.total(code)
        if row and row.get("status") == "partial":
            return str(row.get("coverage") or "")
        return None


@dataclass
class Section:
    """Shared by the three sections: the facts object they were made from, and what they need of it."""

    facts: LearningFacts
    available: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def year(self) -> FinancialYear:
        return self.facts.year

    @property
    def public(self) -> bool:
        return self.facts.public

    def protect(self, code: str) -> bool:
        return self.public and publish.disclosure(code) == publish.CHILDREN

    def count(self, code: str, previous: bool = False) -> Number:
        row = self.facts.values.total(code, previous)
        return count(row["numerator"], self.protect(code), code) if row else not_available(code)

    def percent(self, code: str, decimals: int = 0) -> tuple[Number, Number, Number]:
        """(numerator, denominator, percentage) of a percent indicator."""
        row = self.facts.values.total(code)
        if not row:
            return not_available(code), not_available(code), not_available(code)
        p = self.protect(code)
        return (count(row["numerator"], p, code), count(row["denominator"], p, code),
                percent(row["numerator"], row["denominator"], p, decimals, code))

    def breakdown(self, code: str, previous: bool = False) -> list[tuple[str, Number]]:
        """(label, count) of a breakdown, largest first, secondary suppression across it and its total."""
        parts = self.facts.values.parts(code, previous)
        if parts.empty:
            return []
        frame = parts.set_index("breakdown_value")[["numerator"]].astype(float)
        frame = frame.sort_values("numerator", ascending=False, kind="stable")
        total = self.facts.values.total(code, previous)
        protect = self.protect(code)
        if protect:
            frame.loc["__total__"] = [float(total["numerator"]) if total else frame["numerator"].sum()]
            shown = publish.table_counts(frame, ["numerator"], True, total_row="__total__").drop(index="__total__")
            return [(str(k), Number(None if v == "c" else float(frame.at[k, "numerator"]),
                                    words.SMALL_NUMBER if v == "c" else v, suppressed=v == "c"))
                    for k, v in shown["numerator"].items()]
        return [(str(k), count(v, False)) for k, v in frame["numerator"].items()]

    def listing(self, parts: list[tuple[str, Number]], limit: int | None = None, with_counts: bool = True,
                lower: bool = False) -> str:
        chosen = [(lower_first(label) if lower else label, n) for label, n in (parts[:limit] if limit else parts)]
        if not with_counts:
            return join([label for label, _ in chosen])
        return join([f"{label} ({n.text})" for label, n in chosen])


# ---- learning from practice reviews ------------------------------------------------------------------------------

class ReviewFacts(Section):
    def __init__(self, facts: LearningFacts):
        super().__init__(facts)
        reg = facts.registers
        start, end = self.year.start, self.year.end
        self.available = facts.values.total("reviews_considered") is not None
        self.notified = self.count("reviews_notified")
        self.referred = self.count("reviews_referred")
        self.considered = self.count("reviews_considered")
        self.decisions = self.breakdown("reviews_considered")
        self.published = self.count("reviews_published")
        self.ratified = self.count("reviews_ratified")
        self.rapid_in_time, self.rapid_held, self.rapid_pct = self.percent("rapid_reviews_15wd_pct")
        self.six_months_in_time, self.six_months_ratified, self.six_months_pct = self.percent("reviews_6_months_pct")
        self.in_progress = self.count("reviews_in_progress")
        timescale = dict(self.breakdown("reviews_in_progress"))
        self.in_progress_beyond = timescale.get("Beyond 6 months", count(0, False))
        protect = self.protect("reviews_considered")

        cases = reg.reviews
        received = cases[(cases["date_received"] >= start) & (cases["date_received"] <= end)] if len(cases) else cases
        notified = received[received["route"] == "notification"]
        referrals = received[received["route"] == "referral"]
        lcspr = received[received["decision"] == "lcspr"]
        self.lcspr = count(len(lcspr), protect)
        self.notified_to_lcspr = count(len(notified[notified["decision"] == "lcspr"]), protect)
        ratified = lcspr[lcspr["ratified_date"].map(lambda d: d is not None and d <= end).astype(bool)]
        months = sorted({month_year(d) for d in ratified["ratified_date"]}, key=lambda m: dt.datetime.strptime(m, "%B %Y"))
        self.lcspr_ratified = count(len(ratified), protect)
        self.lcspr_ratified_when = join(months)
        self.lcspr_in_progress = count(len(lcspr) - len(ratified), protect)
        detail = []
        if not self.lcspr.suppressed and len(lcspr):
            if len(ratified):
                detail.append(f"{self.lcspr_ratified.text} ratified in {self.lcspr_ratified_when}")
            if len(lcspr) > len(ratified):
                n = self.lcspr_in_progress
                detail.append(f"{n.text} {n.plural('remains', 'remain')} in progress")
        self.lcspr_detail = ", ".join(detail)
        spotlight = cases[(cases["decision"] == "spotlight") & cases["ratified_date"].map(
            lambda d: d is not None and start <= d <= end)] if len(cases) else cases
        self.spotlight_completed = count(len(spotlight), protect)
        others = referrals[referrals["decision"] != "spotlight"]
        self.other_referrals = count(len(others), protect)
        self.other_nfa = count(int((others["decision"] == "nfa").sum()), protect)
        self.other_briefings = count(int((others["decision"] == "learning_briefing").sum()), protect)
        self.other_reviews = count(int(others["decision"].isin(REVIEWING).sum()), protect)

        # Reviews still open at the year end, with how long they have run (internal detail; public: the count)
        self.open_reviews: list[dict] = []
        if len(cases) and not self.public:
            running = cases[cases["review_start_date"].map(lambda d: d is not None and d <= end).astype(bool)
                            & cases["ratified_date"].map(lambda d: d is None or d > end).astype(bool)]
            for r in running.sort_values("review_start_date").to_dict("records"):
                months_open = (end.year - r["review_start_date"].year) * 12 + end.month - r["review_start_date"].month
                self.open_reviews.append({"reference": r["case_reference"], "type": reg.label("review_decision", r["decision"]),
                                          "started": month_year(r["review_start_date"]), "months": months_open,
                                          "beyond": months_open > 6 or (months_open == 6 and end.day > r["review_start_date"].day)})
        self.open_listing = join([f"{r['reference']} ({r['type'].lower()}, started {r['started']}"
                                  f"{', beyond 6 months' if r['beyond'] else ''})" for r in self.open_reviews])

        self.themes = self.breakdown("learning_themes")
        self.themes_listing = self.listing(self.themes, 5, with_counts=not self.public, lower=True)

        # the actions tracker at the year end
        self.actions_open = self.count("actions_open")
        self.actions_overdue = self.count("actions_overdue")
        _, _, self.actions_overdue_pct = self.percent("actions_overdue_pct")
        self.overdue_by_agency = self.breakdown("actions_overdue")
        self.overdue_listing = self.listing(self.overdue_by_agency)
        self.overdue_by_age = self.breakdown("actions_overdue_by_age")
        self.actions_closed = self.count("actions_closed")
        self.closed_on_time, self.closed_in_year, self.closed_on_time_pct = self.percent("actions_closed_on_time_pct")
        self.recs_closed, self.recs_total, self.recs_closed_pct = self.percent("recommendations_closed_pct")
        actions = reg.actions
        known = actions[actions["date_agreed"].map(lambda d: d is None or d <= end).astype(bool)] if len(actions) else actions
        self.actions_known = count(len(known), False)
        overdue = known[known["date_closed"].map(lambda d: d is None or d > end).astype(bool)
                        & known["due_date"].map(lambda d: d is not None and d < end).astype(bool)] if len(known) else known
        self.longest_overdue = ""
        if len(overdue):
            worst = overdue.sort_values("due_date").iloc[0]
            days = (end - worst["due_date"]).days
            self.longest_overdue = (f"the longest overdue, {reg.label('agency', worst['agency'])}'s action from "
                                    f"{worst['source_reference']}, was {days:,} days past its due date")
        references = set(cases["case_reference"]) | set(reg.audits["audit_reference"])
        unknown = sorted(set(actions["source_reference"]) - references) if len(actions) else []
        if unknown:
            self.notes.append(f"Actions name {plural(len(unknown), 'a reference', 'references')} in neither the reviews "
                              f"register nor the audits: {join(unknown)}.")
        self.partial = facts.values.partial("reviews_considered")


# ---- QPPA: audits and assurance ----------------------------------------------------------------------------------

def _audits_phrase(label: str, n: Number) -> str:
    """'3 multi-agency case file audits', '1 Section 11 audit'."""
    name = label[:1].lower() + label[1:] if not label[:2].isupper() and not label.startswith("Section") else label
    if n.value != 1:
        name = re.sub(r"\baudit\b", "audits", name, count=1)
    return f"{n.text} {name}"


def grade_sentence(grades: list[str], noun: str = "cases", one: str = "case") -> str:
    """Walsall's words: '5 of the 6 cases were graded requires improvement, with 1 graded good'."""
    if not grades:
        return ""
    tally = pd.Series(grades).value_counts(sort=False)
    order = sorted(tally.index, key=lambda g: (-tally[g], grades.index(g)))
    n = len(grades)
    first = order[0]
    if len(order) == 1:
        return f"all {n} {noun} were graded {first.lower()}" if n > 1 else f"the {one} was graded {first.lower()}"
    rest = join([f"{tally[g]} graded {g.lower()}" for g in order[1:]])
    return f"{tally[first]} of the {n} {noun} were graded {first.lower()}, with {rest}"


class QppaFacts(Section):
    def __init__(self, facts: LearningFacts):
        super().__init__(facts)
        reg = facts.registers
        start, end = self.year.start, self.year.end
        self.available = facts.values.total("audits_completed") is not None
        self.audits = self.count("audits_completed")
        by_type = self.breakdown("audits_completed")
        self.by_type = by_type
        self.by_type_listing = join([_audits_phrase(label, n) for label, n in by_type])
        self.cases_good, self.cases_graded, self.cases_good_pct = self.percent("audit_cases_good_pct")
        self.grades = self.breakdown("audit_cases_by_grade")
        self.grades_listing = join([f"{n.text} {label.lower()}" for label, n in self.grades])
        self.returned, self.returns_due, self.return_rate = self.percent("audit_return_rate_pct")
        self.on_time, _, self.on_time_pct = self.percent("audit_returns_on_time_pct")
        self.returns_late = self.count("audit_returns_late")
        self.late_by_agency = self.breakdown("audit_returns_late")
        self.late_listing = self.listing(self.late_by_agency)

        audits = reg.audits
        year_audits = audits[(audits["audit_date"] >= start) & (audits["audit_date"] <= end)] if len(audits) else audits
        cases, returns = reg.audit_cases, reg.audit_returns
        label = reg.label
        self.macfas: list[dict] = []
        for a in year_audits[year_audits["audit_type"] == "macfa"].sort_values("audit_date").to_dict("records"):
            grades = [label("audit_grade", g) for g in
                      cases[cases["audit_reference"] == a["audit_reference"]].sort_values("case_number")["grade"]]
            asked = returns[returns["audit_reference"] == a["audit_reference"]]
            back = asked[asked["date_returned"].map(lambda d: d is not None and d <= end).astype(bool)]
            self.macfas.append({"reference": a["audit_reference"], "title": a["title"], "month": month_year(a["audit_date"]),
                                "cases": len(grades), "grades": grade_sentence(grades),
                                "asked": len(asked), "returned": len(back),
                                "themes": join([t.lower() for t in reg.labels("learning_theme", a["themes"])]),
                                "development": a.get("areas_for_development") or "",
                                "good_practice": a.get("good_practice") or ""})
        self.macfa_count = count(len(self.macfas), False)

        def assurance(kind: str) -> dict | None:
            chosen = year_audits[year_audits["audit_type"] == kind]
            if chosen.empty:
                return None
            refs = set(chosen["audit_reference"])
            asked = returns[returns["audit_reference"].isin(refs)]
            back = asked[asked["date_returned"].map(lambda d: d is not None and d <= end).astype(bool)]
            grades = [label("audit_grade", g) for g in back["grade"] if g is not None and not pd.isna(g)]
            late_mask = [((back_on is None or back_on > end) and due < end) or (back_on is not None and back_on > due)
                         for back_on, due in zip(asked["date_returned"], asked["date_due"])]
            late = asked[pd.Series(late_mask, index=asked.index, dtype=bool)]
            all_one = len(set(grades)) == 1 and len(grades) == len(back)
            return {"title": chosen.iloc[0]["title"], "asked": len(asked), "participating": len(back),
                    "month": month_year(chosen.iloc[0]["audit_date"]),
                    "all_grade": grades[0] if all_one and grades else "",
                    "grades": grade_sentence(grades, "agencies", "agency") if grades else "",
                    "late": join(sorted(label("agency", a) for a in late["agency"])),
                    "next_steps": chosen.iloc[0].get("next_steps") or ""}
        self.section_11 = assurance("section_11")
        self.s175 = assurance("s175")

        # the single-agency audit rota: presented in the year, and those due in the year not presented by its end
        presented = year_audits[year_audits["audit_type"] == "single_agency"]
        self.single_agency_presented = count(len(presented), False)
        self.single_agency_presented_by = join(sorted(label("agency", a) for a in presented["lead_agency"] if a))
        known_refs = set(audits["audit_reference"]) if len(audits) else set()
        due = returns[(returns["date_due"] >= start) & (returns["date_due"] <= end)] if len(returns) else returns
        outstanding = due[~due["audit_reference"].isin(known_refs)
                          & due["date_returned"].map(lambda d: d is None or d > end).astype(bool)] if len(due) else due
        self.rota_outstanding = count(len(outstanding), False)
        self.rota_outstanding_by = join(sorted(label("agency", a) for a in outstanding["agency"]))
        themes = [t for ts in year_audits["themes"] for t in reg.labels("learning_theme", ts)] if len(year_audits) else []
        self.audit_themes = join(list(dict.fromkeys(t.lower() for t in pd.Series(themes).value_counts().index))[:5]) \
            if themes else ""
        self.partial = facts.values.partial("audits_completed")


# ---- child deaths --------------------------------------------------------------------------------------------------

def _series_words(values: list[float]) -> str:
    """'a year on year increase' / 'a year on year decrease' / 'a rise and then a fall' for a short series."""
    steps = ["up" if b > a else "down" if b < a else "same" for a, b in itertools.pairwise(values)]
    if all(s == "up" for s in steps):
        return "a year on year increase"
    if all(s == "down" for s in steps):
        return "a year on year decrease"
    if all(s == "same" for s in steps):
        return "the same number each year"
    return "numbers that rose and fell"


def change_words(now: float, before: float) -> tuple[str, float]:
    if now > before:
        return "risen", now - before
    if now < before:
        return "fallen", before - now
    return "remained the same", 0


AGE_PHRASES = {"Under 28 days": "babies aged under 28 days", "28 days to under 1 year": "babies aged 28 days to 1 year"}


class ChildDeathFacts(Section):
    def __init__(self, facts: LearningFacts):
        super().__init__(facts)
        reg = facts.registers
        # a hub member is its own CDOP area (as its ind_values were counted); one partnership: codes.yaml's
        self.area = partnership_settings().get("cdop_area") or reg.partnership_area
        cdop = load_specs()["child_deaths"].default_agency
        self.cdop_area = cdop.removesuffix(" CDOP") if cdop.endswith(" CDOP") else cdop
        self.available = facts.values.total("child_deaths_by_area") is not None
        protect = self.protect("child_deaths_by_area")
        self.total = self.count("child_deaths_by_area")
        self.by_area = self.breakdown("child_deaths_by_area")
        self.local = dict(self.by_area).get(self.area, self.count("child_deaths_local"))
        self.jars = self.count("child_deaths_jar")
        self.local_jars = dict(self.breakdown("child_deaths_jar")).get(self.area, not_available())
        self.referred = self.count("child_deaths_referred")
        self.categories = self.breakdown("child_deaths_by_category")
        self.categories_listing = self.listing(self.categories, 4, lower=True)

        # the four-year comparison: area x year, with the CDOP's total per year
        trend = facts.values.parts("child_deaths_trend")
        self.trend_years: list[str] = []
        self.trend_since = ""
        self.trend_table = pd.DataFrame()
        self.trend_sentence = ""
        if len(trend):
            split = trend["breakdown_value"].str.split(": ", n=1, expand=True)
            frame = pd.DataFrame({"year": split[0], "area": split[1], "n": trend["numerator"].astype(float).to_numpy()})
            table = frame.pivot_table(index="area", columns="year", values="n", aggfunc="sum")
            self.trend_years = sorted(table.columns)
            self.trend_since = f"April {self.trend_years[0][:4]}"
            areas = [a for a in (c.label for c in reg.codes["cdop_area"].codes) if a in table.index]
            table = table.loc[areas, self.trend_years]
            table.loc[f"{self.cdop_area} total"] = table.sum()
            self.trend_table = publish.table_counts(table, self.trend_years, protect,
                                                    total_row=f"{self.cdop_area} total")
            if self.area in table.index and len(self.trend_years) >= 2:
                series = [float(v) for v in table.loc[self.area, self.trend_years]]
                hidden = protect and any(1 <= v <= 5 for v in series)
                if not hidden:
                    word, by = change_words(series[-1], series[-2])
                    before = self.trend_years[:-1]
                    last = ("has remained the same as the previous year" if word == "remained the same"
                            else f"has {word} by {by:,.0f} on the previous year")
                    if len(before) >= 2:
                        self.trend_sentence = (f"In the {len(before)} years preceding {self.trend_years[-1]}, "
                                               f"{self.area} saw {_series_words(series[:-1])} in the number of child "
                                               f"deaths; the total for {self.trend_years[-1]} {last}.")
                    else:
                        self.trend_sentence = f"The total for {self.trend_years[-1]} {last}."

        # this partnership's deaths by age band, against the previous year
        now = dict(self.facts.values.parts("child_deaths_local")[["breakdown_value", "numerator"]].itertuples(index=False))
        before = dict(self.facts.values.parts("child_deaths_local", previous=True)[["breakdown_value", "numerator"]]
                      .itertuples(index=False))
        bands = [c.label for c in reg.codes["cdop_age_band"].codes if c.label in now or c.label in before]
        self.age_table = pd.DataFrame()
        self.age_sentence = ""
        if bands and before:
            frame = pd.DataFrame({"band": bands, self.year.previous().label: [float(before.get(b, 0)) for b in bands],
                                  self.year.label: [float(now.get(b, 0)) for b in bands]}).set_index("band")
            self.age_table = publish.table_counts(frame, [self.year.previous().label, self.year.label], protect)
            groups: dict[str, list[str]] = {"remained the same": [], "fallen": [], "risen": []}
            amounts: dict[str, float] = {}
            for band in bands:
                word, by = change_words(frame.at[band, self.year.label], frame.at[band, self.year.previous().label])
                groups[word].append(band)
                amounts[band] = by
            small = protect and ((frame > 0) & (frame <= 5)).any().any()

            def phrase(band: str) -> str:
                return AGE_PHRASES.get(band, f"the {band} age range")

            parts = []
            if groups["remained the same"]:
                parts.append(f"deaths in {join([phrase(b) for b in groups['remained the same']])} have remained the "
                             "same as the previous year")
            if groups["fallen"]:
                parts.append(f"there has been a decrease in the number of deaths in "
                             f"{join([phrase(b) for b in groups['fallen']])}")
            rises = [f"deaths in {phrase(b)} have risen" + ("" if small else f" by {amounts[b]:,.0f}")
                     for b in groups["risen"]]
            text = ", whereas ".join(parts)
            if text:
                text = text[0].upper() + text[1:] + "."
            if rises:
                rise = join(rises)
                text = (text + " " if text else "") + rise[0].upper() + rise[1:] + "."
            self.age_sentence = text
        self.partial = facts.values.partial("child_deaths_by_area")


# ---- everything ----------------------------------------------------------------------------------------------------

class LearningFacts:
    """The three sections' facts for one financial year (public: disclosure control on counts of children)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, year: FinancialYear, public: bool = True):
        from pipeline.lib.learning.impact import impact_rows

        self.year, self.public = year, public
        self.registers = Registers.read(con)
        self.values = YearValues(con, year)
        self.reviews = ReviewFacts(self)
        self.qppa = QppaFacts(self)
        self.deaths = ChildDeathFacts(self)
        self.impact = impact_rows(con, year, self.registers, public)
