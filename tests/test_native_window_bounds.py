"""The native window_bounds kernel equals its NumPy reference; bad input gets clear errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from reelmind.native import KernelInputError, reference, window_bounds

finite = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(
    times=arrays(np.float64, st.integers(0, 200), elements=st.floats(-50, 50, allow_nan=False)),
    spans=st.lists(st.tuples(st.floats(-60, 60, allow_nan=False), st.floats(0, 10, allow_nan=False)), max_size=60),
    before=st.floats(0, 5, allow_nan=False),
    after=st.floats(0, 5, allow_nan=False),
    quantize=st.booleans(),
)
def test_matches_reference(times, spans, before, after, quantize):
    t = np.sort(times)
    if quantize:  # many duplicate times and utterance edges that hit faces exactly
        t = np.round(t * 4) / 4
    s = np.array([a for a, _ in spans], dtype=np.float64)
    e = s + np.array([d for _, d in spans], dtype=np.float64)
    if quantize:
        s, e = np.round(s * 4) / 4, np.round(e * 4) / 4
    got = window_bounds(t, s, e, before, after)
    assert got.shape == (len(s), 4)
    np.testing.assert_array_equal(got, reference.window_bounds(t, s, e, before, after))
    assert np.all(np.diff(got, axis=1) >= 0)


def test_windows_are_the_right_faces():
    t = np.array([0.0, 1.0, 2.0, 2.0, 3.0, 4.5, 6.0])
    b = window_bounds(t, [2.0], [3.0], before=1.5, after=1.5)[0]
    assert list(t[b[0]:b[1]]) == [1.0]  # before: [0.5, 2.0)
    assert list(t[b[1]:b[2]]) == [2.0, 2.0, 3.0]  # during: [2.0, 3.0]
    assert list(t[b[2]:b[3]]) == [4.5]  # after: (3.0, 4.5]


def test_empty_inputs():
    assert window_bounds([], [], []).shape == (0, 4)
    np.testing.assert_array_equal(window_bounds([], [1.0], [2.0]), [[0, 0, 0, 0]])


def test_nan_utterance_gets_empty_window():
    got = window_bounds([0.0, 1.0, 2.0], [np.nan, 0.5], [1.0, 1.5])
    np.testing.assert_array_equal(got[0], [0, 0, 0, 0])
    np.testing.assert_array_equal(got[1], reference.window_bounds(np.array([0.0, 1.0, 2.0]), np.array([0.5]), np.array([1.5]), 1.5, 1.5)[0])


@pytest.mark.parametrize(
    "args, message",
    [
        (([2.0, 1.0], [0.0], [1.0]), "sorted ascending"),
        (([0.0, np.nan], [0.0], [1.0]), "NaN"),
        (([0.0], [0.0, 1.0], [1.0]), "differ in length"),
        (([0.0], [2.0], [1.0]), "before starts"),
        (([[0.0]], [0.0], [1.0]), "1-D"),
        (([0.0, np.inf], [0.0], [1.0]), "inf"),
    ],
)
def test_bad_input_is_named(args, message):
    with pytest.raises(KernelInputError, match=message):
        window_bounds(*args)


def test_negative_window_rejected():
    with pytest.raises(KernelInputError, match="before/after"):
        window_bounds([0.0], [0.0], [1.0], before=-1)
