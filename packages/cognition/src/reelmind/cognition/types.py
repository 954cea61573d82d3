"""Typed results of the cognition analysis (issue 6), consumed by OCEAN / Dunbar / scoring / reports.

Everything is a frozen dataclass of plain Python values so it serialises to sorted-key JSON
with :func:`to_jsonable` and reads back with the ``from_dict`` class methods. Times are
seconds from the start of the film; valence is -1..1, arousal and dominance 0..1.

The analysis folder written by :mod:`reelmind.cognition.analysis` holds these as
``transitions.parquet`` (one row per :class:`Transition`), ``stm.parquet`` (one row per
:class:`TrendPoint`), ``arcs.json``, ``memory_stats.json``, ``consolidation.json``,
``scenes.json``, ``character_scenes.json``, ``reflection.json`` and ``channel_weights.json``
(plus ``scene_analysis.parquet``, ``moments.parquet``, ``memories.parquet``, ``lstm.pt``, ``meta.json``); read them all back with
:func:`reelmind.cognition.analysis.load_analysis`.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any

#: Transition types of the emotion state machine, from calm to abrupt.
TRANSITION_TYPES: tuple[str, ...] = ("NATURAL", "GRADUAL", "TRIGGERED", "SUDDEN")
#: Short-term memory trends.
TRENDS: tuple[str, ...] = ("IMPROVING", "DECLINING", "STABLE", "VOLATILE")
#: Emotion arc classes.
ARC_CLASSES: tuple[str, ...] = ("RISING", "FALLING", "PEAK", "VALLEY", "W_SHAPE", "FLAT", "VOLATILE")
#: Memory tiers, in promotion order ("archived" = an STM memory closed at a scene boundary).
MEMORY_TIERS: tuple[str, ...] = ("stm", "archived", "candidate", "ltm")


def to_jsonable(obj: Any) -> Any:
    """Dataclasses (nested), tuples and dicts as JSON-able values (dict keys sorted on dump)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # NumPy scalar
        return obj.item()
    return obj


def _convert(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp) and isinstance(value, dict):
        return tp.from_dict(value)
    if origin is tuple and isinstance(value, (list, tuple)):
        args = typing.get_args(tp)
        inner = args[0] if args else Any
        return tuple(_convert(inner, v) for v in value)
    return value


class _FromDict:
    """``from_dict``: the inverse of :func:`to_jsonable` (lists back to tuples, nested records rebuilt)."""

    @classmethod
    def from_dict(cls, data: dict) -> Any:
        hints = typing.get_type_hints(cls)
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: _convert(hints[k], v) for k, v in data.items() if k in names})


@dataclass(frozen=True)
class ChannelWeights(_FromDict):
    """Content-adaptive weights of the text / face (FER) / voice (SER) channels, with the why."""

    text: float
    face: float
    voice: float
    fer_tier: str  # "reliable" | "partial" | "degraded" | "absent"
    ser_enabled: bool
    rule: str  # the rule that chose them, in words
    measured: dict[str, float] = field(default_factory=dict)  # fer_neutral_ratio, fer_mean_conf, ser_arousal_range, ...



@dataclass(frozen=True)
class CharacterScene(_FromDict):
    """One character in one scene (the seed's SceneAnalysis): fused emotion summary of its moments."""

    character: str
    scene: int
    start: float  # first moment
    end: float  # last moment
    moments: int
    mean_valence: float
    mean_arousal: float
    dominant_emotion: str
    emotions: dict[str, int]  # emotion -> count


@dataclass(frozen=True)
class SceneBoundary(_FromDict):
    """A scene cut: a gap > ``gap_s`` between consecutive utterances of the film."""

    scene: int  # index of the scene that starts here
    time: float  # start of the new scene
    gap_s: float  # silence before it
    archived: int = 0  # STM memories archived at this boundary
    preserved: int = 0  # of which high-arousal ones kept (promoted to candidate)



