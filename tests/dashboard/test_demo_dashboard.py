"""The demo's 2022-23 Q4 dashboard, read as its HTML.

One panel per measure: no two panels share a title or a definition once source qualifiers and word order are set
aside, and no count sits in a panel of its own beside the percentage it is the numerator of (config/dashboard.yaml
same_measure merges them, naming each source). The statistical-neighbour chart names the ten neighbours of DfE's
grouping file with the values DfE's LAIT file publishes for them, read here straight from those files."""

from __future__ import annotations

import csv
import gzip
import html as html_lib
import json
import re
from collections import defaultdict

import pytest

from pipeline.lib import benchmarks
from pipeline.lib.indicators import load_catalogue
from pipeline.lib.paths import PROJECT_ROOT

DFE = PROJECT_ROOT / "data" / "reference" / "dfe"

PANEL = re.compile(r'<article class="indicator" id="ind-([^"]+)".*?<h3[^>]*>(.*?)</h3>.*?'
                   r'<details class="definition">.*?<p>(.*?)</p>', re.DOTALL)


def normalised(text: str) -> frozenset[str]:
    """The words of a title or definition, lower case, without bracketed qualifiers ('(Annex A list 2)', '(%)')."""
    text = re.sub(r"\([^)]*\)", " ", html_lib.unescape(text).lower())
    return frozenset(re.findall(r"[a-z0-9]+", text))


def panels(page: str) -> list[tuple[str, str, str]]:
    return PANEL.findall(page)


def shared(panels_: list[tuple[str, str, str]], field: int) -> dict[frozenset, list[str]]:
    by_key: dict[frozenset, list[str]] = defaultdict(list)
    for panel in panels_:
        by_key[normalised(panel[field])].append(panel[0])
    return {k: v for k, v in by_key.items() if len(v) > 1}


@pytest.fixture(scope="module")
def demo_page(demo_run) -> str:
    return demo_run.dashboard("2022-23 Q4").read_text(encoding="utf-8")


def test_the_check_finds_a_near_duplicate_title():
    page = ('<article class="indicator" id="ind-a"><h3>Children at risk of exploitation: medium risk</h3>'
            '<details class="definition"><p>One.</p></details></article>'
            '<article class="indicator" id="ind-b"><h3>Children at medium risk of exploitation</h3>'
            '<details class="definition"><p>Two.</p></details></article>'
            '<article class="indicator" id="ind-c"><h3>Early help assessments completed (Annex A list 2)</h3>'
            '<details class="definition"><p>Two.</p></details></article>')
    assert list(shared(panels(page), 1).values()) == [["a", "b"]]
    assert list(shared(panels(page), 2).values()) == [["b", "c"]]


def test_no_two_demo_panels_share_a_title_or_a_definition(demo_page):
    found = panels(demo_page)
    assert len(found) > 100                        # the demo's measures, each once
    assert shared(found, 1) == {}
    assert shared(found, 2) == {}


def test_no_demo_panel_is_the_count_another_panels_percentage_rests_on(demo_page):
    shown = {code for code, _, _ in panels(demo_page)}
    numerators = {i.partner_numerator: i.code for i in load_catalogue() if i.partner_numerator and i.code in shown}
    assert sorted(set(numerators) & shown) == []


def _dfe_neighbours(la_code: str, lait_measure: str, lait_year: str) -> dict[str, float]:
    """Straight from DfE's files: the April 2021 grouping's ten neighbours of the LA and LAIT's value for each."""
    with (DFE / "New_Statistical_Neighbour_Groupings_April_2021.csv").open(encoding="utf-8-sig", newline="") as fh:
        grouping = next(r for r in csv.DictReader(fh) if r["LA num"] == la_code)
    codes = [grouping[f"SN{k}"] for k in range(1, 11)]
    values: dict[str, float] = {}
    with gzip.open(DFE / "lait_childrens_services_2026-04.csv.gz", "rt", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["Short Desc"] == lait_measure and r["Years"] == lait_year and r["LA Number"]:
                code = str(int(float(r["LA Number"])))
                if code in codes:
                    values[r["LA and Regions"]] = float(r["Values"])
    assert len(values) == 10, values
    return values


def test_the_neighbour_chart_names_dfes_ten_neighbours_with_dfes_values(demo_page, demo_run):
    la_code = str(benchmarks.read_config()["partnership"]["dfe_la_code"])
    with demo_run.connect() as con:                 # the year and file the mart set re-referrals against
        year, source, measure = con.execute(
            "select distinct m.benchmark_year, b.source_file, b.dfe_measure from mart_comparison m join bm_comparators b "
            "on b.indicator_code = 'rereferrals_pct' and b.year_label = m.benchmark_year "
            "where m.indicator_code = 'rereferrals_pct' and m.quarter_key = '2022-23-Q4' and m.period_type = 'rolling_12m'"
        ).fetchone()
    assert (year, source, measure) == ("2022-23", "dfe/lait_childrens_services_2026-04.csv.gz", "ReReferral")
    expected = _dfe_neighbours(la_code, "ReReferral", "2023")
    figure = json.loads(re.search(r'id="neighbours-rereferrals-pct-data">(.*?)</script>', demo_page, re.DOTALL).group(1))
    bars = dict(zip(figure["data"][0]["y"], figure["data"][0]["x"]))
    neighbours = {k: v for k, v in bars.items() if k not in ("Sandwell", "Statistical neighbours (mean)")}
    assert neighbours == pytest.approx(expected)
    assert bars["Statistical neighbours (mean)"] == pytest.approx(sum(expected.values()) / 10)
    assert "Sandwell" in bars
