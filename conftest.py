"""Fixtures shared by every test folder: the ground-truth film, built once per session, and one
full `reelmind run` of it (what several packages' end-to-end tests read; a run is minutes on 2 cores)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def gt_truth(tmp_path_factory):
    """Path of the ground-truth film's ground_truth.json (film.mp4 beside it), ~30 s, 11 lines."""
    from reelmind.eval.groundtruth import build

    return build(tmp_path_factory.mktemp("gt-film") / "film")


@pytest.fixture(scope="session")
def gt_run(gt_truth, tmp_path_factory):
    """(run folder, {stage: StageReport}) of the default pipeline on the ground-truth film."""
    from reelmind.pipeline.orchestrate import run_pipeline

    out = tmp_path_factory.mktemp("gt-run")
    reports = run_pipeline(gt_truth.parent / "film.mp4", out)
    return out, {r.name: r for r in reports}


@pytest.fixture(scope="session")
def gt_short_film(tmp_path_factory):
    """The first three lines of the ground-truth film (~8 s), keyframes every second (so a faces
    segment of 2 s can be seeked to): film.mp4 path."""
    import shutil
    import subprocess

    from reelmind.eval.groundtruth import SCRIPT, build

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg (Debian package) is not installed")
    folder = tmp_path_factory.mktemp("gt3")
    build(folder, script=SCRIPT[:3])
    out = folder / "film_g25.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(folder / "film.mp4"), "-c:v", "libx264", "-g", "25",
                    "-pix_fmt", "yuv420p", "-c:a", "copy", str(out)], check=True, capture_output=True)
    return out
