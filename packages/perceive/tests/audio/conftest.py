"""Shared fixtures: a flite two-voice dialogue with exact ground truth, analysed once per session."""

from __future__ import annotations

import shutil

import pytest
from reelmind.perceive.audio.options import AudioOptions
from reelmind.perceive.audio.pipeline import analyze_audio
from reelmind.eval.synth import synthesize_dialogue


def pytest_collection_modifyitems(config, items):  # noqa: ARG001
    if shutil.which("flite") is None:
        skip = pytest.mark.skip(reason="flite is not installed (apt-get install flite)")
        for item in items:
            if "dialogue" in getattr(item, "fixturenames", ()):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def dialogue(tmp_path_factory):
    """(wav path, ground truth lines) of the default DIALOGUE (voices slt and rms)."""
    path = tmp_path_factory.mktemp("dialogue") / "dialogue.wav"
    truth = synthesize_dialogue(path)
    return path, truth


@pytest.fixture(scope="session")
def dialogue_result(dialogue, tmp_path_factory):
    """The default pipeline with the fast English model (tiny.en; segmentation-3.0 + resemblyzer,
    ensemble, eGeMAPS) on the dialogue (the multilingual default has tests of its own)."""
    path, _ = dialogue
    return analyze_audio(path, AudioOptions(asr_model="tiny.en"), work_dir=tmp_path_factory.mktemp("work"))


@pytest.fixture(scope="session")
def groundtruth_film(tmp_path_factory):
    """The ground-truth film of reelmind.eval.groundtruth (4 flite voices, 11 lines, ~0.8-s
    pauses; real photos), built once per session: (film.mp4 path, truth dict)."""
    from reelmind.eval.groundtruth import build, load

    truth = build(tmp_path_factory.mktemp("gtfilm") / "film")
    return truth.parent / "film.mp4", load(truth)
