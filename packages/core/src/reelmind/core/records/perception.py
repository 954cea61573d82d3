"""Perception records: faces, persons, words, utterances, rejects, speech emotion, micro events.

Times are seconds (float64) from the start of the film. Emotion probability columns follow
the class order of :data:`reelmind.core.emotion.FACE_EMOTIONS` / ``TEXT_EMOTIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import RecordError
from ..table import Table, column
from ._checks import check_probs as _check_probs
from ._checks import check_times as _check_times

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
    track: np.ndarray = column("i8", required=False, doc="face track id: one face followed across samples within a shot")

    def validate(self) -> None:
        _check_times(self, self.time)
        _check_probs(self, "emotion_probs", self.emotion_probs)
        if len(self) and np.any(self.box[:, 2] < self.box[:, 0]):
            raise RecordError("FaceTable", "box", "x2 >= x1", "a box with x2 < x1")


@dataclass(frozen=True, eq=False, repr=False)
class PersonTable(Table):
    """One row per person cluster of a film (the ``persons`` stage): label, name and a summary."""

    RECORD: ClassVar[str] = "persons"
    person_id: np.ndarray = column("i8")
    person: np.ndarray = column("str", doc="label: a given name or e.g. 'person_3'")
    named: np.ndarray = column("bool", required=False, doc="the label comes from a names file or reference DB")
    faces: np.ndarray = column("i8", required=False, doc="faces assigned to this person")
    first_time: np.ndarray = column("f8", required=False)
    last_time: np.ndarray = column("f8", required=False)
    best_time: np.ndarray = column("f8", required=False, doc="time of the best-quality face (reference crop)")
    best_box: np.ndarray = column("f4", (4,), required=False)
    embedding: np.ndarray = column("f4", (None,), required=False, doc="mean identity embedding (unit length)")


@dataclass(frozen=True, eq=False, repr=False)
class MicroEventTable(Table):
    """Micro-expression events spotted on a person's face track (the ``microexpr`` stage)."""

    RECORD: ClassVar[str] = "micro_events"
    person_id: np.ndarray = column("i8")
    onset: np.ndarray = column("f8", doc="s")
    apex: np.ndarray = column("f8", doc="s")
    offset: np.ndarray = column("f8", doc="s")
    person: np.ndarray = column("str", required=False)
    track: np.ndarray = column("i8", required=False)
    score: np.ndarray = column("f4", required=False, doc="spotting strength (peak over threshold)")
    regions: np.ndarray = column("list_str", required=False, doc="moving regions: brows, eyes, nose, mouth")
    au: np.ndarray = column("str", required=False, doc="geometric action-unit proxy, e.g. 'AU12 lip-corner pull up'")
    au_rule: np.ndarray = column("str", required=False, doc="the landmark rule that named the AU")
    emotion: np.ndarray = column("str", required=False, doc="recogniser class ('' without a recogniser)")
    confidence: np.ndarray = column("f4", required=False)
    polarity: np.ndarray = column("i8", required=False, doc="+1/-1/0 of emotion, or of the AU proxy when unclassified")
    blocks: np.ndarray = column("list_f8", required=False, doc="MDMD difference of every grid block at the apex (row-major)")
    apex_png: np.ndarray = column("bytes", required=False, doc="aligned grey apex crop (PNG) for the visualisations")
    flow_png: np.ndarray = column("bytes", required=False, doc="onset->apex flow magnitude (PNG colour map)")

    def validate(self) -> None:
        _check_times(self, self.onset, self.offset)


@dataclass(frozen=True, eq=False, repr=False)
class WordTable(Table):
    """Word-level ASR output; ``utterance`` indexes the UtteranceTable row."""

    RECORD: ClassVar[str] = "words"
    utterance: np.ndarray = column("i8")
    start: np.ndarray = column("f8")
    end: np.ndarray = column("f8")
    word: np.ndarray = column("str")
    prob: np.ndarray = column("f4", required=False)
    speaker: np.ndarray = column("str", required=False, doc="speaker of this word ('' = unknown)")
    overlap: np.ndarray = column("bool", required=False, doc="another speaker is active during the word")

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
    overlap: np.ndarray = column("bool", required=False, doc="overlapping speech inside the utterance")
    text_model: np.ndarray = column("str", required=False, doc="model that made text_emotion")

    def validate(self) -> None:
        _check_times(self, self.start, self.end)
        _check_probs(self, "text_probs", self.text_probs)


@dataclass(frozen=True, eq=False, repr=False)
class SpeakerTurnTable(Table):
    """Who speaks when (the diarization output of perceive.audio): one row per continuous stretch
    of one speaker, independent of the words; rows of different speakers overlap where they talk at once."""

    RECORD: ClassVar[str] = "speaker_turns"
    start: np.ndarray = column("f8")
    end: np.ndarray = column("f8")
    speaker: np.ndarray = column("str", doc="speaker cluster / voice profile name (as UtteranceTable.speaker)")

    def validate(self) -> None:
        _check_times(self, self.start, self.end)


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


