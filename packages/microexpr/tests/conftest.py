"""Shared fixtures: a real posed photo with its landmarks, still clips with planted SYNTHETIC events."""

import numpy as np
import pytest


@pytest.fixture(scope="session")
def happy_face():
    import cv2

    from reelmind.core.media import media_path

    img = cv2.cvtColor(cv2.imread(str(media_path("feat/0-f15-hao-ph.jpg"))), cv2.COLOR_BGR2RGB)
    return cv2.resize(img, (img.shape[1] // 2 * 2, img.shape[0] // 2 * 2))


@pytest.fixture(scope="session")
def aligner():
    from reelmind.microexpr.align import Aligner

    return Aligner()


@pytest.fixture(scope="session")
def still_crops():
    return _still_crops


def _still_crops(image, aligner, plant=None, n=50, fps=25.0, seed=0):
    """Aligned crops of a still clip (sensor noise every frame) with an optional planted event."""
    import cv2

    from reelmind.microexpr.synth import detect_face, still_clip
    from reelmind.microexpr.warp import profile, warp

    frames = still_clip(image, n / fps, fps, seed=seed)
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    box = detect_face(gray)
    lm = aligner.landmarks(gray, box)
    if plant is not None:
        inten = profile(plant.frames)
        for t in range(plant.frames):
            frames[plant.onset + t] = warp(frames[plant.onset + t], lm, plant.au, plant.amount * inten[t])
    out = [aligner.align(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), box) for f in frames]
    return [a.crop for a in out], [a.landmarks for a in out]
