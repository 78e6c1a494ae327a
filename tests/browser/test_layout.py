"""Phone (390x844) and laptop (1366x768): no chart's words overlap. Every section opened and every chart drawn,
the SVG text plotly draws (axis tick labels, axis titles, legend items, titles) is measured from the DOM and
every pair within a chart is checked for intersection (tests/browser/layout.py). Screenshots go to
test-artifacts/."""

from __future__ import annotations

import pytest

from pipeline.lib.render import dashboard, figures
from tests.browser.conftest import ARTIFACTS, open_dashboard
from tests.browser.layout import overlaps

pytestmark = [pytest.mark.browser]

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 768}}
QUARTERS = [f"{y} Q{q}" for y in ("2021-22", "2022-23") for q in (1, 2, 3, 4)] + ["2023-24 Q1"]


def test_the_check_finds_overlapping_labels_in_a_cramped_chart(browser):
    """Nine quarters' labels and a long legend in 300 px, drawn by plotly as given: the check must see them collide."""
    fig = figures.indicator_trend(QUARTERS, {"This quarter with a long legend name": list(range(9)),
                                             "12 months to quarter end, another long name": list(range(9))},
                                  {}, "Number")
    fig["layout"].update(width=300, template=figures.HOUSE_TEMPLATE)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.set_content('<div id="cramped"></div>')
        page.add_script_tag(content=dashboard.plotly_bundle())
        page.evaluate("fig => Plotly.newPlot('cramped', fig.data, fig.layout, {staticPlot: true})", fig)
        found = overlaps(page)
    finally:
        page.close()
    assert found["charts"] == 1
    pairs = {(o["a"], o["b"]) for o in found["overlaps"]}
    assert ("Q12021-22", "Q22021-22") in pairs, pairs


@pytest.mark.parametrize("device", sorted(VIEWPORTS))
def test_no_label_legend_or_title_overlaps_another_in_any_chart(rendered, browser, device):
    context = browser.new_context(viewport=VIEWPORTS[device], is_mobile=device == "phone", has_touch=device == "phone")
    page = context.new_page()
    try:
        open_dashboard(page, rendered, draw_all=False)
        page.locator("details.section-detail").evaluate_all("els => els.forEach(e => e.open = true)")
        page.evaluate("window.dashboardDrawAll()")
        page.wait_for_function("document.querySelectorAll('[data-figure]').length === "
                               "document.querySelectorAll('[data-figure].js-plotly-plot').length", timeout=120_000)
        found = overlaps(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("figure.chart").first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"charts-{rendered.name}-{device}.png"))
        charts = page.locator("[data-figure]").count()
    finally:
        context.close()
    assert found["charts"] == charts > 10
    assert found["texts"] > 20 * found["charts"] / 2       # the labels were measured, not missed
    assert found["overlaps"] == [], found["overlaps"][:10]
