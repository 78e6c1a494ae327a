"""Each member's annual report from one hub: Sandwell's and Dudley's 2022-23 reports written by the regional mode
differ in their names and figures, and each equals the single-partnership report of the same warehouse with that
partnership in config/partnership.yaml (Sandwell's: the file as shipped; Dudley's: the file written for Dudley)."""

from __future__ import annotations

import docx
import pytest
import yaml
from openpyxl import load_workbook

from pipeline.lib import settings
from pipeline.lib.periods import FinancialYear
from pipeline.lib.report import build, images
from pipeline.regional import report
from pipeline.regional import run as regional_run
from pipeline.regional.store import PartnershipStore
from tests.regional.conftest import file_returns

YEAR = FinancialYear.from_label("2022-23")
MEMBERS = ("sandwell", "dudley")


def _no_images(charts):
    """The charts' images are drawn by test_images; here they would cost minutes and compare nothing more."""
    return images.ImageSet(skipped=[f.name for f in charts], reason="not drawn in this test")


def _contents(out_dir) -> dict:
    """What a reader sees: the narrative, every workbook cell but the generation time, the Word draft's text."""
    cells = {}
    wb = load_workbook(out_dir / "figures.xlsx", read_only=True)
    for ws in wb.worksheets:
        cells[ws.title] = [row for row in ws.iter_rows(values_only=True)
                           if not (row and isinstance(row[0], str) and row[0].lower().startswith("generated"))]
    wb.close()
    draft = docx.Document(str(out_dir / "data-section.docx"))
    words = [p.text for p in draft.paragraphs] + [c.text for t in draft.tables for r in t.rows for c in r.cells]
    return {"narrative": (out_dir / "narrative.md").read_text(encoding="utf-8"), "workbook": cells, "word": words}


def _solo_file(tmp_path, member) -> str:
    """config/partnership.yaml as the member's own single-partnership project would have it."""
    shipped = yaml.safe_load(settings.PARTNERSHIP_FILE.read_text(encoding="utf-8"))
    block = member.config()["partnership"]
    shipped["partnership"] = {**{k: v for k, v in block.items() if k != "published_figures"},
                              "published_figures": str(member.published_figures or "")}
    path = tmp_path / f"partnership-{member.slug}.yaml"
    path.write_text(yaml.safe_dump(shipped), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def reports(tmp_path_factory, demo_raw, hub):
    data = tmp_path_factory.mktemp("hub")
    mp = pytest.MonkeyPatch()
    mp.setattr(build.images, "render", _no_images)
    for p in hub.partnerships:
        mp.setenv(p.pseudonym_key_env, f"{p.slug}-".ljust(40, "k"))
    try:
        file_returns(demo_raw, data, list(MEMBERS), also=("cdop",))
        regional_run.run(data, list(MEMBERS), [q.partition_key for q in YEAR.quarters])
        hub_sets = {s: report.write_report(data, hub.get(s), YEAR, allow_partial=True) for s in MEMBERS}
        solo = {}
        for slug in MEMBERS:
            member = hub.get(slug)
            if slug == "sandwell":     # the shipped file is Sandwell's: the single-partnership default untouched
                path = settings.PARTNERSHIP_FILE
            else:
                path = _solo_file(tmp_path_factory.mktemp(slug), member)
            with pytest.MonkeyPatch.context() as solo_file, PartnershipStore(data, member).reading() as con:
                solo_file.setattr(settings, "PARTNERSHIP_FILE", path)
                solo[slug] = build.build(con, YEAR, tmp_path_factory.mktemp(f"solo-{slug}"), allow_partial=True)
    finally:
        mp.undo()
    return {s: _contents(hub_sets[s].out_dir) for s in MEMBERS}, {s: _contents(solo[s].out_dir) for s in MEMBERS}


def test_each_member_report_equals_its_solo_report(reports):
    hub_reports, solo_reports = reports
    for slug in MEMBERS:
        assert hub_reports[slug] == solo_reports[slug], slug


def test_members_reports_differ_in_name_and_figures(reports, hub):
    hub_reports, _ = reports
    sandwell, dudley = hub_reports["sandwell"], hub_reports["dudley"]
    assert hub.get("dudley").name in dudley["word"] and hub.get("sandwell").name not in " ".join(dudley["word"])
    assert "in Dudley" in dudley["narrative"] and "in Sandwell" not in dudley["narrative"]
    assert "Sandwell" not in dudley["narrative"].replace("Black Country", "")
    assert "in Sandwell" in sandwell["narrative"]
    # Sandwell's earlier published figures are noted in Sandwell's report only.
    assert "SCSP annual report 2022-23" in sandwell["narrative"]
    assert "SCSP annual report 2022-23" not in dudley["narrative"]
    # Same returns, different authorities: the rates (own child population) and comparisons differ.
    differing = [name for name in sandwell["workbook"]
                 if name in dudley["workbook"] and sandwell["workbook"][name] != dudley["workbook"][name]]
    assert differing, "every sheet is the same: the figures are not each member's own"
    # Each member's child deaths are its own area's.
    assert "of them in Dudley" in dudley["narrative"] and "of them in Sandwell" in sandwell["narrative"]
