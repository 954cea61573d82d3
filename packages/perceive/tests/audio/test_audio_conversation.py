"""Conversations without pauses: who speaks when, a speaker per word, one utterance per turn.

Real voices (pocketsphinx-testdata read speech, interleaved with 0-200 ms gaps and ~10 %
overlap) and flite voices; scored with reelmind.eval's DER (0.25 s collar, overlap scored) and
word-speaker accuracy. bench/RESULTS.md has the figures of larger runs.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from reelmind.core.media import media_dir
from reelmind.eval.conversation import ALSA_SOUNDS, TESTDATA, flite_conversation, real_conversation
from reelmind.eval.diarization import diarization_metrics
from reelmind.perceive.audio.options import AudioOptions
from reelmind.perceive.audio.pipeline import analyze_audio

FAST = dict(asr_model="tiny.en", text_emotion="none", speech_emotion="none")
needs_testdata = pytest.mark.skipif(not (TESTDATA / "librivox").exists(), reason="apt-get install pocketsphinx-testdata")
needs_flite = pytest.mark.skipif(shutil.which("flite") is None, reason="apt-get install flite")


def _metrics(turns, res):
    st = res.speaker_turns
    return diarization_metrics([t.__dict__ for t in turns], list(zip(st.start, st.end, st.speaker)),
                               list(res.words.word), list(res.words.speaker), list(res.words.start), len(res.utterances))


@needs_flite
def test_flite_dialogue_without_pauses_meets_the_targets(tmp_path):
    turns = flite_conversation(tmp_path / "f.wav", overlap_share=0.10, seed=1)
    res = analyze_audio(tmp_path / "f.wav", AudioOptions(**FAST), work_dir=tmp_path / "w")
    m = _metrics(turns, res)
    assert m["der"] <= 0.15, m
    assert m["word_speaker_accuracy"] >= 0.90, m
    assert 0.8 <= m["utterances_per_turn"] <= 1.2, m
    assert len(set(res.words.speaker)) == 2 and "" not in set(res.words.speaker)  # a speaker for every word
    assert res.utterances.overlap.dtype == bool and res.words.overlap.dtype == bool


@needs_flite
def test_groundtruth_film_four_voices_with_pauses(groundtruth_film, tmp_path):
    """The headline film of tests/test_groundtruth_film.py, audio only: 4 flite voices, 11 lines.
    segmentation-3.0 gives two or three of the male voices (kal, rms, awb) to one local speaker of
    a 10-s window; before the split by turn it found 3 speakers, attribution 0.727, and words of
    one line flip-flopped between two speakers."""
    from reelmind.eval.film import map_speakers

    film, truth = groundtruth_film
    res = analyze_audio(film, AudioOptions(**FAST), work_dir=tmp_path / "w")
    u, lines = res.utterances, truth["lines"]
    voice = map_speakers(u, lines)
    right = 0
    for ln in lines:
        ov = np.clip(np.minimum(u.end, ln["end"]) - np.maximum(u.start, ln["start"]), 0, None)
        right += bool(ov.max() > 0) and voice.get(u.speaker[int(np.argmax(ov))]) == ln["voice"]
    assert res.meta["diarization"]["speakers"] == 4, res.meta["diarization"]
    assert right / len(lines) >= 0.9, (right, list(zip(u.start, u.speaker, u.text)))
    assert 0.8 <= len(u) / len(lines) <= 1.2, list(zip(u.start, u.speaker, u.text))
    for ln in lines:  # every line's words on one speaker
        inside = (res.words.start >= ln["start"] - 0.1) & (res.words.start < ln["end"])
        assert len(set(res.words.speaker[inside])) == 1, (ln["text"], list(res.words.speaker[inside]))


PHONE = media_dir() / "pyannote"


@pytest.mark.skipif(not (PHONE / "sample.rttm").exists(), reason="run tools/fetch_media.sh (pyannote.audio's sample)")
def test_real_phone_call_two_speakers_quick_turns(tmp_path):
    """The issue's case: 30 s of two real people on the phone (pyannote.audio's sample: quick turns,
    overlap, exact RTTM/STM truth), scored by `reelmind eval` from the .rttm. Before: one utterance
    per VAD region, one speaker, DER 0.46, words on the right speaker 0.60."""
    from reelmind.eval.cli import app
    from typer.testing import CliRunner

    res = analyze_audio(PHONE / "sample.wav", AudioOptions(**FAST), work_dir=tmp_path / "w")
    run = tmp_path / "run"
    run.mkdir()
    for name in ("utterances", "words", "speaker_turns"):
        getattr(res, name).to_parquet(run / f"{name}.parquet")
    out = CliRunner().invoke(app, ["eval", str(run), str(PHONE / "sample.rttm")])
    assert out.exit_code == 0, out.output
    m = {k: v for k, v in (line.split(None, 1) for line in out.output.splitlines() if line.strip())}
    assert res.meta["diarization"]["speakers"] == 2 and len(set(res.words.speaker)) == 2, m
    assert float(m["der"]) <= 0.15, m
    assert float(m["word_speaker_accuracy"]) >= 0.90 and int(m["recognised_words"]) >= 60, m
    assert 0.8 <= float(m["utterances_per_turn"]) <= 1.2, m


@needs_testdata
def test_real_voices_three_readers(tmp_path):
    """The issue's targets on three real readers, three conversations of 12-13 turns (seeds 0-2):
    segmentation-3.0 gives two of them to one local speaker in some windows; the resegmentation on
    1.6-s voice windows gives them back. DER and words are checked per conversation; utterances per
    turn over the three together (each >= 0.7): in one 13-turn conversation one utterance is 0.077,
    and which words Whisper writes in the overlaps (an interjection inside another voice, a turn
    overlapped on both sides) follows the CPU's int8 GEMM path. Measured with tiny.en, utterances
    per turn for seeds 0/1/2: AMX (Sapphire Rapids) 0.92/0.77/0.92, AVX-512 0.85/0.85/0.92,
    AVX2 0.92/0.85/0.92 (``MKL_ENABLE_INSTRUCTIONS``; bench/RESULTS.md, "CPU paths")."""
    utterances = turns_total = 0
    for seed in (0, 1, 2):
        turns = real_conversation(tmp_path / f"r{seed}.wav", rounds=1, seed=seed)
        res = analyze_audio(tmp_path / f"r{seed}.wav", AudioOptions(**FAST), work_dir=tmp_path / f"w{seed}")
        m = _metrics(turns, res)
        assert res.meta["diarization"]["speakers"] == 3, (seed, m)
        assert m["der"] <= 0.15, (seed, m)
        assert m["word_speaker_accuracy"] >= 0.90, (seed, m)
        assert m["utterances_per_turn"] >= 0.7, (seed, m)
        utterances += len(res.utterances)
        turns_total += len(turns)
    assert 0.8 <= utterances / turns_total <= 1.2, (utterances, turns_total)


@needs_testdata
def test_one_reader_is_not_split_in_two(tmp_path):
    turns = real_conversation(tmp_path / "m.wav", rounds=2, seed=4, speakers=("reader",))
    res = analyze_audio(tmp_path / "m.wav", AudioOptions(**FAST), work_dir=tmp_path / "w")
    assert len(set(res.utterances.speaker)) == 1 and len(set(res.speaker_turns.speaker)) == 1
    assert _metrics(turns, res)["der"] <= 0.10


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="apt-get install espeak-ng")
def test_french_speech_is_transcribed_by_default_and_loud_with_an_english_only_model(tmp_path):
    wav = tmp_path / "fr.wav"
    subprocess.run(["espeak-ng", "-v", "fr", "-w", str(wav), "Bonjour à tous. Aujourd'hui nous allons parler "
                    "de la pluie et du beau temps. Le train part à huit heures du matin, et nous arriverons à Paris "
                    "avant midi."], check=True)
    res = analyze_audio(wav, AudioOptions(text_emotion="none", speech_emotion="none"), work_dir=tmp_path / "a")
    assert res.meta["asr"]["language"] == "fr" and set(res.utterances.language) == {"fr"}
    assert "bonjour" in " ".join(res.utterances.text).lower()
    assert not res.meta["degraded"]
    en = analyze_audio(wav, AudioOptions(**FAST), work_dir=tmp_path / "b")
    assert len(en.utterances) == 0 and len(en.rejects) >= 1
    assert any("most speech was rejected" in d and "asr_model: base" in d for d in en.meta["degraded"])


def test_music_only_gives_a_result(tmp_path):
    from reelmind.eval.synth import write_wav

    t = np.arange(16000 * 12) / 16000
    notes = np.sin(2 * np.pi * (220 * 2 ** (np.floor(t * 2) % 12 / 12)) * t) * 0.3 * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))
    write_wav(tmp_path / "music.wav", notes.astype(np.float32))
    res = analyze_audio(tmp_path / "music.wav", AudioOptions(**FAST), work_dir=tmp_path / "w")
    assert len(res.speaker_turns) >= 0 and len(res.utterances) <= 2  # a result, not a crash


@needs_testdata
def test_8khz_stereo_conversation_gives_a_result(tmp_path):
    """Telephone bandwidth: a result with every word on a speaker (measured: resemblyzer may split
    one of the two voices in two at 8 kHz, DER 0.16; bench/RESULTS.md)."""
    turns = real_conversation(tmp_path / "r.wav", rounds=1, seed=2, speakers=("reader", "digits"))
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(tmp_path / "r.wav"), "-ar", "8000", "-ac", "2",
                    str(tmp_path / "r8k.wav")], check=True)
    res = analyze_audio(tmp_path / "r8k.wav", AudioOptions(**FAST), work_dir=tmp_path / "w")
    assert res.meta["audio"]["source_rate"] == 8000 and res.meta["audio"]["source_channels"] == 2
    m = _metrics(turns, res)
    assert 2 <= len(set(res.words.speaker)) <= 3 and "" not in set(res.words.speaker), m
    assert m["der"] <= 0.35, m


@needs_testdata
@pytest.mark.skipif(not ALSA_SOUNDS.is_dir(), reason="apt-get install alsa-utils")
def test_real_lists_of_card_names_and_loudspeakers_are_not_rejected_as_hallucination(tmp_path):
    """Real read speech that Whisper decodes confidently but with a high no-speech probability and a
    repetitive 30-s window (card names and loudspeaker positions): the filter rejected 95 % of it
    (compression ratio 2.45, no-speech 0.82 at -0.12 per token). Whisper's own rules keep it."""
    turns = real_conversation(tmp_path / "l.wav", rounds=2, seed=7, speakers=("cards", "alsa"))
    res = analyze_audio(tmp_path / "l.wav", AudioOptions(**FAST, diarization="none"), work_dir=tmp_path / "w")
    assert len(res.rejects) == 0, list(zip(res.rejects.text, res.rejects.reason))
    assert "most_speech_rejected" not in res.meta["flags"]
    assert len(res.words) >= 0.6 * sum(len(t.text.split()) for t in turns), list(res.utterances.text)


@needs_testdata
def test_a_six_minute_film_of_three_readers_has_three_speakers(tmp_path):
    """Issue 11 at film length: the three readers' conversations laid end to end for 6 minutes.
    Three stray embeddings (2.9 s of voice, one from each reader) made a fourth speaker whose
    centroid then pulled frames from all three (DER 0.17); a speaker now needs 1 % of the film's
    voice too (``min_speaker_share``)."""
    from reelmind.eval.conversation import conversation_film
    from reelmind.eval.diarization import der
    from reelmind.eval.synth import read_wav
    from reelmind.perceive.audio.diarize import make_diarizer
    from reelmind.perceive.audio.vad import iter_blocks

    turns = conversation_film(tmp_path / "film.wav", 6)
    wav = read_wav(tmp_path / "film.wav")[0]
    dia = make_diarizer(AudioOptions(device="cpu"))
    for block in iter_blocks(wav, 600):
        if block.speech:
            dia.add_block(np.array(wav[block.start:block.end]), block.start, block.speech)
    d = dia.finish(len(wav))
    score = der([(t.start, t.end, t.speaker) for t in turns], [(a, b, str(s)) for a, b, s in d.activity.turns()])
    assert d.info["speakers"] == 3, d.info
    assert score.der <= 0.05, score
