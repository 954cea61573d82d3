import math

import numpy as np
import pytest

from reelmind.core import ConfigError
from reelmind.cognition.mood import MoodOptions, MoodTracker, track_mood


def test_mood_decays_exponentially_toward_baseline():
    opt = MoodOptions(tau_s=10.0, alpha=1.0, bias=0.0)
    m = MoodTracker(0.0, 0.3, opt)
    m.update(0.0, 1.0, 0.9)  # alpha=1: mood jumps to the observation
    assert m.valence == pytest.approx(1.0)
    m.decay_to(10.0)
    assert m.valence == pytest.approx(math.exp(-1.0))
    assert m.arousal == pytest.approx(0.3 + 0.6 * math.exp(-1.0))
    m.decay_to(1000.0)
    assert m.valence == pytest.approx(0.0, abs=1e-12)


def test_mood_biases_perception():
    opt = MoodOptions(tau_s=1e9, alpha=0.5, bias=0.25)
    m = MoodTracker(0.0, 0.3, opt)
    pv, _ = m.update(0.0, -1.0, 0.5)  # mood 0 -> perceived pulled toward 0
    assert pv == pytest.approx(-0.75)
    pv2, _ = m.update(1.0, 0.0, 0.5)  # mood now -0.5 -> a neutral line is perceived negative
    assert pv2 == pytest.approx(0.25 * -0.5)


def test_track_mood_series_and_baseline_option():
    t = np.arange(4, dtype=float)
    v = np.array([0.5, 0.5, 0.5, 0.5])
    out = track_mood(t, v, np.full(4, 0.3), MoodOptions(baseline="mean"))
    assert out["perceived_valence"] == pytest.approx(v)  # mood starts at the mean: no bias
    with pytest.raises(ConfigError):
        track_mood(t, v, v, MoodOptions(baseline="bogus"))
