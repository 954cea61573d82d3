"""Archive records: voice profiles of one film, and identities across the films of an archive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..table import Table, column


@dataclass(frozen=True, eq=False, repr=False)
class VoiceTable(Table):
    """One row per speaker of a film (the ``voices`` stage): the speaker's mean voice embedding."""

    RECORD: ClassVar[str] = "voices"
    speaker: np.ndarray = column("str", doc="speaker label of the utterances table")
    embedding: np.ndarray = column("f4", (None,), doc="mean voice embedding (unit length)")
    utterances: np.ndarray = column("i8", doc="utterances embedded")
    seconds: np.ndarray = column("f8", required=False, doc="speech embedded, s")


@dataclass(frozen=True, eq=False, repr=False)
class ArchivePersonTable(Table):
    """Archive-wide identities: one row per face cluster or speaker of a film, with its archive id."""

    RECORD: ClassVar[str] = "archive_persons"
    archive_id: np.ndarray = column("str", doc="A0001 (a face, with its voice when linked), V0001 (a voice only)")
    film: np.ndarray = column("str", doc="film id in the archive store")
    kind: np.ndarray = column("str", doc="face | voice")
    label: np.ndarray = column("str", doc="the person label (faces) or speaker label (voices) in that film")
    person_id: np.ndarray = column("i8", required=False, doc="the film's person id (faces; -1 for voices)")
    name: np.ndarray = column("str", required=False, doc="name given once for the archive id ('' = none)")
    count: np.ndarray = column("i8", required=False, doc="faces or utterances behind the cluster")
    similarity: np.ndarray = column("f4", required=False, doc="cosine similarity to the archive id's mean embedding")
