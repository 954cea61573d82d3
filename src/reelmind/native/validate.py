"""Input checks shared by the native kernel wrappers (dtype, shape, order, NaN)."""

from __future__ import annotations

import numpy as np


class KernelInputError(ValueError):
    """Input a kernel cannot take; the message names the argument and the problem."""


def as_times(values, name: str, *, allow_nan: bool = False) -> np.ndarray:
    """1-D contiguous float64 array; NaN only where allowed, never inf."""
    arr = np.ascontiguousarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise KernelInputError(f"{name} must be 1-D, got shape {arr.shape}")
    if np.isinf(arr).any():
        raise KernelInputError(f"{name} contains inf")
    if not allow_nan and np.isnan(arr).any():
        raise KernelInputError(f"{name} contains NaN at index {int(np.flatnonzero(np.isnan(arr))[0])}")
    return arr


def as_sorted_times(values, name: str) -> np.ndarray:
    """Like :func:`as_times` (no NaN) and sorted ascending (duplicates allowed)."""
    arr = as_times(values, name)
    if arr.size > 1:
        down = np.flatnonzero(np.diff(arr) < 0)
        if down.size:
            i = int(down[0])
            raise KernelInputError(f"{name} must be sorted ascending: {name}[{i}]={arr[i]} > {name}[{i + 1}]={arr[i + 1]}")
    return arr
