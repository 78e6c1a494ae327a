"""The stg_ views are built only when their SQL changes, yet always match the tables and the specification."""

from __future__ import annotations

import duckdb

from pipeline.lib.returns.spec import load_specs
from pipeline.lib.returns.store import ensure_tables


def _view_columns(con, view: str) -> list[str]:
    return [d[0] for d in con.execute(f"select * from {view} limit 0").description]


def test_a_stale_view_is_rebuilt_and_an_unchanged_one_kept(tmp_path):
    specs = load_specs()
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_tables(con, specs)
    good = _view_columns(con, "stg_contacts")
    assert "child_id" in good and "source_row" in good
    # a view left by an older version of the code (no stamp, other SQL) is replaced
    con.execute("create or replace view stg_contacts as select 1 as stale")
    ensure_tables(con, specs)
    assert _view_columns(con, "stg_contacts") == good
    # an unchanged view is not built again: its stamp is left as it was
    before = con.execute("select comment, sql from duckdb_views() where view_name = 'stg_contacts'").fetchone()
    ensure_tables(con, specs)
    assert con.execute("select comment, sql from duckdb_views() where view_name = 'stg_contacts'").fetchone() == before
    con.close()


def test_a_column_added_to_a_table_shows_in_its_view(tmp_path):
    specs = load_specs()
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_tables(con, specs)
    # a warehouse made before the specification had this column: ensure_tables adds it, the kept view shows it
    con.execute("alter table raw_contacts drop column met_early_help_threshold")
    assert "met_early_help_threshold" not in _view_columns(con, "stg_contacts")
    ensure_tables(con, specs)
    assert "met_early_help_threshold" in _view_columns(con, "stg_contacts")
    con.close()
