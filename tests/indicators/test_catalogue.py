"""The catalogue (config/indicators.yaml + config/partner_measures.csv) against the contract and the SQL."""

from __future__ import annotations

import re

import duckdb
import yaml

from pipeline.lib import indicators, warehouse
from pipeline.lib.paths import CONFIG_DIR, PROJECT_ROOT, SQL_DIR
from pipeline.lib.returns.spec import load_specs
from pipeline.lib.returns.store import ensure_tables
from tests.indicators.conftest import YEAR


def contract_codes() -> set[str]:
    text = (PROJECT_ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    section = text.split("## Indicator codes", 1)[1].split("\n## ", 1)[0].split("\nBreakdown values:", 1)[0]
    section = re.sub(r"\(.*?\)", "", section, flags=re.DOTALL)          # drop the parenthesised notes and examples
    codes = set()
    for line in section.splitlines():
        body = line.split(":", 1)[1] if ":" in line else line
        codes |= {c for c in re.findall(r"\b[a-z][a-z0-9_]*[a-z0-9]\b", body) if "_" in c}
    return codes - {"measure_code", "partner_measures"}   # "code = measure_code", "config/partner_measures.csv"


def test_every_contract_code_is_in_the_catalogue():
    catalogue = {i.code for i in indicators.load_catalogue()}
    assert contract_codes() - catalogue == set()
    partner_codes = {line.split(",")[0] for line in (CONFIG_DIR / "partner_measures.csv").read_text().splitlines()[1:]}
    assert partner_codes <= catalogue


def test_every_indicator_is_computed_by_its_sql_file():
    con = duckdb.connect()
    ensure_tables(con, load_specs())
    indicators.load_reference_tables(con)
    catalogue = indicators.load_catalogue()
    produced = {}
    for sql in {i.sql for i in catalogue}:
        assert (SQL_DIR / "ind" / f"{sql}.sql").exists()
        produced[sql] = set(warehouse.query(con, sql, YEAR)["indicator_code"])
    # partner measures give a row only when reported (Python adds the total row with no value); everything else
    # always gives its total row, breakdown indicators too (their base count)
    missing = {i.code for i in catalogue if i.sql != "ind_partners" and i.code not in produced[i.sql]}
    assert missing == set()


def test_benchmarks_name_a_dfe_measure_and_rag_rules_are_complete():
    measures = yaml.safe_load((CONFIG_DIR / "benchmark_measures.yaml").read_text(encoding="utf-8"))["indicators"]
    for ind in indicators.load_catalogue():
        assert ind.benchmark is None or ind.benchmark in measures, ind.code
        if ind.benchmark and ind.unit != "count":
            assert measures[ind.benchmark]["unit"] == ind.unit, ind.code
        if ind.rag:
            assert ind.polarity != "neutral", ind.code
            assert ind.rag["against"] == "target" or ind.benchmark, f"{ind.code}: RAG against DfE without a benchmark"
        assert ind.definition and ind.numerator and ind.title, ind.code
        assert ind.unit in ("count",) or ind.denominator, f"{ind.code}: a {ind.unit} needs its denominator described"


def test_a_rag_rule_on_a_neutral_indicator_is_refused(tmp_path):
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump({"indicators": [{
        "code": "x", "title": "x", "section": "s", "definition": "d", "numerator": "n", "denominator": None,
        "counting_rule": "in_period", "unit": "count", "polarity": "neutral", "decimals": 0, "sql": "ind_x",
        "rag": {"against": "england", "tolerance": 1}}]}))
    try:
        indicators.load_catalogue(path)
    except ValueError as e:
        assert "neutral" in str(e)
    else:
        raise AssertionError("a neutral indicator with a RAG rule was accepted")
