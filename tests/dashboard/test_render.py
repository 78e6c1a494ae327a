"""The dashboard rendered without a browser: it refuses to build without a table it shows, stays under 5 MB,
fetches nothing, escapes agency text and hides small numbers. Fast: a small hand-built warehouse, no Dagster."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.lib import benchmarks
from pipeline.lib.periods import Quarter
from pipeline.lib.render import dashboard, data
from tests.dashboard import synthetic

ROOT = Path(__file__).resolve().parents[2]
Q4 = Quarter(2022, 4)


def render(tmp_path: Path, **tables) -> str:
    db = synthetic.build(tmp_path / "w.duckdb", **tables)
    config = benchmarks.read_config()
    with duckdb.connect(str(db), read_only=True) as con:
        return dashboard.render_dashboard(con, Q4, config["partnership"], config["expected_returns"])


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> str:
    return render(tmp_path_factory.mktemp("full"))


def test_under_5_mb_with_plotly_inlined_once(html):
    assert len(html.encode()) < 5_000_000
    assert html.count("plotly.js (basic - minified)") == 1


def test_no_url_is_loaded(html):
    before_plotly = html.split("plotly.js (basic - minified)")[0]
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", before_plotly)
    assert "default-src 'none'" in html            # the CSP blocks any fetch the page might attempt


def test_agency_text_is_escaped(html):
    assert synthetic.HOSTILE_AGENCY not in html
    assert "Police &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in html
    assert "<img src=x" not in html
    assert "&lt;b&gt;Not a date&lt;/b&gt;" in html


def test_small_numbers_are_suppressed_in_breakdowns(html):
    section = html.split('data-section="disproportionality"')[1].split("</section>")[0]
    assert "<td>c</td>" in section
    figures = re.findall(r'<script type="application/json" id="(disp-[^"]+)">(.*?)</script>', section, re.DOTALL)
    assert figures
    for _, text in figures:                         # the charts carry no share the table hides
        for trace in json.loads(text)["data"]:
            assert None in trace["x"] or "bdata" in str(trace["x"])


def test_every_catalogue_section_with_values_has_its_measures(html):
    from pipeline.lib.indicators import load_catalogue

    shown_elsewhere = {**dashboard.settings()["breakdown_of"], **dashboard.settings()["same_measure"]}
    codes = {i.code for i in load_catalogue() if not any(d in i.code for d in
             ("_by_gender", "_by_ethnicity", "_by_age_band", "_by_disability"))} - set(shown_elsewhere)
    shown = set(re.findall(r'data-indicator="([^"]+)"', html))
    assert codes <= shown


def test_breakdowns_sit_inside_their_measures_panel_never_as_measures(html):
    shown = set(re.findall(r'data-indicator="([^"]+)"', html))
    for child, parent in dashboard.settings()["breakdown_of"].items():
        assert child not in shown, child
        panel = html.split(f'data-indicator="{parent}"')[1].split("</article>")[0]
        assert f'id="breakdown-{child.replace("_", "-")}"' in panel, (child, parent)
    assert "by latest category of abuse 100.0%" not in html
    assert not re.search(r'data-tile="cpp_by_category"', html)


@pytest.mark.parametrize("table", sorted(dashboard.REQUIRED_TABLES))
def test_a_missing_table_is_an_error_naming_it_and_its_asset(tmp_path, table):
    with pytest.raises(data.MissingTable, match=rf"{table} \(asset {dashboard.REQUIRED_TABLES[table]}\)"):
        render(tmp_path, without=(table,))


def test_reconciliation_differences_are_shown_never_no_differences(html):
    recon = html.split('data-role="reconciliation"')[1].split("</table>")[0]
    assert "beyond tolerance" in recon and "4,194.0" in recon
    assert "No differences to report" not in html


def test_rag_and_travel_are_words_and_shapes_not_only_colour(html):
    badge = re.search(r'<span class="rag rag-(green|amber|red)"[^>]*>(.*?)</span></span>', html, re.DOTALL)
    assert badge and "<svg" in badge.group(2) and re.search(r"<strong>(Green|Amber|Red)</strong>", badge.group(2))
    assert re.search(r"\((improving|worsening)\)", html)


def test_index_links_every_quarter_written(tmp_path):
    out = tmp_path / "output"
    db = synthetic.build(tmp_path / "w.duckdb")
    config = benchmarks.read_config()
    with duckdb.connect(str(db), read_only=True) as con:
        for q in (Quarter(2022, 3), Q4):
            dashboard.write_dashboard(con, q, out, config["partnership"], config["expected_returns"])
    index = dashboard.write_index(out, config["partnership"]).read_text()
    assert index.index('href="2022-23-Q4.html"') < index.index('href="2022-23-Q3.html"')   # newest first


def test_vendored_plotly_is_the_pinned_version():
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["plotly.js-basic-dist-min"]
    assert (ROOT / "vendor/plotly/VERSION").read_text().strip() == pinned
    assert f"v{pinned}" in (ROOT / "vendor/plotly/plotly-basic.min.js").read_text()[:200]
    installed = ROOT / "node_modules/plotly.js-basic-dist-min/plotly-basic.min.js"
    if installed.exists():                          # after `npm ci`: the vendored file is the registry's file
        assert installed.read_bytes() == (ROOT / "vendor/plotly/plotly-basic.min.js").read_bytes()


def test_rag_and_comparators_come_from_mart_comparison(html):
    assert "Close to statistical neighbours" in html          # the mart's words
    assert "DfE 2021-22, release EES 2022" in html
    recon = html.split('data-role="reconciliation"')[1].split("</table>")[0]
    assert "Pipeline against DfE published" in recon


def _panel(html: str, code: str) -> str:
    return html.split(f'data-indicator="{code}"')[1].split("</article>")[0]


def test_a_measure_two_returns_count_is_one_panel_naming_both_sources(html):
    shown = set(re.findall(r'data-indicator="([^"]+)"', html))
    for merged, canonical in dashboard.settings()["same_measure"].items():
        assert merged not in shown, merged
        assert f'data-also="{merged}"' in _panel(html, canonical), (merged, canonical)
    panel = _panel(html, "eh_assessments_completed")
    sources = re.search(r'data-role="sources">(.*?)</p>', panel).group(1)
    assert sources == ("Sources: Multi-agency dataset; Children&#39;s social care (Ofsted Annex A), List 2: Early help")
    also = re.search(r'data-also="eh_list2_assessments_completed">(.*?)</li>', panel).group(1)
    # the other return's own figure, beside its source: the synthetic value of the 12 months to March 2023
    values = synthetic.value_rows()
    value = values.query("indicator_code == 'eh_list2_assessments_completed' and period_type == 'rolling_12m' and "
                         "quarter_key == '2022-23-Q4' and breakdown == 'total'")["value"].item()
    assert f"<strong>{value:,.0f}</strong> (12 months to Mar 2023; Children&#39;s social care (Ofsted Annex A), List 2: Early help)" in also


@pytest.mark.parametrize("mapping, message", [
    ({"same_measure": {"eh_list2_assessments_completed": "no_such_code"}}, "not in the catalogue: no_such_code"),
    ({"same_measure": {"eh_closures": "eh_closures_successful", "eh_closures_successful": "eh_closures_successful_pct"}},
     "eh_closures_successful both shown in another panel and a panel of its own"),
])
def test_a_same_measure_mapping_that_would_lose_a_measure_is_refused(tmp_path, monkeypatch, mapping, message):
    monkeypatch.setattr(dashboard, "settings", lambda: mapping)
    with pytest.raises(ValueError, match=message):
        render(tmp_path)


def _figure(html: str, chart_id: str) -> dict:
    return json.loads(re.search(rf'id="{chart_id}-data">(.*?)</script>', html, re.DOTALL).group(1))


def test_a_percentage_names_its_ten_statistical_neighbours_with_their_values(html):
    from pipeline.lib.indicators import load_catalogue

    ind = next(i for i in load_catalogue() if i.code == "rereferrals_pct")
    comparators = synthetic.comparator_rows(synthetic.value_rows())
    expected = synthetic.neighbour_rows(comparators).query(f"indicator_code == '{ind.benchmark}' and year_label == '2021-22'")
    trace = _figure(html, "neighbours-rereferrals-pct")["data"][0]
    bars = dict(zip(trace["y"], trace["x"]))
    la = benchmarks.read_config()["partnership"]["local_authority"]
    assert set(bars) == set(synthetic.NEIGHBOURS) | {la, "Statistical neighbours (mean)"}
    for row in expected.itertuples():
        assert bars[row.neighbour_name] == (None if pd.isna(row.value_num) else pytest.approx(row.value_num)), row
    assert bars["Blackburn with Darwen"] is None                    # published as 'c': no bar, not a zero
    panel = _panel(html, "rereferrals_pct")
    assert "<td>no value (c)</td>" in panel and "no published value for Blackburn with Darwen" in panel
    values = [v for v in bars.values() if v is not None]
    assert values == sorted(values, reverse=True)                  # highest first, as LAIT draws it


def test_a_count_has_no_statistical_neighbour_chart(html):
    from pipeline.lib.indicators import load_catalogue

    counts = [i.code for i in load_catalogue() if i.benchmark and i.unit == "count"]
    assert counts
    for code in counts:
        assert f'id="neighbours-{code.replace("_", "-")}"' not in html, code
