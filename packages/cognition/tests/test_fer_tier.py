"""FER tiers switch exactly at their documented thresholds, and agree with the bridge's tiers."""

from __future__ import annotations

import numpy as np
import pytest

from reelmind.cognition.bridge import choose_weights, measure_quality
from reelmind.cognition.fer_tier import CHANNEL_WEIGHTS, classify, detect_fer_tier, fer_stats
from reelmind.core.records import DatasetTable


def film(neutral: int, conf: float, faces: int = 100, rows: int = 100) -> DatasetTable:
    """``rows`` lines; the first ``faces`` carry a face emotion, ``neutral`` of them neutral, all at ``conf``."""
    face = np.array(["neutral"] * neutral + ["happy"] * (faces - neutral) + [""] * (rows - faces), dtype=object)
    fconf = np.where(np.arange(rows) < faces, conf, np.nan)
    t = np.arange(rows, dtype=np.float64)
    return DatasetTable(character=np.array(["A"] * rows, dtype=object), dialogue=np.array(["x"] * rows, dtype=object),
                        start_time=t, end_time=t + 0.5, face_emotion=face, face_confidence=fconf,
                        text_emotion=np.array(["joy"] * rows, dtype=object))


@pytest.mark.parametrize("neutral, conf, faces, tier", [
    (72, 0.41, 100, "partial"),  # the seed's GWTW example
    (60, 0.50, 100, "reliable"),  # exactly at both partial thresholds: still reliable
    (61, 0.50, 100, "partial"),  # neutral ratio just above 0.60
    (60, 0.49, 100, "partial"),  # confidence just below 0.50
    (85, 0.50, 100, "partial"),  # exactly at the degraded neutral threshold: not degraded
    (86, 0.50, 100, "degraded"),
    (0, 0.30, 100, "partial"),  # exactly at the degraded confidence threshold (0.30 stored as float32)
    (0, 0.29, 100, "degraded"),
    (0, 0.90, 5, "reliable"),  # coverage 5 % = the minimum
    (0, 0.90, 4, "degraded"),  # coverage 4 %
    (0, 0.90, 0, "degraded"),  # no faces at all
])
def test_tier_switches_exactly_at_thresholds(neutral, conf, faces, tier):
    ds = film(neutral, conf, faces)
    got = detect_fer_tier(ds)
    assert got.tier == tier, got.reason
    assert got.channel_weights == CHANNEL_WEIGHTS[tier]
    # the bridge (issue 6) chooses its channel weights from the same tiers
    bridge_tier = choose_weights(measure_quality(ds)).fer_tier
    assert {"absent": "degraded"}.get(bridge_tier, bridge_tier) == tier


def test_stats_and_seed_weights():
    ds = film(72, 0.41)
    neutral, conf, cov, n = fer_stats(ds.face_emotion, ds.face_confidence)
    assert (neutral, conf, cov, n) == (0.72, 0.41, 1.0, 100)
    t = detect_fer_tier(ds)
    # the seed: FER 25 % -> 10 %, SER 20 % -> 30 % in the partial tier
    assert CHANNEL_WEIGHTS["reliable"]["fer"] == 0.25 and t.channel_weights["fer"] == 0.10
    assert CHANNEL_WEIGHTS["reliable"]["ser"] == 0.20 and t.channel_weights["ser"] == 0.30
    assert "72%" in t.reason


def test_classify_is_pure():
    assert classify(0.6, 0.5, 1.0, 10).tier == "reliable"
    assert classify(0.600001, 0.5, 1.0, 10).tier == "partial"
    assert classify(0.0, 0.299999, 1.0, 10).tier == "degraded"
