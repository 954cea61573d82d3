"""Emotion state machine: each step of a character is NATURAL, GRADUAL, TRIGGERED or SUDDEN.

With ``d`` the Euclidean step in (valence, arousal) and thresholds scaled by the character's
stability baseline (``1 - 0.5 * neuroticism``, so high neuroticism lowers them):

* NATURAL   ``d < natural_max`` and the emotion label is unchanged;
* GRADUAL   ``d < sudden_min`` (or a small step that changes the label), unless the LSTM found
  the moment highly surprising (``surprise_rank >= surprise_rank_sudden``) with no trigger;
* TRIGGERED ``d >= sudden_min`` and a trigger precedes the moment (a salient line of another
  character within ``trigger_window_s``, or a multimodal conflict at the moment);
* SUDDEN    ``d >= sudden_min`` with no trigger, or a surprising untriggered step as above.

``stability = baseline * exp(-d / stability_scale)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .types import Transition

DEFAULT_NEUROTICISM = 0.5


@dataclass(frozen=True)
class StateMachineOptions:
    natural_max: float = 0.25  # at the default stability baseline
    sudden_min: float = 0.6  # at the default stability baseline
    surprise_rank_sudden: float = 0.95  # an untriggered step this surprising (percentile) is SUDDEN
    stability_scale: float = 0.5
    trigger_window_s: float = 10.0
    trigger_arousal: float = 0.6  # another character's line is salient at arousal >= this
    trigger_valence: float = 0.4  # ... or |valence| >= this


def stability_baseline(neuroticism: float) -> float:
    """High neuroticism lowers the stability baseline (N=0 -> 1.0, N=0.5 -> 0.75, N=1 -> 0.5)."""
    n = min(max(float(neuroticism), 0.0), 1.0)
    return 1.0 - 0.5 * n


def classify_step(d: float, same_label: bool, trigger: str, surprise_rank: float, neuroticism: float,
                  options: StateMachineOptions = StateMachineOptions()) -> tuple[str, str]:
    """(transition type, rule) of one step."""
    f = stability_baseline(neuroticism) / stability_baseline(DEFAULT_NEUROTICISM)
    nat, sud = options.natural_max * f, options.sudden_min * f
    surprising = math.isfinite(surprise_rank) and surprise_rank >= options.surprise_rank_sudden
    if d >= sud:
        if trigger:
            return "TRIGGERED", f"d={d:.3f} >= {sud:.3f} after trigger {trigger}"
        return "SUDDEN", f"d={d:.3f} >= {sud:.3f} with no trigger"
    if d < nat and same_label:
        return "NATURAL", f"d={d:.3f} < {nat:.3f}, same emotion"
    if surprising and not trigger:
        return "SUDDEN", f"d={d:.3f} < {sud:.3f} but LSTM surprise rank {surprise_rank:.3f} >= {options.surprise_rank_sudden} with no trigger"
    if d < nat:
        return "GRADUAL", f"d={d:.3f} < {nat:.3f}, emotion changed"
    return "GRADUAL", f"{nat:.3f} <= d={d:.3f} < {sud:.3f}"


def find_triggers(char: np.ndarray, times: np.ndarray, valence: np.ndarray, arousal: np.ndarray, conflict: np.ndarray,
                  options: StateMachineOptions = StateMachineOptions()) -> np.ndarray:
    """Per moment (rows sorted by time): what triggered it, "" if nothing did.

    A trigger is the latest salient line of another character since this character's previous
    moment and within ``trigger_window_s``; else ``"conflict"`` when the moment is a conflict.
    """
    n = len(times)
    out = np.full(n, "", dtype=object)
    last_time: dict[str, float] = {}
    salient = (arousal >= options.trigger_arousal) | (np.abs(valence) >= options.trigger_valence)
    sal_idx = np.flatnonzero(salient)
    sal_times = times[sal_idx]
    for i in range(n):
        c, t = char[i], times[i]
        lo = max(last_time.get(c, -math.inf), t - options.trigger_window_s)
        a = np.searchsorted(sal_times, lo, side="right")
        b = np.searchsorted(sal_times, t, side="left")
        for j in sal_idx[a:b][::-1]:
            if char[j] != c:
                out[i] = f"speaker:{char[j]}"
                break
        if not out[i] and conflict[i]:
            out[i] = "conflict"
        last_time[c] = t
    return out


def character_transitions(character: str, times: np.ndarray, valence: np.ndarray, arousal: np.ndarray,
                          emotion: np.ndarray, scenes: np.ndarray, triggers: np.ndarray, surprise: np.ndarray,
                          surprise_rank: np.ndarray, neuroticism: float = DEFAULT_NEUROTICISM,
                          options: StateMachineOptions = StateMachineOptions()) -> list[Transition]:
    """Transitions of one character's time-ordered moments (one per step, n-1 in all)."""
    base = stability_baseline(neuroticism)
    out = []
    for i in range(1, len(times)):
        dv = float(valence[i] - valence[i - 1])
        da = float(arousal[i] - arousal[i - 1])
        d = math.hypot(dv, da)
        kind, rule = classify_step(d, emotion[i] == emotion[i - 1], str(triggers[i]), float(surprise_rank[i]), neuroticism, options)
        out.append(Transition(
            character=character, index=i, time=float(times[i]), prev_time=float(times[i - 1]),
            from_emotion=str(emotion[i - 1]), to_emotion=str(emotion[i]), type=kind,
            distance=round(d, 6), d_valence=round(dv, 6), d_arousal=round(da, 6),
            stability=round(base * math.exp(-d / options.stability_scale), 6),
            surprise=round(float(surprise[i]), 8) if math.isfinite(surprise[i]) else math.nan,
            surprise_rank=round(float(surprise_rank[i]), 6) if math.isfinite(surprise_rank[i]) else math.nan,
            trigger=str(triggers[i]), scene=int(scenes[i]), scene_cut=bool(scenes[i] != scenes[i - 1]), rule=rule,
        ))
    return out
