"""The HTML report of the ground-truth film renders in headless Chromium with every chart present."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from reelmind.cognition.report import write_documents

sys.path.insert(0, str(Path(__file__).parent))
from cog2_fixtures import groundtruth_dataset, make_film  # noqa: E402
from cognition_stages import run_stages  # noqa: E402


def _rendered(page: Path, tmp: Path):
    from reelmind.core.errors import ReelmindError
    from reelmind.eval.render_check import check_rendered, chromium_path

    try:
        chromium_path()
    except ReelmindError:
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    return check_rendered(page, tmp)


@pytest.fixture(scope="module")
def gt_report(tmp_path_factory) -> Path:
    """Ground-truth film -> its dataset -> every cognition stage -> OUT/report/."""
    from reelmind.eval.groundtruth import build

    tmp = tmp_path_factory.mktemp("gt")
    ds = groundtruth_dataset(build(tmp / "film"))
    arts = run_stages(ds, {"moments": {"lstm": {"epochs": 20}}, "report": {"film": "ground-truth film"}})
    write_documents(arts["report"], tmp)
    return tmp / "report"


def test_report_folder_and_offline_page(gt_report):
    for name in ("report.md", "report.zh.md", "report.json", "report.html"):
        assert (gt_report / name).stat().st_size > 500, name
    page = (gt_report / "report.html").read_text(encoding="utf-8")
    # self-contained: nothing fetched from anywhere (the SVG namespace URI is not a fetch)
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", page)
    assert "http" not in page.replace("http://www.w3.org/2000/svg", "")
    rep = json.loads((gt_report / "report.json").read_text(encoding="utf-8"))
    assert rep["sections"]["conflicts"]["count"] >= 1  # the planted conflict
    assert rep["missing"] == {}, rep["missing"]  # every cognition record was there
    assert rep["sections"]["ocean"]["source"] == "analysis"


def test_chromium_renders_every_chart(gt_report, tmp_path):
    from reelmind.eval.render_check import chart_problems

    assert chart_problems(_rendered(gt_report / "report.html", tmp_path)) == []


def test_constructed_film_page_has_turning_points_and_rings():
    from reelmind.cognition.report_html import render_html
    from reelmind.cognition.report_inputs import ReportInputs
    from reelmind.cognition.report_structured import ReportOptions, build_report

    arts = run_stages(make_film(), {"moments": {"lstm": {"enabled": False}}}, names=("moments", "social"))
    rep = build_report(ReportInputs.from_records({k: v for k, v in arts.items() if k != "arcs"}), ReportOptions(film="constructed"))
    page = render_html(rep)
    assert page.count('<div class="rings">') == 1 and page.count('<svg class="rings"') == 4
    assert page.count('<svg class="arc"') == 5
    assert "arc not in analysis" in page  # missing arcs are said in the chart
    assert page.count('data-lang="zh"') == 1 and "情感波動" in page
