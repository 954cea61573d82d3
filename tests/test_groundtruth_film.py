"""End to end on the ground-truth film: perceive (faces, audio) -> fuse -> eval, with the Done-when bars.

Builds the ~30 s film from real photos and flite voices (reelmind.fuse.groundtruth), runs the
installed stages exactly as the orchestrator would (entry points, default options), writes a run
folder of Parquet files and scores it with ``reelmind eval``'s code. Skipped, with the reasons,
only when a stage cannot run here (its ``check()`` says why).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


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


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    from reelmind.core.stage import StageContext
    from reelmind.fuse.evaluate import evaluate_run
    from reelmind.fuse.groundtruth import build

    stages = _stages(["faces", "audio", "fuse"])
    root = tmp_path_factory.mktemp("gtfilm")
    truth_path = build(root / "film")
    run = root / "run"
    artefacts = {"video": truth_path.parent / "film.mp4"}
    for stage in stages:
        inputs = {k: artefacts[k] for k in stage.inputs}
        inputs.update({k: artefacts[k] for k in stage.optional_inputs if k in artefacts})
        out = stage.run(StageContext(work_dir=run / stage.name), inputs, stage.make_options({}))
        for name, value in out.items():
            artefacts[name] = value
            if hasattr(value, "to_parquet"):
                value.to_parquet(run / f"{name}.parquet")
    return evaluate_run(run, truth_path)


def test_speaking_face(scored):
    assert scored.metrics["speaking_face_accuracy"] >= 0.9, scored.lines


def test_every_planted_conflict_found(scored):
    m = scored.metrics
    assert m["conflicts_planted"] >= 1 and m["conflicts_found"] == m["conflicts_planted"], scored.lines


def test_listener_precision(scored):
    assert scored.metrics["listener_precision"] >= 0.8, scored.lines


def test_speech_side(scored):
    m = scored.metrics
    assert m["speaker_attribution_accuracy"] >= 0.9 and m["wer"] <= 0.2, m
