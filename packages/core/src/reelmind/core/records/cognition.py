"""Cognition records: everything the analysis of a film finds, one validated table per result.

moments -> transitions, arcs, moods, short-term trends (stage ``moments``); memories, hotspots,
consolidation, scenes, character scenes, reflections (stage ``memory``); personality (``personality``);
social edges, migrations, influence events (``social``); scores (``scores``). Times are seconds;
valence -1..1, arousal and dominance 0..1. ``row`` columns index the film's DatasetTable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..table import Table, column
from ._checks import check_times as _check_times
from ._checks import check_vocab as _check_vocab

#: Transition types of the emotion state machine, from calm to abrupt.
TRANSITION_TYPES: tuple[str, ...] = ("NATURAL", "GRADUAL", "TRIGGERED", "SUDDEN")
#: Short-term memory trends.
TRENDS: tuple[str, ...] = ("IMPROVING", "DECLINING", "STABLE", "VOLATILE")
#: Emotion arc classes.
ARC_CLASSES: tuple[str, ...] = ("RISING", "FALLING", "PEAK", "VALLEY", "W_SHAPE", "FLAT", "VOLATILE")
#: Memory tiers, in promotion order ("archived" = an STM memory closed at a scene boundary).
MEMORY_TIERS: tuple[str, ...] = ("stm", "archived", "candidate", "ltm")
#: OCEAN traits.
OCEAN: tuple[str, ...] = ("O", "C", "E", "A", "N")
#: Dunbar circles, closest first.
CIRCLES: tuple[str, ...] = ("INTIMATE", "CLOSE", "FRIENDS", "ACQUAINTANCE", "STRANGER")


@dataclass(frozen=True, eq=False, repr=False)
class MomentTable(Table):
    """One moment per character per line: fused valence / arousal / emotion and the channel weights."""

    RECORD: ClassVar[str] = "moments"
    character: np.ndarray = column("str")
    row: np.ndarray = column("i8", doc="dataset row")
    scene: np.ndarray = column("i8")
    time: np.ndarray = column("f8")
    valence: np.ndarray = column("f4")
    arousal: np.ndarray = column("f4")
    dominance: np.ndarray = column("f4", required=False)
    emotion: np.ndarray = column("str", required=False)
    confidence: np.ndarray = column("f4", required=False)
    dialogue: np.ndarray = column("str", required=False)
    w_text: np.ndarray = column("f4", required=False, doc="text channel weight used for this moment")
    w_face: np.ndarray = column("f4", required=False)
    w_voice: np.ndarray = column("f4", required=False)
    smoothed_valence: np.ndarray = column("f8", required=False, doc="arc smoothing")
    surprise: np.ndarray = column("f8", required=False, doc="LSTM prediction error (NaN when off)")
    surprise_rank: np.ndarray = column("f8", required=False, doc="percentile of surprise in the film")
    trigger: np.ndarray = column("str", required=False, doc="what triggered the moment: 'speaker:NAME', 'conflict' or ''")

    def validate(self) -> None:
        _check_times(self, self.time)


@dataclass(frozen=True, eq=False, repr=False)
class TransitionTable(Table):
    """One step of a character's emotion state machine (into moment ``row``)."""

    RECORD: ClassVar[str] = "transitions"
    character: np.ndarray = column("str")
    index: np.ndarray = column("i8", doc="position of the target moment in the character's sequence")
    time: np.ndarray = column("f8")
    type: np.ndarray = column("str", doc="TRANSITION_TYPES")
    row: np.ndarray = column("i8", required=False, doc="dataset row of the target moment")
    prev_time: np.ndarray = column("f8", required=False)
    from_emotion: np.ndarray = column("str", required=False)
    to_emotion: np.ndarray = column("str", required=False)
    distance: np.ndarray = column("f8", required=False)
    d_valence: np.ndarray = column("f8", required=False)
    d_arousal: np.ndarray = column("f8", required=False)
    stability: np.ndarray = column("f8", required=False)
    surprise: np.ndarray = column("f8", required=False)
    surprise_rank: np.ndarray = column("f8", required=False)
    trigger: np.ndarray = column("str", required=False)
    scene: np.ndarray = column("i8", required=False)
    scene_cut: np.ndarray = column("bool", required=False)
    rule: np.ndarray = column("str", required=False)

    def validate(self) -> None:
        _check_vocab(self, "type", self.type, TRANSITION_TYPES)


