"""The ``pyannote`` diarization backend: pyannote.audio's ``SpeakerDiarization`` pipeline (full stack).

pyannote.audio 4 needs torchaudio and torchcodec, so it lives in the separate full-stack
environment (``make fullstack``). The user's pipeline is a local folder or ``config.yaml``
(``diarization_model``) whose models are local files; nothing is downloaded. The pipeline runs
once over the whole film (its speaker labels are film-wide; the waveform of the film is held in
memory for that call), and its annotation becomes the same frame-grid activity as the default
backend's, so words, utterances and voice profiles work alike.

:func:`segmentation_from_onnx` builds pyannote's own ``PyanNet`` from the segmentation-3.0 ONNX
export that ships offline, for such a pipeline (or any pyannote use) in the full stack.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from reelmind.core.errors import MissingDependencyError, MissingModelError

from .diarize import Diarization
from .extract import SAMPLE_RATE
from .segmentation import FRAME_STEP, time_frame

log = logging.getLogger("reelmind.perceive.audio.diarize_pyannote")

#: pyannote.audio 4 imports torchaudio (and torchcodec) at import time: a separate environment
PYANNOTE_FIX = ("pyannote.audio in a full-stack environment with torchaudio and torchcodec: `make fullstack` "
                "(or use diarization: pyannote-onnx)")


def _import_pyannote():
    try:
        import pyannote.audio  # noqa: F401
        from pyannote.audio import Pipeline
    except ImportError as exc:  # pyannote.audio imports torchaudio at import time
        missing = exc.name or "pyannote.audio"
        what = "pyannote.audio (the pyannote diarization backend)" if missing.startswith("pyannote") else \
            f"{missing} (needed by pyannote.audio, the pyannote diarization backend)"
        raise MissingDependencyError(what, PYANNOTE_FIX) from None
    return Pipeline


class PyannotePipelineDiarizer:
    """Drives a pyannote ``SpeakerDiarization`` pipeline object (or any pipeline with its call signature)."""

    name = "pyannote"

    def __init__(self, pipeline, min_speakers: int = 1, max_speakers: int = 5) -> None:
        self.pipeline, self.min_speakers, self.max_speakers = pipeline, min_speakers, max_speakers
        self._blocks: list[tuple[int, np.ndarray]] = []

    @classmethod
    def from_options(cls, options, profile=None) -> "PyannotePipelineDiarizer":
        Pipeline = _import_pyannote()
        path = Path(options.diarization_model).expanduser() if options.diarization_model else None
        if path is None or not path.exists():
            raise MissingModelError("the pyannote backend needs a local SpeakerDiarization pipeline",
                                    "set diarization_model to its folder or config.yaml (with local model files)")
        pipeline = Pipeline.from_pretrained(path)
        if pipeline is None:
            raise MissingModelError(f"pyannote could not load a pipeline from {path}",
                                    "check its config.yaml names local checkpoints")
        return cls(pipeline, options.min_speakers, options.max_speakers)

    def model_files(self) -> list:
        return []

    def add_block(self, audio: np.ndarray, block_start: int, speech: list[tuple[float, float]]) -> None:
        self._blocks.append((block_start, np.asarray(audio, np.float32).copy()))

    def finish(self, n_samples: int) -> Diarization:
        import torch

        from .speakers import SpeakerActivity

        wave = np.zeros(n_samples, np.float32)
        for start, audio in self._blocks:
            wave[start:start + len(audio)] = audio[:max(0, n_samples - start)]
        self._blocks = []
        out = self.pipeline({"waveform": torch.from_numpy(wave)[None], "sample_rate": SAMPLE_RATE},
                            min_speakers=self.min_speakers, max_speakers=self.max_speakers)
        ann = getattr(out, "speaker_diarization", out)
        labels = list(ann.labels())
        n_frames = n_samples // FRAME_STEP + 1
        active = np.zeros((n_frames, len(labels)), bool)
        for seg, _, label in ann.itertracks(yield_label=True):
            a, b = int(time_frame(seg.start)), int(time_frame(seg.end))
            active[max(0, a):max(0, min(n_frames, b + 1)), labels.index(label)] = True
        activity = SpeakerActivity(0, active, active.astype(np.float32))
        emb = getattr(out, "speaker_embeddings", None)
        cents = np.zeros((len(labels), 0), np.float32)
        if emb is not None and len(emb) == len(labels):
            emb = np.nan_to_num(np.asarray(emb, np.float32))
            cents = emb / (np.linalg.norm(emb, axis=1, keepdims=True) + 1e-9)
        activity.order_by_first_turn(np.zeros(0, np.int64))
        first = [int(np.argmax(active[:, c])) if active[:, c].any() else n_frames + c for c in range(len(labels))]
        cents = cents[np.argsort(first, kind="stable")] if len(cents) else cents
        info = {"pipeline": type(self.pipeline).__name__, "speakers": len(labels), "pyannote_labels": labels}
        return Diarization(activity, cents, info, np.ones(len(labels), np.int64))


def pyannote_diarizer(options, profile=None) -> PyannotePipelineDiarizer:
    return PyannotePipelineDiarizer.from_options(options, profile)


def segmentation_from_onnx(path=None):
    """pyannote.audio's ``PyanNet`` (segmentation-3.0's architecture: SincNet stride 10, 4 bidirectional
    LSTM layers of 128, 2 linear layers of 128, a 7-class powerset of 3 speakers / 2 per frame)
    holding the weights of the shipped ONNX export (``pyannote-segmentation-3.0`` in the manifest, or
    ``path``), for pyannote's own pipelines. Full stack only (torch + pyannote.audio).

    The export froze SincNet's 80 band-pass filters into a constant; their cut-off frequencies
    (the model's ``low_hz_`` / ``band_hz_`` parameters) are recovered by fitting asteroid's filter
    formula to them (float64 L-BFGS; the fit error is returned in ``model.onnx_fit_error``). LSTM
    gates are reordered from ONNX's (i, o, f, c) to torch's (i, f, g, o).
    """
    try:
        import onnx
        import torch
        from onnx import numpy_helper
        from pyannote.audio.core.task import Problem, Resolution, Specifications
        from pyannote.audio.models.segmentation import PyanNet
    except ImportError as exc:
        raise MissingDependencyError(f"{exc.name} (to load segmentation-3.0 into pyannote.audio)", PYANNOTE_FIX) from None
    from reelmind.core import models

    path = Path(path) if path else models.resolve("pyannote-segmentation-3.0").path
    graph = onnx.load(str(path)).graph
    init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    nodes = list(graph.node)

    def t(a):
        return torch.from_numpy(np.array(a, np.float32))

    seg = PyanNet(sincnet={"stride": 10}, lstm={"hidden_size": 128, "num_layers": 4, "bidirectional": True,
                                               "monolithic": True, "dropout": 0.0},
                  linear={"hidden_size": 128, "num_layers": 2}, sample_rate=SAMPLE_RATE, num_channels=1)
    seg.specifications = Specifications(problem=Problem.MONO_LABEL_CLASSIFICATION, resolution=Resolution.FRAME,
                                        duration=10.0, min_duration=10.0, warm_up=(0.0, 0.0),
                                        classes=["speaker#1", "speaker#2", "speaker#3"], powerset_max_classes=2,
                                        permutation_invariant=True)
    seg.build()
    state = seg.state_dict()
    new = {}
    norm = next(n for n in nodes if n.op_type == "InstanceNormalization")  # the waveform's
    new["sincnet.wav_norm1d.weight"], new["sincnet.wav_norm1d.bias"] = t(init[norm.input[1]]), t(init[norm.input[2]])
    for name in ("sincnet.conv1d.1.weight", "sincnet.conv1d.1.bias", "sincnet.conv1d.2.weight", "sincnet.conv1d.2.bias",
                 *(f"sincnet.norm1d.{i}.{p}" for i in range(3) for p in ("weight", "bias"))):
        new[name] = t(init[name])

    def gates(a):  # ONNX (i, o, f, c) -> torch (i, f, g=c, o)
        return np.concatenate([a[0:128], a[256:384], a[384:512], a[128:256]])
    for layer, node in enumerate(n for n in nodes if n.op_type == "LSTM"):
        W, R, B = (init[i] for i in node.input[1:4])
        for d, suffix in enumerate(("", "_reverse")):
            new[f"lstm.weight_ih_l{layer}{suffix}"] = t(gates(W[d]))
            new[f"lstm.weight_hh_l{layer}{suffix}"] = t(gates(R[d]))
            new[f"lstm.bias_ih_l{layer}{suffix}"] = t(gates(B[d, :512]))
            new[f"lstm.bias_hh_l{layer}{suffix}"] = t(gates(B[d, 512:]))
    matmuls = [n for n in nodes if n.op_type == "MatMul"]
    adds = [n for n in nodes if n.op_type == "Add"]
    for name, mm, add in zip(("linear.0", "linear.1", "classifier"), matmuls, adds):
        new[f"{name}.weight"] = t(init[mm.input[1]].T)
        new[f"{name}.bias"] = t(init[next(i for i in add.input if i in init)])
    filters = next(v for v in init.values() if v.shape == (80, 1, 251))
    new.update(_fit_sinc(seg.sincnet.conv1d[0].filterbank, filters))
    for buf in ("n_", "window_"):  # fixed buffers of the filterbank (time axis, Hamming window)
        new[f"sincnet.conv1d.0.filterbank.{buf}"] = state[f"sincnet.conv1d.0.filterbank.{buf}"]
    missing = set(state) - set(new)
    if missing:
        raise MissingModelError(f"{path}: no ONNX weights for {sorted(missing)[:4]}", "use the segmentation-3.0 export")
    seg.load_state_dict({k: v.to(state[k].dtype) for k, v in new.items()}, strict=True)
    with torch.no_grad():
        seg.onnx_fit_error = float((seg.sincnet.conv1d[0].filterbank.filters() - torch.from_numpy(filters)).abs().max())
    seg.eval()
    return seg


def _fit_sinc(fb, target: np.ndarray) -> dict:
    """asteroid ``ParamSincFB`` parameters whose filters equal ``target`` (80, 1, 251)."""
    import copy

    import torch

    fit = copy.deepcopy(fb).double()
    goal = torch.from_numpy(np.asarray(target, np.float64))
    opt = torch.optim.LBFGS([fit.low_hz_, fit.band_hz_], lr=1.0, max_iter=100, tolerance_grad=1e-14,
                            tolerance_change=1e-16, line_search_fn="strong_wolfe")

    def loss():
        opt.zero_grad()
        value = ((fit.filters() - goal) ** 2).sum()
        value.backward()
        return value

    for _ in range(10):  # until the filters agree to 1e-5 (typically one or two rounds)
        opt.step(loss)
        with torch.no_grad():
            if float((fit.filters() - goal).abs().max()) < 1e-5:
                break
    return {"sincnet.conv1d.0.filterbank.low_hz_": fit.low_hz_.detach().float(),
            "sincnet.conv1d.0.filterbank.band_hz_": fit.band_hz_.detach().float()}
