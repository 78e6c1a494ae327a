"""The QPPA dashboard: one self-contained HTML file per quarter, plus an index of the quarters.

Everything a template shows is decided in this package, as plain values (formatted strings, rows, sentences):
the templates only lay them out. The page's parts, each in its own module:

- measures.py     a card per indicator: the quarter and the 12 months with their changes, comparators, RAG,
                  trend and breakdowns (model.py holds the view model)
- population.py   who the children are: cohorts by ethnicity, gender, age band and disability, suppressed
- quality.py      returns received, rows loaded and held back, problems found, reconciliation
- figures.py      plain plotly figure dictionaries in one house style, serialised once with orjson

Sections come from the indicator catalogue (config/indicators.yaml `section`), so a new indicator appears on the
page without a template edit. Every table the page shows is required (REQUIRED_TABLES): one that is missing is
an error naming the asset that builds it, never an empty section.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path

import duckdb
import jinja2

from pipeline.lib import atomic
from pipeline.lib.indicators import load_catalogue
from pipeline.lib.paths import CONFIG_DIR, PROJECT_ROOT
from pipeline.lib.periods import FinancialYear, Quarter
from pipeline.lib.render import data, figures, population, quality, scorecard
from pipeline.lib.render.env import make_environment
from pipeline.lib.render.measures import Measures
from pipeline.lib.render.model import Card, Section
from pipeline.lib.render.provenance import Provenance
from pipeline.lib.settings import read_yaml

PLOTLY_BUNDLE = PROJECT_ROOT / "vendor" / "plotly" / "plotly-basic.min.js"
SETTINGS = CONFIG_DIR / "dashboard.yaml"

# table -> the asset that builds it (pipeline/defs/reporting/assets.py depends on each of these assets)
REQUIRED_TABLES = {"ind_values": "ind_values", "mart_comparison": "mart_comparison",
                   "bm_neighbour_values": "bm_comparators",
                   "mart_reconciliation": "mart_reconciliation", "raw_files": "quarterly_returns",
                   "raw_sheets": "quarterly_returns", "raw_issues": "quarterly_returns"}

# Report order (the partnership's annual report, data section). A catalogue section not listed here is
# added after these with a title made from its name, so a new section never needs a code change to show.
SECTION_TITLES = {
    "front_door": ("Front door: contacts and referrals",
                   "Contacts, referrals, re-referrals, conversion to assessment and domestic abuse."),
    "assessments": ("Assessments", "Single assessments and their timeliness."),
    "s47": ("Section 47 enquiries and initial child protection conferences",
            "Enquiries under section 47 of the Children Act 1989 and the conferences that follow them."),
    "cin": ("Children in need", "Children open to children's social care on a child in need plan."),
    "child_protection": ("Child protection", "Children subject to a child protection plan. Neglect is a partnership priority."),
    "children_in_care": ("Children in care", "Children looked after by the local authority."),
    "missing": ("Missing and exploitation",
                "Missing episodes, return home interviews and risk of exploitation, a partnership priority."),
    "early_help": ("Early help", "Strengthening Families and multi-agency early help, a partnership priority."),
    "partners": ("Partner agencies", "Measures from the multi-agency dataset: police, health, education and others."),
    "training": ("Training and workforce development", "Partnership training: places, attendance and learning."),
}
# Catalogue sections shown inside one of the report's sections (the report has "Missing and exploitation",
# and domestic abuse sits with the front door). A section not named anywhere gets a section of its own.
SECTION_GROUP = {"exploitation": "missing", "domestic_abuse": "front_door", "police_protection": "partners",
                 "ae": "partners", "lado": "partners", "private_fostering": "partners", "health": "partners"}
PRIORITY_SECTIONS = {"child_protection": "Neglect", "missing": "Exploitation", "early_help": "Early help"}


def _inverse(mapping: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for child, parent in mapping.items():
        out.setdefault(parent, []).append(child)
    return out


def settings() -> dict:
    return dict(read_yaml(SETTINGS) or {})


@functools.cache
def _environment() -> jinja2.Environment:
    """Compiled once per process: compiling the page's templates cost more than filling them."""
    env = make_environment()
    env.filters["script_json"] = figures.to_script_json
    env.globals.update(sparkline=scorecard.sparkline, travel_word=scorecard.travel_word)
    return env


