"""Each 7-minute briefing prints on one A4 page, and makes no network request: Debian's Chromium prints the demo's
2022-23 briefings (from the small learning warehouse) through Playwright and the PDF pages are counted."""

from __future__ import annotations

import re

import duckdb
import pytest

from pipeline.lib.learning.briefings import write_briefings
from pipeline.lib.periods import FinancialYear

pytestmark = pytest.mark.browser


def test_every_review_and_audit_briefing_is_one_a4_page_with_no_request(learning_warehouse, tmp_path, browser):
    with duckdb.connect(str(learning_warehouse), read_only=True) as con:
        pages = [p for p in write_briefings(con, FinancialYear(2022), tmp_path) if p.suffix == ".html"]
    requests: list[str] = []
    counts = {}
    context = browser.new_context()     # the session's one Playwright: a second in this process would refuse
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith("file:") else None)
    for path in pages:
        page.goto(path.as_uri())
        pdf = page.pdf(format="A4", print_background=True)
        counts[path.stem] = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    context.close()
    assert requests == []
    assert len(counts) == 17
    assert {k: v for k, v in counts.items() if k != "thematic-briefing" and v != 1} == {}
