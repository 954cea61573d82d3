"""Each scoring formula against hand-computed values; weights, tiers, the jump kernel."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmind.cognition import scoring as sc
from reelmind.core.emotion import classify_fer as classify
from reelmind.core.records import DatasetTable

NAN = math.nan


def test_expression_text_consistency():
    # V(happy)=0.8, V(anger)=-0.6 -> 10-1.4*5 = 3; sad/sadness -> 10; neutral(0)/joy(0.8) -> 6; '' skipped
    s, n = sc.expression_text(["happy", "sad", "neutral", ""], ["anger", "sadness", "joy", "joy"])
    assert n == 3
    assert s == pytest.approx((3 + 10 + 6) / 3)
    assert sc.expression_text(["", ""], ["joy", "anger"]) == (None, 0)


def test_voice_authenticity_circumplex_distance_and_climax_weight():
    # joy = (0.8, 0.6); voice (0.5, 0.2): d = hypot(0.3, 0.4) = 0.5 -> 7.5, weight 1
    # anger = (-0.6, 0.8); voice (-0.6, 0.8): d = 0 -> 10, arousal 0.8 >= 0.7 -> weight 1.5
    s, n, k = sc.voice_authenticity(["joy", "anger", "fear"], np.array([0.5, -0.6, NAN]), np.array([0.2, 0.8, 0.5]))
    assert (n, k) == (2, 1)
    assert s == pytest.approx((7.5 * 1 + 10 * 1.5) / 2.5)
    # opposite corner: joy (0.8, 0.6) vs voice (-1, 0)
    s, _, _ = sc.voice_authenticity(["joy"], np.array([-1.0]), np.array([0.0]))
    assert s == pytest.approx(10 - 5 * math.hypot(1.8, 0.6))


def test_coherence_polarity_disagreement_penalty():
    face = np.array([1.0, 0.0, NAN])
    voice = np.array([-1.0, 1.0, NAN])
    text = np.array([-1.0, NAN, -1.0])
    # row 0: (f,v)=1, (f,t)=1, (v,t)=0 -> 2/3 ; row 1: (f,v) one neutral -> 0.5 ; row 2: one channel, skipped
    s, n = sc.coherence(face, voice, text)
    assert n == 2
    assert s == pytest.approx(10 * (1 - (2 / 3 + 0.5) / 2))


def test_emotion_range_unique_over_max_plus_log_bonus():
    s, uniq = sc.emotion_range(["anger", "angry", "joy", "sad", ""], 10)
    assert uniq == ["angry", "happy", "sad"]
    assert s == pytest.approx(3 / 7 * 10 + 0.5)  # log10(10)/2
    s, _ = sc.emotion_range(["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"], 1000)
    assert s == 10.0  # capped
    s, _ = sc.emotion_range(["angry"], 1)
    assert s == pytest.approx(10 / 7)  # log10(1) = 0


def test_transition_and_interaction_formulas():
    assert sc.transition_score(0.3) == pytest.approx(8.5)
    assert sc.transition_score(2.5) == 0.0
    assert sc.transition_score(None) is None
    assert sc.interaction_quality(3, 4) == pytest.approx(3 / 4 * 7 + 3)
    assert sc.interaction_quality(0, 0) is None


def test_tier_multipliers_shift_fer_to_ser():
    reliable = sc.tier_multipliers(classify(0.1, 0.9, 1.0, 50))
    partial = sc.tier_multipliers(classify(0.72, 0.41, 1.0, 50))
    degraded = sc.tier_multipliers(classify(0.9, 0.9, 1.0, 50))
    assert reliable == pytest.approx({k: 1.0 for k, _, _ in sc.DIMENSIONS})
    assert partial["expression_text"] == pytest.approx(0.4) and partial["voice_authenticity"] == pytest.approx(1.5)
    assert degraded["expression_text"] == 0.0 and degraded["interaction"] == 0.0
    assert degraded["voice_authenticity"] == pytest.approx(1.75)
    absent = sc.tier_multipliers(classify(0.0, 0.0, 0.0, 0))  # no face at all: same as degraded
    assert absent == degraded


def one_character(face_conf: float = 0.9) -> DatasetTable:
    """Two lines of A (same scene) + one of B, built so every dimension is hand-computable."""
    return DatasetTable(
        character=np.array(["A", "A", "B"], dtype=object),
        dialogue=np.array(["hello there", "I hate this", "fine"], dtype=object),
        start_time=np.array([0.0, 2.0, 4.0]), end_time=np.array([1.5, 3.5, 5.0]),
        text_emotion=np.array(["joy", "anger", "neutral"], dtype=object),
        text_confidence=np.array([0.9, 0.9, 0.9]),
        valence=np.array([0.8, -0.6, 0.0]), arousal=np.array([0.6, 0.8, 0.3]), dominance=np.array([0.5, 0.5, 0.5]),
        face_emotion=np.array(["happy", "happy", "neutral"], dtype=object),
        face_confidence=np.array([face_conf] * 3),
        listener=[("B",), ("B",), ("A",)], listener_emotion=[("happy",), ("sad",), ()],
        conflict=np.array([False, True, False]),
    )


def test_score_film_hand_computed_character():
    tier, scores = sc.score_film(one_character())
    assert tier.tier == "reliable"
    a = {d.key: d for d in scores[0].dimensions}
    assert scores[0].character == "A"
    # expression-text: (happy, joy) -> 10 ; (happy, anger) -> 3
    assert a["expression_text"].score == pytest.approx(6.5)
    # voice: exactly on the text points -> 10 (second line climactic)
    assert a["voice_authenticity"].score == pytest.approx(10.0)
    assert "1 climactic" in a["voice_authenticity"].detail
    # coherence: row 0 all +1 -> 0 ; row 1 face +1, voice -1, text -1 -> 2/3
    assert a["coherence"].score == pytest.approx(10 * (1 - (0 + 2 / 3) / 2))
    assert a["coherence"].detail.startswith("1/2 modal conflicts")
    # range: angry, happy -> 2/7*10 + log10(2)/2
    assert a["range"].score == pytest.approx(2 / 7 * 10 + math.log10(2) / 2)
    # transition: jump (0.8,0.6)->(-0.6,0.8) = hypot(1.4, 0.2)
    assert a["transition"].score == pytest.approx(10 - 5 * math.hypot(1.4, 0.2))
    # interaction: speaker polarity +1 (joy, v 0.8) vs listener happy -> match; -1 vs sad -> match
    assert a["interaction"].score == pytest.approx(10.0)
    # weights: all six present, reliable tier -> base / 1.10
    for key, _, base in sc.DIMENSIONS:
        assert a[key].weight == pytest.approx(base / 1.10, abs=1e-6)
    assert sum(d.weight for d in scores[0].dimensions) == pytest.approx(1.0, abs=1e-5)
    expect = sum(a[k].score * b for k, _, b in sc.DIMENSIONS) / 1.10
    assert scores[0].total == pytest.approx(expect, abs=1e-5)


def test_degraded_tier_drops_fer_dimensions_and_renormalises():
    tier, scores = sc.score_film(one_character(face_conf=0.2))
    assert tier.tier == "degraded"
    a = {d.key: d for d in scores[0].dimensions}
    assert a["expression_text"].score is None and a["expression_text"].weight == 0
    assert a["interaction"].weight == 0
    # coherence without the face channel: row 0 voice/text agree, row 1 agree -> 10
    assert a["coherence"].score == pytest.approx(10.0)
    w = {"voice_authenticity": 0.25 * 1.75, "coherence": 0.15, "range": 0.20, "transition": 0.22}
    total = sum(w.values())
    for k, v in w.items():
        assert a[k].weight == pytest.approx(v / total, abs=1e-6)


def test_scene_cut_excluded_from_transitions():
    ds = one_character()
    cut = ds.with_columns(start_time=np.array([0.0, 40.0, 42.0]), end_time=np.array([1.5, 41.5, 43.0]))
    _, scores = sc.score_film(cut)
    a = {d.key: d for d in scores[0].dimensions}
    assert a["transition"].score is None
    assert "1 scene cuts excluded" in a["transition"].detail


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3), st.floats(-1, 1), st.floats(0, 1), st.booleans()),
                min_size=0, max_size=60))
def test_jump_kernel_matches_numpy_reference(rows):
    rows = sorted(rows, key=lambda r: r[0])
    g = np.array([r[0] for r in rows], dtype=np.int64)
    scene = np.array([r[1] for r in rows], dtype=np.int64)
    v = np.array([NAN if r[4] and i % 3 == 0 else r[2] for i, r in enumerate(rows)])
    a = np.array([r[3] for r in rows])
    ref = sc.jumps(g, scene, v, a, backend="numpy")
    fast = sc.jumps(g, scene, v, a, backend="numba")
    for x, y in zip(ref, fast):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


def test_jump_kernel_validates_input():
    with pytest.raises(ValueError, match="same length"):
        sc.jumps(np.array([0, 0]), np.array([0]), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match=">= 0"):
        sc.jumps(np.array([-1, 0]), np.array([0, 0]), np.zeros(2), np.zeros(2))


def test_partial_tier_shifts_weights_from_fer_to_ser():
    ds = one_character(face_conf=0.45)  # mean confidence < 0.50 -> partial
    tier, scores = sc.score_film(ds)
    assert tier.tier == "partial"
    a = {d.key: d for d in scores[0].dimensions}
    raw = {"expression_text": 0.18 * 0.4, "voice_authenticity": 0.25 * 1.5, "coherence": 0.15, "range": 0.20,
           "transition": 0.22, "interaction": 0.10}
    total = sum(raw.values())
    for k, v in raw.items():
        assert a[k].weight == pytest.approx(v / total, abs=1e-6)
    assert "[FER partial, reduced weight]" in a["expression_text"].detail
