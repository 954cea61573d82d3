"""The cognition algorithms' results as core records, and back.

Stages exchange the validated tables of :mod:`reelmind.core.records.cognition`; the algorithms
work on the small dataclasses of :mod:`reelmind.cognition.types`. Every conversion between the
two lives here, one pair per result, so a record written by one stage reads back into exactly
what the next stage's algorithm expects (round trips are tested).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from reelmind.core.records import (ArcTable, ConsolidationTable, HotspotTable, SocialEdgeTable, TransitionTable,
                                   TrendTable)

from .types import Arc, CharacterConsolidation, Hotspot, ShiftPattern, Transition, TrendPoint, TurningPoint


def check_inputs(stage: str, inputs: dict, kinds: dict[str, type], optional: tuple[str, ...] = ()) -> list:
    """The stage's inputs in ``kinds`` order, each checked to be its record type (an optional one may be absent)."""
    from reelmind.core.errors import RecordError

    out = []
    for name, kind in kinds.items():
        value = inputs.get(name)
        if not isinstance(value, kind) and not (value is None and name in optional):
            raise RecordError(f"{stage} inputs", name, kind.__name__, type(value).__name__)
        out.append(value)
    return out


def _col(items: Sequence, name: str, dtype=None) -> np.ndarray:
    return np.asarray([getattr(x, name) for x in items], dtype=dtype)


def _str(items: Sequence, name: str) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = [str(getattr(x, name)) for x in items]
    return out


# ----------------------------------------------------------------------------- transitions
_T_FLOATS = ("time", "prev_time", "distance", "d_valence", "d_arousal", "stability", "surprise", "surprise_rank")
_T_STRS = ("character", "type", "from_emotion", "to_emotion", "trigger", "rule")


def transitions_table(transitions: Sequence[Transition], rows: Sequence[int] | None = None, meta: dict | None = None) -> TransitionTable:
    """Transitions (in the given order) as a TransitionTable; ``rows`` = dataset row of each target moment."""
    cols = {k: _str(transitions, k) for k in _T_STRS}
    cols.update({k: _col(transitions, k, np.float64) for k in _T_FLOATS})
    cols.update(index=_col(transitions, "index", np.int64), scene=_col(transitions, "scene", np.int64),
                scene_cut=_col(transitions, "scene_cut", bool))
    if rows is not None:
        cols["row"] = np.asarray(rows, dtype=np.int64)
    return TransitionTable(**cols, meta=dict(meta or {}))


def transitions_from(table: TransitionTable) -> list[Transition]:
    """The TransitionTable's rows as :class:`Transition` (row order kept)."""
    c = table.columns()
    out = []
    for i in range(len(table)):
        out.append(Transition(
            character=str(c["character"][i]), index=int(c["index"][i]), time=float(c["time"][i]),
            prev_time=float(c["prev_time"][i]), from_emotion=str(c["from_emotion"][i]), to_emotion=str(c["to_emotion"][i]),
            type=str(c["type"][i]), distance=float(c["distance"][i]), d_valence=float(c["d_valence"][i]),
            d_arousal=float(c["d_arousal"][i]), stability=float(c["stability"][i]), surprise=float(c["surprise"][i]),
            surprise_rank=float(c["surprise_rank"][i]), trigger=str(c["trigger"][i]), scene=int(c["scene"][i]),
            scene_cut=bool(c["scene_cut"][i]), rule=str(c["rule"][i])))
    return out


# ----------------------------------------------------------------------------- trends
_P_FLOATS = ("time", "volatility", "threshold", "slope", "social_pressure")


def trends_table(points: Sequence[TrendPoint], meta: dict | None = None) -> TrendTable:
    cols = {k: _col(points, k, np.float64) for k in _P_FLOATS}
    return TrendTable(character=_str(points, "character"), index=_col(points, "index", np.int64), trend=_str(points, "trend"),
                      window=_col(points, "window", np.int64), **cols, meta=dict(meta or {}))


def trends_from(table: TrendTable) -> list[TrendPoint]:
    c = table.columns()
    return [TrendPoint(character=str(c["character"][i]), index=int(c["index"][i]), time=float(c["time"][i]),
                       trend=str(c["trend"][i]), volatility=float(c["volatility"][i]), threshold=float(c["threshold"][i]),
                       slope=float(c["slope"][i]), social_pressure=float(c["social_pressure"][i]), window=int(c["window"][i]))
            for i in range(len(table))]


# ----------------------------------------------------------------------------- arcs
def arcs_table(arcs: Sequence[Arc], meta: dict | None = None) -> ArcTable:
    tp = lambda a, k: tuple(getattr(p, k) for p in a.turning_points)  # noqa: E731
    lists = {f"tp_{k}": [tp(a, k) for a in arcs] for k in ("time", "index", "valence", "kind", "change")}
    return ArcTable(character=_str(arcs, "character"), arc_class=_str(arcs, "arc_class"), rule=_str(arcs, "rule"),
                    n=_col(arcs, "n", np.int64), **{k: _col(arcs, k, np.float64) for k in
                                                    ("start_valence", "end_valence", "min_valence", "max_valence")},
                    **lists, meta=dict(meta or {}))


