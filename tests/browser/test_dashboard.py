"""The dashboard in a real Chromium: offline, every section drawn, numbers equal to DuckDB's, keyboard-usable,
and no serious or critical axe-core violations. Each test runs on the synthetic and the demo dashboard."""

from __future__ import annotations

import pytest

from pipeline.lib.indicators import catalogue_by_code
from pipeline.lib.periods import Quarter
from pipeline.lib.render.env import fmt_value
from tests.browser.conftest import ARTIFACTS, open_dashboard, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def _value(rendered, code: str, period_type: str, label: str):
    with rendered.connect() as con:
        row = con.execute("""select value from ind_values where indicator_code = ? and period_type = ?
                             and period_label = ? and breakdown = 'total'""", [code, period_type, label]).fetchall()
    return row[0][0] if row else None


def test_opens_offline_with_no_errors_and_draws_every_chart(rendered, page):
    watch = open_dashboard(page, rendered)
    assert watch.network == []                      # no CDN, no fonts, no images: nothing but the file itself
    assert watch.errors == []
    figures = page.locator("[data-figure]").count()
    assert figures >= 1
    assert page.locator(".js-plotly-plot").count() == figures


def test_every_section_in_the_contents_is_on_the_page(rendered, page):
    open_dashboard(page, rendered, draw_all=False)
    links = page.locator("nav.contents a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) >= 12                         # headlines, 10 report sections, who, data quality, about
    for href in hrefs:
        heading = page.locator(href)
        assert heading.count() == 1, href
        assert heading.is_visible(), href
    for key in ["front_door", "child_protection", "children_in_care", "missing", "data_quality", "disproportionality"]:
        section = page.locator(f'[data-section="{key}"]')
        assert section.count() == 1, key
        assert section.locator("article.indicator, table, .empty").count() >= 1, key


def test_tiles_and_table_cells_equal_the_warehouse(rendered, page):
    open_dashboard(page, rendered, draw_all=False)
    catalogue = catalogue_by_code()
    quarter = Quarter.from_label(rendered.quarter_label)
    rolling = f"12 months to {quarter.end:%b %Y}"
    tiles = page.locator("li.tile[data-tile]")
    assert tiles.count() >= 3
    checked = 0
    for i in range(tiles.count()):
        code = tiles.nth(i).get_attribute("data-tile")
        ind = catalogue[code]
        period = ("quarter", quarter.label) if ind.counting_rule == "open_at_period_end" else ("rolling_12m", rolling)
        expected = _value(rendered, code, *period)
        shown = tiles.nth(i).locator('[data-role="value"]').inner_text()
        assert shown == fmt_value(expected, ind.unit, ind.decimals), code
        checked += 1
    assert checked >= 3
    # The quarter's row of a sample of trend tables
    cards = page.locator("article.indicator")
    for i in range(0, cards.count(), max(1, cards.count() // 8)):
        code = cards.nth(i).get_attribute("data-indicator")
        ind = catalogue[code]
        value = _value(rendered, code, "quarter", quarter.label)
        # no data is not zero: a figure with no value for the quarter says so (its status is not_received)
        expected = "Not received" if value is None else fmt_value(value, ind.unit, ind.decimals)
        # text_content: the panels are folded in their section's <details> until opened
        assert cards.nth(i).locator('[data-role="quarter-value"]').text_content().strip() == expected, code
        row = cards.nth(i).locator(f'figure.chart table.data tr:has(th:text-is("{quarter.label}"))').first
        assert row.locator("td").first.text_content(timeout=2000) == expected, code  # inside a closed <details>


def test_contacts_tile_is_the_rolling_year_numerator(rendered, page):
    with rendered.connect() as con:
        contacts = con.execute("""select numerator from ind_values where indicator_code = 'contacts_total'
                                  and period_type = 'rolling_12m' and quarter_key = '2022-23-Q4' and breakdown = 'total'""").fetchone()[0]
    open_dashboard(page, rendered, draw_all=False)
    assert page.locator('li.tile[data-tile="contacts_total"] [data-role="value"]').inner_text() == f"{int(contacts):,}"


def test_keyboard_reaches_every_section(rendered, page):
    open_dashboard(page, rendered, draw_all=False)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    hrefs = page.locator("nav.contents a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    page.locator("a.skip-link").focus()
    reached = []
    for _ in range(len(hrefs) + 10):                # the contents come straight after the header: Tab walks them
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href')")
        if href in hrefs and href not in reached:
            reached.append(href)
        if len(reached) == len(hrefs):
            break
    assert reached == hrefs
    for href in hrefs:                              # Enter on a contents link moves focus to that section
        link = page.locator(f'nav.contents a[href="{href}"]')
        # the link has focus before Enter: on a loaded machine the last jump's scroll may still be settling
        for _ in range(100):
            link.focus()
            if page.evaluate("document.activeElement.getAttribute('href')") == href:
                break
            page.wait_for_timeout(50)
        assert page.evaluate("document.activeElement.getAttribute('href')") == href, f"{href}'s link took no focus"
        page.keyboard.press("Enter")
        # polled from Python: wait_for_function compiles its predicate with eval, which the page's CSP refuses
        for _ in range(100):          # up to 5 s: a loaded CI machine is slow to move focus
            if page.evaluate("document.activeElement.id") == href[1:]:
                break
            page.wait_for_timeout(50)
        assert page.evaluate("document.activeElement.id") == href[1:], f"Enter on {href} did not move focus there"
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", f"no visible focus on {href}"


def test_no_serious_or_critical_accessibility_violations(rendered, page):
    open_dashboard(page, rendered)
    page.locator("details").evaluate_all("els => els.forEach(e => e.open = true)")   # audit the tables too
    violations = run_axe(page)
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], serious


def test_index_lists_the_quarter_and_passes_axe(rendered, browser):
    index = rendered.path.parent / "index.html"
    assert index.exists()
    context = browser.new_context(bypass_csp=True)   # the index allows no script at all, axe's included
    page = context.new_page()
    page.goto(index.as_uri())
    assert page.locator(f'a[href="{rendered.path.name}"]').count() == 1
    serious = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
    context.close()
    assert serious == [], serious


def test_full_page_screenshot(rendered, page):
    open_dashboard(page, rendered)
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / f"dashboard-{rendered.name}-{rendered.quarter_label.replace(' ', '-')}.png"
    page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 10_000


def test_agency_text_is_escaped(synthetic_dashboard, page):
    from tests.dashboard.synthetic import HOSTILE_AGENCY, HOSTILE_FILE

    watch = open_dashboard(page, synthetic_dashboard, draw_all=False)
    dq = page.locator('[data-section="data_quality"]')
    assert HOSTILE_AGENCY in dq.inner_text()        # shown as text...
    assert HOSTILE_FILE in dq.inner_text()
    assert page.locator("img").count() == 0         # ...never as markup
    assert watch.errors == []                       # and no alert() ran


def test_the_audit_finds_violations_and_reports_each_node(browser):
    """The audit can fail: a page with two unlabelled images and grey-on-white text gives serious or critical
    violations, every failing node reported (resultTypes keeps all nodes of a violation)."""
    page = browser.new_context().new_page()
    page.set_content('<html lang="en"><head><title>t</title></head><body><main><h1>Audit</h1>'
                     '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
                     '<p style="color:#bbb;background:#fff">faint text</p></main></body></html>')
    found = {v["id"]: v for v in run_axe(page) if v["impact"] in ("serious", "critical")}
    assert {"image-alt", "color-contrast"} <= set(found), found
    assert len(found["image-alt"]["nodes"]) == 2
