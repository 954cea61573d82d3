"""Conflict detection (2 of 3 channels), FER tiers, SER lookup fallbacks and degradation."""

import numpy as np
import pytest

from reelmind.core.records import SpeechEmotionFrames, UtteranceTable
from reelmind.fuse import conflict as cf
from reelmind.fuse.ser import lookup


def test_seed_example_is_a_conflict():
    ch = [cf.label_channel("face", "happy", 0.85, 0.35), cf.voice_channel(-0.312, 0.1, 0.25),
          cf.label_channel("text", "anger", 0.44, 0.4)]
    assert cf.is_conflict(ch)
    assert cf.describe(ch) == ["face:+0.85", "voice:-0.31", "text:-0.44"]


def test_agreement_neutral_and_disabled_channels():
    agree = [cf.label_channel("face", "sad", 0.9, 0.35), cf.voice_channel(-0.5, 0.1, 0.25),
             cf.label_channel("text", "sadness", 0.7, 0.4)]
    assert not cf.is_conflict(agree)
    neutral = [cf.label_channel("face", "surprise", 0.9, 0.35), cf.label_channel("text", "joy", 0.9, 0.4)]
    assert not cf.is_conflict(neutral)
    off = [cf.label_channel("face", "happy", 0.9, 0.35), cf.voice_channel(-0.5, 0.1, 0.0),
           cf.label_channel("text", "joy", 0.9, 0.4)]
    assert not cf.is_conflict(off) and "voice:off" in cf.describe(off)
    two = [cf.label_channel("face", "happy", 0.9, 0.35), cf.voice_channel(np.nan, 0.1, 0.25),
           cf.label_channel("text", "anger", 0.9, 0.4)]
    assert cf.is_conflict(two) and "voice:na" in cf.describe(two)
    assert not cf.is_conflict(two, min_confidence=0.95)
    faint = [cf.label_channel("face", "happy", 0.9, 0.35), cf.voice_channel(-0.3, 0.1, 0.25),
             cf.label_channel("text", "joy", 0.75, 0.4)]
    assert not cf.is_conflict(faint)  # a faint voice against a sure face and text
    assert cf.is_conflict(faint, min_minority_share=0.1)


def _utt(starts):
    starts = np.asarray(starts, dtype=float)
    return UtteranceTable(start=starts, end=starts + 1.0, text=["x"] * len(starts))


def test_ser_lookup_tolerances_and_overlap():
    frames = SpeechEmotionFrames(start=[0.05, 10.6, 30.0, 40.0], end=[1.0, 11.0, 40.0, 50.0],
                                 arousal=[0.1, 0.9, 0.4, 0.6], valence=[0.5, -0.5, 0.0, 0.2], dominance=[0.5] * 4)
    utt = UtteranceTable(start=[0.0, 10.0, 38.9, 70.0], end=[1.0, 11.0, 40.9, 71.0], text=["x"] * 4)
    got = lookup(utt, frames)
    assert got.provenance.tolist() == ["exact_100ms", "tolerance_1s", "overlap_mean", "none"]
    assert got.arousal[2] == pytest.approx((0.4 * 1.1 + 0.6 * 0.9) / 2) and not got.disabled  # overlap-weighted
    assert np.isnan(got.arousal[3])


def test_ser_degraded_is_disabled():
    frames = SpeechEmotionFrames(start=[0.0, 5.0], end=[1.0, 6.0], arousal=[0.5, 0.55], valence=[0.1, -0.3],
                                 dominance=[0.5, 0.5])
    got = lookup(_utt([0.0, 5.0]), frames)
    assert got.disabled and "arousal range" in got.reason
    assert got.provenance.tolist() == ["exact_100ms+disabled"] * 2
    assert lookup(_utt([0.0]), None).disabled  # nothing measured
    utt = UtteranceTable(start=[0.0, 2.0], end=[1.0, 3.0], text=["a", "b"], arousal=[0.1, 0.9], valence=[-0.5, 0.5])
    got = lookup(utt, None)
    assert got.provenance.tolist() == ["utterance", "utterance"] and not got.disabled


def test_text_votes_with_its_polarity_mass():
    from reelmind.core.emotion import TEXT_EMOTIONS

    def probs(**kw):
        p = np.zeros(7)
        for k, v in kw.items():
            p[TEXT_EMOTIONS.index(k)] = v
        return p

    spread = cf.text_channel(probs(anger=0.35, sadness=0.30, fear=0.1, joy=0.05, neutral=0.2), "anger", 0.35, 0.4)
    assert spread.polarity == -1 and spread.confidence == pytest.approx(0.75)
    face = cf.label_channel("face", "happy", 0.9, 0.35)
    assert cf.is_conflict([face, spread])
    unsure = cf.text_channel(probs(neutral=0.5, anger=0.3, joy=0.2), "neutral", 0.5, 0.4)
    assert unsure.polarity == 0 and not cf.is_conflict([face, unsure])
    joy = cf.text_channel(probs(joy=0.6, surprise=0.4), "joy", 0.6, 0.4)
    assert joy.polarity == 1 and not cf.is_conflict([face, joy])
    assert cf.text_channel(probs(anger=0.45, joy=0.1, neutral=0.45), "anger", 0.45, 0.4, min_mass=0.5).polarity == 0
    # no probabilities (older tables): the label's polarity at its confidence
    old = cf.text_channel(np.full(7, np.nan), "sadness", 0.6, 0.4)
    assert old.polarity == -1 and old.confidence == pytest.approx(0.6)
    assert cf.describe([face, spread]) == ["face:+0.90", "text:-0.75"]


def test_a_face_against_a_voice_over_a_neutral_line_needs_text_to_be_a_conflict():
    face = cf.label_channel("face", "happy", 1.0, 0.35)
    voice = cf.voice_channel(-0.9, 0.1, 0.25)
    text = cf.text_channel(np.array([0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]), "neutral", 1.0, 0.4)
    assert cf.is_conflict([face, voice, text])  # the rule before issue 12
    assert not cf.is_conflict([face, voice, text], required=("text",))
    angry = cf.text_channel(np.array([0.9, 0.0, 0.0, 0.0, 0.1, 0.0, 0.0]), "anger", 0.9, 0.4)
    assert cf.is_conflict([face, voice, angry], required=("text",))
