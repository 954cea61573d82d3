"""Window matching speed: kernel vs the seed's per-utterance pandas filter, and kernel scaling.

Run (not part of the default test run):
    .venv/bin/python -m pytest packages/fuse/benchmarks -q -s
Prints Markdown rows for bench/RESULTS.md. Every figure is a ratio against a baseline measured
in the same process: the naive per-utterance pandas filter + groupby (the seed's style).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from reelmind.fuse import kernels as k
from reelmind.fuse.kernels import window_aggregate

FILM_S = 7200.0  # a two-hour film
P = 40  # person ids
BEFORE = AFTER = 1.5


def make_case(n_utt: int, m_faces: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    times = np.sort(rng.uniform(0, FILM_S, m_faces))
    codes = rng.integers(-1, P, m_faces)
    areas = rng.uniform(500, 40000, m_faces)
    probs = rng.dirichlet(np.ones(7), m_faces).astype(np.float32)
    starts = np.sort(rng.uniform(0, FILM_S - 10, n_utt))
    ends = starts + rng.uniform(0.5, 6.0, n_utt)
    return times, codes, areas, probs, starts, ends


def naive_pandas(times, codes, areas, probs, starts, ends):
    """Seed style: per utterance, boolean-filter the face DataFrame for each window, then groupby person."""
    import pandas as pd

    df = pd.DataFrame({"time": times, "person": codes, "area": areas})
    pcols = [f"p{j}" for j in range(probs.shape[1])]
    df[pcols] = probs.astype(np.float64)
    df = df[df.person >= 0]
    n = len(starts)
    count = np.zeros((n, 3, P), np.int64)
    max_area = np.zeros((n, 3, P))
    prob_sum = np.zeros((n, 3, P, probs.shape[1]))
    for i, (s, e) in enumerate(zip(starts, ends)):
        windows = (df[(df.time >= s - BEFORE) & (df.time < s)], df[(df.time >= s) & (df.time <= e)],
                   df[(df.time > e) & (df.time <= e + AFTER)])
        for w, sub in enumerate(windows):
            if sub.empty:
                continue
            g = sub.groupby("person")
            agg = g.agg(n=("time", "size"), area=("area", "max"))
            sums = g[pcols].sum()
            idx = agg.index.to_numpy()
            count[i, w, idx] = agg["n"].to_numpy()
            max_area[i, w, idx] = agg["area"].to_numpy()
            prob_sum[i, w, idx] = sums.to_numpy()
    return count, max_area, prob_sum


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


BACKENDS = ["native", "numba", "numpy"] if k.native_available() else ["numba", "numpy"]


def test_kernel_vs_naive_pandas_1500x20000():
    case = make_case(1500, 20_000)
    for b in BACKENDS:  # warm-up (Numba compiles here)
        window_aggregate(*case, BEFORE, AFTER, P, backend=b)
    t_naive = best_of(lambda: naive_pandas(*case), 1)
    ref = naive_pandas(*case)
    rows = ["| backend | 1,500 utt x 20,000 faces | speed-up vs naive pandas |", "|---|---|---|",
            f"| naive pandas filter + groupby (seed style) | {t_naive * 1e3:.0f} ms | 1x |"]
    speedups = {}
    for b in BACKENDS:
        got = window_aggregate(*case, BEFORE, AFTER, P, backend=b)
        np.testing.assert_array_equal(got.count, ref[0])
        np.testing.assert_allclose(got.max_area, ref[1])
        np.testing.assert_allclose(got.prob_sum, ref[2], rtol=1e-6, atol=1e-6)
        t = best_of(lambda: window_aggregate(*case, BEFORE, AFTER, P, backend=b), 5)
        speedups[b] = t_naive / t
        rows.append(f"| {b} | {t * 1e3:.2f} ms | {speedups[b]:.0f}x |")
    print("\n" + "\n".join(rows))
    assert speedups[BACKENDS[0]] >= 50


def test_kernel_scaling_10k_to_1m():
    b = BACKENDS[0]
    rows = [f"| faces (1,500 utterances, {b}) | time | time / faces vs 10k |", "|---|---|---|"]
    base = None
    per_face = []
    for m in (10_000, 30_000, 100_000, 300_000, 1_000_000):
        case = make_case(1500, m, seed=1)
        window_aggregate(*case, BEFORE, AFTER, P, backend=b)
        t = best_of(lambda: window_aggregate(*case, BEFORE, AFTER, P, backend=b), 3)
        per_face.append(t / m)
        base = base or per_face[0]
        rows.append(f"| {m:,} | {t * 1e3:.2f} ms | {per_face[-1] / base:.2f} |")
    print("\n" + "\n".join(rows))
    # close to linear: per-face cost at 1M within 3x of the cost at 10k (fixed per-call costs dominate at 10k)
    assert per_face[-1] <= 3 * per_face[0]


if __name__ == "__main__":
    pytest.main([__file__, "-q", "-s"])
