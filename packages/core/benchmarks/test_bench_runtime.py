"""Adaptive batching vs one-at-a-time inference on a real packaged model (MTCNN O-Net, 48x48).

Run: .venv/bin/python -m pytest packages/core/benchmarks -q -s -p no:cacheprovider
"""

import time

import numpy as np

from reelmind.core import models as registry
from reelmind.core.profiles import load_profile
from reelmind.core.runtime import OnnxModel


def _best(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def test_batched_vs_single_onet():
    crops = np.random.default_rng(0).random((2000, 48, 48, 3), dtype=np.float32)
    model = OnnxModel(registry.resolve_path("mtcnn-onet"), profile=load_profile("cpu-2core"), task="bench-onet")
    name = model.input_names[0]
    model.run({name: crops[:1]})  # warm-up
    single = _best(lambda: [model.run({name: crops[i:i + 1]}) for i in range(len(crops))])
    rows = []
    for bs in (8, 32, 128):
        t = _best(lambda: model.run_batched(crops, batch_size=bs))
        rows.append((bs, t))
    print(f"\nO-Net, 2000 crops, one at a time: {single * 1000:.0f} ms")
    for bs, t in rows:
        print(f"  run_batched(batch={bs}): {t * 1000:.0f} ms  -> {single / t:.1f}x")
    # the figure is the measurement; what must hold is that batching changes nothing in the output
    ref = np.concatenate([model.run({name: crops[i:i + 1]})[0] for i in range(64)])
    np.testing.assert_allclose(model.run_batched(crops[:64], batch_size=32)[0], ref, rtol=1e-4, atol=1e-5)
