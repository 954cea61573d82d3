"""Speech emotion: arousal (0-1), valence (-1..1), dominance (0-1) per utterance.

``egemaps`` (default) is NOT a trained model. It is a transparent mapping of eGeMAPSv02
functionals (openSMILE) standardised against the film's own utterances, following the
direction of well-known acoustic correlates (louder, higher, faster, brighter speech = higher
arousal; loud, low-pitched, dynamic speech = more dominant; clean periodic voice = more
positive, the weakest of the three)::

    z(f)      = clip((f - median(f)) / max(1.4826 * MAD(f), floor(f)), -3, 3)   (NaN -> 0)
    arousal   = sigmoid(1.5 * mean(z(loudness), z(F0), z(spectral flux), -z(Hammarberg), z(loudness peaks/s)))
    dominance = sigmoid(1.5 * mean(z(loudness), -z(F0), z(loudness range)))
    valence   = tanh(1.0 * mean(z(HNR), -z(jitter), -z(shimmer)))

Median and MAD are taken over the speaker's own utterances when the speaker has at least 3
(``ser_normalization: speaker``, the default: voices differ more than emotions do), otherwise
over the whole film. The floors keep tiny, meaningless spreads (a monotone, badly recorded film) from being blown
up, so such a film gets a small arousal range and the channel is disabled (range < 0.2).
``audeering`` runs the seed's wav2vec2 A/V/D regressor exported to ONNX (user-supplied), in
batches that start at ``ser_batch_size`` and halve down to 1 on out-of-memory errors.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
from reelmind.core.errors import MissingDependencyError, MissingModelError

from .extract import SAMPLE_RATE
from .options import unknown_backend

log = logging.getLogger("reelmind.perceive.audio.speech_emotion")

T = TypeVar("T")

#: eGeMAPSv02 functional -> (short name, floor of its robust spread).
FEATURES: dict[str, tuple[str, float]] = {
    "loudness_sma3_amean": ("loudness", 0.05),
    "F0semitoneFrom27.5Hz_sma3nz_amean": ("f0", 0.5),
    "spectralFlux_sma3_amean": ("flux", 0.02),
    "hammarbergIndexV_sma3nz_amean": ("hammarberg", 1.0),
    "loudnessPeaksPerSec": ("rate", 0.3),
    "loudness_sma3_pctlrange0-2": ("loudness_range", 0.05),
    "HNRdBACF_sma3nz_amean": ("hnr", 1.0),
    "jitterLocal_sma3nz_amean": ("jitter", 0.005),
    "shimmerLocaldB_sma3nz_amean": ("shimmer", 0.2),
}
#: (sign, feature) cues of each dimension, and the gain before the squashing function.
CUES = {
    "arousal": ((1, "loudness"), (1, "f0"), (1, "flux"), (-1, "hammarberg"), (1, "rate")),
    "dominance": ((1, "loudness"), (-1, "f0"), (1, "loudness_range")),
    "valence": ((1, "hnr"), (-1, "jitter"), (-1, "shimmer")),
}
GAIN = {"arousal": 1.5, "dominance": 1.5, "valence": 1.0}
METHOD_EGEMAPS = (
    "egemaps-zscore-v1: NOT a trained model. eGeMAPSv02 functionals (openSMILE) per utterance, robust z-scores "
    "against the same speaker's utterances (>= 3 of them, else the whole film; median, 1.4826*MAD with "
    "per-feature floors, clipped to +-3); "
    "arousal=sigmoid(1.5*mean(z loudness, z F0, z spectral flux, -z Hammarberg index, z loudness peaks/s)); "
    "dominance=sigmoid(1.5*mean(z loudness, -z F0, z loudness range)); "
    "valence=tanh(mean(z HNR, -z jitter, -z shimmer)) (weak acoustic cue). Values are relative to the speaker/film, not absolute.")


@functools.lru_cache(maxsize=1)
def _smile():
    try:
        import opensmile
    except ImportError:
        raise MissingDependencyError("opensmile", "opensmile") from None
    return opensmile.Smile(feature_set=opensmile.FeatureSet.eGeMAPSv02, feature_level=opensmile.FeatureLevel.Functionals)


class _SmileInstance:
    """One initialised openSMILE eGeMAPSv02-functionals instance run clip after clip (``smile_reset``
    between clips), instead of ``Smile.process_signal``'s new instance, config parse and pandas frame
    per clip; the same values (the same config, options and 16-bit input as ``process_signal``)."""

    def __init__(self) -> None:
        import os

        from opensmile.core.config import config

        smile = _smile()
        options = smile._options()
        options.update(source=os.path.join(smile.default_config_root, config.EXTERNAL_INPUT_CONFIG),
                       sampleRate=SAMPLE_RATE, nBits=16)
        self._src, self._sink = config.EXTERNAL_SOURCE_COMPONENT, config.EXTERNAL_OUTPUT_COMPONENT
        self._cols = [list(smile.feature_names).index(c) for c in FEATURES]
        self._smile = smile._smile(options=options)

    def __call__(self, clip: np.ndarray) -> np.ndarray:
        rows: list[np.ndarray] = []
        smile = self._smile
        smile.external_sink_set_callback_ex(self._sink, lambda data, _meta: rows.append(np.array(data, np.float64)))
        del smile._callbacks[:-1]  # the previous clips' callbacks (re-registered after every reset)
        pcm = np.ascontiguousarray(clip, dtype=np.float32) * np.float32(32768)  # as process_signal
        smile.external_audio_source_write_data(self._src, bytes(pcm.astype(np.int16)))
        smile.external_audio_source_set_eoi(self._src)
        try:
            smile.run()
        finally:
            smile.reset()
        return np.vstack(rows)[0, self._cols] if rows else np.full(len(self._cols), np.nan)


def egemaps_features(clips: Sequence[np.ndarray], reuse: bool = True, threads: int = 1) -> np.ndarray:
    """(n, len(FEATURES)) eGeMAPSv02 functionals of 16 kHz clips (NaN rows for clips < 0.1 s).

    ``reuse``: one openSMILE instance per thread for its clips (:class:`_SmileInstance`), else
    ``Smile.process_signal`` per clip (the same values, ~6 % more CPU on the 6-minute film).
    ``threads`` > 1 (with ``reuse``): the clips in that many runs of about equal audio, side by side
    (openSMILE runs outside the GIL); the same values.
    """
    from .threads import side_by_side

    cols = list(FEATURES)
    out = np.full((len(clips), len(cols)), np.nan)
    todo = [i for i, clip in enumerate(clips) if len(clip) >= SAMPLE_RATE // 10]
    if not reuse:
        smile = _smile()
        for i in todo:
            df = smile.process_signal(np.ascontiguousarray(clips[i], dtype=np.float32), SAMPLE_RATE)
            out[i] = df[cols].to_numpy(dtype=np.float64)[0]
        return out
    runs = [run for run in _even_runs(todo, [len(clips[i]) for i in todo], max(1, threads)) if run]

    def features(run: list[int], smile: _SmileInstance) -> None:
        try:
            for i in run:
                out[i] = smile(clips[i])
        finally:
            smile._smile.free()

    side_by_side([functools.partial(features, run, _SmileInstance()) for run in runs], threads)
    return out


def _even_runs(items: list[int], sizes: list[int], n: int) -> list[list[int]]:
    """``items`` cut into ``n`` consecutive runs of about equal total size."""
    total, runs, acc = sum(sizes), [[] for _ in range(n)], 0
    for item, size in zip(items, sizes):
        runs[min(n - 1, acc * n // max(1, total))].append(item)
        acc += size
    return runs


def robust_z(feats: np.ndarray, groups: Sequence[str] | None = None, min_group: int = 3) -> np.ndarray:
    """Robust z-scores of the feature columns (median, 1.4826*MAD floored, clipped to +-3).

    With ``groups`` (speaker labels), rows of a group with at least ``min_group`` rows are
    standardised against their own group (speaker normalisation); the rest against the film.
    """
    floors = np.array([FEATURES[c][1] for c in FEATURES])

    def z_of(rows: np.ndarray) -> np.ndarray:
        if not np.isfinite(rows).any():
            return np.zeros_like(rows)
        med = np.nanmedian(rows, axis=0)
        mad = np.nanmedian(np.abs(rows - med), axis=0) * 1.4826
        scale = np.fmax(np.nan_to_num(mad, nan=0.0), floors)
        return np.clip((rows - np.nan_to_num(med)) / scale, -3, 3)

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns (unvoiced clips)
        z = z_of(feats)
        if groups is not None:
            labels = np.asarray(groups, dtype=object)
            for g in set(labels.tolist()):
                idx = np.flatnonzero(labels == g)
                if g and len(idx) >= min_group:
                    z[idx] = z_of(feats[idx])
    return z


def map_features(feats: np.ndarray, groups: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """The documented eGeMAPS -> arousal/valence/dominance mapping (see the module docstring)."""
    if len(feats) == 0:
        return {k: np.zeros(0, np.float32) for k in CUES}
    z = robust_z(np.asarray(feats, np.float64), groups)
    zi = {FEATURES[c][0]: z[:, j] for j, c in enumerate(FEATURES)}
    out = {}
    for dim, cues in CUES.items():
        stacked = np.stack([sign * np.nan_to_num(zi[f]) for sign, f in cues], axis=1)
        raw = stacked.mean(axis=1)
        squash = np.tanh if dim == "valence" else (lambda x: 1.0 / (1.0 + np.exp(-x)))
        out[dim] = squash(GAIN[dim] * raw).astype(np.float32)
    return out


def arousal_range(arousal: np.ndarray) -> float:
    a = arousal[np.isfinite(arousal)]
    return float(a.max() - a.min()) if a.size >= 2 else 0.0


def adaptive_batches(items: Sequence[T], run: Callable[[Sequence[T]], np.ndarray], start: int = 64) -> np.ndarray:
    """``run`` over ``items`` in batches of ``start``, halving the batch (down to 1) on out-of-memory.

    The batch size that worked is kept for the rest of the film; an out-of-memory error at
    batch size 1 propagates.
    """
    size = max(1, int(start))
    out: list[np.ndarray] = []
    i = 0
    while i < len(items):
        batch = items[i:i + size]
        try:
            out.append(np.asarray(run(batch)))
        except Exception as exc:  # onnxruntime raises RuntimeException/Fail with an allocation message
            if not _is_oom(exc) or size == 1:
                raise
            size = max(1, len(batch) // 2)
            log.warning("out of memory at batch %d; retrying with batch %d", len(batch), size)
            continue
        i += len(batch)
    return np.concatenate(out) if out else np.zeros((0, 3), np.float32)


def _is_oom(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    msg = str(exc).lower()
    return any(s in msg for s in ("out of memory", "failed to allocate", "bad_alloc", "cudaerrormemoryallocation"))


class AudeeringOnnx:
    """audeering/wav2vec2-large-robust-12-ft-emotion-msp-dim exported to ONNX (user-supplied).

    Input: raw 16 kHz waveform (normalised to zero mean, unit variance per clip, zero-padded),
    output ``logits`` (batch, 3) = arousal, dominance, valence in 0..1; valence is mapped to -1..1.
    """

    name = "audeering"
    METHOD = "audeering wav2vec2 A/D/V regressor (ONNX), valence rescaled 0..1 -> -1..1"

    def __init__(self, model_path: str, batch_size: int = 64) -> None:
        if not model_path or not Path(model_path).exists():
            raise MissingModelError(
                f"audeering ONNX model not found at {model_path or '(speech_emotion_model not set)'}",
                "export audeering/wav2vec2-large-robust-12-ft-emotion-msp-dim to ONNX and set speech_emotion_model")
        import onnxruntime as ort

        providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in ort.get_available_providers()]
        from reelmind.core.runtime import session_options

        self.sess = ort.InferenceSession(str(model_path), sess_options=session_options(), providers=providers)
        self.input = self.sess.get_inputs()[0].name
        self.batch_size = batch_size

    def _run(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        n = max(len(c) for c in clips)
        x = np.zeros((len(clips), n), np.float32)
        for i, c in enumerate(clips):
            c = np.asarray(c, np.float32)
            x[i, :len(c)] = (c - c.mean()) / (c.std() + 1e-7)
        out = self.sess.run(None, {self.input: x})
        logits = out[-1] if len(out) > 1 else out[0]
        return np.asarray(logits, np.float32).reshape(len(clips), -1)[:, :3]

    def predict(self, clips: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
        order = np.argsort([len(c) for c in clips])  # similar lengths batch together
        adv = adaptive_batches([clips[i] for i in order], self._run, self.batch_size)
        res = np.zeros_like(adv)
        res[order] = adv
        return {"arousal": res[:, 0], "dominance": res[:, 1], "valence": res[:, 2] * 2 - 1}


def predict_speech_emotion(options, clips: Sequence[np.ndarray],
                           groups: Sequence[str] | None = None) -> tuple[dict[str, np.ndarray], str]:
    """A/V/D per clip with the backend of ``options.speech_emotion``, and the method description."""
    if options.speech_emotion == "egemaps":
        return map_features(egemaps_features(clips), groups), METHOD_EGEMAPS
    if options.speech_emotion == "audeering":
        model = AudeeringOnnx(options.speech_emotion_model, options.ser_batch_size)
        return (model.predict(clips) if len(clips) else {k: np.zeros(0, np.float32) for k in CUES}), model.METHOD
    raise unknown_backend("speech_emotion", options.speech_emotion, "egemaps, audeering, none")
