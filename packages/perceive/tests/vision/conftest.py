"""Shared fixtures of the perceive.vision tests: real models, real sample media."""

from __future__ import annotations

import pytest

from reelmind.core.media import media_path


@pytest.fixture(autouse=True)
def _private_checkpoints(tmp_path_factory, monkeypatch):
    """Each test gets its own checkpoint folder (finished analyses are reused across runs)."""
    monkeypatch.setenv("REELMIND_CHECKPOINTS", str(tmp_path_factory.mktemp("checkpoints")))


@pytest.fixture(scope="session")
def pipeline():
    from reelmind.perceive.vision.pipeline import FacePipeline

    return FacePipeline()


@pytest.fixture(scope="session")
def mtcnn():
    from reelmind.perceive.vision.mtcnn import MtcnnDetector

    return MtcnnDetector()


@pytest.fixture(scope="session")
def fer_model():
    from reelmind.perceive.vision.emotion import make_emotion

    return make_emotion("fer")


@pytest.fixture(scope="session")
def image():
    """``image("feat/multi_face.jpg")`` -> RGB uint8 array of a sample media file."""
    from reelmind.perceive.vision.decode import read_image

    return lambda name: read_image(media_path(name))
