"""Multimodal conflict: face, voice and text polarity; channel weights follow data quality
(the FER tier and the face-weight factor come from :mod:`reelmind.core.emotion`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reelmind.core.emotion import polarity

@dataclass(frozen=True)
class Channel:
    name: str
    polarity: int  # +1 / -1 / 0
    confidence: float  # NaN = channel absent
    weight: float


def label_channel(name: str, label: str, conf: float, weight: float) -> Channel:
    if not label or not np.isfinite(conf):
        return Channel(name, 0, float("nan"), weight)
    return Channel(name, polarity(label), float(conf), weight)


def voice_channel(valence: float, deadzone: float, weight: float) -> Channel:
    if not np.isfinite(valence):
        return Channel("voice", 0, float("nan"), weight)
    pol = 0 if abs(valence) < deadzone else int(np.sign(valence))
    return Channel("voice", pol, float(min(1.0, abs(valence))), weight)


def describe(channels: list[Channel]) -> list[str]:
    """e.g. ``['face:+0.85', 'voice:off', 'text:=0.44']`` (+/-/= polarity, then confidence; off = disabled, na = absent)."""
    parts = []
    for ch in channels:
        if ch.weight <= 0:
            parts.append(f"{ch.name}:off")
        elif not np.isfinite(ch.confidence):
            parts.append(f"{ch.name}:na")
        else:
            sign = "+" if ch.polarity > 0 else "-" if ch.polarity < 0 else "="
            parts.append(f"{ch.name}:{sign}{ch.confidence:.2f}")
    return parts


def is_conflict(channels: list[Channel], min_confidence: float = 0.0, min_minority_share: float = 0.25) -> bool:
    """CONFLICT when the voting channels (weight > 0, confident, non-neutral) include both
    polarities and the weaker side carries at least ``min_minority_share`` of the evidence
    (weight x confidence). With three equally sure channels that is "2 of 3 disagree with the
    third" (share 1/3); a faint voice valence against a confident face and text is not a
    conflict; with one channel disabled (SER off) the two remaining ones must disagree."""
    pos = neg = 0.0
    for c in channels:
        if c.weight > 0 and c.polarity != 0 and np.isfinite(c.confidence) and c.confidence >= min_confidence:
            ev = c.weight * max(c.confidence, 1e-6)
            pos, neg = (pos + ev, neg) if c.polarity > 0 else (pos, neg + ev)
    if pos == 0 or neg == 0:
        return False
    return min(pos, neg) / (pos + neg) >= min_minority_share
