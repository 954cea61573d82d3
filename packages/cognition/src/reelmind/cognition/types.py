"""In-memory results of the cognition algorithms (frozen dataclasses of plain Python values).

The algorithms (state machine, arcs, consolidation, reflection, ...) work on these; stages turn
them into the validated records of :mod:`reelmind.core.records.cognition` and back with
:mod:`reelmind.cognition.tables`. Times are seconds from the start of the film; valence is
-1..1, arousal and dominance 0..1.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from reelmind.core.records import ARC_CLASSES, MEMORY_TIERS, TRANSITION_TYPES, TRENDS  # noqa: F401  (re-exported)


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


@dataclass(frozen=True)
class ChannelWeights:
    """Content-adaptive weights of the text / face (FER) / voice (SER) channels, with the why."""

    text: float
    face: float
    voice: float
    fer_tier: str  # "reliable" | "partial" | "degraded" | "absent"
    ser_enabled: bool
    rule: str  # the rule that chose them, in words
    measured: dict[str, float] = field(default_factory=dict)  # fer_neutral_ratio, fer_mean_conf, ser_arousal_range, ...


@dataclass(frozen=True)
class Transition:
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
class TrendPoint:
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
class TurningPoint:
    time: float
    index: int
    valence: float  # smoothed valence at the turning point
    kind: str  # "peak" | "valley"
    change: float  # |valence change| to the previous turning point / start


@dataclass(frozen=True)
class Arc:
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
class ShiftPattern:
    """Sudden shifts of one character clustered by pattern, e.g. ``"neutral → angry"``."""

    character: str
    pattern: str
    from_emotion: str
    to_emotion: str
    count: int
    times: tuple[float, ...]


@dataclass(frozen=True)
class Hotspot:
    """A trauma hotspot: >= 3 sudden shifts of one character within a 60 s window."""

    character: str
    start: float
    end: float
    shifts: int
    patterns: tuple[str, ...]
    memory_id: str  # the LTM memory it was written to ("" when memory is off)
    summary: str  # template text built from the data


@dataclass(frozen=True)
class CharacterConsolidation:
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


#: Section titles of the character evolution narrative.
EVOLUTION_SECTIONS: tuple[str, ...] = ("opening", "turning_points", "patterns", "relationships", "closing")


@dataclass(frozen=True)
class Evolution:
    """The 5-section character evolution narrative (template by default)."""

    character: str
    sections: dict[str, str]  # EVOLUTION_SECTIONS -> text
    source: dict[str, str]  # section -> "template" | "llm"
    guard: tuple[str, ...] = ()  # hallucination-guard reports (rejected names, empty sections)
