"""Window matching kernels: faces per utterance window and person, in one pass.

:func:`window_aggregate` is the validated entry point. It runs the C++ kernel
(``reelmind._native.window_aggregate``, built from ``cpp/fuse_window.cpp``) when it is built and
falls back to the Numba kernel, then to the NumPy reference. All three compute the same thing
(property tests check it): for utterance ``i`` and window ``w`` in before / during / after
(``WINDOWS``) and person code ``p``

* ``count[i, w, p]``      face rows of ``p`` in the window,
* ``max_area[i, w, p]``   largest face area of ``p`` (0 when none; NaN areas count as 0),
* ``prob_sum[i, w, p, k]`` summed class probabilities (NaN probabilities count as 0).

Windows follow :func:`reelmind.native.window_bounds`: before = ``[s - before, s)``, during =
``[s, e]``, after = ``(e, e + after]``. Faces with person code -1 (unknown) are skipped.
Utterances with a NaN start or end get empty windows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np

from reelmind.core.errors import ReelmindError

log = logging.getLogger("reelmind.fuse.kernels")

WINDOWS: tuple[str, str, str] = ("before", "during", "after")
Backend = Literal["auto", "native", "numba", "numpy"]


class KernelInputError(ReelmindError, ValueError):
    """Input a kernel cannot take; the message names the argument and the problem."""


@dataclass(frozen=True)
class WindowAggregate:
    """Per-utterance window bounds and per-person face aggregates (see module docstring)."""

    bounds: np.ndarray  # int64 [n, 4]
    count: np.ndarray  # int64 [n, 3, P]
    max_area: np.ndarray  # float64 [n, 3, P]
    prob_sum: np.ndarray  # float64 [n, 3, P, K]
    backend: str = "numpy"


# ----------------------------------------------------------------------------- validation
def _times(values, name: str, *, allow_nan: bool, sorted_: bool = False) -> np.ndarray:
    """1-D float64 times via reelmind.native's shared checks, re-raised as :class:`KernelInputError`."""
    from reelmind.native.validate import KernelInputError as NativeInputError
    from reelmind.native.validate import as_sorted_times, as_times

    try:
        return as_sorted_times(values, name) if sorted_ else as_times(values, name, allow_nan=allow_nan)
    except NativeInputError as exc:
        raise KernelInputError(str(exc)) from None


def validate_inputs(times, codes, areas, probs, starts, ends, before: float, after: float, n_persons: int | None):
    """Checked, contiguous copies of the kernel inputs (raises :class:`KernelInputError`)."""
    t = _times(times, "times", allow_nan=False, sorted_=True)
    m = t.shape[0]
    c = np.asarray(codes)
    if c.ndim != 1 or c.shape[0] != m:
        raise KernelInputError(f"codes must be 1-D of length {m} (as times), got shape {c.shape}")
    if c.size and c.dtype.kind not in "iu":
        raise KernelInputError(f"codes must be integers, got dtype {c.dtype}")
    c = np.ascontiguousarray(c, dtype=np.int64)
    if c.size and c.min() < -1:
        raise KernelInputError(f"codes must be >= -1 (-1 = unknown), got {int(c.min())}")
    top = int(c.max()) + 1 if c.size else 0
    if n_persons is None:
        n_persons = top
    if n_persons < top:
        raise KernelInputError(f"n_persons={n_persons} but a code is {top - 1}")
    a = np.ascontiguousarray(areas, dtype=np.float64)
    if a.ndim != 1 or a.shape[0] != m:
        raise KernelInputError(f"areas must be 1-D of length {m} (as times), got shape {a.shape}")
    p = np.ascontiguousarray(probs, dtype=np.float32)
    if p.ndim != 2 or p.shape[0] != m:
        raise KernelInputError(f"probs must be 2-D (m={m}, K), got shape {p.shape}")
    s = _times(starts, "starts", allow_nan=True)
    e = _times(ends, "ends", allow_nan=True)
    if s.shape != e.shape:
        raise KernelInputError(f"starts and ends differ in length: {s.shape[0]} vs {e.shape[0]}")
    ok = ~(np.isnan(s) | np.isnan(e))
    if np.any(ok & (e < s)):
        i = int(np.flatnonzero(ok & (e < s))[0])
        raise KernelInputError(f"ends[{i}]={e[i]} is before starts[{i}]={s[i]}")
    if not (np.isfinite(before) and np.isfinite(after) and before >= 0 and after >= 0):
        raise KernelInputError(f"before/after must be finite and >= 0, got {before}, {after}")
    return t, c, a, p, s, e, float(before), float(after), int(n_persons)


# ----------------------------------------------------------------------------- implementations
def bounds_reference(t: np.ndarray, s: np.ndarray, e: np.ndarray, before: float, after: float) -> np.ndarray:
    """NumPy ``searchsorted`` bounds (b0, b1, b2, b3); NaN utterances get zeros."""
    bad = np.isnan(s) | np.isnan(e)
    s0, e0 = np.where(bad, 0.0, s), np.where(bad, 0.0, e)
    out = np.stack([np.searchsorted(t, s0 - before, "left"), np.searchsorted(t, s0, "left"),
                    np.searchsorted(t, e0, "right"), np.searchsorted(t, e0 + after, "right")], axis=1).astype(np.int64)
    out[bad] = 0
    return out.reshape(-1, 4)


