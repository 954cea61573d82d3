"""resemblyzer's voice encoder on ONNX Runtime equals its torch module on real speech, and a run
with it imports neither torch nor librosa."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from reelmind.perceive.audio.diarize import ResemblyzerEmbedder
from reelmind.perceive.audio.voice_encoder import power_frames

LIBRIVOX = Path(__file__).resolve().parents[4] / "media" / "librivox"


@pytest.fixture(scope="module")
def speech():
    import soundfile as sf

    files = sorted(LIBRIVOX.glob("*.wav"))[:2]
    if not files:
        pytest.skip("sample media not fetched (tools/fetch_media.sh)")
    wavs = []
    for f in files:
        wav, sr = sf.read(str(f), dtype="float32")
        assert sr == 16000
        wavs.append(wav if wav.ndim == 1 else wav.mean(1))
    return wavs


def test_power_frames_follow_librosa_framing(speech):
    import librosa

    wav = speech[0][:32000]
    ours = power_frames(wav)
    theirs = np.abs(librosa.stft(wav, n_fft=400, hop_length=160)) ** 2
    assert ours.shape == theirs.T.shape
    np.testing.assert_allclose(ours, theirs.T, rtol=1e-4, atol=1e-6 * theirs.max())


def test_onnx_encoder_equals_resemblyzer_torch(speech):
    onnx, torch = ResemblyzerEmbedder(runtime="onnx"), ResemblyzerEmbedder(runtime="torch")
    # clips of several lengths (batches of 1, 2 and many partials), one shorter than a partial, one silent
    clips = [w[i:i + n] for w in speech for i, n in ((0, 8000), (4000, 24000), (20000, 41000))]
    clips += [np.zeros(16000, np.float32), speech[0][:300]]
    for batch in (clips[:1], clips):
        np.testing.assert_allclose(onnx.embed_batch(batch), torch.embed_batch(batch), atol=5e-6)
    wav = speech[0]
    starts = np.arange(0, len(wav) - 25600, 3200)
    np.testing.assert_allclose(onnx.embed_spans(wav, starts, 25600), torch.embed_spans(wav, starts, 25600), atol=5e-6)


def test_a_run_of_the_onnx_encoder_needs_no_torch(speech, tmp_path):
    np.save(tmp_path / "clip.npy", speech[0][:48000])
    code = ("import sys, numpy as np\n"
            "from reelmind.perceive.audio.diarize import ResemblyzerEmbedder\n"
            f"v = ResemblyzerEmbedder().embed_batch([np.load({str(tmp_path / 'clip.npy')!r})])\n"
            "assert v.shape == (1, 256) and abs(float(np.linalg.norm(v)) - 1) < 1e-5\n"
            "print(sorted({'torch', 'librosa', 'numba', 'resemblyzer'} & set(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


def test_unknown_runtime_is_a_clear_error():
    from reelmind.core.errors import ConfigError

    with pytest.raises(ConfigError, match="speaker_embed_runtime"):
        ResemblyzerEmbedder(runtime="tflite")
