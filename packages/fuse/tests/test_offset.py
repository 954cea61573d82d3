"""Offset detection: the seed's gap rule, cross-correlation, fixed and disabled modes."""

import numpy as np
import pytest

from reelmind.core.errors import ConfigError
from reelmind.fuse.offset import detect_offset


def _speech(n=30, seed=0):
    rng = np.random.default_rng(seed)
    starts = np.cumsum(rng.uniform(2, 6, n))
    ends = starts + rng.uniform(0.8, 2.5, n)
    return starts, ends


def _faces_during(starts, ends, shift=0.0, step=0.25):
    """Faces only while somebody talks (close-ups of speakers), shifted by ``shift`` seconds."""
    t = np.concatenate([np.arange(s, e, step) for s, e in zip(starts, ends)])
    return np.sort(t + shift)


def test_gap_rule_realigns_a_late_face_timeline():
    starts, ends = _speech()
    faces = _faces_during(starts, ends, shift=3600.0)
    off = detect_offset(faces, starts, ends, mode="gap", gap=60)
    assert off.seconds == pytest.approx(faces.min() - starts.min())
    assert "after transcript end" in off.reason


def test_xcorr_finds_a_small_shift():
    starts, ends = _speech()
    off = detect_offset(_faces_during(starts, ends, shift=7.0), starts, ends, mode="auto")
    assert off.seconds == pytest.approx(7.0, abs=0.25)
    assert "cross-correlation" in off.reason
    few = detect_offset(_faces_during(starts[:5], ends[:5], shift=7.0), starts[:5], ends[:5], mode="auto")
    assert few.seconds == 0.0  # five lines are too few to trust a correlation peak


def test_aligned_timelines_get_no_offset():
    starts, ends = _speech()
    assert detect_offset(_faces_during(starts, ends), starts, ends).seconds == 0.0
    # faces all the time (wide shots): no signal, no offset
    assert detect_offset(np.arange(0, 200, 0.25), starts, ends).seconds == 0.0


def test_modes():
    starts, ends = _speech()
    faces = _faces_during(starts, ends, shift=5.0)
    assert detect_offset(faces, starts, ends, mode="none").seconds == 0.0
    assert detect_offset(faces, starts, ends, mode="fixed", fixed=2.5).seconds == 2.5
    assert detect_offset(np.empty(0), starts, ends).seconds == 0.0
    with pytest.raises(ConfigError, match="offset_mode"):
        detect_offset(faces, starts, ends, mode="guess")