@dataclass(frozen=True, eq=False, repr=False)
class ArcTable(Table):
    """A character's emotion arc: class, the rule that decided it, and its turning points (tp_*)."""

    RECORD: ClassVar[str] = "arcs"
    character: np.ndarray = column("str")
    arc_class: np.ndarray = column("str", doc="ARC_CLASSES")
    rule: np.ndarray = column("str", required=False)
    n: np.ndarray = column("i8", required=False)
    start_valence: np.ndarray = column("f8", required=False)
    end_valence: np.ndarray = column("f8", required=False)
    min_valence: np.ndarray = column("f8", required=False)
    max_valence: np.ndarray = column("f8", required=False)
    tp_time: np.ndarray = column("list_f8", required=False)
    tp_index: np.ndarray = column("list_i8", required=False)
    tp_valence: np.ndarray = column("list_f8", required=False)
    tp_kind: np.ndarray = column("list_str", required=False, doc="peak | valley")
    tp_change: np.ndarray = column("list_f8", required=False)

    def validate(self) -> None:
        _check_vocab(self, "arc_class", self.arc_class, ARC_CLASSES)


@dataclass(frozen=True, eq=False, repr=False)
class MoodTable(Table):
    """Mid-term mood after each moment (exponential decay toward baseline) and the perceived emotion."""

    RECORD: ClassVar[str] = "moods"
    character: np.ndarray = column("str")
    time: np.ndarray = column("f8")
    mood_valence: np.ndarray = column("f4")
    mood_arousal: np.ndarray = column("f4")
    row: np.ndarray = column("i8", required=False)
    perceived_valence: np.ndarray = column("f4", required=False)
    perceived_arousal: np.ndarray = column("f4", required=False)

    def validate(self) -> None:
        _check_times(self, self.time)


@dataclass(frozen=True, eq=False, repr=False)
class TrendTable(Table):
    """Short-term memory state of a character after one moment (window of the last few)."""

    RECORD: ClassVar[str] = "trends"
    character: np.ndarray = column("str")
    index: np.ndarray = column("i8")
    time: np.ndarray = column("f8")
    trend: np.ndarray = column("str", doc="TRENDS")
    volatility: np.ndarray = column("f8", required=False)
    threshold: np.ndarray = column("f8", required=False)
    slope: np.ndarray = column("f8", required=False)
    social_pressure: np.ndarray = column("f8", required=False)
    window: np.ndarray = column("i8", required=False)

    def validate(self) -> None:
        _check_vocab(self, "trend", self.trend, TRENDS)


@dataclass(frozen=True, eq=False, repr=False)
class MemoryTable(Table):
    """Memories with their tier (stm / archived / candidate / ltm), references and emotion."""

    RECORD: ClassVar[str] = "memories"
    id: np.ndarray = column("str", doc="deterministic id (idempotent writes to ChromaDB)")
    character: np.ndarray = column("str")
    time: np.ndarray = column("f8")
    kind: np.ndarray = column("str", doc="moment | hotspot | insight")
    tier: np.ndarray = column("str", doc="MEMORY_TIERS")
    text: np.ndarray = column("str")
    film: np.ndarray = column("str", required=False)
    emotion: np.ndarray = column("str", required=False)
    valence: np.ndarray = column("f8", required=False)
    arousal: np.ndarray = column("f8", required=False)
    surprise: np.ndarray = column("f8", required=False)
    scene: np.ndarray = column("i8", required=False)
    refs: np.ndarray = column("i8", required=False)
    embedding: np.ndarray = column("f4", (None,), required=False, doc="sentence embedding of text")
    row: np.ndarray = column("i8", required=False, doc="dataset row of a moment memory (-1 for hotspots, insights)")

    def validate(self) -> None:
        _check_vocab(self, "tier", self.tier, MEMORY_TIERS)


