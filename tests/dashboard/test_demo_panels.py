"""The demo's 2022-23 Q4 dashboard shows one panel per measure: no two panels share a title or a definition once
source qualifiers and word order are set aside, and no count sits in a panel of its own beside the percentage it
is the numerator of (config/dashboard.yaml same_measure merges them, naming each source)."""

from __future__ import annotations

import html as html_lib
import re
from collections import defaultdict

import pytest

from pipeline.lib.indicators import load_catalogue

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
