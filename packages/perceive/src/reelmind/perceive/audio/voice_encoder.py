"""resemblyzer's GE2E voice encoder on ONNX Runtime, with its mel front end in the graph.

resemblyzer computes a 40-band mel power spectrogram with librosa (25-ms Hann window, 10-ms hop,
centred, zero padded) and runs a 3-layer LSTM over 1.6-s partials. Here NumPy computes the power
spectrogram ``|STFT|^2`` with the same framing (:func:`power_frames`); the converted model
(input ``power``: (batch, frames, 201)) applies librosa's mel filterbank, the LSTM, the linear layer,
ReLU and L2 normalisation. Converted once from the packaged ``pretrained.pt`` (read with
``weights_only=True``) into the model cache on first use, so a run needs neither torch nor librosa
(nor numba). Equal to resemblyzer's torch forward to ~1e-6 (``tests/audio/test_voice_encoder.py``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from reelmind.core.errors import MissingDependencyError

log = logging.getLogger("reelmind.perceive.audio.voice_encoder")

N_FFT, HOP, N_MELS = 400, 160, 40  # 25 ms, 10 ms at 16 kHz; resemblyzer's hparams
BINS = N_FFT // 2 + 1
#: bumped when the conversion changes, so a model converted by older code is converted again
CONVERTER_VERSION = 1


def _window() -> np.ndarray:
    n = np.arange(N_FFT)
    return 0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)  # periodic Hann (float64), as librosa's stft


def power_frames(wav: np.ndarray) -> np.ndarray:
    """(frames, 201) float32 ``|STFT|^2`` of a 16 kHz clip: librosa's centred framing (``n_fft // 2``
    zeros each side), one frame per 160 samples."""
    y = np.pad(np.asarray(wav, np.float32), N_FFT // 2)
    frames = np.lib.stride_tricks.sliding_window_view(y, N_FFT)[::HOP]
    spec = np.fft.rfft(frames * _window(), axis=1).astype(np.complex64)
    return (np.abs(spec) ** 2).astype(np.float32, copy=False)


def convert_voice_encoder(src: str | Path, dst: str | Path) -> Path:
    """Write resemblyzer's encoder ``src`` (pretrained.pt) with librosa's mel filterbank in front
    to ONNX at ``dst`` (atomic). Needs torch and librosa, once."""
    from reelmind.core.atomic import atomic_path

    try:
        import librosa
        import torch
    except ImportError as exc:
        raise MissingDependencyError(f"{exc.name} (to convert the voice encoder once)", "torch==2.13.0 librosa") from None
    state = torch.load(str(src), map_location="cpu", weights_only=True)["model_state"]
    mel = librosa.filters.mel(sr=16000, n_fft=N_FFT, n_mels=N_MELS)  # float32 (40, 201), slaney

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(N_MELS, 256, 3, batch_first=True)
            self.linear = torch.nn.Linear(256, 256)
            self.register_buffer("mel_t", torch.from_numpy(np.ascontiguousarray(mel.T)))

        def forward(self, power):
            _, (hidden, _) = self.lstm(power @ self.mel_t)
            raw = torch.relu(self.linear(hidden[-1]))
            return raw / torch.norm(raw, dim=1, keepdim=True)

    net = Encoder().eval()
    missing, _ = net.load_state_dict({k: v for k, v in state.items() if k.startswith(("lstm.", "linear."))}, strict=False)
    if missing != ["mel_t"]:
        raise ValueError(f"{src}: not resemblyzer's voice encoder (missing {missing})")
    with atomic_path(dst) as tmp, torch.no_grad():
        torch.onnx.export(net, (torch.zeros(2, 160, BINS),), str(tmp), input_names=["power"], output_names=["embedding"],
                          dynamic_axes={"power": {0: "batch", 1: "frames"}, "embedding": {0: "batch"}},
                          opset_version=17, dynamo=False)
    log.info("converted %s -> %s", src, dst)
    return Path(dst)


def voice_encoder_onnx_path() -> Path:
    """The packaged voice encoder as ONNX in the model cache (converted on first use)."""
    from reelmind.core.models import converted

    return converted("resemblyzer-voice-encoder", f"resemblyzer_ge2e_c{CONVERTER_VERSION}", convert_voice_encoder)


__all__ = ["BINS", "CONVERTER_VERSION", "convert_voice_encoder", "power_frames", "voice_encoder_onnx_path"]