def aggregate_reference(t, c, a, p, s, e, before, after, n_persons) -> WindowAggregate:
    """Vectorised NumPy reference: expand (window, face) pairs, then bincount / maximum.at."""
    n, P, K = s.shape[0], n_persons, p.shape[1]
    bounds = bounds_reference(t, s, e, before, after)
    lo = bounds[:, :3].reshape(-1)  # window index = 3 * i + w
    hi = bounds[:, 1:].reshape(-1)
    sizes = hi - lo
    total = int(sizes.sum())
    win = np.repeat(np.arange(3 * n, dtype=np.int64), sizes)
    face = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes) + np.repeat(lo, sizes)
    keep = c[face] >= 0
    win, face = win[keep], face[keep]
    slot = win * P + c[face]
    count = np.bincount(slot, minlength=3 * n * P).astype(np.int64)
    max_area = np.zeros(3 * n * P)
    np.maximum.at(max_area, slot, np.nan_to_num(a[face], nan=0.0))
    probs = np.nan_to_num(p[face].astype(np.float64), nan=0.0)
    prob_sum = np.zeros((3 * n * P, K))
    for k in range(K):
        prob_sum[:, k] = np.bincount(slot, weights=probs[:, k], minlength=3 * n * P)
    return WindowAggregate(bounds, count.reshape(n, 3, P), max_area.reshape(n, 3, P), prob_sum.reshape(n, 3, P, K), "numpy")


_NUMBA_KERNEL = None


def _numba_kernel():
    global _NUMBA_KERNEL
    if _NUMBA_KERNEL is None:
        import numba

        @numba.njit(cache=False, nogil=True)
        def kernel(t, c, a, p, bounds, P):  # pragma: no cover - compiled
            n, K = bounds.shape[0], p.shape[1]
            count = np.zeros((n, 3, P), np.int64)
            max_area = np.zeros((n, 3, P))
            prob_sum = np.zeros((n, 3, P, K))
            for i in range(n):
                for w in range(3):
                    for j in range(bounds[i, w], bounds[i, w + 1]):
                        q = c[j]
                        if q < 0:
                            continue
                        count[i, w, q] += 1
                        if a[j] > max_area[i, w, q]:
                            max_area[i, w, q] = a[j]
                        for k in range(K):
                            v = p[j, k]
                            if not np.isnan(v):
                                prob_sum[i, w, q, k] += v
            return count, max_area, prob_sum

        _NUMBA_KERNEL = kernel
    return _NUMBA_KERNEL


def aggregate_numba(t, c, a, p, s, e, before, after, n_persons) -> WindowAggregate:
    """Numba kernel (same loop as the C++ one; bounds via ``np.searchsorted``)."""
    bounds = bounds_reference(t, s, e, before, after)
    count, max_area, prob_sum = _numba_kernel()(t, c, a, p, bounds, n_persons)
    return WindowAggregate(bounds, count, max_area, prob_sum, "numba")


def native_available() -> bool:
    try:
        from reelmind import _native
    except ImportError:
        return False
    return hasattr(_native, "window_aggregate")


def aggregate_native(t, c, a, p, s, e, before, after, n_persons) -> WindowAggregate:
    """The C++ kernel ``reelmind._native.window_aggregate``."""
    if not native_available():
        raise KernelInputError("reelmind._native.window_aggregate is not built",
                               "pip install --no-build-isolation ./ from the repo root (needs a C++17 compiler)")
    from reelmind import _native

    bounds, count, max_area, prob_sum = _native.window_aggregate(t, c, a, p, s, e, before, after, n_persons)
    return WindowAggregate(bounds, count, max_area, prob_sum, "native")


_IMPLS = {"native": aggregate_native, "numba": aggregate_numba, "numpy": aggregate_reference}


def pick_backend(backend: Backend = "auto") -> str:
    """The backend ``auto`` resolves to here: native, else numba, else numpy."""
    if backend != "auto":
        if backend not in _IMPLS:
            raise KernelInputError(f"unknown kernel backend {backend!r}; known: auto, {', '.join(_IMPLS)}")
        return backend
    if native_available():
        return "native"
    try:
        import numba  # noqa: F401
    except ImportError:
        return "numpy"
    return "numba"


def window_aggregate(times, codes, areas, probs, starts, ends, before: float = 1.5, after: float = 1.5,
                     n_persons: int | None = None, backend: Backend = "auto") -> WindowAggregate:
    """Faces per utterance window (before/during/after) and person code; see the module docstring.

    ``times`` sorted ascending and finite (duplicates allowed); ``codes`` int in [-1, n_persons);
    ``probs`` (m, K) class probabilities; ``starts``/``ends`` (n,) with ``end >= start`` or NaN.
    """
    args = validate_inputs(times, codes, areas, probs, starts, ends, before, after, n_persons)
    return _IMPLS[pick_backend(backend)](*args)
