"""Issue 18 round 5: the audio stage's independent parts side by side in threads, the same tables."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from reelmind.core.profiles import load_profile
from reelmind.eval.synth import flite_say
from reelmind.perceive.audio.extract import SAMPLE_RATE
from reelmind.perceive.audio.options import AudioOptions
from reelmind.perceive.audio.pipeline import analyze_audio
from reelmind.perceive.audio.speech_emotion import egemaps_features
from reelmind.perceive.audio.threads import part_threads, side_by_side

TABLES = ("utterances", "words", "rejects", "speech_emotion", "speaker_turns")


def test_side_by_side_runs_the_calls_at_once_and_keeps_their_order():
    meet = threading.Barrier(2, timeout=10)  # broken (an error) unless both calls run at the same time

    def call(value):
        return lambda: (meet.wait(), value)[1]

    assert side_by_side([call("asr"), call("speakers")], 2) == ["asr", "speakers"]
    assert side_by_side([lambda: 1, lambda: 2, lambda: 3], 1) == [1, 2, 3]
    assert side_by_side([lambda: 1, lambda: 2, lambda: 3], 2) == [1, 2, 3]  # more calls than threads


def test_side_by_side_raises_after_every_call_has_ended():
    ended = []

    def slow():
        threading.Event().wait(0.2)
        ended.append("slow")

    def fail():
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        side_by_side([fail, slow], 2)
    assert ended == ["slow"]
    with pytest.raises(ValueError, match="boom"):
        side_by_side([slow, fail], 2)


def test_part_threads_follow_the_option_then_the_profile():
    assert part_threads(AudioOptions(part_threads=1), load_profile("cpu-2core")) == 1
    assert part_threads(AudioOptions(part_threads=3), None) == 3
    assert part_threads(AudioOptions(), load_profile("cpu-2core")) == 2
    assert AudioOptions.__dataclass_fields__["part_threads"].metadata["key"] is False  # not in the cache key


def test_egemaps_in_threads_gives_the_same_values():
    speech = flite_say("We have to go right now, before the rain starts.", "rms")
    rng = np.random.default_rng(5)
    clips = [speech, np.zeros(100, np.float32), speech[: SAMPLE_RATE // 2] * 0.3,
             (rng.standard_normal(SAMPLE_RATE) * 0.1).astype(np.float32), speech * 2.0, speech[::-1].copy()]
    one = egemaps_features(clips, threads=1)
    assert np.isfinite(one[0]).all() and np.isnan(one[1]).all()
    for threads in (2, 3):
        assert np.array_equal(egemaps_features(clips, threads=threads), one, equal_nan=True)


def test_the_stage_gives_the_same_tables_with_its_parts_side_by_side(dialogue, dialogue_result, tmp_path):
    """The session's dialogue (tiny.en, segmentation + resemblyzer, eGeMAPS) with the parts one after
    the other against the same options side by side: every table equal value for value."""
    side = dialogue_result
    if side.meta["part_threads"] != 2:  # a one-core machine: the fixture ran one after the other
        side = analyze_audio(dialogue[0], AudioOptions(asr_model="tiny.en", part_threads=2), work_dir=tmp_path / "b")
    one = analyze_audio(dialogue[0], AudioOptions(asr_model="tiny.en", part_threads=1), work_dir=tmp_path / "a")
    assert one.meta["part_threads"] == 1 and side.meta["part_threads"] == 2
    for name in TABLES:
        a, b = getattr(one, name).columns(), getattr(side, name).columns()
        assert list(a) == list(b)
        for col in a:
            x, y = np.asarray(a[col]), np.asarray(b[col])
            same = np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" else x.tolist() == y.tolist()
            assert same, f"{name}.{col}"
    assert len(one.words) > 20 and len(one.speaker_turns) >= 2
