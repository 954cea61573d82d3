"""The one emotion policy: vocabularies, circumplex, polarity, the FER tier rule, weight tables."""

import numpy as np
import pytest

from reelmind.core import emotion as em


def test_labels_and_polarity():
    assert em.face_label("Anger") == "angry" and em.face_label("joy") == "happy" and em.face_label("happy ⚠") == "happy"
    assert em.face_label("bogus") == "" and em.face_label("") == ""
    assert em.polarity("sadness") == -1 and em.polarity("joy") == 1 and em.polarity("surprise") == 0
    assert np.isnan(em.label_polarity(["", "x"])).all()
    assert em.voice_polarity([0.5, -0.05, np.nan, -0.2]).tolist()[:2] == [1.0, 0.0]
    assert em.nearest_emotion(0.8, 0.6) == "happy" and em.nearest_emotion(-0.7, 0.25) == "sad"
    assert set(em.CIRCUMPLEX) == set(em.FACE_EMOTIONS) and set(em.TEXT_TO_FACE) == set(em.TEXT_EMOTIONS)


def _tier(labels, conf):
    return em.fer_tier(np.array(labels, dtype=object), np.full(len(labels), conf)).tier


def test_fer_tier_rule_and_thresholds():
    emo = ["happy", "sad", "angry", "neutral"]
    assert _tier(emo, 0.8) == "reliable"
    assert _tier(["neutral"] * 7 + ["happy"] * 3, 0.8) == "partial"
    assert _tier(emo, 0.41) == "partial"  # the seed's GWTW case
    assert _tier(["neutral"] * 9 + ["sad"], 0.9) == "degraded"
    assert _tier(emo, 0.29) == "degraded"
    assert _tier(["", ""], np.nan) == "absent"
    # exactly on the thresholds: not above them
    assert _tier(["neutral"] * 6 + ["happy"] * 4, 0.5) == "reliable"
    assert _tier(["neutral"] * 17 + ["happy"] * 3, 0.9) == "partial"  # 17/20 = 0.85 is not > 0.85
    assert _tier(["neutral"] * 18 + ["happy"] * 2, 0.9) == "degraded"
    t = em.fer_tier(np.array(["happy"] + [""] * 99, dtype=object), np.full(100, 0.9))
    assert t.tier == "absent" and t.coverage == pytest.approx(0.01) and "5%" in t.reason


def test_weight_tables():
    assert em.SCORE_WEIGHTS["partial"] == {"fer": 0.10, "ser": 0.30, "text": 0.60}
    assert em.bridge_weights("reliable") == (0.30, 0.45, 0.25)
    assert em.bridge_weights("partial") == (0.40, 0.35, 0.10)
    assert em.bridge_weights("degraded") == (0.40, 0.10, 0.10) and em.bridge_weights("absent")[1] == 0.0
    assert em.bridge_weights("partial", forced="hd") == (0.30, 0.45, 0.25)
    assert em.CONFLICT_FACE_FACTOR["absent"] == 0.0 and em.CONFLICT_FACE_FACTOR["partial"] == 0.4
    for table in em.SCORE_WEIGHTS.values():
        assert sum(table.values()) == pytest.approx(1.0)