class Dashboard:
    """Everything the quarter's page shows, read once from the warehouse."""

    def __init__(self, con: duckdb.DuckDBPyConnection, quarter: Quarter, partnership: dict):
        data.require(con, REQUIRED_TABLES)
        self.quarter = quarter
        self.partnership = partnership
        self.region = partnership.get("region", "Region")
        self.catalogue = load_catalogue()
        self._by_code = {i.code: i for i in self.catalogue}
        values = data.indicator_values(con, quarter)
        self.quarters = sorted(Quarter.from_partition_key(k) for k in values.quarter_keys)
        self.measures = Measures(values, data.comparison(con, quarter), quarter, self.quarters, self.region,
                                 partnership.get("local_authority", ""), settings(), data.neighbour_values(con))
        self.rolling_label = self.measures.rolling_label
        self.notes: list[str] = []

    def sections(self) -> list[Section]:
        keys = list(SECTION_TITLES)
        group = {i.code: SECTION_GROUP.get(i.section, i.section) for i in self.catalogue}
        for ind in self.catalogue:
            if group[ind.code] not in keys and ind.section != "data_quality":
                keys.append(group[ind.code])
        parent_of, merged_into = self.breakdown_of(), self.same_measure()
        children, merged = _inverse(parent_of), _inverse(merged_into)
        out = []
        for key in keys:
            inds = [i for i in self.catalogue if group[i.code] == key and i.code not in parent_of
                    and i.code not in merged_into and not population.is_demographic(self.measures, i)]
            cards = [self.measures.card(i) for i in inds]
            for card in cards:                  # a measure's breakdowns inside its panel
                for child in children.get(card.code, []):
                    if (chart := self.measures.breakdown_chart(self._by_code[child])) is not None:
                        card.breakdowns.append(chart)
                # the same measure from another return, or the count a percentage rests on: in this panel
                card.also = [c for code in merged.get(card.code, [])
                             if (c := self.measures.card(self._by_code[code], with_breakdown=False)).available]
            title, intro = SECTION_TITLES.get(key, (key.replace("_", " ").capitalize(), ""))
            out.append(Section(key, title, intro, PRIORITY_SECTIONS.get(key),
                               [c for c in cards if c.available], [c.ind for c in cards if not c.available]))
        return out

    def breakdown_of(self) -> dict[str, str]:
        """config/dashboard.yaml breakdown_of: breakdown -> the measure whose panel shows it."""
        return self._code_mapping("breakdown_of")

    def same_measure(self) -> dict[str, str]:
        """config/dashboard.yaml same_measure: merged measure -> the measure whose panel shows it."""
        return self._code_mapping("same_measure")

    def _code_mapping(self, name: str) -> dict[str, str]:
        """A code -> code mapping of config/dashboard.yaml, checked: both sides catalogue codes, and a measure
        shown in another's panel is not itself the panel of a third (it would vanish with it)."""
        mapping = dict(settings().get(name) or {})
        unknown = sorted({c for pair in mapping.items() for c in pair if c not in self._by_code})
        if unknown:
            raise ValueError(f"config/dashboard.yaml {name} names codes not in the catalogue: {', '.join(unknown)}")
        chained = sorted(set(mapping) & set(mapping.values()))
        if chained:
            raise ValueError(f"config/dashboard.yaml {name}: {', '.join(chained)} both shown in another panel and "
                             "a panel of its own; point each at the measure whose panel shows it")
        return mapping

    def tiles(self, sections: list[Section]) -> list[Card]:
        cards = {c.code: c for s in sections for c in s.cards}
        return [cards[i.code] for i in self.catalogue if i.headline and i.code in cards]

    def disproportionality(self) -> dict:
        return population.disproportionality(self.measures, self.catalogue)

    def data_quality(self, con: duckdb.DuckDBPyConnection, expected: list[dict]) -> dict:
        return quality.data_quality(con, self.quarter, self.partnership, expected)


# ---- rendering ---------------------------------------------------------------------------------------------------

def render_dashboard(con: duckdb.DuckDBPyConnection, quarter: Quarter, partnership: dict | str,
                     expected_returns: list[dict] | None = None, plotly_js: str | None = None) -> str:
    partnership = {"name": partnership} if isinstance(partnership, str) else partnership
    board = Dashboard(con, quarter, partnership)
    sections = board.sections()
    keys = [q.partition_key for q in board.quarters]
    provenance = Provenance.for_files(quarter.label, data.source_files(con, keys))
    return _environment().get_template("dashboard/base.html.j2").render(
        partnership=partnership["name"], la=partnership.get("local_authority", ""), region=board.region, quarter=quarter,
        rolling_label=board.rolling_label, quarter_labels=[q.label for q in board.quarters],
        scorecard=scorecard.scorecard(sections), tiles=board.tiles(sections), sections=sections, disproportionality=board.disproportionality(),
        data_quality=board.data_quality(con, expected_returns or []), notes=board.notes,
        house_template=figures.HOUSE_TEMPLATE, provenance=provenance,
        plotly_js=plotly_js if plotly_js is not None else plotly_bundle(),
    )


def plotly_bundle() -> str:
    """The vendored plotly.js basic bundle (scatter, bar, pie): 1.2 MB instead of the full 4.8 MB."""
    return PLOTLY_BUNDLE.read_text(encoding="utf-8")


def dashboard_path(output_dir: Path, quarter: Quarter) -> Path:
    return output_dir / "dashboard" / f"{quarter.label.replace(' ', '-')}.html"


def write_dashboard(con: duckdb.DuckDBPyConnection, quarter: Quarter, output_dir: Path, partnership: dict | str,
                    expected_returns: list[dict] | None = None) -> Path:
    path = dashboard_path(output_dir, quarter)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, render_dashboard(con, quarter, partnership, expected_returns))
    return path


_PAGE = re.compile(r"^(20\d\d-\d\d)-Q([1-4])\.html$")


def write_index(output_dir: Path, partnership: dict | str) -> Path:
    """index.html: every quarter's dashboard found in the folder, newest first (no plotly, no network)."""
    partnership = {"name": partnership} if isinstance(partnership, str) else partnership
    folder = output_dir / "dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    pages = []
    for f in folder.glob("*.html"):
        if m := _PAGE.match(f.name):
            q = Quarter(FinancialYear.from_label(m.group(1)).start_year, int(m.group(2)))
            pages.append({"quarter": q, "href": f.name, "size_mb": f"{f.stat().st_size / 1e6:.1f}",
                          "written": dt.datetime.fromtimestamp(f.stat().st_mtime).strftime("%-d %B %Y %H:%M")})
    pages.sort(key=lambda p: p["quarter"], reverse=True)
    by_year: dict[str, list] = {}
    for p in pages:
        by_year.setdefault(p["quarter"].year.label, []).append(p)
    path = folder / "index.html"
    html = make_environment().get_template("dashboard/index.html.j2").render(
        partnership=partnership["name"], by_year=by_year, provenance=Provenance(period_label="all quarters"))
    atomic.write_text(path, html)
    return path
