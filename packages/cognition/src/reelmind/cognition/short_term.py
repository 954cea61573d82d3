"""Short-term memory: the last 5 moments of each character, their trend and volatility.

``volatility`` = population std of the window's valences; ``slope`` = least-squares valence
change per step over the window. Social pressure (listeners present, a conflict) lowers the
volatility threshold: ``threshold = base * (1 - pressure_effect * pressure)``. The trend is
VOLATILE above the threshold, else IMPROVING / DECLINING by the slope, else STABLE.

The window kernel runs in Numba (``_window_stats_numba``) with a NumPy reference
(:func:`window_stats_reference`); tests check they agree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from reelmind.core.stage import runtime_option

from .types import TrendPoint

log = logging.getLogger("reelmind.cognition.short_term")


@dataclass(frozen=True)
class ShortTermOptions:
    window: int = 5
    volatility_threshold: float = 0.25
    slope_threshold: float = 0.05  # valence per step
    pressure_effect: float = 0.5  # full social pressure halves the volatility threshold
    backend: str = runtime_option("auto")  # "auto" (Numba when installed) | "numba" | "numpy": same figures


def window_stats_reference(values: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """(std, slope) over ``values[max(0, i-window+1) : i+1]`` for each i (naive NumPy)."""
    x = np.asarray(values, dtype=np.float64)
    n = len(x)
    std = np.zeros(n)
    slope = np.zeros(n)
    for i in range(n):
        w = x[max(0, i - window + 1):i + 1]
        std[i] = w.std()
        if len(w) >= 2:
            k = np.arange(len(w), dtype=np.float64)
            kc = k - k.mean()
            slope[i] = float((kc * (w - w.mean())).sum() / (kc * kc).sum())
    return std, slope


_numba_kernel = None


def _get_numba_kernel():
    global _numba_kernel
    if _numba_kernel is None:
        import numba

        @numba.njit(cache=True, nogil=True)
        def kernel(x, window):  # pragma: no cover - compiled
            n = x.shape[0]
            std = np.zeros(n)
            slope = np.zeros(n)
            for i in range(n):
                a = i - window + 1
                if a < 0:
                    a = 0
                m = i + 1 - a
                mean = 0.0
                for j in range(a, i + 1):
                    mean += x[j]
                mean /= m
                var = 0.0
                for j in range(a, i + 1):
                    var += (x[j] - mean) ** 2
                std[i] = np.sqrt(var / m)
                if m >= 2:
                    kmean = (m - 1) / 2.0
                    num = 0.0
                    den = 0.0
                    for j in range(a, i + 1):
                        kc = (j - a) - kmean
                        num += kc * (x[j] - mean)
                        den += kc * kc
                    slope[i] = num / den
            return std, slope

        _numba_kernel = kernel
    return _numba_kernel


def prepare(backend: str = "auto") -> None:
    """Import Numba and load the compiled kernel now (from Numba's cache after the first run), so
    the first film's call does not pay for it; nothing when the NumPy reference is asked for."""
    if backend != "numpy":
        try:
            _get_numba_kernel()(np.zeros(2), 2)
        except ImportError:
            pass


def window_stats(values: np.ndarray, window: int, backend: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """(std, slope) per moment over a trailing window; validated wrapper over the kernels."""
    x = np.ascontiguousarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"window_stats: expected a 1-D array, got shape {x.shape}")
    if window < 1:
        raise ValueError(f"window_stats: window must be >= 1, got {window}")
    if backend == "numpy":
        return window_stats_reference(x, window)
    try:
        kernel = _get_numba_kernel()
    except ImportError:
        if backend == "numba":
            from reelmind.core import MissingDependencyError

            raise MissingDependencyError("numba (short-term memory kernel)", "numba") from None
        log.debug("numba not installed: NumPy reference for window stats")
        return window_stats_reference(x, window)
    return kernel(x, int(window))


def social_pressure(n_listeners: int, conflict: bool) -> float:
    """0..1: each listener adds 0.2, a multimodal conflict adds 0.4."""
    return float(min(1.0, 0.2 * max(n_listeners, 0) + (0.4 if conflict else 0.0)))


def classify_trend(volatility: float, slope: float, threshold: float, window: int, options: ShortTermOptions) -> str:
    if window >= 2 and volatility > threshold:
        return "VOLATILE"
    if slope >= options.slope_threshold:
        return "IMPROVING"
    if slope <= -options.slope_threshold:
        return "DECLINING"
    return "STABLE"


def character_trends(character: str, times: np.ndarray, valence: np.ndarray, pressure: np.ndarray,
                     options: ShortTermOptions = ShortTermOptions()) -> list[TrendPoint]:
    """Short-term memory state of one character after each of its moments."""
    std, slope = window_stats(valence, options.window, options.backend)
    out = []
    for i in range(len(times)):
        w = min(i + 1, options.window)
        thr = options.volatility_threshold * (1.0 - options.pressure_effect * float(pressure[i]))
        out.append(TrendPoint(
            character=character, index=i, time=float(times[i]),
            trend=classify_trend(float(std[i]), float(slope[i]), thr, w, options),
            volatility=round(float(std[i]), 6), threshold=round(thr, 6), slope=round(float(slope[i]), 6),
            social_pressure=round(float(pressure[i]), 6), window=w,
        ))
    return out
