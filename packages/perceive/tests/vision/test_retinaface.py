"""RetinaFace/SCRFD decoding, tested on the RetinaFace MobileNet-0.25 architecture exported here.

The export recipe (onnx_models/retinaface/export_retinaface.py) builds the exact architecture of
biubug6/Pytorch_Retinaface; with random weights it checks the ONNX export, the prior layout
(count and order per pyramid level) and the box/landmark decoding against the network's heads.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from reelmind.core.errors import MissingModelError
from reelmind.perceive.vision import retinaface as rf

RECIPE = Path(__file__).resolve().parents[4] / "onnx_models" / "retinaface" / "export_retinaface.py"
torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def recipe():
    spec = importlib.util.spec_from_file_location("export_retinaface", RECIPE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def random_model(recipe, tmp_path_factory):
    torch.manual_seed(0)
    model = recipe.RetinaFace().eval()
    path = recipe.export(model, tmp_path_factory.mktemp("rf") / "retinaface_random.onnx")
    return model, path


def test_export_matches_torch_at_any_size(random_model):
    import onnxruntime as ort

    model, path = random_model
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for h, w in [(250, 330), (640, 480)]:
        x = torch.randn(1, 3, h, w)
        with torch.no_grad():
            want = [t.numpy() for t in model(x)]
        got = sess.run(None, {"input": x.numpy()})
        for g, wnt in zip(got, want):
            np.testing.assert_allclose(g, wnt, atol=1e-4)
        assert got[0].shape[1] == len(rf.prior_boxes(h, w))  # one prior per output row


def test_priors_follow_the_head_layout(recipe, tmp_path):
    """Zero box/landmark heads decode to the priors themselves; per-level class biases show the order."""
    import onnxruntime as ort

    torch.manual_seed(1)
    model = recipe.RetinaFace().eval()
    with torch.no_grad():
        for level in range(3):
            for head in (model.BboxHead[level], model.LandmarkHead[level]):
                head.conv1x1.weight.zero_()
                head.conv1x1.bias.zero_()
            cls = model.ClassHead[level].conv1x1
            cls.weight.zero_()
            cls.bias.copy_(torch.tensor([0.0, float(level)] * 2))  # face logit = level
    path = recipe.export(model, tmp_path / "zero_heads.onnx")
    h, w = 200, 296
    loc, conf, landms = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"input": np.random.default_rng(0).normal(size=(1, 3, h, w)).astype(np.float32)})
    boxes, scores, lms = rf.RetinaFaceDetector.decode_retinaface(loc[0], conf[0], landms[0], h, w)
    priors = rf.prior_boxes(h, w)
    cx, cy = priors[:, 0] * w, priors[:, 1] * h
    np.testing.assert_allclose((boxes[:, 0] + boxes[:, 2]) / 2, cx, atol=1e-3)
    np.testing.assert_allclose((boxes[:, 1] + boxes[:, 3]) / 2, cy, atol=1e-3)
    np.testing.assert_allclose(lms[:, :, 0], np.repeat(cx[:, None], 5, 1), atol=1e-3)
    levels = np.round(np.log(scores / (1 - scores))).astype(int)  # softmax(0, level) -> level
    for level, sizes in enumerate(rf.MIN_SIZES):
        side = boxes[levels == level, 2] - boxes[levels == level, 0]
        assert set(np.round(side).astype(int).tolist()) == set(sizes)
    n8 = int(np.ceil(h / 8) * np.ceil(w / 8) * 2)
    assert np.all(levels[:n8] == 0) and np.all(levels[-int(np.ceil(h / 32) * np.ceil(w / 32) * 2):] == 2)


def test_detector_runs_the_exported_model(random_model, image):
    _, path = random_model
    det = rf.RetinaFaceDetector(path, conf_threshold=0.0)
    assert det.layout == "retinaface"
    out = det.detect([image("feat/multi_face.jpg")])[0]
    img_h, img_w = 667, 1000
    assert len(out) > 0 and np.all(np.isfinite(out.boxes))
    assert out.boxes[:, [0, 2]].max() < img_w * 3 and out.boxes[:, [1, 3]].max() < img_h * 3  # mapped back to full size


def test_encode_decode_round_trip():
    rng = np.random.default_rng(0)
    priors = rf.prior_boxes(320, 320)[rng.choice(4200, 50, replace=False)]
    c = priors[:, :2] + rng.uniform(-0.02, 0.02, (50, 2))
    wh = priors[:, 2:] * rng.uniform(0.5, 2, (50, 2))
    gt = np.column_stack([c - wh / 2, c + wh / 2])
    np.testing.assert_allclose(rf.decode_boxes(rf.encode_boxes(gt, priors), priors), gt, atol=1e-6)


def test_scrfd_decoding():
    h = w = 64
    outs, want_boxes = [], []
    for stride in rf.STEPS:
        n = int(np.ceil(h / stride) * np.ceil(w / stride)) * 2
        outs.append(np.linspace(0, 1, n, dtype=np.float32)[:, None])
    for stride in rf.STEPS:
        n = int(np.ceil(h / stride) * np.ceil(w / stride)) * 2
        outs.append(np.tile(np.array([[1, 2, 3, 4]], np.float32), (n, 1)))
        c = rf.scrfd_centers(h, w, stride)
        want_boxes.append(np.column_stack([c[:, 0] - stride, c[:, 1] - 2 * stride, c[:, 0] + 3 * stride, c[:, 1] + 4 * stride]))
    for stride in rf.STEPS:
        n = int(np.ceil(h / stride) * np.ceil(w / stride)) * 2
        outs.append(np.zeros((n, 10), np.float32))
    det = rf.RetinaFaceDetector.__new__(rf.RetinaFaceDetector)
    det.with_kps = True
    boxes, scores, lms = det.decode_scrfd(outs, h, w)
    np.testing.assert_allclose(boxes, np.concatenate(want_boxes))
    np.testing.assert_allclose(lms[:, 0], np.concatenate([rf.scrfd_centers(h, w, s) for s in rf.STEPS]))
    assert rf.scrfd_centers(h, w, 8)[:4].tolist() == [[0, 0], [0, 0], [8, 0], [8, 0]]


def test_missing_weights_name_the_fix():
    with pytest.raises(MissingModelError, match="onnx_models/retinaface"):
        rf.RetinaFaceDetector(None)
