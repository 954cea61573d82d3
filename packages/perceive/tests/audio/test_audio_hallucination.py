"""The hallucination filter: Whisper statistics thresholds and repeated-phrase loops."""

from __future__ import annotations

from reelmind.perceive.audio.asr import AsrSegment
from reelmind.perceive.audio.hallucination import (
    FilterOptions,
    filter_segments,
    phrase_loop,
    segment_reasons,
    text_compression_ratio,
)

OPTS = FilterOptions()


def seg(text="We should ask someone to repair it.", lp=-0.2, cr=1.2, ns=0.05, start=0.0):
    return AsrSegment(start, start + 2.0, text, lp, cr, ns)


def test_clean_segment_passes():
    assert segment_reasons(seg(), OPTS) == []


LOOPY = "eight of spades four of clubs seven of hearts ten " * 3  # a 9-word phrase x3: no phrase loop, ratio 2.73


def test_each_threshold_names_its_reason():
    assert segment_reasons(seg(lp=-1.3), OPTS) == ["avg_logprob -1.30 < -1.0"]
    assert segment_reasons(seg(LOOPY, cr=2.6), OPTS) == ["compression_ratio 2.60 > 2.4 (its text: 2.73)"]
    assert segment_reasons(seg(ns=0.8, lp=-1.0), OPTS) == ["no_speech_prob 0.80 > 0.6"]
    assert len(segment_reasons(seg(LOOPY, lp=-2, cr=3, ns=0.9), OPTS)) == 3


def test_thresholds_are_options():
    loose = FilterOptions(min_avg_logprob=-2.0, max_compression_ratio=3.0, max_no_speech_prob=0.95)
    assert segment_reasons(seg(LOOPY, lp=-1.3, cr=2.6, ns=0.8), loose) == []


def test_a_confident_decoding_overrides_the_no_speech_probability():
    # Whisper's rule: silent only when no_speech_prob is high AND avg_logprob is at or below the threshold
    # (tiny.en on 30 s of real card names and loudspeaker positions: no_speech 0.82 at -0.12 per token)
    assert segment_reasons(seg("Front. Center. Rear. Left.", lp=-0.12, ns=0.82), OPTS) == []
    assert segment_reasons(seg(ns=0.82, lp=float("nan")), OPTS) == ["no_speech_prob 0.82 > 0.6"]


def test_the_window_ratio_rejects_only_a_segment_whose_own_text_is_that_repetitive():
    # batched decoding copies the 30-s window's compression ratio onto each of its segments
    listed = "Five. Five. Seven of clothes. Front. Center. Rear. Left. Side. Left."
    assert text_compression_ratio(listed) < 1.5
    assert segment_reasons(seg(listed, cr=2.45), OPTS) == []
    assert text_compression_ratio("Thank you for watching. " * 4) > 2.4


def test_boundaries_are_not_rejected():
    assert segment_reasons(seg(lp=-1.0, cr=2.4, ns=0.6), OPTS) == []


def test_phrase_loops():
    assert phrase_loop("thank you thank you thank you for watching") == "thank you"
    assert phrase_loop("I don't know. I don't know. I don't know.") == "i don't know"
    assert phrase_loop("the cat sat on the mat") is None
    assert phrase_loop("no no no, not now") is None  # short interjections are speech
    assert phrase_loop("no no no no") == "no"
    assert phrase_loop("谢谢你谢谢你谢谢你") == "谢 谢 你"  # CJK is tokenised per character
    assert phrase_loop("好的好的好的好的") == "好 的"


def test_a_short_repeat_inside_a_long_segment_is_speech():
    # base on a real 3-voice conversation: the cards "five five" read after "... to do for them"
    real = ("Two nine three four zero. Eight of spades. Four of close. Seven of close. He might even have been made "
            "amiable himself. Ten of close. And Mr. John Dashwood had then leisure to consider how much there might "
            "be prudently in his power to do for the five. Five. Five.")
    assert phrase_loop(real) is None
    assert phrase_loop("I am going home. Home. Home. Home. Home. Home. Home.") == "home"  # most of the segment
    assert phrase_loop("I went to the market and bought some apples, then home home home home home home") == "home"


def test_repeated_segments_keep_the_first():
    segs = [seg("Subtitles by the community.", start=i * 3.0) for i in range(4)] + [seg("Back to work.", start=20)]
    reasons = filter_segments(segs, OPTS)
    assert reasons[0] == [] and reasons[4] == []
    assert all(r == ["repeated_segment x4"] for r in reasons[1:4])


def test_two_repeats_are_allowed():
    segs = [seg("Yes.", start=0), seg("Yes.", start=3)]
    assert filter_segments(segs, OPTS) == [[], []]


def test_empty_text_is_rejected():
    assert segment_reasons(seg(" "), OPTS) == ["empty_text"]
