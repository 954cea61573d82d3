"""End to end on the ground-truth film, through the real orchestrator (what `reelmind run` does):
faces + audio -> fuse -> moments, memory, social, personality, scores -> report, scored with `reelmind eval`'s code against the
film's exact ground truth, the HTML report rendered in headless Chromium, and a rerun that
computes nothing.

The film (~30 s) is built from real photos and flite voices by reelmind.eval.groundtruth.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow
STAGES = ("faces", "audio", "fuse", "moments", "memory", "social", "personality", "scores", "report")


@pytest.fixture(scope="module")
def film(gt_truth):
    return gt_truth


@pytest.fixture(scope="module")
def run(gt_run):
    """The session's one run of the film (conftest.py at the repository root)."""
    from reelmind.core.stage import discover_stages

    stages = discover_stages()
    assert set(STAGES) <= set(stages), f"stages not installed: {set(STAGES) - set(stages)}"
    return gt_run


@pytest.fixture(scope="module")
def scored(run, film):
    from reelmind.eval.film import evaluate_run

    return evaluate_run(run[0], film)


def test_every_stage_computed(run):
    out, reports = run
    for name in STAGES:
        assert reports[name].status == "computed", (name, reports[name].message)
    for published in ("faces.parquet", "utterances.parquet", "dataset.parquet", "dataset.csv", "moments.parquet",
                      "memories.parquet", "memory", "personality.parquet", "social.parquet", "scores.parquet",
                      "report/report.html", "report/report.md"):
        assert (out / published).exists(), published


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


def test_report_of_the_real_run_renders_every_chart(run, tmp_path):
    from reelmind.eval.render_check import chart_problems, check_rendered

    assert chart_problems(check_rendered(run[0] / "report" / "report.html", tmp_path)) == []


def test_rerun_computes_nothing(run, film):
    from reelmind.pipeline.orchestrate import run_pipeline

    again = {r.name: r.status for r in run_pipeline(film.parent / "film.mp4", run[0])}
    assert all(again[name] == "cached" for name in STAGES), again
