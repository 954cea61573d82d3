"""Speaker segmentation (segmentation-3.0 ONNX), word speakers and utterances rebuilt from words."""

from __future__ import annotations

import numpy as np
import pytest
from reelmind.perceive.audio.segmentation import (FRAME_STEP, N_FRAMES, WINDOW, PyannoteSegmentation, decode_powerset,
                                                  frame_time, time_frame, window_starts)
from reelmind.perceive.audio.speakers import SpeakerActivity, word_speakers
from reelmind.perceive.audio.utterances import build_utterances, ends_sentence, join_words


def test_powerset_decoding():
    logits = np.full((7, 7), -5.0)
    np.fill_diagonal(logits, 0.0)
    assert decode_powerset(logits).astype(int).tolist() == [
        [0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]]


def test_windows_step_on_the_frame_grid_skip_silence_and_end_at_the_block_end():
    starts = window_starts(0, 30 * 16000, 5.0, [(0.0, 30.0)])
    assert np.all(starts % FRAME_STEP == 0) and starts[0] == 0
    assert starts[-1] <= 20 * 16000 and 20 * 16000 - starts[-1] < FRAME_STEP
    assert np.allclose(np.diff(starts)[:-1], 5.0 * 16000, atol=FRAME_STEP)
    only_late = window_starts(0, 60 * 16000, 5.0, [(55.0, 58.0)])
    assert all(s + WINDOW > 55 * 16000 for s in only_late)
    assert len(window_starts(0, 60 * 16000, 5.0, [])) == 0
    assert int(time_frame(frame_time(123))) == 123


def test_segmentation_model_loads_through_the_core_loader_and_finds_one_reader():
    from reelmind.core import models
    from reelmind.eval.conversation import TESTDATA
    from reelmind.eval.synth import read_wav

    wav = TESTDATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"
    if not wav.exists():
        pytest.skip("pocketsphinx-testdata is not installed")
    audio, _ = read_wav(wav)
    seg = PyannoteSegmentation(step_s=5.0)
    assert seg.model_file.sha256 == models.load_manifest()["pyannote-segmentation-3.0"].sha256
    win = seg(audio, 0, [(0.0, len(audio) / 16000)])
    assert win.active.shape == (len(win), N_FRAMES, 3)
    speech = win.active[0].any(axis=1) & win.valid[0]
    assert 0.5 < speech[win.valid[0]].mean() <= 1.0  # a read sentence is mostly speech
    per_local = win.active[0].sum(axis=0)
    assert per_local.max() > 0.9 * speech.sum()  # one local speaker holds (nearly) all of it
    assert not win.active[0][~win.valid[0]].any()  # nothing past the end of the audio


def test_word_speakers_follow_activity_and_flag_overlap():
    g = 1000
    active = np.zeros((g, 2), bool)
    t = frame_time(np.arange(g))
    active[(t > 1.0) & (t < 5.0), 0] = True
    active[(t > 4.0) & (t < 8.0), 1] = True
    act = SpeakerActivity(0, active, active.astype(np.float32))
    spk, ovl = word_speakers(act, np.array([1.5, 4.2, 6.0, 9.0]), np.array([2.0, 4.6, 6.5, 9.3]))
    assert spk.tolist() == [0, 0, 1, 1] and ovl.tolist() == [False, True, False, False]
    turns = act.turns()
    assert [c for _, _, c in turns] == [0, 1] and abs(turns[0][0] - 1.0) < 0.03 and abs(turns[1][1] - 8.0) < 0.03


def test_utterances_cut_at_speaker_change_sentence_end_with_pause_and_length():
    words = ["Hello", "there.", "Yes?", "I", "am", "here.", "Fine", "and", "you"]
    starts = np.array([0.0, 0.4, 1.0, 1.5, 1.7, 1.9, 3.0, 3.3, 9.0])
    ends = starts + 0.3
    spk = ["A", "A", "B", "B", "B", "B", "B", "B", "B"]
    utts = build_utterances(np.zeros(9, np.int64), starts, ends, words, spk, np.zeros(9, bool),
                            sentence_pause_s=0.5, long_pause_s=2.0, max_s=30.0)
    assert [u.text for u in utts] == ["Hello there.", "Yes? I am here.", "Fine and", "you"]
    assert [u.speaker for u in utts] == ["A", "B", "B", "B"]
    long = build_utterances(np.zeros(9, np.int64), starts, ends, words, ["A"] * 9, np.zeros(9, bool),
                            sentence_pause_s=5.0, long_pause_s=60.0, max_s=2.0)
    assert all(u.end - u.start <= 2.0 + 0.3 for u in long) and len(long) >= 3
    assert ends_sentence("end.”") and not ends_sentence("Mr")
    assert join_words(["你", "好", "world"]) == "你好 world"


