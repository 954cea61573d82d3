"""One speaker's stretches with implausibly few words: found from the speaker activity, decoded again alone."""

from __future__ import annotations

import numpy as np
import pytest
from reelmind.perceive.audio.asr import AsrSegment, AsrWord
from reelmind.perceive.audio.segmentation import time_frame
from reelmind.perceive.audio.sparse_speech import Stretch, _clear, one_speaker_stretches, sparse_stretches
from reelmind.perceive.audio.speakers import SpeakerActivity


def _activity(spans: list[tuple[float, float, int]], k: int = 2, total_s: float = 20.0) -> SpeakerActivity:
    act = np.zeros((int(time_frame(total_s)) + 1, k), bool)
    for a, b, c in spans:
        act[int(time_frame(a)):int(time_frame(b)), c] = True
    return SpeakerActivity(0, act, act.astype(np.float32))


def test_one_speaker_stretches_leave_out_overlap_and_short_runs():
    act = _activity([(1.0, 5.0, 0), (4.5, 8.0, 1), (8.05, 9.0, 1), (10.0, 10.3, 0)])
    got = one_speaker_stretches(act, min_s=0.5)
    assert [c for _, _, c in got] == [0, 1]  # the 0.3-s run is too short; 8.0-8.05 is a gap to fill
    (a0, b0, _), (a1, b1, _) = got
    assert a0 == pytest.approx(1.0, abs=0.03) and b0 == pytest.approx(4.5, abs=0.03)  # up to the overlap
    assert a1 == pytest.approx(5.0, abs=0.03) and b1 == pytest.approx(9.0, abs=0.03)


def test_a_stretch_is_sparse_under_the_word_rate_and_a_stretched_word_is_no_evidence():
    stretches = [(0.0, 3.0, 0), (3.0, 6.0, 1), (6.0, 8.0, 0), (8.0, 8.6, 1)]
    # 7 words in the first 3 s (2.3 words/s: speech); one "5," stretched 2.8 s over the second;
    # two words in 2 s (1 word/s: not under the rate); nothing in the last 0.6 s
    starts = np.array([0.1, 0.5, 0.9, 1.3, 1.7, 2.1, 2.5, 2.9, 6.2, 7.0])
    ends = np.array([0.4, 0.8, 1.2, 1.6, 2.0, 2.4, 2.8, 5.7, 6.6, 7.5])
    got = sparse_stretches(stretches, starts, ends, min_word_rate=1.0, max_word_s=1.5)
    assert [(s.start, s.words, s.stretched) for s in got] == [(3.0, 0, 1), (8.0, 0, 0)]
    assert "over 1.5 s" in got[0].reason
    # the same words at a slower rate threshold: only the empty stretches
    assert [s.start for s in sparse_stretches(stretches, starts, ends, min_word_rate=0.2)] == [3.0, 8.0]


def test_clearing_a_stretch_removes_its_words_and_cuts_a_neighbours_stretched_word_at_its_edge():
    words = [AsrWord(2.5, 2.8, "of", 0.9, " of"), AsrWord(2.9, 5.7, "5,", 0.8, " 5,"),
             AsrWord(5.2, 5.5, "left", 0.9, " left"), AsrWord(5.9, 6.3, "seven", 0.9, " seven")]
    seg = AsrSegment(2.5, 6.3, "of 5, left seven", words=words)
    removed = _clear([seg], Stretch(3.0, 6.0, 1), max_word_s=1.5)
    assert removed == 1 and [w.word for w in seg.words] == ["of", "5,", "seven"]  # "left" is the stretch's
    assert seg.words[1].end == 3.0 and seg.words[2].start == 6.0 and seg.text == "of 5, seven"


