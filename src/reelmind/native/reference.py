"""NumPy reference implementations of the native kernels (the definition they must match)."""

from __future__ import annotations

import numpy as np


def window_bounds(times: np.ndarray, starts: np.ndarray, ends: np.ndarray, before: float, after: float) -> np.ndarray:
    """Reference for :func:`reelmind.native.window_bounds` via ``np.searchsorted``."""
    t = np.asarray(times, dtype=np.float64)
    s = np.asarray(starts, dtype=np.float64)
    e = np.asarray(ends, dtype=np.float64)
    bad = np.isnan(s) | np.isnan(e)
    s = np.where(bad, 0.0, s)
    e = np.where(bad, 0.0, e)
    out = np.stack([
        np.searchsorted(t, s - before, side="left"),
        np.searchsorted(t, s, side="left"),
        np.searchsorted(t, e, side="right"),
        np.searchsorted(t, e + after, side="right"),
    ], axis=1).astype(np.int64)
    out[bad] = 0
    return out
