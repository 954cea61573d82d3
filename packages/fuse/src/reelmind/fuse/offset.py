"""Face-timeline offset detection: the seed's gap rule plus a cross-correlation check."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from reelmind.core.errors import ConfigError

log = logging.getLogger("reelmind.fuse.offset")

MODES = ("auto", "gap", "xcorr", "fixed", "none")


@dataclass(frozen=True)
class Offset:
    """Seconds to subtract from face times, and why."""

    seconds: float
    reason: str
    score: float = float("nan")  # xcorr correlation at the chosen lag (NaN for other reasons)


def gap_offset(face_times: np.ndarray, starts: np.ndarray, ends: np.ndarray, gap: float) -> Offset | None:
    """Seed rule: faces begin more than ``gap`` s after the transcript ends => align first face to first line."""
    if face_times.size == 0 or starts.size == 0:
        return None
    fmin, fmax = float(face_times.min()), float(face_times.max())
    if fmin > float(np.nanmax(ends)) + gap:
        return Offset(fmin - float(np.nanmin(starts)), f"faces start {fmin:.1f}s, after transcript end + {gap:g}s")
    if fmax + gap < float(np.nanmin(starts)):
        return Offset(fmin - float(np.nanmin(starts)), f"faces end {fmax:.1f}s, before transcript start - {gap:g}s")
    return None


def _activity(times_lo: np.ndarray, times_hi: np.ndarray, t0: float, nbins: int, step: float) -> np.ndarray:
    """0/1 per bin: covered by any [lo, hi] interval (difference array)."""
    diff = np.zeros(nbins + 1)
    lo = np.clip(np.floor((times_lo - t0) / step).astype(np.int64), 0, nbins)
    hi = np.clip(np.floor((times_hi - t0) / step).astype(np.int64) + 1, 0, nbins)
    np.add.at(diff, lo, 1)
    np.add.at(diff, hi, -1)
    return (np.cumsum(diff)[:nbins] > 0).astype(np.float64)


def xcorr_offset(face_times: np.ndarray, starts: np.ndarray, ends: np.ndarray, max_lag: float,
                 min_gain: float, min_lines: int = 20, step: float = 0.25) -> Offset | None:
    """Lag maximising the correlation of face presence with speech activity, if it clearly beats lag 0.

    Faces on screen while somebody talks is the common case in dialogue scenes, so a shifted
    face timeline shows as a correlation peak away from lag 0. Returns None when the gain over
    lag 0 is below ``min_gain`` or there is too little signal (fewer than ``min_lines`` utterances:
    a handful of lines correlates with anything).
    """
    if face_times.size < 2 or starts.size < max(2, min_lines):
        return None
    from scipy.signal import correlate

    t0 = min(float(face_times.min()), float(np.nanmin(starts))) - max_lag
    t1 = max(float(face_times.max()), float(np.nanmax(ends))) + max_lag
    nbins = int(np.ceil((t1 - t0) / step)) + 1
    if nbins > 20_000_000:
        return None
    speech = _activity(starts, ends, t0, nbins, step)
    face = _activity(face_times - step / 2, face_times + step / 2, t0, nbins, step)
    if speech.std() == 0 or face.std() == 0:
        return None
    sz, fz = speech - speech.mean(), face - face.mean()
    corr = correlate(fz, sz, mode="full", method="fft") / (np.sqrt((sz ** 2).sum() * (fz ** 2).sum()))
    lags = np.arange(-nbins + 1, nbins) * step
    keep = np.abs(lags) <= max_lag
    corr, lags = corr[keep], lags[keep]
    best = int(np.argmax(corr))
    at_zero = float(corr[np.argmin(np.abs(lags))])
    if lags[best] == 0 or corr[best] - at_zero < min_gain or corr[best] < 2 * min_gain:
        return None
    return Offset(float(lags[best]), f"face/speech cross-correlation peak {corr[best]:.2f} at {lags[best]:+.2f}s "
                  f"(lag 0: {at_zero:.2f})", float(corr[best]))


def detect_offset(face_times: np.ndarray, starts: np.ndarray, ends: np.ndarray, *, mode: str = "auto",
                  gap: float = 60.0, fixed: float = 0.0, max_lag: float = 30.0, min_gain: float = 0.2,
                  min_lines: int = 20) -> Offset:
    """The offset to subtract from face times (``Offset(0, ...)`` when none is needed)."""
    if mode not in MODES:
        raise ConfigError(f"stages.fuse.offset_mode: unknown mode {mode!r}; known: {', '.join(MODES)}")
    if mode == "none":
        return Offset(0.0, "offset detection disabled")
    if mode == "fixed":
        return Offset(float(fixed), "fixed offset from options")
    found = None
    if mode in ("auto", "gap"):
        found = gap_offset(face_times, starts, ends, gap)
    if found is None and mode in ("auto", "xcorr"):
        found = xcorr_offset(face_times, starts, ends, max_lag, min_gain, min_lines)
    if found is None:
        return Offset(0.0, "timelines aligned (no offset detected)")
    log.info("face timeline offset %.2fs: %s", found.seconds, found.reason)
    return found
