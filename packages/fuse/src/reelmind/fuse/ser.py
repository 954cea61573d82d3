"""Speech emotion (arousal / valence / dominance) per utterance, with the seed's fallbacks."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from reelmind.core.records import SpeechEmotionFrames, UtteranceTable

log = logging.getLogger("reelmind.fuse.ser")


@dataclass(frozen=True)
class SerLookup:
    arousal: np.ndarray
    valence: np.ndarray
    dominance: np.ndarray
    provenance: np.ndarray  # str per utterance: exact_100ms / tolerance_1s / overlap_mean / utterance / none
    disabled: bool  # channel auto-disabled (degraded) or unavailable
    reason: str


def _overlap_mean(frames: SpeechEmotionFrames, s: float, e: float) -> tuple[float, float, float] | None:
    ov = np.minimum(frames.end, e) - np.maximum(frames.start, s)
    w = np.where(ov > 0, ov, 0.0)
    if w.sum() <= 0:
        return None
    return tuple(float(np.nansum(w * getattr(frames, k)) / w.sum()) for k in ("arousal", "valence", "dominance"))


def lookup(utterances: UtteranceTable, frames: SpeechEmotionFrames | None, tolerance: float = 0.1,
           fallback_tolerance: float = 1.0, min_arousal_range: float = 0.2) -> SerLookup:
    """Per utterance: the SER frame starting within ``tolerance`` of it, else within
    ``fallback_tolerance``, else the overlap-weighted mean of frames, else the utterance's own
    arousal/valence/dominance columns. The channel is disabled when the film-wide arousal range
    is below ``min_arousal_range`` (flat, degraded audio) or nothing was measured."""
    n = len(utterances)
    aro = np.array(utterances.arousal, dtype=np.float64)
    val = np.array(utterances.valence, dtype=np.float64)
    dom = np.array(utterances.dominance, dtype=np.float64)
    prov = np.where(np.isfinite(aro) | np.isfinite(val), "utterance", "none").astype(object)
    if frames is not None and len(frames):
        order = np.argsort(frames.start, kind="stable")
        fs = frames.take(order)
        for i in range(n):
            s, e = float(utterances.start[i]), float(utterances.end[i])
            j = int(np.searchsorted(fs.start, s))
            cand = [k for k in (j - 1, j) if 0 <= k < len(fs)]
            k = min(cand, key=lambda k: abs(fs.start[k] - s))
            dist = abs(float(fs.start[k]) - s)
            if dist <= tolerance or dist <= fallback_tolerance:
                aro[i], val[i], dom[i] = fs.arousal[k], fs.valence[k], fs.dominance[k]
                prov[i] = "exact_100ms" if dist <= tolerance else "tolerance_1s"
                continue
            mean = _overlap_mean(fs, s, e)
            if mean is not None:
                aro[i], val[i], dom[i] = mean
                prov[i] = "overlap_mean"
    finite = aro[np.isfinite(aro)]
    if finite.size == 0:
        return SerLookup(aro, val, dom, prov, True, "no speech emotion measured")
    rng = float(finite.max() - finite.min())
    if rng < min_arousal_range:
        log.warning("SER disabled: arousal range %.3f < %.2f (degraded audio)", rng, min_arousal_range)
        prov = np.array([p + "+disabled" if p != "none" else p for p in prov], dtype=object)
        return SerLookup(aro, val, dom, prov, True, f"arousal range {rng:.3f} < {min_arousal_range:g}")
    return SerLookup(aro, val, dom, prov, False, f"arousal range {rng:.3f}")