def arcs_from(table: ArcTable) -> list[Arc]:
    c = table.columns()
    out = []
    for i in range(len(table)):
        points = tuple(TurningPoint(time=float(t), index=int(k), valence=float(v), kind=str(kind), change=float(ch))
                       for t, k, v, kind, ch in zip(c["tp_time"][i], c["tp_index"][i], c["tp_valence"][i], c["tp_kind"][i],
                                                    c["tp_change"][i]))
        out.append(Arc(character=str(c["character"][i]), arc_class=str(c["arc_class"][i]), rule=str(c["rule"][i]),
                       n=int(c["n"][i]), start_valence=float(c["start_valence"][i]), end_valence=float(c["end_valence"][i]),
                       min_valence=float(c["min_valence"][i]), max_valence=float(c["max_valence"][i]), turning_points=points))
    return out


# ----------------------------------------------------------------------------- consolidation
def hotspots_table(cons: Sequence[CharacterConsolidation], meta: dict | None = None) -> HotspotTable:
    spots = [h for c in cons for h in c.hotspots]
    return HotspotTable(character=_str(spots, "character"), start=_col(spots, "start", np.float64),
                        end=_col(spots, "end", np.float64), shifts=_col(spots, "shifts", np.int64),
                        patterns=[tuple(h.patterns) for h in spots], memory_id=_str(spots, "memory_id"),
                        summary=_str(spots, "summary"), meta=dict(meta or {}))


def consolidation_table(cons: Sequence[CharacterConsolidation], meta: dict | None = None) -> ConsolidationTable:
    return ConsolidationTable(
        character=_str(cons, "character"), transitions=_col(cons, "transitions", np.int64), sudden=_col(cons, "sudden", np.int64),
        sudden_ratio=_col(cons, "sudden_ratio", np.float64), mean_stability=_col(cons, "mean_stability", np.float64),
        top_pattern=_str(cons, "top_pattern"), patterns=[tuple(p.pattern for p in c.patterns) for c in cons],
        pattern_counts=[tuple(p.count for p in c.patterns) for c in cons], summary=_str(cons, "summary"),
        llm_summary=_str(cons, "llm_summary"), meta=dict(meta or {}))


def consolidation_from(table: ConsolidationTable, hotspots: HotspotTable | None = None) -> list[CharacterConsolidation]:
    """Per-character consolidation with its hotspots (shift times are not kept in the records)."""
    spots: dict[str, list[Hotspot]] = {}
    if hotspots is not None:
        h = hotspots.columns()
        for i in range(len(hotspots)):
            c = str(h["character"][i])
            spots.setdefault(c, []).append(Hotspot(character=c, start=float(h["start"][i]), end=float(h["end"][i]),
                                                   shifts=int(h["shifts"][i]), patterns=tuple(h["patterns"][i]),
                                                   memory_id=str(h["memory_id"][i]), summary=str(h["summary"][i])))
    c = table.columns()
    out = []
    for i in range(len(table)):
        name = str(c["character"][i])
        pats = []
        for p, k in zip(c["patterns"][i], c["pattern_counts"][i]):
            a, _, b = p.partition(" → ")
            pats.append(ShiftPattern(character=name, pattern=p, from_emotion=a, to_emotion=b, count=int(k), times=()))
        ms = float(c["mean_stability"][i])
        out.append(CharacterConsolidation(
            character=name, transitions=int(c["transitions"][i]), sudden=int(c["sudden"][i]),
            sudden_ratio=float(c["sudden_ratio"][i]), mean_stability=ms if math.isfinite(ms) else math.nan,
            top_pattern=str(c["top_pattern"][i]), patterns=tuple(pats), hotspots=tuple(spots.get(name, [])),
            summary=str(c["summary"][i]), llm_summary=str(c["llm_summary"][i])))
    return out


# ----------------------------------------------------------------------------- social
def pair_memories_from(edges: SocialEdgeTable) -> list:
    """Directed interaction memories (:class:`reelmind.cognition.influence.PairMemory`) of a social table."""
    from .influence import PairMemory

    c = edges.columns()
    out = []
    for i in range(len(edges)):
        events = {}
        for e in c["events"][i]:
            name, _, k = e.rpartition(":")
            events[name] = int(k)
        out.append(PairMemory(str(c["source"][i]), str(c["target"][i]), int(c["positive"][i]), int(c["negative"][i]),
                              int(c["neutral"][i]), float(c["impact"][i]), events))
    return out
