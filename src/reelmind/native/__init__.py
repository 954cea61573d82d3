"""Validated Python entry points to reelmind's native kernels (``reelmind._native``).

Every kernel has a NumPy reference in :mod:`reelmind.native.reference`; tests check that both
agree on random input. Import errors of the compiled module name the fix.
"""

from __future__ import annotations

import numpy as np

from .validate import KernelInputError, as_sorted_times, as_times

__all__ = ["KernelInputError", "window_bounds", "native_module"]


def native_module():
    """The compiled module, or an ImportError that says how to build it."""
    try:
        from reelmind import _native
    except ImportError as exc:
        raise ImportError(
            f"reelmind._native is not built ({exc}); fix: pip install ./ (from the repo root; needs a C++17 compiler)"
        ) from None
    return _native


def window_bounds(times, starts, ends, before: float = 1.5, after: float = 1.5) -> np.ndarray:
    """Indices ``(b0, b1, b2, b3)`` per utterance over sorted face ``times``.

    before = ``[b0, b1)``, during = ``[b1, b2)``, after = ``[b2, b3)``; during includes faces at
    exactly ``start`` and ``end``. ``times`` must be sorted ascending and finite; utterances with a
    NaN start or end get empty windows at index 0.
    """
    t = as_sorted_times(times, "times")
    s = as_times(starts, "starts", allow_nan=True)
    e = as_times(ends, "ends", allow_nan=True)
    if s.shape != e.shape:
        raise KernelInputError(f"starts and ends differ in length: {s.shape[0]} vs {e.shape[0]}")
    if not (np.isfinite(before) and np.isfinite(after) and before >= 0 and after >= 0):
        raise KernelInputError(f"before/after must be finite and >= 0, got {before}, {after}")
    bad = np.isnan(s) | np.isnan(e)
    if np.any(~bad & (e < s)):
        i = int(np.flatnonzero(~bad & (e < s))[0])
        raise KernelInputError(f"ends[{i}]={e[i]} is before starts[{i}]={s[i]}")
    out = native_module().window_bounds(t, np.where(bad, 0.0, s), np.where(bad, 0.0, e), float(before), float(after))
    if bad.any():
        out[bad] = 0
    return out