@dataclass(frozen=True, eq=False, repr=False)
class HotspotTable(Table):
    """A trauma hotspot: several sudden shifts of one character within a short window."""

    RECORD: ClassVar[str] = "hotspots"
    character: np.ndarray = column("str")
    start: np.ndarray = column("f8")
    end: np.ndarray = column("f8")
    shifts: np.ndarray = column("i8")
    patterns: np.ndarray = column("list_str", required=False)
    memory_id: np.ndarray = column("str", required=False)
    summary: np.ndarray = column("str", required=False)

    def validate(self) -> None:
        _check_times(self, self.start, self.end)


@dataclass(frozen=True, eq=False, repr=False)
class ConsolidationTable(Table):
    """Per-character consolidation: sudden-shift patterns (with counts) and the summary."""

    RECORD: ClassVar[str] = "consolidation"
    character: np.ndarray = column("str")
    transitions: np.ndarray = column("i8")
    sudden: np.ndarray = column("i8")
    sudden_ratio: np.ndarray = column("f8", required=False)
    mean_stability: np.ndarray = column("f8", required=False)
    top_pattern: np.ndarray = column("str", required=False)
    patterns: np.ndarray = column("list_str", required=False, doc="e.g. 'neutral → angry'")
    pattern_counts: np.ndarray = column("list_i8", required=False)
    summary: np.ndarray = column("str", required=False)
    llm_summary: np.ndarray = column("str", required=False)


@dataclass(frozen=True, eq=False, repr=False)
class SceneTable(Table):
    """Scenes of the film (a gap between lines starts a new one) and the memory archival at each cut."""

    RECORD: ClassVar[str] = "scenes"
    scene: np.ndarray = column("i8")
    start: np.ndarray = column("f8")
    end: np.ndarray = column("f8", required=False)
    gap_before: np.ndarray = column("f8", required=False)
    archived: np.ndarray = column("i8", required=False)
    preserved: np.ndarray = column("i8", required=False)


@dataclass(frozen=True, eq=False, repr=False)
class CharacterSceneTable(Table):
    """One character in one scene (the seed's SceneAnalysis): fused emotion summary of its moments."""

    RECORD: ClassVar[str] = "character_scenes"
    character: np.ndarray = column("str")
    scene: np.ndarray = column("i8")
    start: np.ndarray = column("f8")
    end: np.ndarray = column("f8")
    moments: np.ndarray = column("i8", required=False)
    mean_valence: np.ndarray = column("f8", required=False)
    mean_arousal: np.ndarray = column("f8", required=False)
    dominant_emotion: np.ndarray = column("str", required=False)
    emotions: np.ndarray = column("list_str", required=False)
    emotion_counts: np.ndarray = column("list_i8", required=False)


@dataclass(frozen=True, eq=False, repr=False)
class ReflectionTable(Table):
    """Insights (with the memories they rest on) and the sections of each character's evolution."""

    RECORD: ClassVar[str] = "reflections"
    character: np.ndarray = column("str")
    kind: np.ndarray = column("str", doc="insight | evolution | theory_of_mind")
    text: np.ndarray = column("str")
    section: np.ndarray = column("str", required=False, doc="evolution section ('' for insights)")
    evidence: np.ndarray = column("list_str", required=False, doc="memory ids")
    source: np.ndarray = column("str", required=False, doc="template | llm")
    guard: np.ndarray = column("list_str", required=False, doc="hallucination-guard reports")
    time: np.ndarray = column("f8", required=False, doc="time of the moment a theory-of-mind row explains")


