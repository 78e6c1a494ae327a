"""The hub's dashboard on the real pipeline: two Black Country members' 2022-23 Q4 returns (the other two not
filed), read through the regional assets; every figure on the page equals the member's warehouse; offline,
no errors, no serious accessibility violation; the CDOP section suppressed as published."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipeline.lib import sdc
from pipeline.lib.periods import Quarter
from pipeline.regional import dashboard
from pipeline.regional import run as regional_run
from tests.browser.conftest import PageWatch, run_axe
from tests.regional.conftest import file_returns

QUARTER = Quarter.from_partition_key("2022-23-Q4")
FILED = ("sandwell", "dudley")

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def hub_page(tmp_path_factory, demo_raw, hub):
    data = tmp_path_factory.mktemp("hub")
    mp = pytest.MonkeyPatch()
    for p in hub.partnerships:
        mp.setenv(p.pseudonym_key_env, f"{p.slug}-".ljust(40, "k"))
    try:
        file_returns(demo_raw, data, list(FILED), quarters=("Q4",), also=("cdop",))
        regional_run.run(data, list(FILED), [QUARTER.partition_key])
    finally:
        mp.undo()
    return data, dashboard.write(hub, data, QUARTER)


def _member_rows(data, slug: str) -> pd.DataFrame:
    with duckdb.connect(str(data / "partnerships" / slug / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("select * from mart_comparison where quarter_key = ? and period_type = 'rolling_12m'",
                           [QUARTER.partition_key]).df()


def test_every_member_figure_is_the_warehouse_figure(hub_page, hub, page):
    data, path = hub_page
    page.goto(path.as_uri())
    codes = dashboard.scorecard_codes()
    tables = page.locator("table[data-measure]")
    assert tables.count() == len(codes) > 0
    checked = 0
    for slug in FILED:
        rows = _member_rows(data, slug).set_index("indicator_code")
        name = hub.get(slug).local_authority
        for code in codes:
            cell = page.locator(f"table[data-measure='{code}'] tr[data-kind='member']",
                                has=page.locator("th", has_text=name)).locator("td.num")
            row = rows.loc[code]
            if row["suppressed"]:
                assert cell.inner_text() == sdc.SUPPRESSED
            else:
                assert float(cell.get_attribute("data-value")) == pytest.approx(float(row["value"]))
                england = page.locator(f"table[data-measure='{code}'] tr[data-kind='england'] td.num")
                if pd.notna(row["england"]):
                    assert float(england.get_attribute("data-value")) == pytest.approx(float(row["england"]))
            checked += 1
    assert checked == len(codes) * len(FILED)
    # Not filed: said, never a figure.
    for slug in ("walsall", "wolverhampton"):
        name = hub.get(slug).local_authority
        cells = page.locator("tr[data-kind='member']", has=page.locator("th", has_text=name)).locator("td.num")
        assert set(cells.all_inner_texts()) == {"not received"}
    # A year of which one quarter was filed is partial: the hub's pooled figure is refused, not made up.
    pooled = page.locator("tr[data-kind='hub'] td.num").all_inner_texts()
    assert set(pooled) == {"-"}


def test_pooled_only_when_every_member_is_complete():
    a = pd.Series({"status": "complete", "numerator": 30.0, "denominator": 100.0})
    b = pd.Series({"status": "complete", "numerator": 10.0, "denominator": 300.0})
    assert dashboard._pooled([a, b], "percent")[0] == pytest.approx(10.0)    # 40 / 400, not the mean of 30% and 3.3%
    assert dashboard._pooled([a, b], "count")[0] == 40.0
    assert dashboard._pooled([a, b], "rate_per_10k")[0] == pytest.approx(1000.0)
    value, why = dashboard._pooled([a, b.copy().replace({"complete": "partial"})], "percent")
    assert value is None and "1 member" in why
    assert dashboard._pooled([a, None], "count")[0] is None


def test_child_deaths_total_and_suppression(hub_page, hub):
    data, _ = hub_page
    context = dashboard.build(hub, data, QUARTER)
    age = next(t for t in context["deaths"] if t["heading"] == "Age at death")
    areas = [r["area"] for r in age["rows"]]
    assert areas == [hub.get(s).local_authority for s in FILED] + [f"{hub.name} total"]
    # Each member's own deaths are its own area's (the shared CDOP return's row for it), not Sandwell's for all.
    own = {}
    for i, slug in enumerate(FILED):
        area = hub.get(slug).local_authority
        with duckdb.connect(str(data / "partnerships" / slug / "warehouse.duckdb"), read_only=True) as con:
            local, by_area = (con.execute(
                "select numerator from ind_values where quarter_key = ? and period_type = 'rolling_12m' and "
                "indicator_code = ? and breakdown = ? and breakdown_value = ?",
                [QUARTER.partition_key, code, breakdown, value]).fetchall()[0][0]
                for code, breakdown, value in (("child_deaths_local", "total", "All"),
                                               ("child_deaths_by_area", "cdop_area", area)))
        assert local == by_area, f"{slug}: its deaths are {area}'s"
        own[slug] = local
        assert age["rows"][i]["cells"][-1] in (f"{int(local):,}", sdc.SUPPRESSED)
    assert own["sandwell"] != own["dudley"]
    shown = [int(v.replace(",", "")) for r in age["rows"] for v in r["cells"] if v not in (sdc.SUPPRESSED, "x")]
    assert shown and not any(1 <= v <= 5 for v in shown), "no count of 1 to 5 is shown"
    for r in age["rows"]:  # a row never has exactly one hidden cell (its total gives it away)
        assert sum(v == sdc.SUPPRESSED for v in r["cells"][:-1]) != 1


def test_offline_no_errors_and_accessible(hub_page, page, browser):
    _, path = hub_page
    watch = PageWatch(page)
    page.goto(path.as_uri())
    assert watch.errors == [] and watch.network == []
    assert page.locator("a[href^='http'], img, script, link").count() == 0
    # The page's CSP allows no script, axe's included: audit it in a context that bypasses the CSP.
    context = browser.new_context(bypass_csp=True)
    try:
        audited = context.new_page()
        audited.goto(path.as_uri())
        serious = [v for v in run_axe(audited) if v["impact"] in ("serious", "critical")]
    finally:
        context.close()
    assert serious == [], serious
