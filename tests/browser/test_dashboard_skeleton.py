"""The dashboard in a real Chromium: it loads offline and its tiles show what DuckDB holds."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_headline_tile_shows_the_warehouse_value(demo_run, page):
    with demo_run.connect() as con:
        contacts = con.execute("""select numerator from ind_values where indicator_code = 'contacts_total'
                                  and period_type = 'rolling_12m' and quarter_key = '2023-01-01' and breakdown = 'total'""").fetchone()[0]
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(demo_run.dashboard("2022-23 Q4").as_uri())
    tile = page.locator('[data-indicator="contacts_total"] [data-role="value"]')
    assert tile.inner_text() == f"{int(contacts):,}"
    assert page.locator(".js-plotly-plot").count() >= 1          # plotly rendered the charts
    assert [u for u in requests if not u.startswith("file://")] == []   # no network requests at all
    assert errors == []
