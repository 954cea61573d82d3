"""The HTML report of the ground-truth film renders in headless Chromium with every chart present."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reelmind.cognition.report_html import CHARTS
from reelmind.cognition.report_stage import STAGE as REPORT_STAGE
from reelmind.core.stage import StageContext, discover_stages

sys.path.insert(0, str(Path(__file__).parent))
from cog2_fixtures import groundtruth_dataset, make_film  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WIDTH = 1280


def chromium(page: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp / 'chromium-profile'}", *args, page.resolve().as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


@pytest.fixture(scope="module")
def gt_report(tmp_path_factory) -> Path:
    """Ground-truth film -> its dataset -> the real cognition stage (issue 6) -> the report stage."""
    from reelmind.fuse.groundtruth import build

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


def _sections(dom: str) -> dict[str, str]:
    out = {}
    for m in re.finditer(r'<section class="card" data-chart="(\w+)">(.*?)</section>', dom, re.S):
        out[m.group(1)] = m.group(2)
    return out


def test_chromium_renders_every_chart(gt_report, tmp_path):
    page = gt_report / "report.html"
    dom = chromium(page, tmp_path, f"--window-size={WIDTH},1000", "--dump-dom").stdout
    layout = json.loads(html.unescape(re.search(r'data-layout="([^"]*)"', dom).group(1)))
    assert set(layout) == set(CHARTS)
    sections = _sections(dom)
    need = {"timeline": ("<polyline", "<circle"), "arcs": ("<path",), "conflicts": ("<circle", "badge"),
            "ocean": ("<polygon",), "social": ("<circle", "<path"), "scores": ("<rect",)}
    for chart, tags in need.items():
        assert layout[chart]["svg"] >= 1 and layout[chart]["w"] > 300 and layout[chart]["h"] > 100, (chart, layout[chart])
        assert f'id="chart-{chart}"' in sections[chart] or chart == "arcs", chart
        for tag in tags:
            assert tag in sections[chart], (chart, tag)
    # screenshot the whole page and check each chart's box holds a drawing, not a blank card
    import cv2

    height = max(v["y"] + v["h"] for v in layout.values()) + 40
    shot = tmp_path / "report.png"
    chromium(page, tmp_path, f"--window-size={WIDTH},{height}", f"--screenshot={shot}", "--hide-scrollbars")
    img = cv2.imread(str(shot), cv2.IMREAD_GRAYSCALE)
    assert img is not None and img.shape[1] == WIDTH
    assert float(img.std()) > 20
    for chart, box in layout.items():
        crop = img[box["y"] + 40: box["y"] + box["h"], box["x"]: box["x"] + box["w"]].astype(np.float64)
        ink = float(np.mean(crop < 200))  # share of clearly drawn pixels
        assert crop.std() > 8 and ink > 0.005, (chart, crop.std(), ink)


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
