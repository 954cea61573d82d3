import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmind.cognition.short_term import (ShortTermOptions, character_trends, social_pressure, window_stats,
                                           window_stats_reference)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1, 1, allow_nan=False), min_size=0, max_size=60), st.integers(1, 8))
def test_numba_kernel_agrees_with_numpy_reference(values, window):
    x = np.array(values, dtype=np.float64)
    s1, k1 = window_stats(x, window, "numba")
    s2, k2 = window_stats_reference(x, window)
    np.testing.assert_allclose(s1, s2, atol=1e-12)
    np.testing.assert_allclose(k1, k2, atol=1e-12)


def test_volatility_is_std_of_the_last_five_valences():
    v = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0])
    std, slope = window_stats(v, 5)
    assert std[4] == pytest.approx(np.std(v[0:5]))
    assert std[6] == pytest.approx(np.std(v[2:7]))
    assert std[0] == 0.0
    assert slope[2] == pytest.approx(0.0)


def _trends(v, pressure=0.0):
    n = len(v)
    return [p.trend for p in character_trends("Ada", np.arange(n, dtype=float), np.asarray(v, float), np.full(n, pressure))]


def test_trend_known_answers():
    assert _trends([0.0, 0.1, 0.2, 0.3, 0.4])[-1] == "IMPROVING"
    assert _trends([0.4, 0.3, 0.2, 0.1, 0.0])[-1] == "DECLINING"
    assert _trends([0.1, 0.1, 0.12, 0.1, 0.1])[-1] == "STABLE"
    assert _trends([0.8, -0.8, 0.8, -0.8, 0.8])[-1] == "VOLATILE"
    assert _trends([0.5])[0] == "STABLE"


def test_social_pressure_lowers_the_volatility_threshold():
    v = [0.0, 0.4, 0.0, 0.4, 0.0]  # std 0.196: below 0.25, above 0.25 * (1 - 0.5 * 0.8)
    assert _trends(v, 0.0)[-1] != "VOLATILE"
    assert _trends(v, social_pressure(2, True))[-1] == "VOLATILE"
    assert social_pressure(0, False) == 0.0 and social_pressure(10, True) == 1.0


def test_window_stats_validates_input():
    with pytest.raises(ValueError):
        window_stats(np.zeros((2, 2)), 5)
    with pytest.raises(ValueError):
        window_stats(np.zeros(3), 0)
    assert ShortTermOptions().window == 5
