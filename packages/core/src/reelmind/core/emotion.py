"""The emotion policy: one place for vocabularies, circumplex points, polarity, the FER tier rule
and every channel-weight table. fuse, cognition (moments, scores) and promptgen all read it here.

* Vocabularies: 7 face classes (FER order) and 7 text classes (j-hartmann order) naming the same
  emotions; :func:`face_label` maps either (and common synonyms) onto the face vocabulary.
* Circumplex: each class as a (valence -1..1, arousal 0..1) point, in the ranges of the speech
  emotion channel, so labels and voice measurements live in one space.
* FER tier of a film (:func:`fer_tier`), from the statistics of its classified faces:

  - **absent**   no classified face, or face emotion on < 5 % of the lines
  - **degraded** neutral ratio > 0.85 or mean confidence < 0.30
  - **partial**  neutral ratio > 0.60 or mean confidence < 0.50 (the seed's GWTW 1939: 72 %, 0.41)
  - **reliable** otherwise

  Statistics are rounded to 6 decimals before the comparison, so data built at a threshold sits
  exactly on it.
* Channel weights per tier: :data:`SCORE_WEIGHTS` (scoring: seed's FER 25 %→10 %, SER 20 %→30 %),
  :data:`BRIDGE_PROFILES` + :func:`bridge_weights` (moment fusion: seed's old-film text 40 %, FER
  35 %, SER 10 %), :data:`CONFLICT_FACE_FACTOR` (how much the face channel counts in conflicts).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np

#: The 7 facial emotion classes (DeepFace / FER order).
FACE_EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
#: The 7 text emotion classes (j-hartmann DistilRoBERTa order).
TEXT_EMOTIONS: tuple[str, ...] = ("anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise")
#: Text label -> face label (the two vocabularies name the same 7 emotions).
TEXT_TO_FACE = {"anger": "angry", "disgust": "disgust", "fear": "fear", "joy": "happy",
                "neutral": "neutral", "sadness": "sad", "surprise": "surprise"}
FACE_TO_TEXT = {v: k for k, v in TEXT_TO_FACE.items()}
#: Polarity of each emotion (+1 positive, -1 negative, 0 neutral); surprise counts as neutral.
POLARITY = {"angry": -1, "disgust": -1, "fear": -1, "happy": 1, "sad": -1, "surprise": 0, "neutral": 0,
            "anger": -1, "joy": 1, "sadness": -1}
#: Circumplex prototype (valence, arousal) of each face class.
CIRCUMPLEX: dict[str, tuple[float, float]] = {
    "angry": (-0.6, 0.8), "disgust": (-0.6, 0.5), "fear": (-0.7, 0.8), "happy": (0.8, 0.6),
    "sad": (-0.7, 0.25), "surprise": (0.1, 0.85), "neutral": (0.0, 0.3),
}
NEUTRAL_AROUSAL = 0.3
#: Largest distance between two points of the (valence -1..1, arousal 0..1) rectangle.
MAX_DISTANCE = float(np.hypot(2.0, 1.0))
#: Voice valence within +-VOICE_DEADBAND counts as neutral polarity.
VOICE_DEADBAND = 0.1
_SYNONYMS = {"anger": "angry", "mad": "angry", "happiness": "happy", "joyful": "happy", "sadness": "sad",
             "fearful": "fear", "scared": "fear", "surprised": "surprise", "disgusted": "disgust", "calm": "neutral"}


@lru_cache(maxsize=4096)
def face_label(label: str) -> str:
    """A face or text label (or a common synonym) in the face vocabulary ('' if unknown or empty)."""
    lab = str(label or "").strip().lower().replace("⚠", "").strip()
    lab = TEXT_TO_FACE.get(lab, _SYNONYMS.get(lab, lab))
    return lab if lab in CIRCUMPLEX else ""


def _per_label(labels, value) -> np.ndarray:
    out = np.full(len(labels), np.nan)
    for i, lab in enumerate(labels):
        f = face_label(lab)
        if f:
            out[i] = value(f)
    return out


def valence_of(labels) -> np.ndarray:
    """Circumplex valence per label (NaN where the label is empty/unknown)."""
    return _per_label(labels, lambda f: CIRCUMPLEX[f][0])


def arousal_of(labels) -> np.ndarray:
    """Circumplex arousal per label (NaN where the label is empty/unknown)."""
    return _per_label(labels, lambda f: CIRCUMPLEX[f][1])


def label_polarity(labels) -> np.ndarray:
    """+1 / -1 / 0 per label; NaN where the label is empty/unknown (channel missing)."""
    return _per_label(labels, POLARITY.__getitem__)


def polarity(label: str) -> int:
    """+1 / -1 / 0 of one label (0 for unknown)."""
    return int(POLARITY.get(face_label(label), 0))


def voice_polarity(valence, deadband: float = VOICE_DEADBAND) -> np.ndarray:
    """Polarity of measured voice valence: sign outside the dead band, 0 inside, NaN if unmeasured."""
    v = np.asarray(valence, dtype=np.float64)
    out = np.where(v >= deadband, 1.0, np.where(v <= -deadband, -1.0, 0.0))
    return np.where(np.isfinite(v), out, np.nan)


def nearest_emotion(valence: float, arousal: float) -> str:
    """The circumplex prototype closest to (valence, arousal) (ties: class order)."""
    best, dist = "neutral", math.inf
    for name, (v, a) in CIRCUMPLEX.items():
        d = (v - valence) ** 2 + (a - arousal) ** 2
        if d < dist - 1e-12:
            best, dist = name, d
    return best


# ----------------------------------------------------------------------------- FER tier
TIERS: tuple[str, ...] = ("reliable", "partial", "degraded", "absent")


@dataclass(frozen=True)
class FerTierThresholds:
    """Where the tiers switch (see the module docstring)."""

    partial_neutral_ratio: float = 0.60
    partial_mean_conf: float = 0.50
    degraded_neutral_ratio: float = 0.85
    degraded_mean_conf: float = 0.30
    min_coverage: float = 0.05


@dataclass(frozen=True)
class FerTier:
    """A film's FER tier, the statistics that decided it and the rule, in words."""

    tier: str
    neutral_ratio: float
    mean_conf: float
    coverage: float
    n_faces: int
    reason: str
    channel_weights: dict[str, float] = field(default_factory=dict)  # SCORE_WEIGHTS[tier]

    def to_dict(self) -> dict:
        return asdict(self)


