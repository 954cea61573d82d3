"""dlib's face-recognition ResNet converted to ONNX gives dlib's own descriptors, on real faces."""

from __future__ import annotations

import numpy as np
import pytest

from reelmind.core.media import media_path
from reelmind.core.models import resolve_path
from reelmind.perceive.vision import dlib_convert as dc
from reelmind.perceive.vision.embed import DlibEmbedder
from reelmind.perceive.vision.options import FacesOptions


@pytest.fixture(scope="module")
def runtimes():
    return DlibEmbedder("dlib"), DlibEmbedder("onnx")


def test_onnx_equals_dlib_on_real_faces(runtimes, mtcnn, image, tmp_path):
    """ORT(net(get_face_chip(img, shape))) == dlib's compute_face_descriptor(img, shape), face by face,
    with a freshly converted model and through the embedder's own batch paths."""
    import dlib
    import onnxruntime as ort

    native, converted = runtimes
    onnx_path = dc.convert_dlib_resnet(resolve_path("dlib-resnet-face-embedding"), tmp_path / "net.onnx")
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    jobs = []
    for name in ("feat/multi_face.jpg", "skimage/astronaut.png", "feat/0-f15-hao-ph.jpg"):
        img = image(name)
        det = mtcnn.detect([img])[0]
        assert len(det) >= 1
        shapes = dlib.full_object_detections()
        for box in det.boxes:
            shapes.append(native._shape(img, box))
        want = np.asarray(native.net.compute_face_descriptor(img, shapes), np.float32)
        chips = np.stack([dlib.get_face_chip(img, s, size=150, padding=0.25) for s in shapes])
        got = sess.run(None, {"chips": chips})[0]
        assert got.shape == want.shape == (len(det), 128)
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)
        np.testing.assert_allclose(converted.embed(img, det.boxes), want, atol=1e-5, rtol=0)
        jobs += [(img, box, None) for box in det.boxes]
    assert len(jobs) >= 7
    np.testing.assert_allclose(converted.embed_many(jobs), native.embed_many(jobs), atol=1e-5, rtol=0)


def test_truncated_or_foreign_dat_is_a_one_line_error(tmp_path):
    src = resolve_path("dlib-resnet-face-embedding").read_bytes()
    cut = tmp_path / "cut.dat"
    cut.write_bytes(src[:len(src) // 2])
    with pytest.raises(dc.DlibFormatError, match="file ends early") as err:
        dc.convert_dlib_resnet(cut, tmp_path / "out.onnx")
    assert "\n" not in str(err.value) and not (tmp_path / "out.onnx").exists()
    with pytest.raises(dc.DlibFormatError, match="not dlib's face-recognition ResNet"):
        dc.read_dlib_resnet(resolve_path("dlib-shape-predictor-5"))  # another dlib file
    longer = tmp_path / "longer.dat"
    longer.write_bytes(src + b"\0")
    with pytest.raises(dc.DlibFormatError, match="trailing bytes"):
        dc.read_dlib_resnet(longer)


def test_faces_stage_answers_equal_native_dlib(pipeline, image, persons_of):
    """The faces pipeline (+ persons) on a clip and a five-person photo: the same faces, tracks and
    person ids with either runtime; embeddings within 1e-5."""
    from reelmind.perceive.vision.pipeline import FacePipeline

    assert pipeline.embedder.runtime == "onnx"  # the default
    native = FacePipeline(FacesOptions(embed_runtime="dlib"))
    for run in (lambda p: p.run_video(media_path("feat/single_face.mp4"))[0],
                lambda p: p.run_images([image("feat/multi_face.jpg")])[0]):
        a, b = persons_of(native, run(native))[0], persons_of(pipeline, run(pipeline))[0]
        assert len(a) == len(b) >= 5
        np.testing.assert_array_equal(a.box, b.box)
        np.testing.assert_array_equal(a.person_id, b.person_id)
        ea, eb = np.asarray(a.embedding), np.asarray(b.embedding)
        np.testing.assert_array_equal(np.isfinite(ea), np.isfinite(eb))
        m = np.isfinite(ea)
        np.testing.assert_allclose(eb[m], ea[m], atol=1e-5, rtol=0)


def test_unknown_runtime_is_a_config_error():
    from reelmind.core.errors import ConfigError

    with pytest.raises(ConfigError, match="embed_runtime"):
        DlibEmbedder("tensorflow")