def test_a_turn_whose_words_whisper_stretched_away_is_decoded_again_and_its_words_replace_them(tmp_path):
    """The measured failure (issue 11 round 6, Whisper base, cards + alsa): the alsa woman's turn got
    no words and the cards speaker's word before it was stretched over it ("5," for 2.8 s). Given
    that ASR output and the speaker activity of the real audio, the alsa turn is sparse, decoded
    again alone by real Whisper base and its words replace the stretched one (cut at the turn's
    start); a stretch over silence is decoded too and, holding no more words, changes nothing."""
    from reelmind.eval.conversation import ALSA_SOUNDS, TESTDATA, interleave, real_voices
    from reelmind.perceive.audio.asr import make_asr
    from reelmind.perceive.audio.hallucination import FilterOptions
    from reelmind.perceive.audio.models import whisper_model_dir
    from reelmind.perceive.audio.options import AudioOptions
    from reelmind.perceive.audio.sparse_speech import redecode_sparse

    if not (TESTDATA / "cards").exists() or not ALSA_SOUNDS.is_dir():
        pytest.skip("apt-get install pocketsphinx-testdata alsa-utils")
    voices = real_voices()
    alsa = dict((txt, a) for a, txt in voices["alsa"])
    pieces = [("cards", *voices["cards"][1]), ("alsa", alsa["front center"], "front center"),
              ("cards", *voices["cards"][0])]
    audio, turns = interleave(pieces, seed=0, overlap_share=0.0)
    silent_at = len(audio) / 16000
    audio = np.concatenate([audio, np.zeros(16000 * 2, np.float32)])
    act = _activity([(t.start, t.end, int(t.speaker == "alsa")) for t in turns] + [(silent_at + 0.3, silent_at + 1.5, 0)],
                    total_s=len(audio) / 16000 + 0.1)
    c0, a1, c2 = turns
    # the ASR output of the failure: the first cards clip's last word stretched over the alsa turn
    words = [AsrWord(c0.start + 0.1, c0.start + 0.4, "four", 0.9, " four"), AsrWord(c0.start + 0.45, c0.start + 0.8, "queen", 0.9, " queen"),
             AsrWord(c0.start + 0.85, c0.start + 1.0, "of", 0.9, " of"), AsrWord(c0.start + 1.1, a1.end - 0.05, "clubs,", 0.6, " clubs,"),
             AsrWord(c2.start + 0.1, c2.start + 0.5, "ten", 0.9, " ten"), AsrWord(c2.start + 0.5, c2.start + 0.7, "of", 0.9, " of"),
             AsrWord(c2.start + 0.7, c2.end - 0.1, "clubs", 0.9, " clubs")]
    segs = [AsrSegment(c0.start, c2.end, "four queen of clubs, ten of clubs", -0.2, 1.3, 0.1, "en", words)]
    asr = make_asr(AudioOptions(cpu_threads=1), whisper_model_dir("base"), 4)
    new, emptied, info = redecode_sparse(segs, act, audio, asr, FilterOptions())
    assert info["sparse"] == 2 and info["decoded"] == 2 and info["replaced"] == 1, info
    assert emptied == set() and len(new) == 1
    got = [w.word.strip(",. ").lower() for w in new[0].words]
    assert "front" in got and "center" in got, got
    assert all(a1.start - 0.3 <= w.start and w.end <= a1.end + 0.3 for w in new[0].words)
    assert segs[0].words[3].word == "clubs," and segs[0].words[3].end <= a1.start + 0.1  # cut, not removed
    assert [w.word for w in segs[0].words] == ["four", "queen", "of", "clubs,", "ten", "of", "clubs"]
    silent = [row for row in info["list"] if row[0] > silent_at]
    assert silent and silent[0][4] == 0 and silent[0][5] is False  # decoded, nothing to replace


def test_an_unknown_action_is_a_one_line_config_error_before_any_work(tmp_path):
    from reelmind.core.errors import ConfigError
    from reelmind.perceive.audio.options import AudioOptions
    from reelmind.perceive.audio.pipeline import analyze_audio

    with pytest.raises(ConfigError, match="asr_sparse_stretches"):
        analyze_audio(tmp_path / "missing.wav", AudioOptions(asr_sparse_stretches="again"))
