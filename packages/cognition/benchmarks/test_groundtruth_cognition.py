"""Cognition on the fused output of the ground-truth film (issue 6 "Done when").

Builds the film (reelmind.eval.groundtruth), runs the installed perceive + fuse stages as the
orchestrator would, then the cognition stage twice on the fused dataset: the state machine and
the memory run on real pipeline output, and the two analyses are byte-identical. Not in the
default test run (perception takes minutes on 2 cores):

    .venv/bin/python -m pytest packages/cognition/benchmarks/test_groundtruth_cognition.py -q -s
"""

from __future__ import annotations

import json
import time

import pytest

from reelmind.cognition.analysis import DETERMINISTIC_FILES, CognitionOptions, load_analysis, open_store


def _stages(names):
    from reelmind.core.stage import discover_stages

    found = discover_stages()
    missing = [n for n in names if n not in found]
    if missing:
        pytest.skip(f"stages not installed: {', '.join(missing)}")
    reasons = [f"{n}: {r}" for n in names for r in found[n].check()]
    if reasons:
        pytest.skip("; ".join(reasons))
    return [found[n] for n in names]


def test_cognition_on_the_fused_ground_truth_film(tmp_path):
    from reelmind.core.stage import StageContext
    from reelmind.eval.groundtruth import build, load

    stages = _stages(["faces", "audio", "fuse", "cognition"])
    truth_path = build(tmp_path / "film")
    truth = load(truth_path)
    artefacts = {"video": truth_path.parent / "film.mp4"}
    timings = {}
    for stage in stages[:3]:
        t0 = time.perf_counter()
        inputs = {k: artefacts[k] for k in stage.inputs}
        inputs.update({k: artefacts[k] for k in stage.optional_inputs if k in artefacts})
        artefacts.update(stage.run(StageContext(work_dir=tmp_path / "run" / stage.name), inputs, stage.make_options({})))
        timings[stage.name] = round(time.perf_counter() - t0, 1)
    ds = artefacts["dataset"]
    assert len(ds) >= len(truth["lines"]) - 1
    cog = stages[3]
    outs = []
    for k in range(2):
        t0 = time.perf_counter()
        outs.append(cog.run(StageContext(work_dir=tmp_path / f"cog{k}"), {"dataset": ds}, cog.make_options({}))["analysis"])
        timings[f"cognition_{k}"] = round(time.perf_counter() - t0, 1)
    for name in DETERMINISTIC_FILES:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    a = load_analysis(outs[0])
    speakers = sorted(set(ds.character))
    per_char = {c: sum(1 for x in ds.character if x == c) for c in speakers}
    assert len(a["transitions"]) == sum(n - 1 for n in per_char.values())
    assert {t.type for t in a["transitions"]} <= {"NATURAL", "GRADUAL", "TRIGGERED", "SUDDEN"}
    stats = a["memory_stats"]
    assert stats.by_kind["moment"] == len(ds)
    assert open_store(outs[0], CognitionOptions()).count() == stats.total
    summary = {"rows": len(ds), "characters": per_char, "arcs": {x.character: x.arc_class for x in a["arcs"]},
               "transition_types": {k: sum(t.type == k for t in a["transitions"]) for k in ("NATURAL", "GRADUAL", "TRIGGERED", "SUDDEN")},
               "memory": {"total": stats.total, "by_tier": stats.by_tier}, "weights": a["channel_weights"].rule,
               "seconds": timings}
    print("\nGROUNDTRUTH " + json.dumps(summary, sort_keys=True))
