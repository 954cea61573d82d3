"""End to end (opt-in, ~2.5 min): ground-truth film -> faces, audio -> fuse -> cognition -> report -> Chromium.

Run: ``.venv/bin/python -m pytest packages/cognition/benchmarks/test_e2e_groundtruth_report.py -q``
The default test (tests/test_report_html.py) renders the same film's report from its ground-truth
dataset; this one uses what the real perception stages make of the film.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from reelmind.core.stage import StageContext, discover_stages

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_report_html import CHARTS, _sections, chromium  # noqa: E402

ORDER = ("faces", "audio", "fuse", "cognition", "report")


def test_real_pipeline_report_renders(tmp_path):
    import html
    import re

    from reelmind.eval.groundtruth import build

    stages = discover_stages()
    missing = [s for s in ORDER if s not in stages or stages[s].check()]
    if missing:
        pytest.skip(f"stages not runnable here: {missing}")
    truth = build(tmp_path / "film")
    arts: dict = {"video": truth.parent / "film.mp4"}
    for name in ORDER:
        st = stages[name]
        ins = {k: arts.get(k) for k in st.inputs + st.optional_inputs}
        opts = st.make_options({"film": "ground-truth film"} if name == "report" else {})
        arts.update(st.run(StageContext(work_dir=tmp_path / name), ins, opts))
    folder = arts["report"]
    rep = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert rep["missing"] == {}
    assert rep["sections"]["overview"]["lines"] >= 8
    dom = chromium(folder / "report.html", tmp_path, "--window-size=1280,1000", "--dump-dom").stdout
    layout = json.loads(html.unescape(re.search(r'data-layout="([^"]*)"', dom).group(1)))
    assert set(layout) == set(CHARTS) and all(v["svg"] >= 1 for v in layout.values())
    assert set(_sections(dom)) == set(CHARTS)
