"""End to end (opt-in, ~3 min): ground-truth film -> faces, audio -> fuse -> cognition stages -> report -> Chromium.

Run: ``.venv/bin/python -m pytest packages/cognition/benchmarks/test_e2e_groundtruth_report.py -q``
The default test (tests/test_report_html.py) renders the same film's report from its ground-truth
dataset; this one uses what the real perception stages make of the film.
"""

from __future__ import annotations

import json

import pytest

from reelmind.core.stage import discover_stages

NEEDED = ("faces", "audio", "fuse", "moments", "memory", "social", "personality", "scores", "report")


def test_real_pipeline_report_renders(tmp_path):
    from reelmind.cognition.report import write_documents
    from reelmind.eval.groundtruth import build
    from reelmind.eval.render_check import chart_problems, check_rendered

    from reelmind.pipeline.orchestrate import plan

    stages = discover_stages()
    missing = [s for s in NEEDED if s not in stages or stages[s].check()]
    if missing:
        pytest.skip(f"stages not runnable here: {missing}")
    truth = build(tmp_path / "film")
    arts: dict = {"video": truth.parent / "film.mp4"}
    for st in plan(stages, {"video"}).order:  # faces, persons (when split), audio, fuse, then cognition
        name = st.name
        ins = {k: arts.get(k) for k in st.inputs + st.optional_inputs}
        opts = st.make_options({"film": "ground-truth film"} if name == "report" else {})
        arts.update(st.run({k: v for k, v in ins.items() if v is not None}, opts))
    write_documents(arts["report"], tmp_path)
    folder = tmp_path / "report"
    rep = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert rep["missing"] == {}
    assert rep["sections"]["overview"]["lines"] >= 8
    assert chart_problems(check_rendered(folder / "report.html", tmp_path / "chromium")) == []
