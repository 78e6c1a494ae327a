"""What the page must never get wrong: no data is not zero, partial periods say so, agency text stays text in
charts, and a breakdown with any number of categories stays a chart of a few."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.lib import benchmarks
from pipeline.lib.indicators import VALUE_COLUMNS, catalogue_by_code
from pipeline.lib.periods import Quarter
from pipeline.lib.render import dashboard
from pipeline.lib.render.measures import limit_rows
from pipeline.lib.render.model import coverage_text
from tests.dashboard import synthetic

Q4 = Quarter(2022, 4)


def render(db: Path, quarter: Quarter = Q4) -> str:
    config = benchmarks.read_config()
    with duckdb.connect(str(db), read_only=True) as con:
        return dashboard.render_dashboard(con, quarter, config["partnership"], config["expected_returns"])


def figures(html: str) -> dict[str, dict]:
    return {cid: json.loads(text) for cid, text in
            re.findall(r'<script type="application/json" id="([^"]+)-data">(.*?)</script>', html, re.DOTALL)}


def article(html: str, code: str) -> str:
    return html.split(f'data-indicator="{code}"')[1].split("</article>")[0]


@pytest.fixture(scope="module")
def empty_quarter(tmp_path_factory) -> str:
    """2022-23 Q4 with no return received: the quarter not received, its 12 months partial over Q1-Q3."""
    return render(synthetic.build(tmp_path_factory.mktemp("empty") / "w.duckdb", empty_last_quarter=True))


def test_an_empty_quarter_says_not_received_never_zero(empty_quarter):
    tile = empty_quarter.split('data-tile="cpp_at_end"')[1].split("</li>")[0]      # a snapshot: not received
    assert re.search(r'data-role="value" data-status="not_received">Not received<', tile)
    card = article(empty_quarter, "contacts_total")
    assert re.search(r'data-role="quarter-value" data-status="not_received">Not received<', card)
    assert not re.search(r'data-role="quarter-value"[^>]*>0<', empty_quarter)
    # the contacts tile is the 12 months, partial: the figure with the quarters it rests on beside it
    tile = empty_quarter.split('data-tile="contacts_total"')[1].split("</li>")[0]
    assert 'data-status="partial"' in tile and "partial: Q1-Q3" in tile


def test_a_partial_window_shows_its_coverage_and_no_change_or_rag(empty_quarter):
    card = article(empty_quarter, "referrals_total")
    assert re.search(r'data-role="rolling-value-partial">partial: Q1-Q3<', card)
    assert "No change shown: the period is partial" in card
    assert "No change shown: not received" in card
    assert "<strong>Green</strong>" not in card and "<strong>Red</strong>" not in card


def test_the_trend_has_a_gap_not_a_zero_and_its_table_says_not_received(empty_quarter):
    fig = figures(empty_quarter)["chart-contacts-total"]
    quarter_line = fig["data"][0]
    assert quarter_line["x"][-1] == Q4.label
    assert quarter_line["y"][-1] is None and quarter_line["connectgaps"] is False
    assert all(v is not None and v > 0 for v in quarter_line["y"][:-1])
    card = article(empty_quarter, "contacts_total")
    row = card.split(f"<th scope=\"row\">{Q4.label}</th>")[1].split("</tr>")[0]
    assert "<td>Not received</td>" in row and "(partial)" in row


def test_a_complete_quarter_has_no_partial_or_not_received_mark(tmp_path):
    html = render(synthetic.build(tmp_path / "w.duckdb"))
    assert "Not received" not in html.split('data-section="data_quality"')[0].split("</nav>")[1]
    assert "partial:" not in html


@pytest.mark.parametrize("coverage, expected", [
    ("2022-23 Q1, 2022-23 Q2, 2022-23 Q3", "partial: Q1-Q3"),
    ("2022-23 Q1, 2022-23 Q2, 2022-23 Q4", "partial: Q1-Q2, Q4"),
    ("2021-22 Q4, 2022-23 Q1", "partial: 2021-22 Q4-Q1"),
    ("", "partial: no quarter received"),
])
def test_coverage_in_words(coverage, expected):
    assert coverage_text(coverage, "2022-23") == expected


# ---- agency text in charts -------------------------------------------------------------------------------------

HOSTILE_COURSE = '<a href="http://127.0.0.1:9/x">Hidden Men</a> <b>bold</b><br>next'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> str:
    values = synthetic.value_rows()
    sources = values["breakdown"] == "source_group"            # a category an agency's return names
    values.loc[sources & (values["breakdown_value"] == "Police"), "breakdown_value"] = HOSTILE_COURSE
    return render(synthetic.build(tmp_path_factory.mktemp("hostile") / "w.duckdb", values=values))


def test_a_course_title_reaches_plotly_as_text(hostile):
    shown = [fig for fig in figures(hostile).values()
             if any("Hidden Men" in str(t.get("y", "")) for t in fig["data"])]
    assert shown
    for fig in shown:
        labels = [y for t in fig["data"] for y in t["y"] if "Hidden Men" in str(y)]
        assert labels == ["&lt;a href=\"http://127.0.0.1:9/x\"&gt;Hidden Men&lt;/a&gt; &lt;b&gt;bold&lt;/b&gt;&lt;br&gt;next"
                          ] * len(labels)
    # and never raw inside the script elements that carry the figures
    for text in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', hostile, re.DOTALL):
        assert "<a href" not in text and "<b>" not in text and "</script" not in text


def test_the_page_policy_refuses_forms_and_base_urls(hostile):
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', hostile).group(1)
    assert "default-src 'none'" in csp and "form-action 'none'" in csp and "base-uri 'none'" in csp


def test_the_house_template_is_serialised_once(hostile):
    assert hostile.count('id="house-template"') == 1
    scripts = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', hostile, re.DOTALL)
    assert len(scripts) > 10 and sum('"colorway"' in s for s in scripts) == 1    # not repeated in each figure


# ---- bounded breakdowns ----------------------------------------------------------------------------------------

def test_limit_rows_keeps_the_largest_and_adds_up_the_rest():
    rows = [{"breakdown": "course", "breakdown_value": f"c{i}", "numerator": float(100 - i), "denominator": 1000.0,
             "value": (100 - i) / 10} for i in range(20)]
    rows.append({"breakdown": "course", "breakdown_value": "All other courses (7)", "numerator": 30.0,
                 "denominator": 1000.0, "value": 3.0})
    out = limit_rows(rows, "percent", 5, "course")
    assert [r["breakdown_value"] for r in out[:5]] == ["c0", "c1", "c2", "c3", "c4"]
    other = out[-1]
    assert other["breakdown_value"] == "All other course (22)"            # 15 courses + the 7 already added up
    assert other["numerator"] == sum(100 - i for i in range(5, 20)) + 30
    assert other["value"] == pytest.approx(100 * other["numerator"] / 1000)
    assert sum(r["numerator"] for r in out) == sum(r["numerator"] for r in rows)   # nothing lost
    mean = limit_rows([{**r, "denominator": 10.0 + i} for i, r in enumerate(rows)], "mean", 5, "course")
    assert mean[-1]["denominator"] == sum(10.0 + i for i in range(5, 21))
    assert limit_rows(rows[:5], "percent", 5, "course") == rows[:5]


def test_a_million_row_elearning_sheet_gives_one_bounded_chart_and_a_page_under_5_mb(tmp_path):
    """Every module of a 1,000,000-row e-learning sheet a category (the indicators' own limit bypassed)."""
    values = synthetic.value_rows()
    code = next(i.code for i in catalogue_by_code().values() if i.unit == "count" and i.section == "training")
    n = 200_000                                       # distinct modules among the million completions
    common = values[(values.indicator_code == code) & (values.breakdown == "total")
                    & (values.period_type == "rolling_12m") & (values.quarter_key == Q4.partition_key)].iloc[0]
    modules = pd.DataFrame({**{c: [common[c]] * n for c in VALUE_COLUMNS},
                            "breakdown": "module", "breakdown_value": [f"Module {i:06d}" for i in range(n)],
                            "numerator": [5.0 + (i % 7) for i in range(n)], "denominator": None})
    modules["value"] = modules["numerator"]
    values = pd.concat([values[~((values.indicator_code == code) & (values.breakdown != "total"))], modules])
    html = render(synthetic.build(tmp_path / "w.duckdb", values=values))
    assert len(html.encode()) < 5_000_000
    fig = figures(html)[f"breakdown-{code.replace('_', '-')}"]
    bars = fig["data"][0]["y"]
    limit = dashboard.settings()["charts"]["module"]
    assert len(bars) == limit + 1 and bars[-1] == f"All other module ({n - limit:,})"
    assert sum(fig["data"][0]["x"]) == pytest.approx(modules["numerator"].sum())


def test_a_received_quarter_with_nothing_to_divide_is_no_value_not_not_received(tmp_path):
    values = synthetic.value_rows()
    hit = ((values.indicator_code == "rereferrals_pct") & (values.quarter_key == Q4.partition_key)
           & (values.period_type == "quarter"))
    values.loc[hit, ["numerator", "denominator", "value"]] = None          # complete, but no referral at all
    card = article(render(synthetic.build(tmp_path / "w.duckdb", values=values)), "rereferrals_pct")
    assert re.search(r'data-role="quarter-value" data-status="complete">-<', card)
    assert "Not received" not in card and "no value for 2022-23 Q4" in card
