"""The window_aggregate kernels (C++, Numba, NumPy reference) agree and reject bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmind.fuse import kernels as k
from reelmind.fuse.kernels import KernelInputError, window_aggregate

BACKENDS = ["numpy", "numba"] + (["native"] if k.native_available() else [])


def _random_case(draw, allow_nan_utt=True):
    m = draw(st.integers(0, 60))
    n = draw(st.integers(0, 12))
    P = draw(st.integers(1, 4))
    grid = st.integers(0, 40).map(lambda x: x * 0.25)  # coarse grid => many duplicate times and boundary hits
    times = np.sort(np.array(draw(st.lists(grid, min_size=m, max_size=m)), dtype=np.float64))
    codes = np.array(draw(st.lists(st.integers(-1, P - 1), min_size=m, max_size=m)), dtype=np.int64)
    areas = np.array(draw(st.lists(st.one_of(st.floats(0, 1e4), st.just(np.nan)), min_size=m, max_size=m)))
    probs = np.array(draw(st.lists(st.lists(st.one_of(st.floats(0, 1, width=32), st.just(np.nan)), min_size=7, max_size=7),
                                   min_size=m, max_size=m)), dtype=np.float32).reshape(m, 7)
    starts = np.array(draw(st.lists(grid, min_size=n, max_size=n)), dtype=np.float64)
    lengths = np.array(draw(st.lists(st.integers(0, 12).map(lambda x: x * 0.25), min_size=n, max_size=n)))
    ends = starts + lengths
    if allow_nan_utt and n and draw(st.booleans()):
        starts[draw(st.integers(0, n - 1))] = np.nan
    before, after = draw(grid), draw(grid)
    return times, codes, areas, probs, starts, ends, before, after, P


@st.composite
def cases(draw):
    return _random_case(draw)


def _same(a, b):
    np.testing.assert_array_equal(a.bounds, b.bounds)
    np.testing.assert_array_equal(a.count, b.count)
    np.testing.assert_allclose(a.max_area, b.max_area, rtol=0, atol=0)
    np.testing.assert_allclose(a.prob_sum, b.prob_sum, rtol=1e-9, atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_backends_equal_reference(case):
    ref = window_aggregate(*case[:-1], n_persons=case[-1], backend="numpy")
    for backend in BACKENDS[1:]:
        _same(window_aggregate(*case[:-1], n_persons=case[-1], backend=backend), ref)


@settings(max_examples=60, deadline=None)
@given(cases())
def test_reference_matches_brute_force(case):
    times, codes, areas, probs, starts, ends, before, after, P = case
    ref = window_aggregate(times, codes, areas, probs, starts, ends, before, after, P, backend="numpy")
    for i in range(len(starts)):
        if np.isnan(starts[i]) or np.isnan(ends[i]):
            assert ref.count[i].sum() == 0
            continue
        masks = [(times >= starts[i] - before) & (times < starts[i]),
                 (times >= starts[i]) & (times <= ends[i]),
                 (times > ends[i]) & (times <= ends[i] + after)]
        for w, mask in enumerate(masks):
            for p in range(P):
                sel = mask & (codes == p)
                assert ref.count[i, w, p] == sel.sum()
                assert ref.max_area[i, w, p] == (np.nan_to_num(areas[sel]).max() if sel.any() else 0.0)
                np.testing.assert_allclose(ref.prob_sum[i, w, p], np.nansum(probs[sel].astype(np.float64), axis=0),
                                           atol=1e-9)


def test_hand_example_and_windows():
    times = [0.0, 1.0, 1.0, 2.0, 3.0, 5.0]
    codes = [0, 1, 0, 0, 1, 0]
    areas = [10.0, 20.0, 30.0, 5.0, 7.0, 9.0]
    probs = np.eye(7, dtype=np.float32)[[3, 0, 3, 3, 0, 6]]
    for backend in BACKENDS:
        r = window_aggregate(times, codes, areas, probs, [1.0], [2.0], 1.0, 1.0, backend=backend)
        assert r.bounds.tolist() == [[0, 1, 4, 5]]
        assert r.count[0].tolist() == [[1, 0], [2, 1], [0, 1]]  # before / during / after x persons
        assert r.max_area[0, 1].tolist() == [30.0, 20.0]
        assert r.prob_sum[0, 1, 0, 3] == 2.0 and r.prob_sum[0, 2, 1, 0] == 1.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_inputs(backend):
    r = window_aggregate(np.empty(0), np.empty(0, np.int64), np.empty(0), np.empty((0, 7)), [0.0, 1.0], [1.0, 2.0],
                         n_persons=0, backend=backend)
    assert r.bounds.shape == (2, 4) and r.count.shape == (2, 3, 0) and r.prob_sum.shape == (2, 3, 0, 7)
    r = window_aggregate([1.0], [0], [1.0], np.ones((1, 7)), [], [], backend=backend)
    assert r.count.shape == (0, 3, 1)


@pytest.mark.parametrize("kwargs, message", [
    (dict(times=[2.0, 1.0]), "sorted ascending"),
    (dict(times=[0.0, np.nan]), "NaN"),
    (dict(times=[0.0, np.inf]), "inf"),
    (dict(codes=[0, 5]), "n_persons"),
    (dict(codes=[0, -2]), ">= -1"),
    (dict(codes=[0.5, 1.0]), "integers"),
    (dict(areas=[1.0]), "areas must be 1-D of length 2"),
    (dict(probs=np.ones(2)), "probs must be 2-D"),
    (dict(starts=[1.0], ends=[0.5]), "before starts"),
    (dict(starts=[1.0, 2.0], ends=[3.0]), "differ in length"),
    (dict(starts=[np.inf], ends=[np.inf]), "inf"),
    (dict(before=-1.0), "finite and >= 0"),
    (dict(times=np.zeros((2, 1))), "1-D"),
])
def test_bad_input_is_a_clear_error(kwargs, message):
    args = dict(times=[0.0, 1.0], codes=[0, 1], areas=[1.0, 2.0], probs=np.ones((2, 7)), starts=[0.0], ends=[1.0],
                before=1.5, after=1.5, n_persons=2)
    args.update(kwargs)
    with pytest.raises(KernelInputError, match=message):
        window_aggregate(**args)


def test_unknown_backend():
    with pytest.raises(KernelInputError, match="unknown kernel backend"):
        k.pick_backend("cuda")  # type: ignore[arg-type]


@pytest.mark.skipif(not k.native_available(), reason="reelmind._native not built")
def test_auto_prefers_native():
    assert k.pick_backend("auto") == "native"
