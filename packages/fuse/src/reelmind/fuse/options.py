"""Options of the fuse stage (echoed into the dataset's metadata)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FuseOptions:
    """Thresholds of the seed's Stage 4; every field is a config key under ``stages.fuse``."""

    before: float = 1.5  # s of faces before an utterance ("before" window)
    after: float = 1.5  # s of faces after an utterance ("after" window)
    offset_mode: str = "auto"  # auto (seed's gap rule, then xcorr check) | gap | xcorr | fixed | none
    offset_gap: float = 60.0  # faces start > transcript end + gap => shifted timeline
    offset: float = 0.0  # seconds subtracted from face times when offset_mode == "fixed"
    offset_max_lag: float = 30.0  # xcorr search range, s
    offset_min_gain: float = 0.2  # xcorr must beat lag 0 by this (and reach twice this) to be applied
    offset_min_lines: int = 20  # xcorr needs at least this many utterances
    expand_window: float = 5.0  # fallback window (s each side) when no face is found
    expand_confidence: float = 0.4  # face confidence cap of the expanded-window fallback
    identity_min_lift: float = 0.1  # speaker <-> person co-occurrence lift needed to link them
    listener_min_frames: int = 1  # face rows during the utterance to count as a listener
    ser_tolerance: float = 0.1  # s: SER frame start must match the utterance start this closely
    ser_fallback_tolerance: float = 1.0  # s: second, looser lookup
    ser_min_arousal_range: float = 0.2  # film-wide arousal range below this => SER disabled
    weight_text: float = 0.40
    weight_face: float = 0.35
    weight_voice: float = 0.25
    valence_deadzone: float = 0.1  # |valence| below this is neutral voice polarity
    min_channel_confidence: float = 0.0  # a channel below this confidence does not vote
    conflict_min_share: float = 0.25  # weaker polarity side needs this share of weight x confidence
    text_vote: str = "mass"  # mass: P(joy) vs P(anger+disgust+fear+sadness) | label: top label at its confidence (before issue 12)
    text_min_polarity: float = 0.5  # mass: text votes only when P(joy) or P(negative classes) reaches this
    conflict_needs_text: bool = True  # a conflict needs a voting text channel (face vs voice alone is not one)
    kernel_backend: str = "auto"  # auto | native | numba | numpy
    chunk_utterances: int = 1024  # utterances per kernel call (bounds memory: chunk x 3 x persons x 7)
