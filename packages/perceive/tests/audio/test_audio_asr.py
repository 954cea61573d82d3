"""ASR output splitting: one utterance per VAD speech region."""

from __future__ import annotations

import numpy as np
import pytest
from reelmind.eval.conversation import TESTDATA
from reelmind.perceive.audio.asr import pack_regions, split_words, unpack_time


def test_words_are_grouped_by_region_and_strays_join_the_nearest():
    words = [(0.6, 0.9, " Good", 0.9), (0.9, 1.2, " morning.", 0.9), (1.7, 1.9, " Did", 0.9),
             (4.0, 4.3, " Not", 0.8), (7.4, 7.6, " really.", 0.8)]
    groups = split_words(words, [(0.5, 2.0), (3.9, 7.3)])
    assert [[w[2] for w in g] for g in groups] == [[" Good", " morning.", " Did"], [" Not", " really."]]
    assert split_words(words, []) == [words]


def test_regions_are_packed_into_30s_windows_and_times_map_back():
    audio = np.random.default_rng(0).standard_normal(16000 * 60).astype(np.float32)
    packed, windows, pieces = pack_regions(audio, [(1.0, 3.0), (5.0, 20.0), (21.0, 35.0), (40.0, 41.0)])
    assert all(b - a <= 30.0 for a, b in windows) and len(windows) == 2
    assert len(packed) / 16000 == pytest.approx(2 + 15 + 14 + 1 + 3 * 0.3, abs=1e-3)
    assert np.array_equal(packed[:32000], audio[16000:48000])  # the speech itself is untouched
    assert unpack_time(1.0, pieces) == pytest.approx(2.0)
    assert unpack_time(10.0, pieces) == pytest.approx(12.7)
    assert unpack_time(2.15, pieces) == pytest.approx(3.0)  # inside a pause: nearest edge
    assert unpack_time(windows[1][0], pieces) == pytest.approx(21.0)
    assert pack_regions(audio, [])[1] == []


def test_batch_size_comes_from_the_gpu_tier_profile_unless_set():
    from reelmind.core.profiles import load_profile
    from reelmind.perceive.audio.pipeline import resolve_batch_size

    h100 = load_profile("h100-80gb")
    assert resolve_batch_size(0, h100, "asr", 4) == h100.batch_sizes["asr"]
    assert resolve_batch_size(0, h100, "speech_emotion", 1) == h100.batch_sizes["speech_emotion"]
    assert resolve_batch_size(6, h100, "asr", 4) == 6
    assert resolve_batch_size(0, None, "asr", 4) == 4


def test_asr_threads_follow_the_profile_and_do_not_change_the_text(dialogue):
    """cpu-2core decodes with one CTranslate2 thread (issue 18: less CPU, same transcript as two)."""
    import dataclasses

    from reelmind.core.profiles import load_profile
    from reelmind.perceive.audio.asr import make_asr
    from reelmind.perceive.audio.extract import load_audio
    from reelmind.perceive.audio.models import whisper_model_dir
    from reelmind.perceive.audio.options import AudioOptions
    from reelmind.perceive.audio.pipeline import asr_cpu_threads
    from reelmind.perceive.audio.vad import speech_regions

    assert asr_cpu_threads(load_profile("cpu-2core")) == 1
    assert asr_cpu_threads(None) == 0
    audio = load_audio(dialogue[0])
    regions = speech_regions(audio)
    texts = []
    for threads in (1, 2):
        opts = dataclasses.replace(AudioOptions(asr_model="tiny.en"), cpu_threads=threads)
        asr = make_asr(opts, whisper_model_dir("tiny.en"), 4)
        texts.append([(s.text, s.start, s.end) for s in asr.transcribe(audio, regions, 0.0)])
    assert texts[0] and texts[0] == texts[1]


def test_film_language_from_the_first_batch_costs_no_encoder_pass_and_keeps_the_text(dialogue, monkeypatch):
    """Issue 18: ``language_detection: windows`` detects the film language on the first decoding batch's
    encoder output and decoding reuses it: one encoder call less than ``packed``, the same segments."""
    from faster_whisper import WhisperModel
    from reelmind.perceive.audio.asr import make_asr
    from reelmind.perceive.audio.extract import load_audio
    from reelmind.perceive.audio.models import whisper_model_dir
    from reelmind.perceive.audio.options import AudioOptions
    from reelmind.perceive.audio.vad import speech_regions

    audio = load_audio(dialogue[0])[: 16000 * 12]
    regions = speech_regions(audio)
    calls: list[int] = []
    encode = WhisperModel.encode
    monkeypatch.setattr(WhisperModel, "encode", lambda self, f: calls.append(len(f)) or encode(self, f))
    out = {}
    for how in ("packed", "windows"):
        calls.clear()
        asr = make_asr(AudioOptions(cpu_threads=1, language_detection=how), whisper_model_dir("base"), 4)
        segs = asr.transcribe(audio, regions, 0.0)
        out[how] = ([(s.text, s.start, s.end, s.language, s.avg_logprob, [(w.word, w.start, w.end) for w in s.words])
                     for s in segs], list(calls), asr.film_language)
    assert out["windows"][0] and out["windows"][0] == out["packed"][0]
    assert out["windows"][2] == out["packed"][2] == "en"
    assert len(out["packed"][1]) == len(out["windows"][1]) + 1  # the packed detection's own encoder pass


def test_an_unknown_language_detection_is_a_config_error(tmp_path):
    from reelmind.core.errors import ConfigError
    from reelmind.perceive.audio.asr import make_asr
    from reelmind.perceive.audio.options import AudioOptions

    with pytest.raises(ConfigError, match="language_detection"):
        make_asr(AudioOptions(language_detection="first"), tmp_path, 1)


