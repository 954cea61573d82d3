"""Emotion arcs: convolution smoothing, zig-zag turning points, and a rule-based arc class.

Rules, applied in order to the smoothed valence ``s`` (threshold ``t`` = 0.3 by default):
FLAT if fewer than 3 moments or ``max(s) - min(s) < t``; VOLATILE if >= 4 turning points
(or 3 that are not valley-peak-valley); W_SHAPE if the turning points are valley, peak,
valley; PEAK / VALLEY if the interior maximum / minimum stands >= t above / below both ends
and more than the net change; RISING / FALLING if ``s[-1] - s[0]`` is >= t / <= -t.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .types import Arc, TurningPoint


@dataclass(frozen=True)
class ArcOptions:
    window: int = 5  # moving-average window (moments); clipped to the series length, made odd
    threshold: float = 0.3  # valence change that makes a turning point
    volatile_turns: int = 4  # this many turning points or more => VOLATILE


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Moving average by convolution with a box kernel; edges padded with the edge value."""
    x = np.asarray(values, dtype=np.float64)
    n = len(x)
    if n == 0:
        return x.copy()
    w = max(1, min(int(window), n))
    if w % 2 == 0:
        w -= 1
    if w <= 1:
        return x.copy()
    half = w // 2
    padded = np.pad(x, half, mode="edge")
    return np.convolve(padded, np.full(w, 1.0 / w), mode="valid")


def turning_points(s: np.ndarray, threshold: float) -> list[tuple[int, str]]:
    """Zig-zag turning points: interior extremes followed by a reversal >= ``threshold``."""
    n = len(s)
    out: list[tuple[int, str]] = []
    if n < 3:
        return out
    hi = lo = 0
    direction = 0  # +1 rising (tracking a high), -1 falling (tracking a low), 0 undecided
    for i in range(1, n):
        if direction >= 0 and s[i] > s[hi]:
            hi = i
        if direction <= 0 and s[i] < s[lo]:
            lo = i
        if direction >= 0 and s[hi] - s[i] >= threshold - 1e-12:
            if hi > 0:
                out.append((hi, "peak"))
            direction, lo = -1, i
        elif direction <= 0 and s[i] - s[lo] >= threshold - 1e-12:
            if lo > 0:
                out.append((lo, "valley"))
            direction, hi = 1, i
    return out


def classify(s: np.ndarray, tps: list[tuple[int, str]], options: ArcOptions = ArcOptions()) -> tuple[str, str]:
    """(arc class, the rule that decided it) for a smoothed series and its turning points."""
    t = options.threshold
    n = len(s)
    if n < 3:
        return "FLAT", f"fewer than 3 moments (n={n})"
    rng = float(s.max() - s.min())
    if rng < t:
        return "FLAT", f"valence range {rng:.3f} < {t}"
    kinds = [k for _, k in tps]
    if len(kinds) >= options.volatile_turns:
        return "VOLATILE", f"{len(kinds)} turning points >= {options.volatile_turns}"
    if kinds == ["valley", "peak", "valley"]:
        return "W_SHAPE", "turning points valley, peak, valley"
    if len(kinds) == 3:
        return "VOLATILE", f"3 turning points {'-'.join(kinds)} (not a W)"
    first, last = float(s[0]), float(s[-1])
    net = last - first
    peak = float(s.max()) - max(first, last)
    valley = min(first, last) - float(s.min())
    if peak >= t and peak >= valley and peak > abs(net):
        return "PEAK", f"interior max {peak:.3f} above both ends >= {t} and > |net| {abs(net):.3f}"
    if valley >= t and valley > abs(net):
        return "VALLEY", f"interior min {valley:.3f} below both ends >= {t} and > |net| {abs(net):.3f}"
    if net >= t:
        return "RISING", f"net change {net:+.3f} >= {t}"
    if net <= -t:
        return "FALLING", f"net change {net:+.3f} <= -{t}"
    return "FLAT", f"no net change or interior extreme >= {t} (net {net:+.3f}, range {rng:.3f})"


def emotion_arc(character: str, times: np.ndarray, valence: np.ndarray, options: ArcOptions = ArcOptions()) -> tuple[Arc, np.ndarray]:
    """The arc of one character and its smoothed valence series."""
    s = smooth(valence, options.window)
    tps = turning_points(s, options.threshold)
    arc_class, rule = classify(s, tps, options)
    points, prev = [], float(s[0]) if len(s) else 0.0
    for i, kind in tps:
        points.append(TurningPoint(time=float(times[i]), index=int(i), valence=round(float(s[i]), 6), kind=kind,
                                   change=round(abs(float(s[i]) - prev), 6)))
        prev = float(s[i])
    arc = Arc(
        character=character, arc_class=arc_class, rule=rule, n=len(s),
        start_valence=round(float(s[0]), 6) if len(s) else 0.0, end_valence=round(float(s[-1]), 6) if len(s) else 0.0,
        min_valence=round(float(s.min()), 6) if len(s) else 0.0, max_valence=round(float(s.max()), 6) if len(s) else 0.0,
        turning_points=tuple(points),
    )
    return arc, s