def fer_stats(face_emotion, face_confidence) -> tuple[float, float, float, int]:
    """(neutral_ratio, mean_conf, coverage, n_faces) over the entries that carry a face emotion.

    ``coverage`` is the share of entries with a face emotion (lines of a dataset, or 1.0 for a
    table of detections with at least one classified face)."""
    labels = np.array([face_label(x) for x in face_emotion], dtype=object)
    has = labels != ""
    n, total = int(has.sum()), len(labels)
    if n == 0:
        return 0.0, 0.0, 0.0, 0
    conf = np.asarray(face_confidence, dtype=np.float64)[has]
    conf = conf[np.isfinite(conf)]
    mean_conf = float(conf.mean()) if conf.size else 0.0
    neutral = float(np.count_nonzero(labels[has] == "neutral")) / n
    return round(neutral, 6), round(mean_conf, 6), round(n / total, 6), n


def classify_fer(neutral_ratio: float, mean_conf: float, coverage: float, n_faces: int,
                 thresholds: FerTierThresholds = FerTierThresholds()) -> FerTier:
    """Apply the tier rule to measured statistics."""
    t = thresholds
    if n_faces == 0 or coverage < t.min_coverage:
        tier, reason = "absent", f"face emotion on {coverage:.0%} of lines < {t.min_coverage:.0%}"
    elif neutral_ratio > t.degraded_neutral_ratio:
        tier, reason = "degraded", f"neutral ratio {neutral_ratio:.0%} > {t.degraded_neutral_ratio:.0%}"
    elif mean_conf < t.degraded_mean_conf:
        tier, reason = "degraded", f"mean confidence {mean_conf:.2f} < {t.degraded_mean_conf:.2f}"
    elif neutral_ratio > t.partial_neutral_ratio:
        tier, reason = "partial", f"neutral ratio {neutral_ratio:.0%} > {t.partial_neutral_ratio:.0%}"
    elif mean_conf < t.partial_mean_conf:
        tier, reason = "partial", f"mean confidence {mean_conf:.2f} < {t.partial_mean_conf:.2f}"
    else:
        tier, reason = "reliable", (f"neutral ratio {neutral_ratio:.0%} <= {t.partial_neutral_ratio:.0%} and "
                                    f"mean confidence {mean_conf:.2f} >= {t.partial_mean_conf:.2f}")
    return FerTier(tier, neutral_ratio, mean_conf, coverage, n_faces, reason, dict(SCORE_WEIGHTS[tier]))