@pytest.mark.skipif(not (TESTDATA / "librivox").exists(), reason="apt-get install pocketsphinx-testdata")
def test_regions_a_packed_window_never_reached_are_decoded_again(tmp_path):
    """Issue 11: tiny.en ends the packed window of the reader + cards conversation (seed 0) after its
    first of six regions; the five it never reached are found, decoded again each on its own and get
    words (``redecode``), or are reported without words (``keep``): never a silent gap. (The audio of
    the generator before its clips were cut to their aligned speech: ``cut=False``.)"""
    from reelmind.eval.conversation import real_conversation
    from reelmind.perceive.audio.asr import make_asr, pack_regions, skipped_regions
    from reelmind.perceive.audio.extract import load_audio
    from reelmind.perceive.audio.models import whisper_model_dir
    from reelmind.perceive.audio.options import AudioOptions
    from reelmind.perceive.audio.vad import speech_regions

    real_conversation(tmp_path / "rc.wav", rounds=3, seed=0, speakers=("reader", "cards"), cut=False)
    audio = load_audio(tmp_path / "rc.wav")
    regions = [r for r in speech_regions(audio) if 41 <= r[0] and r[1] <= 69]  # the bench's third window
    assert len(regions) == 6 and len(pack_regions(audio, regions)[1]) == 1

    def words_in(segs, a, b):
        return [w.word for s in segs for w in s.words if w.start < b and w.end > a]

    out = {}
    for action in ("keep", "redecode"):
        asr = make_asr(AudioOptions(asr_model="tiny.en", cpu_threads=1, asr_skipped_regions=action),
                       whisper_model_dir("tiny.en"), 4)
        out[action] = (asr.transcribe(audio, regions, 100.0), asr)
    segs, asr = out["keep"]
    assert words_in(segs, 100 + regions[0][0], 100 + regions[0][1])
    assert asr.skipped["regions"] == 5 and asr.skipped["redecoded"] == 0
    assert asr.skipped_empty == [(pytest.approx(100 + a, abs=0.01), pytest.approx(100 + b, abs=0.01))
                                 for a, b in regions[1:]]
    segs, asr = out["redecode"]
    assert asr.skipped["regions"] == asr.skipped["redecoded"] == 5 and asr.skipped_empty == []
    assert all(words_in(segs, 100 + a, 100 + b) for a, b in regions)
    assert [s.start for s in segs] == sorted(s.start for s in segs)
    assert segs[0].text == out["keep"][0][0].text  # the first pass is unchanged
    assert skipped_regions([[(0.0, 1.0)]], [(0.0, 3.0, 1.2), (1.5, 9.0, 1.0), (2.8, 20.0, 0.3)]) \
        == [(9.0, 10.0)]  # the region after the last word; one too short to hold speech is left


def test_a_region_without_words_between_a_windows_words_is_skipped():
    """Not only the regions after a window's last word: every region that no word belongs to (each
    word belongs to the region nearest its middle, the rule words are grouped into utterances by)."""
    from reelmind.perceive.audio.asr import skipped_regions

    pieces = [(0.0, 3.0, 1.2), (1.5, 9.0, 1.0), (2.8, 20.0, 1.5), (4.6, 30.0, 2.0)]
    assert skipped_regions([[(0.1, 0.9)], [(3.0, 3.6)]], pieces) == [(9.0, 10.0), (30.0, 32.0)]
    # a word that runs into the next region belongs to the region holding its middle
    assert skipped_regions([[(0.5, 1.7)], [(3.0, 3.6), (4.7, 5.0)]], pieces) == [(9.0, 10.0)]
    assert skipped_regions([[(0.5, 1.7), (1.6, 2.3)], [(3.0, 3.6), (4.7, 5.0)]], pieces) == []
    assert skipped_regions([], pieces) == [(3.0, 4.2), (9.0, 10.0), (20.0, 21.5), (30.0, 32.0)]
    assert skipped_regions([[(0.1, 0.9)]], []) == []


@pytest.mark.skipif(not (TESTDATA / "cards").exists(), reason="apt-get install pocketsphinx-testdata")
def test_a_region_before_a_windows_words_is_decoded_again(tmp_path):
    """Issue 11: Whisper base decodes the third packed window of the 3-voice conversation (seed 2)
    from its second region on ("He was not an ill-disposed young man. ..."): the first region (1.7 s,
    the cards speaker's "four queen of clubs") gets no word although the window was decoded to its
    end. It is decoded again on its own. (Round 6 found the same on the cards + alsa conversation's
    second window; the strict interleave of round 7 changed that audio. The audio is the generator's
    before its clips were cut to their aligned speech: ``cut=False``.)"""
    from reelmind.eval.conversation import real_conversation
    from reelmind.perceive.audio.asr import make_asr
    from reelmind.perceive.audio.extract import load_audio
    from reelmind.perceive.audio.models import whisper_model_dir
    from reelmind.perceive.audio.options import AudioOptions
    from reelmind.perceive.audio.vad import speech_regions

    real_conversation(tmp_path / "l.wav", rounds=2, seed=2, cut=False)
    audio = load_audio(tmp_path / "l.wav")
    regions = [r for r in speech_regions(audio) if 56 <= r[0]]  # the regions of the full run's third window
    assert len(regions) == 2
    asr = make_asr(AudioOptions(cpu_threads=1), whisper_model_dir("base"), 4)
    segs = asr.transcribe(audio, regions, 0.0)
    assert asr.skipped["regions"] == asr.skipped["redecoded"] == 1 and asr.skipped_empty == []
    first = [w.word.strip(",. ").lower() for s in segs for w in s.words if w.end <= regions[0][1] + 0.05]
    assert "queen" in first, first
    assert [s.start for s in segs] == sorted(s.start for s in segs)