@dataclass(frozen=True, eq=False, repr=False)
class PersonalityTable(Table):
    """OCEAN per character, one row per trait, with its components and evidence in words."""

    RECORD: ClassVar[str] = "personality"
    character: np.ndarray = column("str")
    trait: np.ndarray = column("str", doc="OCEAN")
    value: np.ndarray = column("f8")
    evidence: np.ndarray = column("str", required=False)
    component_names: np.ndarray = column("list_str", required=False)
    component_values: np.ndarray = column("list_f8", required=False)
    source: np.ndarray = column("str", required=False)

    def validate(self) -> None:
        _check_vocab(self, "trait", self.trait, OCEAN)


@dataclass(frozen=True, eq=False, repr=False)
class SocialEdgeTable(Table):
    """Directed relationship ``source -> target``: intimacy 0..1, Dunbar circle, interaction memory."""

    RECORD: ClassVar[str] = "social"
    source: np.ndarray = column("str")
    target: np.ndarray = column("str")
    intimacy: np.ndarray = column("f8")
    circle: np.ndarray = column("str", doc="CIRCLES")
    positive: np.ndarray = column("i8", required=False)
    negative: np.ndarray = column("i8", required=False)
    neutral: np.ndarray = column("i8", required=False)
    impact: np.ndarray = column("f8", required=False)
    events: np.ndarray = column("list_str", required=False, doc="major events, e.g. 'betrayal:1'")

    def validate(self) -> None:
        _check_vocab(self, "circle", self.circle, CIRCLES)


@dataclass(frozen=True, eq=False, repr=False)
class MigrationTable(Table):
    """A change of circle of one directed relationship, with what triggered it."""

    RECORD: ClassVar[str] = "migrations"
    time: np.ndarray = column("f8")
    source: np.ndarray = column("str")
    target: np.ndarray = column("str")
    from_circle: np.ndarray = column("str")
    to_circle: np.ndarray = column("str")
    intimacy: np.ndarray = column("f8", required=False)
    trigger: np.ndarray = column("str", required=False, doc="'decay' or 'row N: <event> <line>'")

    def validate(self) -> None:
        _check_vocab(self, "from_circle", self.from_circle, CIRCLES)
        _check_vocab(self, "to_circle", self.to_circle, CIRCLES)


@dataclass(frozen=True, eq=False, repr=False)
class InfluenceEventTable(Table):
    """One directed interaction (receiver affected by actor), amplified by closeness and major events."""

    RECORD: ClassVar[str] = "influence"
    time: np.ndarray = column("f8")
    receiver: np.ndarray = column("str")
    actor: np.ndarray = column("str")
    row: np.ndarray = column("i8", required=False)
    event: np.ndarray = column("str", required=False, doc="major event name ('' if none)")
    valence: np.ndarray = column("f8", required=False)
    raw: np.ndarray = column("f8", required=False, doc="impact before amplification")
    applied: np.ndarray = column("f8", required=False, doc="intimacy change actually applied")
    text: np.ndarray = column("str", required=False)


@dataclass(frozen=True, eq=False, repr=False)
class ScoreTable(Table):
    """The 6-dimension white-box scores per character (one row per dimension) with the FER tier."""

    RECORD: ClassVar[str] = "scores"
    character: np.ndarray = column("str")
    dimension: np.ndarray = column("str", doc="key, e.g. expression_text")
    score: np.ndarray = column("f8", doc="0..10, NaN = no data")
    weight: np.ndarray = column("f8")
    name: np.ndarray = column("str", required=False)
    base_weight: np.ndarray = column("f8", required=False)
    n: np.ndarray = column("i8", required=False)
    detail: np.ndarray = column("str", required=False)
    fer_tier: np.ndarray = column("str", required=False)
    total: np.ndarray = column("f8", required=False, doc="the character's weighted total (repeated per row)")
    lines: np.ndarray = column("i8", required=False)