def fer_tier(face_emotion, face_confidence, thresholds: FerTierThresholds = FerTierThresholds()) -> FerTier:
    """The FER tier of a film from its face emotions and confidences (dataset rows or detections)."""
    return classify_fer(*fer_stats(face_emotion, face_confidence), thresholds=thresholds)


# ----------------------------------------------------------------------------- channel weights
#: Scoring weights of the FER / SER / text channels per tier (seed: partial FER 25 %→10 %, SER 20 %→30 %).
SCORE_WEIGHTS: dict[str, dict[str, float]] = {
    "reliable": {"fer": 0.25, "ser": 0.20, "text": 0.55},
    "partial": {"fer": 0.10, "ser": 0.30, "text": 0.60},
    "degraded": {"fer": 0.0, "ser": 0.35, "text": 0.65},
    "absent": {"fer": 0.0, "ser": 0.35, "text": 0.65},
}
#: Moment-fusion weight profiles (text, face, voice): HD film, and the seed's old film (40/35/10).
BRIDGE_PROFILES: dict[str, tuple[float, float, float]] = {"hd": (0.30, 0.45, 0.25), "old_film": (0.40, 0.35, 0.10)}
#: Face weight that replaces the profile's in the bridge for these tiers.
BRIDGE_FACE_OVERRIDE: dict[str, float] = {"degraded": 0.10, "absent": 0.0}
#: Multiplier of the face channel's weight in conflict detection (seed: partial FER 25 %→10 %).
CONFLICT_FACE_FACTOR: dict[str, float] = {"reliable": 1.0, "partial": 0.4, "degraded": 0.15, "absent": 0.0}


def bridge_profile(tier: str, forced: str = "auto") -> str:
    """The bridge's weight profile: forced ('hd' / 'old_film'), else 'hd' only for a reliable tier."""
    if forced in BRIDGE_PROFILES:
        return forced
    return "hd" if tier == "reliable" else "old_film"


def bridge_weights(tier: str, forced: str = "auto") -> tuple[float, float, float]:
    """(text, face, voice) fusion weights before the per-film SER / text coverage checks."""
    text, face, voice = BRIDGE_PROFILES[bridge_profile(tier, forced)]
    return text, BRIDGE_FACE_OVERRIDE.get(tier, face), voice


__all__ = [
    "FACE_EMOTIONS", "TEXT_EMOTIONS", "TEXT_TO_FACE", "FACE_TO_TEXT", "POLARITY", "CIRCUMPLEX", "NEUTRAL_AROUSAL",
    "MAX_DISTANCE", "VOICE_DEADBAND", "face_label", "valence_of", "arousal_of", "label_polarity", "polarity",
    "voice_polarity", "nearest_emotion", "TIERS", "FerTierThresholds", "FerTier", "fer_stats", "classify_fer",
    "fer_tier", "SCORE_WEIGHTS", "BRIDGE_PROFILES", "BRIDGE_FACE_OVERRIDE", "CONFLICT_FACE_FACTOR",
    "bridge_profile", "bridge_weights",
]
