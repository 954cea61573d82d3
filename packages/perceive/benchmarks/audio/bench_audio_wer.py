"""WER of each ASR backend on Debian's LibriVox clips, and the effect of DeepFilterNet3 on it.

    .venv/bin/python -m pytest packages/perceive/benchmarks/audio/bench_audio_wer.py -s -q

Clean clips, and the same clips with white noise added at 5 dB SNR (seeded), each transcribed
with and without the denoiser, through the real pipeline (``analyze_audio``; diarization and
emotion off). WER is over all 5 clips (total edits / total reference words).
"""

from __future__ import annotations

import numpy as np
import pytest
from reelmind.core.media import media_dir
from reelmind.eval.audio import edit_distance, librivox_clips, normalize
from reelmind.perceive.audio.options import AudioOptions
from reelmind.perceive.audio.pipeline import analyze_audio
from reelmind.eval.synth import read_wav, write_wav


def _noisy(path, out, snr_db, seed):
    x, sr = read_wav(path)
    noise = np.random.default_rng(seed).standard_normal(len(x)).astype(np.float32)
    noise *= np.sqrt(np.mean(x ** 2) / np.mean(noise ** 2) / 10 ** (snr_db / 10))
    return write_wav(out, x + noise, sr)


def _corpus_wer(clips, options, tmp_path):
    edits = words = 0
    for i, (wav, ref) in enumerate(clips):
        res = analyze_audio(wav, options, work_dir=tmp_path / f"w{i}")
        r, h = normalize(ref), normalize(" ".join(res.utterances.text))
        edits += edit_distance(r, h)
        words += len(r)
    return edits / words


@pytest.mark.parametrize("model", ["tiny.en", "base"])
def test_librivox_wer(model, tmp_path):
    folder = media_dir() / "librivox"
    if not (folder / "transcription").exists():
        pytest.skip("LibriVox clips missing: bash tools/fetch_media.sh")
    clean = librivox_clips(folder)
    noisy = [(_noisy(w, tmp_path / f"n{i}.wav", 5.0, i), ref) for i, (w, ref) in enumerate(clean)]
    rows = []
    for cond, clips in (("clean", clean), ("white noise 5 dB", noisy)):
        for denoise in ("none", "deepfilternet"):
            for mode in ("batched", "sequential"):
                opts = AudioOptions(asr_model=model, asr_mode=mode, denoise=denoise, diarization="none",
                                    text_emotion="none", speech_emotion="none")
                rows.append((cond, denoise, mode, _corpus_wer(clips, opts, tmp_path)))
    print(f"\nLibriVox ({len(clean)} clips), Whisper {model}, int8 CPU")
    for cond, denoise, mode, w in rows:
        print(f"{cond:18s} denoise={denoise:13s} {mode:10s} WER {w:.3f}")
    assert rows[0][3] < 0.35
