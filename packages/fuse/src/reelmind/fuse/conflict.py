"""Multimodal conflict: face, voice and text polarity; channel weights follow data quality
(the FER tier and the face-weight factor come from :mod:`reelmind.core.emotion`).

The text channel votes with its *polarity mass* (:func:`text_channel`): the summed probability of
the negative classes (anger, disgust, fear, sadness) against joy. A line whose top class is weak
but whose probability sits mostly on negative classes ("anger 0.35, sadness 0.30") is plainly
negative; a line without a clear side (mass < ``min_mass``) does not vote."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reelmind.core.emotion import POLARITY, TEXT_EMOTIONS, polarity

_TEXT_SIGN = np.array([POLARITY.get(c, 0) for c in TEXT_EMOTIONS], dtype=np.float64)

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


def text_channel(probs, label: str, conf: float, weight: float, min_mass: float = 0.5) -> Channel:
    """Text polarity from the class probabilities (TEXT_EMOTIONS order): the larger of P(joy) and
    P(anger + disgust + fear + sadness), as confidence; polarity 0 when that mass < ``min_mass``.
    Without probabilities (older tables), the label's polarity at the label's confidence."""
    p = None if probs is None else np.asarray(probs, dtype=np.float64).reshape(-1)
    if p is None or p.size != len(TEXT_EMOTIONS) or not np.all(np.isfinite(p)) or p.sum() <= 0:
        return label_channel("text", label, conf, weight)
    pos, neg = float(p[_TEXT_SIGN > 0].sum()), float(p[_TEXT_SIGN < 0].sum())
    mass = max(pos, neg)
    pol = 0 if mass < min_mass or pos == neg else (1 if pos > neg else -1)
    return Channel("text", pol, mass, weight)


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


def is_conflict(channels: list[Channel], min_confidence: float = 0.0, min_minority_share: float = 0.25,
                required: tuple[str, ...] = ()) -> bool:
    """CONFLICT when the voting channels (weight > 0, confident, non-neutral) include both
    polarities and the weaker side carries at least ``min_minority_share`` of the evidence
    (weight x confidence). With three equally sure channels that is "2 of 3 disagree with the
    third" (share 1/3); a faint voice valence against a confident face and text is not a
    conflict; with one channel disabled (SER off) the two remaining ones must disagree. Every
    channel named in ``required`` must vote (e.g. ``("text",)``: a face against a voice alone,
    over a neutral line, is no conflict)."""
    pos = neg = 0.0
    voting = set()
    for c in channels:
        if c.weight > 0 and c.polarity != 0 and np.isfinite(c.confidence) and c.confidence >= min_confidence:
            ev = c.weight * max(c.confidence, 1e-6)
            pos, neg = (pos + ev, neg) if c.polarity > 0 else (pos, neg + ev)
            voting.add(c.name)
    if not set(required) <= voting:
        return False
    if pos == 0 or neg == 0:
        return False
    return min(pos, neg) / (pos + neg) >= min_minority_share
