"""The scorecard in Chromium: the page opens on it, it sorts, its rows lead to their detail, and it prints on
at most two A4 pages."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS, open_dashboard

pytestmark = [pytest.mark.browser]


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_the_page_opens_on_the_scorecard(rendered, page):
    open_dashboard(page, rendered, draw_all=False)
    first = page.locator("main > section").first
    assert first.get_attribute("data-section") == "scorecard"
    assert first.locator("tr[data-score]").count() >= 10
    assert page.locator("#scorecard").bounding_box()["y"] < 900       # on the first screen


def test_sorting_a_column_orders_each_group_and_reverses(synthetic_dashboard, page):
    open_dashboard(page, synthetic_dashboard, draw_all=False)
    button = page.locator("table.score thead button.sort", has_text="This quarter")

    def keys() -> list[list[float]]:
        return page.locator("table.score tbody").evaluate_all("""bodies => bodies.map(b =>
            Array.from(b.querySelectorAll('tr[data-score] td:nth-of-type(1)')).map(td => td.getAttribute('data-sort'))
                 .filter(k => k !== '').map(Number))""")

    button.click()
    assert button.locator("xpath=..").get_attribute("aria-sort") == "ascending"
    groups = [g for g in keys() if len(g) > 1]
    assert groups and all(g == sorted(g) for g in groups)
    button.click()
    groups = [g for g in keys() if len(g) > 1]
    assert all(g == sorted(g, reverse=True) for g in groups)


def test_a_row_leads_to_its_measure(synthetic_dashboard, page):
    open_dashboard(page, synthetic_dashboard, draw_all=False)
    link = page.locator("table.score tr[data-score] a").first
    code = link.evaluate("a => a.closest('tr').getAttribute('data-score')")
    link.click()
    target = page.locator(f"#ind-{code}")
    assert target.count() == 1 and target.is_visible()
    box = target.bounding_box()
    assert -2 <= box["y"] < 200                                       # scrolled to it


def test_the_scorecard_prints_on_two_a4_pages_at_most(rendered, page):
    open_dashboard(page, rendered, draw_all=False)
    # print the scorecard alone: everything after it hidden (and so no page break after it, for nothing)
    page.add_style_tag(content="main > :not([data-section=scorecard]), .masthead, .contents { display: none !important; }"
                               " .scorecard { break-after: auto !important; }")
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    pages = _pdf_pages(pdf)
    assert 1 <= pages <= 2, pages


def test_with_detail_folded_the_page_is_at_most_25_screens_at_1366x768(rendered, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        open_dashboard(page, rendered, draw_all=False)
        assert page.locator("details.section-detail[open]").count() == 0
        screens = page.evaluate("document.documentElement.scrollHeight") / 768
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{rendered.name}-1366x768.png"))
        page.locator("details.section-detail").evaluate_all("els => els.forEach(e => e.open = true)")
        unfolded = page.evaluate("document.documentElement.scrollHeight") / 768
    finally:
        context.close()
    assert screens <= 25, screens
    assert unfolded > screens * 2                   # the folding is what keeps it short


def test_on_a_phone_nothing_runs_off_the_side_and_the_scorecard_scrolls_in_its_box(rendered, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        open_dashboard(page, rendered, draw_all=False)
        width = page.evaluate("document.documentElement.scrollWidth")
        wrap = page.locator("[data-section=scorecard] .table-wrap")
        box = wrap.bounding_box()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{rendered.name}-390x844.png"))
    finally:
        context.close()
    assert width <= 390, width
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
