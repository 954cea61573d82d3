"""The fused multimodal dataset: one row per utterance (the seed's 14 columns + provenance).

List-valued cells (listeners, their emotions and ids, conflict channels, micro events) are Arrow
list columns; the seed-layout CSV export joins them with ``;`` at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..table import Table, column
from ._checks import check_times as _check_times


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
    listener: np.ndarray = column("list_str", required=False, doc="listener person labels")
    listener_emotion: np.ndarray = column("list_str", required=False, doc="listener face emotions, same order as listener")
    conflict: np.ndarray = column("bool", required=False)
    # provenance and extras
    speaker_id: np.ndarray = column("str", required=False)
    person_id: np.ndarray = column("i8", required=False)
    conflict_channels: np.ndarray = column("list_str", required=False, doc="e.g. ['face:+0.85', 'voice:-0.31', 'text:-0.44']")
    face_window: np.ndarray = column("str", required=False, doc="before/during/after/expanded_5s/none")
    face_fallback: np.ndarray = column("str", required=False)
    ser_fallback: np.ndarray = column("str", required=False)
    offset_applied: np.ndarray = column("f8", required=False)
    listener_ids: np.ndarray = column("list_i8", required=False, doc="listener person ids, same order as listener")
    face_person: np.ndarray = column("str", required=False, doc="label of the person whose face gave face_emotion")
    conflict_rule: np.ndarray = column("str", required=False, doc="the rule that decided ``conflict``, in words")
    overlap: np.ndarray = column("bool", required=False, doc="overlapping speech in the utterance")
    text_model: np.ndarray = column("str", required=False, doc="model that made text_emotion")
    micro_events: np.ndarray = column("list_str", required=False, doc="micro events of speaker/listeners in the windows, "
                                                                         "e.g. 'person_1@12.40:disgust'")
    suppression: np.ndarray = column("bool", required=False, doc="positive macro face with a negative micro event")
    suppression_rule: np.ndarray = column("str", required=False)

    def validate(self) -> None:
        _check_times(self, self.start_time, self.end_time)