@dataclass(frozen=True)
class Transition(_FromDict):
    """One step of a character's emotion state machine (row ``index`` -> ``index+1`` of that character)."""

    character: str
    index: int  # position of the *target* moment in the character's sequence
    time: float  # time of the target moment
    prev_time: float
    from_emotion: str
    to_emotion: str
    type: str  # one of TRANSITION_TYPES
    distance: float  # Euclidean distance in (valence, arousal)
    d_valence: float
    d_arousal: float
    stability: float  # 0..1, lowered by neuroticism and by distance
    surprise: float  # LSTM prediction error (MSE) of this moment; NaN when the LSTM is off
    surprise_rank: float  # percentile of ``surprise`` within the film, 0..1 (NaN when off)
    trigger: str  # what triggered it ("" if none): "speaker:NAME", "conflict", "listener:NAME"
    scene: int
    scene_cut: bool  # crosses a scene boundary (excluded from transition scoring)
    rule: str  # the rule that decided ``type``



@dataclass(frozen=True)
class TrendPoint(_FromDict):
    """Short-term memory state of a character after one moment (window of the last 5)."""

    character: str
    index: int
    time: float
    trend: str  # one of TRENDS
    volatility: float  # std of the window's valences
    threshold: float  # volatility threshold after social pressure
    slope: float  # valence per step over the window
    social_pressure: float  # 0..1
    window: int  # number of moments in the window (<= 5)



@dataclass(frozen=True)
class TurningPoint(_FromDict):
    time: float
    index: int
    valence: float  # smoothed valence at the turning point
    kind: str  # "peak" | "valley"
    change: float  # |valence change| to the previous turning point / start



@dataclass(frozen=True)
class Arc(_FromDict):
    """A character's emotion arc: class, the rule that decided it, and its turning points."""

    character: str
    arc_class: str  # one of ARC_CLASSES
    rule: str
    n: int
    start_valence: float
    end_valence: float
    min_valence: float
    max_valence: float
    turning_points: tuple[TurningPoint, ...] = ()



@dataclass(frozen=True)
class ShiftPattern(_FromDict):
    """Sudden shifts of one character clustered by pattern, e.g. ``"neutral → angry"``."""

    character: str
    pattern: str
    from_emotion: str
    to_emotion: str
    count: int
    times: tuple[float, ...]



@dataclass(frozen=True)
class Hotspot(_FromDict):
    """A trauma hotspot: >= 3 sudden shifts of one character within a 60 s window."""

    character: str
    start: float
    end: float
    shifts: int
    patterns: tuple[str, ...]
    memory_id: str  # the LTM memory it was written to ("" when memory is off)
    summary: str  # template text built from the data



@dataclass(frozen=True)
class CharacterConsolidation(_FromDict):
    """Per-character consolidation: sudden-shift patterns, hotspots and summary."""

    character: str
    transitions: int
    sudden: int
    sudden_ratio: float
    mean_stability: float
    top_pattern: str
    patterns: tuple[ShiftPattern, ...]
    hotspots: tuple[Hotspot, ...]
    summary: str
    llm_summary: str = ""  # LLM prose (clearly marked as such), empty when no LLM



@dataclass(frozen=True)
class MemoryStats(_FromDict):
    """Counts of the memory store after the analysis (per tier, per character, per kind)."""

    total: int
    by_tier: dict[str, int]
    by_kind: dict[str, int]
    by_character: dict[str, dict[str, int]]  # character -> tier -> count
    promoted: int  # candidate -> ltm promotions (refs >= 2)
    preserved_high_arousal: int
    scene_boundaries: int
    backend: str  # "persistent" | "http" | "off"



@dataclass(frozen=True)
class Insight(_FromDict):
    """A Generative-Agents-style insight: a statement with the memories it rests on."""

    character: str
    text: str
    evidence: tuple[str, ...]  # memory ids
    source: str = "template"  # "template" | "llm"



#: Section titles of the character evolution narrative.
EVOLUTION_SECTIONS: tuple[str, ...] = ("opening", "turning_points", "patterns", "relationships", "closing")


@dataclass(frozen=True)
class Evolution(_FromDict):
    """The 5-section character evolution narrative (template by default)."""

    character: str
    sections: dict[str, str]  # EVOLUTION_SECTIONS -> text
    source: dict[str, str]  # section -> "template" | "llm"
    guard: tuple[str, ...] = ()  # hallucination-guard reports (rejected names, empty sections)

