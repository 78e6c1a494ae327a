"""The national generator: England's 153 authorities at their ONS sizes; a child kept, dropped or repeated whole,
so an authority's rows follow its child population; the written returns load through the real intake."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.lib.periods import Quarter
from pipeline.lib.returns.intake import intake_quarter
from pipeline.regional import national
from pipeline.regional.config import load_hub


def test_153_authorities_at_their_ons_sizes():
    las = national.authorities()
    assert len(las) == 153 and len({la.dfe_la_code for la in las}) == 153
    assert sum(la.children for la in las) == 12_183_016          # England's 0-17 population, mid-2024
    sandwell = next(la for la in las if la.name == "Sandwell")
    assert sandwell.children == national.DEMO_CHILDREN
    spread = national.spread(las, 10)
    assert len(spread) == 10 and spread[0] == las[0] and spread[-1].children < las[len(las) // 2].children


def test_children_are_kept_or_repeated_whole_in_proportion():
    ids = [f"SC{i:07d}" for i in range(20_000)]
    for factor in (0.1, 1.0, 2.5):
        made = [new for i in ids for new in national.copies(i, factor, "E08000027")]
        assert len(made) == pytest.approx(len(ids) * factor, rel=0.03)
        assert len(set(made)) == len(made), "a repeated child is a new child"
        assert national.copies(ids[0], factor, "E08000027") == national.copies(ids[0], factor, "E08000027")
    assert national.copies("SC1", 1.0, "x") == ["SC1"]
    assert all(new.isalnum() for new in national.copies("SC1234567", 3.0, "x")), "IDs the intake accepts"


def test_generated_returns_load_with_rows_in_proportion(tmp_path, demo_raw):
    las = national.authorities()
    small, large = las[-20], las[0]
    national.generate(demo_raw, tmp_path, [small, large], scale=0.05, quarters=("Q4",))
    hub = load_hub(tmp_path / "hub.yaml")
    assert hub.slugs == [small.slug, large.slug]
    loaded = {}
    for la in (small, large):
        with duckdb.connect(str(tmp_path / f"{la.slug}.duckdb")) as con:
            outcomes = intake_quarter(con, tmp_path / "raw" / la.slug, Quarter(2022, 4), "k" * 40)
            assert outcomes and all(o.status != "rejected" for o in outcomes)
            loaded[la.slug] = con.execute(  # the returns about children (training and MADS are copied as they are)
                "select sum(s.rows_loaded) from raw_sheets s join raw_files f using (file_id, period_key) "
                "where f.return_type in ('annex_a', 'missing_episodes')").fetchall()[0][0]
    ratio = loaded[large.slug] / loaded[small.slug]
    assert ratio == pytest.approx(large.children / small.children, rel=0.35)


def test_generated_in_parallel_equals_generated_in_one_process(tmp_path, demo_raw):
    """Two processes writing authorities give the same returns as one (same rows, cell for cell)."""
    las = national.authorities()
    chosen = [las[-1], las[-30], las[-60]]
    one = national.generate(demo_raw, tmp_path / "one", chosen, scale=0.02, quarters=("Q4",))
    two = national.generate(demo_raw, tmp_path / "two", chosen, scale=0.02, quarters=("Q4",), jobs=2)
    assert one == two and list(two) == [la.slug for la in chosen] and all(n > 0 for n in two.values())
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one" / "raw").rglob("*.xlsx"))
    assert files == sorted(p.relative_to(tmp_path / "two") for p in (tmp_path / "two" / "raw").rglob("*.xlsx"))
    for f in files:
        assert national._read(tmp_path / "one" / f) == national._read(tmp_path / "two" / f), f
