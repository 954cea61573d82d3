"""Shared fixtures of the perceive.vision tests: real models, real sample media."""

from __future__ import annotations

import pytest

from reelmind.core.media import media_path


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
    from reelmind.perceive.vision.backends import EMOTIONS

    return EMOTIONS.create("fer")


@pytest.fixture(scope="session")
def image():
    """``image("feat/multi_face.jpg")`` -> RGB uint8 array of a sample media file."""
    from reelmind.perceive.vision.decode import read_image

    return lambda name: read_image(media_path(name))


@pytest.fixture
def corrupt_ts(tmp_path):
    """(clean, damaged) MPEG-TS copies of single_face.mp4: the damaged one has 40 runs of 200 random
    bytes in its middle half (corrupt packets)."""
    import random
    import shutil
    import subprocess

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg (Debian package) is not installed")
    clean = tmp_path / "clip.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(media_path("feat/single_face.mp4")), "-c:v", "mpeg2video",
                    "-q:v", "4", "-an", str(clean)], check=True, capture_output=True)
    data = bytearray(clean.read_bytes())
    rng = random.Random(1)
    for _ in range(40):
        i = rng.randrange(len(data) // 4, 3 * len(data) // 4)
        data[i:i + 200] = rng.randbytes(200)
    bad = tmp_path / "corrupt.ts"
    bad.write_bytes(bytes(data))
    return clean, bad


@pytest.fixture(scope="session")
def persons_of():
    """``persons_of(pipe, face_tracks, **persons_options)`` -> (faces with person ids, PersonTable, info):
    the persons stage's analysis on a table the pipeline made."""
    from reelmind.perceive.vision.options import PersonsOptions
    from reelmind.perceive.vision.persons import identify

    def run(pipe, table, reference=None, **options):
        tracks = table.with_columns(meta={**table.meta, "embedder": pipe.embedder_info()})
        return identify(tracks, PersonsOptions(**options), reference)

    return run


def backend(registry: str, name: str, **options):
    """A backend built as the faces stage builds it (``FacesOptions(**options)``)."""
    from reelmind.perceive.vision import backends
    from reelmind.perceive.vision.options import FacesOptions

    return getattr(backends, registry).create(name, FacesOptions(**options), None)


@pytest.fixture(scope="session")
def make():
    """``make("DETECTORS", "haar", min_face_size=30)``: a backend by registry and name."""
    return backend
