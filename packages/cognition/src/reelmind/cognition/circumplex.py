"""Emotion labels as points of Russell's circumplex (valence -1..1, arousal 0..1) and polarities.

Used by scoring (expression-text consistency, voice authenticity), OCEAN and influence. Both
vocabularies (face: ``angry``..., text: ``anger``...) map to the same 7 points. The coordinates
are the usual circumplex placements rescaled to the dataset's ranges (SER valence -1..1,
arousal 0..1) so that voice measurements and labels live in one space.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from reelmind.core.records import FACE_EMOTIONS, POLARITY, TEXT_TO_FACE

from .bridge import EMOTION_VA

#: face label -> (valence, arousal): the bridge's prototypes, one source for the whole package.
CIRCUMPLEX: dict[str, tuple[float, float]] = EMOTION_VA
#: Largest distance between two points of the (valence -1..1, arousal 0..1) rectangle.
MAX_DISTANCE = float(np.hypot(2.0, 1.0))
#: Voice valence within +-VOICE_DEADBAND counts as neutral polarity.
VOICE_DEADBAND = 0.1


@lru_cache(maxsize=4096)
def face_label(label: str) -> str:
    """Normalise a face or text label to the face vocabulary ('' if unknown or empty)."""
    lab = (label or "").strip().lower()
    lab = TEXT_TO_FACE.get(lab, lab)
    return lab if lab in CIRCUMPLEX else ""


def _per_label(labels: np.ndarray | list[str], value) -> np.ndarray:
    """``value(face_label)`` per label; NaN where the label is empty/unknown."""
    out = np.full(len(labels), np.nan)
    for i, lab in enumerate(labels):
        f = face_label(lab)
        if f:
            out[i] = value(f)
    return out


def valence_of(labels: np.ndarray | list[str]) -> np.ndarray:
    """Circumplex valence per label (NaN where the label is empty/unknown)."""
    return _per_label(labels, lambda f: CIRCUMPLEX[f][0])


def arousal_of(labels: np.ndarray | list[str]) -> np.ndarray:
    """Circumplex arousal per label (NaN where the label is empty/unknown)."""
    return _per_label(labels, lambda f: CIRCUMPLEX[f][1])


def label_polarity(labels: np.ndarray | list[str]) -> np.ndarray:
    """+1 / -1 / 0 per label; NaN where the label is empty/unknown (channel missing)."""
    return _per_label(labels, POLARITY.__getitem__)


def voice_polarity(valence: np.ndarray, deadband: float = VOICE_DEADBAND) -> np.ndarray:
    """Polarity of measured voice valence: sign outside the dead band, 0 inside, NaN if unmeasured."""
    v = np.asarray(valence, dtype=np.float64)
    out = np.where(v >= deadband, 1.0, np.where(v <= -deadband, -1.0, 0.0))
    return np.where(np.isfinite(v), out, np.nan)


def is_emotion(label: str) -> bool:
    return bool(face_label(label))


__all__ = ["CIRCUMPLEX", "FACE_EMOTIONS", "MAX_DISTANCE", "VOICE_DEADBAND", "face_label", "valence_of",
           "arousal_of", "label_polarity", "voice_polarity", "is_emotion"]
