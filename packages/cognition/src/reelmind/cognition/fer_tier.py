"""FER reliability tiers (reliable / partial / degraded) detected from the fused dataset.

Measured over the utterances that carry a face emotion:

* ``neutral_ratio`` = rows whose face emotion is ``neutral`` / rows with a face emotion
* ``mean_conf``     = mean ``face_confidence`` of those rows
* ``coverage``      = rows with a face emotion / all rows

Rules (statistics rounded to 6 decimals first, so data built at a threshold sits exactly on it):

* **degraded** if coverage < 0.05 (no usable FER), or neutral_ratio > 0.85, or mean_conf < 0.30
* **partial**  else if neutral_ratio > 0.60 or mean_conf < 0.50
* **reliable** otherwise (neutral_ratio <= 0.60 and mean_conf >= 0.50)

These are the thresholds the bridge (:func:`reelmind.cognition.bridge.choose_weights`) uses to
pick its channel weights, so analysis and scoring agree on a film's tier (tested).

The seed's example (GWTW 1939: neutral 72 %, mean confidence 0.41) is *partial*. Each tier
carries channel weights (FER / SER / text): reliable 25/20/55 %, partial 10/30/60 % (the
seed's "FER 25 %→10 %, SER 20 %→30 %"), degraded 0/35/65 % (faces ignored).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from reelmind.core.records import DatasetTable

from .circumplex import face_label

TIERS = ("reliable", "partial", "degraded")
CHANNEL_WEIGHTS: dict[str, dict[str, float]] = {
    "reliable": {"fer": 0.25, "ser": 0.20, "text": 0.55},
    "partial": {"fer": 0.10, "ser": 0.30, "text": 0.60},
    "degraded": {"fer": 0.0, "ser": 0.35, "text": 0.65},
}


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
    """The detected tier, the statistics that decided it and the resulting channel weights."""

    tier: str
    neutral_ratio: float
    mean_conf: float
    coverage: float
    n_faces: int
    reason: str
    channel_weights: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def fer_stats(face_emotion: np.ndarray, face_confidence: np.ndarray) -> tuple[float, float, float, int]:
    """(neutral_ratio, mean_conf, coverage, n_faces) over rows with a face emotion."""
    labels = np.array([face_label(x) for x in face_emotion], dtype=object)
    has = labels != ""
    n = int(has.sum())
    total = len(labels)
    if n == 0:
        return 0.0, 0.0, 0.0, 0
    conf = np.asarray(face_confidence, dtype=np.float64)[has]
    conf = conf[np.isfinite(conf)]
    mean_conf = float(conf.mean()) if conf.size else 0.0
    neutral = float(np.count_nonzero(labels[has] == "neutral")) / n
    return round(neutral, 6), round(mean_conf, 6), round(n / total, 6), n


def classify(neutral_ratio: float, mean_conf: float, coverage: float, n_faces: int,
             thresholds: FerTierThresholds = FerTierThresholds()) -> FerTier:
    """Apply the tier rules to measured statistics."""
    t = thresholds
    if n_faces == 0 or coverage < t.min_coverage:
        tier, reason = "degraded", f"face emotion on {coverage:.0%} of lines < {t.min_coverage:.0%}"
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
    return FerTier(tier, neutral_ratio, mean_conf, coverage, n_faces, reason, dict(CHANNEL_WEIGHTS[tier]))


def detect_fer_tier(dataset: DatasetTable, thresholds: FerTierThresholds = FerTierThresholds()) -> FerTier:
    """The FER tier of a whole film's fused dataset."""
    stats = fer_stats(dataset.face_emotion, dataset.face_confidence)
    return classify(*stats, thresholds=thresholds)
