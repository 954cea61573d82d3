"""The typed records that flow between stages (faces, words, utterances, dataset rows, ...).

Times are seconds (float64) from the start of the film. Emotion probability columns follow
the class order of :data:`FACE_EMOTIONS` / :data:`TEXT_EMOTIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .errors import RecordError
from .table import Table, column

#: The 7 facial emotion classes (DeepFace / FER order).
FACE_EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
#: The 7 text emotion classes (j-hartmann DistilRoBERTa order).
TEXT_EMOTIONS: tuple[str, ...] = ("anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise")
#: Text label -> face label (the two vocabularies name the same 7 emotions).
TEXT_TO_FACE = {"anger": "angry", "disgust": "disgust", "fear": "fear", "joy": "happy",
                "neutral": "neutral", "sadness": "sad", "surprise": "surprise"}
FACE_TO_TEXT = {v: k for k, v in TEXT_TO_FACE.items()}
#: Polarity of each emotion (+1 positive, -1 negative, 0 neutral); surprise counts as neutral.
POLARITY = {"angry": -1, "disgust": -1, "fear": -1, "happy": 1, "sad": -1, "surprise": 0, "neutral": 0,
            "anger": -1, "joy": 1, "sadness": -1}


def _check_times(rec: Table, start: np.ndarray, end: np.ndarray | None = None) -> None:
    name = type(rec).__name__
    if len(start) and not np.all(np.isfinite(start)):
        raise RecordError(name, "start" if end is not None else "time", "finite times", "NaN or inf")
    if end is not None and len(end):
        bad = np.flatnonzero(~(end >= start))
        if bad.size:
            i = int(bad[0])
            raise RecordError(name, "end", f"end >= start at row {i} (start={start[i]:.3f})", f"end={float(end[i])}")


def _check_probs(rec: Table, name: str, probs: np.ndarray) -> None:
    if len(probs) and np.any(probs < -1e-6):
        raise RecordError(type(rec).__name__, name, "probabilities >= 0", f"min {float(np.nanmin(probs)):.3f}")


@dataclass(frozen=True, eq=False, repr=False)
class FaceTable(Table):
    """One row per detected face per sampled frame (the perceive.vision output)."""

    RECORD: ClassVar[str] = "faces"
    time: np.ndarray = column("f8", doc="frame timestamp, s")
    frame: np.ndarray = column("i8", required=False, doc="decoded frame index")
    box: np.ndarray = column("f4", (4,), doc="x1, y1, x2, y2 in full-resolution pixels")
    det_conf: np.ndarray = column("f4", doc="detector confidence 0-1")
    landmarks: np.ndarray = column("f4", (5, 2), required=False, doc="eyes, nose, mouth corners (NaN if none)")
    person_id: np.ndarray = column("i8", required=False, doc="identity cluster, -1 = unknown")
    person: np.ndarray = column("str", required=False, doc="person label (named, or e.g. '1_woman')")
    emotion_probs: np.ndarray = column("f4", (7,), required=False, doc="FACE_EMOTIONS order")
    emotion: np.ndarray = column("str", required=False, doc="argmax emotion ('' if not classified)")
    emotion_conf: np.ndarray = column("f4", required=False, doc="confidence of ``emotion``")
    quality: np.ndarray = column("f4", required=False, doc="face quality 0-1 (sharpness, size, exposure, det_conf)")
    embedding: np.ndarray = column("f4", (None,), required=False, doc="identity embedding (D = model's)")

    def validate(self) -> None:
        _check_times(self, self.time)
        _check_probs(self, "emotion_probs", self.emotion_probs)
        if len(self) and np.any(self.box[:, 2] < self.box[:, 0]):
            raise RecordError("FaceTable", "box", "x2 >= x1", "a box with x2 < x1")


@dataclass(frozen=True, eq=False, repr=False)
class WordTable(Table):
    """Word-level ASR output; ``utterance`` indexes the UtteranceTable row."""

    RECORD: ClassVar[str] = "words"
    utterance: np.ndarray = column("i8")
    start: np.ndarray = column("f8")
    end: np.ndarray = column("f8")
    word: np.ndarray = column("str")
    prob: np.ndarray = column("f4", required=False)

    def validate(self) -> None:
        _check_times(self, self.start, self.end)


@dataclass(frozen=True, eq=False, repr=False)
class UtteranceTable(Table):
    """One row per utterance (the perceive.audio output)."""

    RECORD: ClassVar[str] = "utterances"
    start: np.ndarray = column("f8")
    end: np.ndarray = column("f8")
    text: np.ndarray = column("str")
    speaker: np.ndarray = column("str", required=False, doc="speaker cluster / voice profile name")
    language: np.ndarray = column("str", required=False)
    avg_logprob: np.ndarray = column("f4", required=False)
    compression_ratio: np.ndarray = column("f4", required=False)
    no_speech_prob: np.ndarray = column("f4", required=False)
    text_emotion: np.ndarray = column("str", required=False, doc="TEXT_EMOTIONS label")
    text_conf: np.ndarray = column("f4", required=False)
    text_probs: np.ndarray = column("f4", (7,), required=False, doc="TEXT_EMOTIONS order")
    arousal: np.ndarray = column("f4", required=False, doc="0-1, NaN = not measured")
    valence: np.ndarray = column("f4", required=False, doc="-1..1, NaN = not measured")
    dominance: np.ndarray = column("f4", required=False, doc="0-1, NaN = not measured")
    flags: np.ndarray = column("str", required=False, doc="comma-separated quality flags")

    def validate(self) -> None:
        _check_times(self, self.start, self.end)
        _check_probs(self, "text_probs", self.text_probs)


@dataclass(frozen=True, eq=False, repr=False)
class RejectTable(Table):
    """Segments dropped by a filter, with the reason (nothing is silently lost)."""

    RECORD: ClassVar[str] = "rejects"
    start: np.ndarray = column("f8")
    end: np.ndarray = column("f8")
    text: np.ndarray = column("str")
    reason: np.ndarray = column("str")


@dataclass(frozen=True, eq=False, repr=False)
class SpeechEmotionFrames(Table):
    """Arousal / valence / dominance over time windows (speech emotion output)."""

    RECORD: ClassVar[str] = "speech_emotion"
    start: np.ndarray = column("f8")
    end: np.ndarray = column("f8")
    arousal: np.ndarray = column("f4")
    valence: np.ndarray = column("f4")
    dominance: np.ndarray = column("f4")

    def validate(self) -> None:
        _check_times(self, self.start, self.end)


#: The seed's 14 multimodal dataset columns, in CSV order.
DATASET_COLUMNS: tuple[str, ...] = (
    "character", "dialogue", "start_time", "end_time", "text_emotion", "text_confidence",
    "arousal", "valence", "dominance", "face_emotion", "face_confidence", "listener",
    "listener_emotion", "conflict",
)


@dataclass(frozen=True, eq=False, repr=False)
class DatasetTable(Table):
    """The fused multimodal dataset: one row per utterance (seed's 14 columns + provenance)."""

    RECORD: ClassVar[str] = "dataset"
    character: np.ndarray = column("str")
    dialogue: np.ndarray = column("str")
    start_time: np.ndarray = column("f8")
    end_time: np.ndarray = column("f8")
    text_emotion: np.ndarray = column("str", required=False)
    text_confidence: np.ndarray = column("f4", required=False)
    arousal: np.ndarray = column("f4", required=False)
    valence: np.ndarray = column("f4", required=False)
    dominance: np.ndarray = column("f4", required=False)
    face_emotion: np.ndarray = column("str", required=False)
    face_confidence: np.ndarray = column("f4", required=False)
    listener: np.ndarray = column("str", required=False, doc="';'-joined listener person labels")
    listener_emotion: np.ndarray = column("str", required=False, doc="';'-joined, same order as listener")
    conflict: np.ndarray = column("bool", required=False)
    # provenance and extras
    speaker_id: np.ndarray = column("str", required=False)
    person_id: np.ndarray = column("i8", required=False)
    conflict_channels: np.ndarray = column("str", required=False, doc="e.g. 'face:+0.85;voice:-0.31;text:-0.44'")
    face_window: np.ndarray = column("str", required=False, doc="before/during/after/expanded_5s/none")
    face_fallback: np.ndarray = column("str", required=False)
    ser_fallback: np.ndarray = column("str", required=False)
    offset_applied: np.ndarray = column("f8", required=False)
    listener_ids: np.ndarray = column("str", required=False, doc="';'-joined person ids, same order as listener")
    face_person: np.ndarray = column("str", required=False, doc="label of the person whose face gave face_emotion")

    def validate(self) -> None:
        _check_times(self, self.start_time, self.end_time)


@dataclass(frozen=True, eq=False, repr=False)
class SceneAnalysisTable(Table):
    """Per-character, per-moment analysis records (the cognition bridge output)."""

    RECORD: ClassVar[str] = "scene_analysis"
    character: np.ndarray = column("str")
    scene: np.ndarray = column("i8")
    time: np.ndarray = column("f8")
    valence: np.ndarray = column("f4")
    arousal: np.ndarray = column("f4")
    dominance: np.ndarray = column("f4", required=False)
    emotion: np.ndarray = column("str", required=False)
    confidence: np.ndarray = column("f4", required=False)
    dialogue: np.ndarray = column("str", required=False)

    def validate(self) -> None:
        _check_times(self, self.time)