def test_speaker_flicker_inside_a_sentence_is_not_a_turn():
    """The ground-truth film's "This is the worst day, I hate it." came out as 4 turns (words
    flip-flopping between two speakers); a real short reply after a sentence end stays a turn."""
    from reelmind.perceive.audio.speakers import smooth_word_speakers

    words = ["This", "is", "the", "worst", "day,", "I", "hate", "it.", "Yes.", "Good", "then."]
    starts = np.array([0.0, 0.15, 0.3, 0.45, 0.7, 1.0, 1.1, 1.3, 1.7, 2.3, 2.5])
    ends = np.append(starts[1:], 2.8) - 0.02
    ends[7], ends[8] = 1.5, 2.0  # a 0.2-s pause after "it.", a 0.3-s "Yes." and a 0.3-s pause
    spk = np.array([1, 1, 1, 1, 0, 1, 0, 0, 2, 1, 1])
    out = smooth_word_speakers(spk, starts, ends, np.zeros(11, bool), words)
    assert out.tolist() == [1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1]  # "Yes." (after a sentence end) is a turn
    overlapped = np.zeros(11, bool)
    overlapped[4] = True  # "day," heard over another voice: kept
    assert smooth_word_speakers(spk, starts, ends, overlapped, words)[4] == 0
    assert smooth_word_speakers(spk, starts, ends, np.zeros(11, bool), words, min_turn_s=0).tolist() == spk.tolist()


def test_a_speaker_change_inside_a_sentence_moves_to_the_nearest_sentence_boundary():
    """Real 3-voice conversation (base): the reader's "Had he married" after the cards' "Four queen
    of clubs." came out on the cards speaker, the change 0.6 s late inside the reader's sentence."""
    from reelmind.perceive.audio.speakers import snap_speaker_changes

    words = ["Four", "queen", "of", "clubs.", "Had", "he", "married", "a", "more", "amiable", "woman."]
    starts = np.array([0.0, 0.3, 0.6, 0.8, 1.4, 1.6, 1.75, 2.0, 2.15, 2.4, 2.8])
    ends = np.append(starts[1:], 3.2) - 0.02
    ends[3] = 1.2  # a 0.2-s pause after "clubs." (shorter than the 0.5-s pause: the period makes the boundary)
    spk = np.array([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
    assert snap_speaker_changes(spk, starts, ends, words).tolist() == [0] * 4 + [1] * 7
    # forward too: the change came one word early (the nearer boundary is after "clubs.", not the start)
    early = np.array([0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1])
    assert snap_speaker_changes(early, starts, ends, words).tolist() == [0] * 4 + [1] * 7
    # no boundary within reach: the change stays; a change at a boundary is left alone
    far = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1])  # "more | amiable": 0.84 s from "clubs.", 1.04 s from the end
    assert snap_speaker_changes(far, starts, ends, words).tolist() == far.tolist()
    at = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1])
    assert snap_speaker_changes(at, starts, ends, words).tolist() == at.tolist()
    # a word without a speaker in between is never relabelled nor passed
    unknown = np.array([0, 0, 0, 0, -1, 0, 0, 1, 1, 1, 1])
    assert snap_speaker_changes(unknown, starts, ends, words).tolist() == unknown.tolist()
    assert snap_speaker_changes(spk, starts, ends, words, reach_s=0).tolist() == spk.tolist()


def test_a_speaker_change_right_after_a_comma_stays():
    """Real 2-voice list conversation (alsa woman + cards speaker, base, words as Whisper timed them):
    "Front, left," then "10 of clubs" 0.16 s later. The 0.5-s pause inside "Front, | left," was the
    nearest boundary, so "left," was moved to the cards speaker; Whisper writes list items with
    commas, and a new speaker there starts at the comma."""
    from reelmind.perceive.audio.speakers import snap_speaker_changes

    words = ["Front,", "left,", "10", "of", "close,", "rear,", "center,"]
    starts = np.array([0.57, 1.37, 1.89, 2.38, 2.54, 2.78, 3.42])
    ends = np.array([0.87, 1.73, 2.38, 2.54, 2.76, 3.04, 3.76])
    spk = np.array([0, 0, 1, 1, 1, 0, 0])
    assert snap_speaker_changes(spk, starts, ends, words).tolist() == spk.tolist()
    # without the comma the change is inside a clause and still moves to the pause
    plain = [w.rstrip(",") for w in words]
    assert snap_speaker_changes(spk, starts, ends, plain).tolist() == [0, 1, 1, 1, 1, 0, 0]
