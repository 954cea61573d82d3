"""The HTML report of the ground-truth film renders in headless Chromium with every chart present."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from reelmind.cognition.report_stage import STAGE as REPORT_STAGE
from reelmind.core.stage import StageContext, discover_stages

sys.path.insert(0, str(Path(__file__).parent))
from cog2_fixtures import groundtruth_dataset, make_film  # noqa: E402


def _rendered(page: Path, tmp: Path):
    from reelmind.eval.render_check import check_rendered, chromium_path
    from reelmind.core.errors import ReelmindError

    try:
        chromium_path()
    except ReelmindError:
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    return check_rendered(page, tmp)


@pytest.fixture(scope="module")
def gt_report(tmp_path_factory) -> Path:
    """Ground-truth film -> its dataset -> the real cognition stage (issue 6) -> the report stage."""
    from reelmind.eval.groundtruth import build

    tmp = tmp_path_factory.mktemp("gt")
    truth = build(tmp / "film")
    ds = groundtruth_dataset(truth)
    stages = discover_stages()
    inputs = {"dataset": ds}
    if "cognition" in stages and not stages["cognition"].check():
        cog = stages["cognition"]
        inputs.update(cog.run(StageContext(work_dir=tmp / "cognition"), {"dataset": ds}, cog.make_options({})))
    else:  # the report still renders, and says what is missing
        inputs["analysis"] = None
    out = REPORT_STAGE.run(StageContext(work_dir=tmp / "report"), inputs, REPORT_STAGE.make_options({"film": "ground-truth film"}))
    return out["report"]


def test_report_folder_and_offline_page(gt_report):
    for name in ("report.md", "report.zh.md", "report.json", "report.html"):
        assert (gt_report / name).stat().st_size > 500, name
    page = (gt_report / "report.html").read_text(encoding="utf-8")
    # self-contained: nothing fetched from anywhere (the SVG namespace URI is not a fetch)
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", page)
    assert "http" not in page.replace("http://www.w3.org/2000/svg", "")
    rep = json.loads((gt_report / "report.json").read_text(encoding="utf-8"))
    assert rep["sections"]["conflicts"]["count"] >= 1  # the planted conflict
    if "cognition" in discover_stages():
        assert rep["missing"] == {}, rep["missing"]  # every analysis piece was read
        assert rep["sections"]["ocean"]["source"] == "analysis"


def test_chromium_renders_every_chart(gt_report, tmp_path):
    from reelmind.eval.render_check import chart_problems

    assert chart_problems(_rendered(gt_report / "report.html", tmp_path)) == []


def test_constructed_film_page_has_turning_points_and_rings(tmp_path):
    from reelmind.cognition.report_html import render_html
    from reelmind.cognition.report_inputs import ReportInputs, load_analysis_pieces
    from reelmind.cognition.report_structured import build_report

    rep = build_report(load_analysis_pieces(None, ReportInputs(dataset=make_film(), film="constructed")))
    page = render_html(rep)
    assert page.count('<div class="rings">') == 1 and page.count('<svg class="rings"') == 4
    assert page.count('<svg class="arc"') == 5
    assert "arc not in analysis" in page  # missing arcs are said in the chart
    assert page.count('data-lang="zh"') == 1 and "情感波動" in page


def test_report_from_analysis_is_byte_identical(gt_report, tmp_path):
    from reelmind.cognition.report_stage import ReportStageOptions, write_report

    analysis = gt_report.parent.parent / "cognition" / "analysis"
    if not analysis.is_dir():
        pytest.skip("the cognition stage did not run here")
    ds = groundtruth_dataset(gt_report.parent.parent / "film" / "ground_truth.json")
    out = write_report(ds, analysis, tmp_path / "again", ReportStageOptions(film="ground-truth film"))
    for name in ("report.json", "report.md", "report.zh.md", "report.html"):
        assert (out / name).read_bytes() == (gt_report / name).read_bytes(), name
