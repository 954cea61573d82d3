"""The ``moments`` stage: fused dataset -> moments, transitions, arcs, moods, short-term trends.

1. bridge: one moment per utterance with content-adaptive channel weights (:mod:`.bridge`);
2. arcs (smoothing, turning points, class) and mid-term mood per character;
3. LSTM surprise (trained on the film with a fixed seed, or loaded from ``lstm.weights``);
4. the emotion state machine with the LSTM surprise, run twice: the OCEAN neuroticism of the first
   pass lowers each character's stability baseline in the second (``ocean_neuroticism``);
5. short-term memory trends (window of the last 5 moments, social pressure from listeners/conflict).

Deterministic: the same dataset and options give identical tables. The trained LSTM's weights
travel in ``moments.meta["lstm"]["safetensors"]`` (base64) and are published as
``OUT/lstm.safetensors``.
"""

from __future__ import annotations

import base64
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reelmind.core.provenance import provenance
from reelmind.core.records import DatasetTable, MoodTable
from reelmind.core.stage import ModelRef, RunContext, Stage, file_option

from . import arcs as arcs_mod
from . import consolidator, short_term, state_machine
from .bridge import BridgeOptions, bridge
from .mood import MoodOptions, track_mood
from .surprise_lstm import LSTMOptions, percentile_rank
from .tables import arcs_table, check_inputs, transitions_table, trends_table
from .types import Transition, TrendPoint, to_jsonable

log = logging.getLogger("reelmind.cognition.moments")

OUTPUTS = ("moments", "transitions", "arcs", "moods", "trends")


@dataclass(frozen=True)
class MomentsOptions:
    bridge: BridgeOptions = field(default_factory=BridgeOptions)
    fer_csv: str | None = file_option(None)  # the seed's FER CSV (all detections): measures FER quality for the weights
    arcs: arcs_mod.ArcOptions = field(default_factory=arcs_mod.ArcOptions)
    mood: MoodOptions = field(default_factory=MoodOptions)
    lstm: LSTMOptions = field(default_factory=LSTMOptions)
    state_machine: state_machine.StateMachineOptions = field(default_factory=state_machine.StateMachineOptions)
    short_term: short_term.ShortTermOptions = field(default_factory=short_term.ShortTermOptions)
    neuroticism: dict[str, float] = field(default_factory=dict)  # character -> OCEAN N (0..1), overrides the inferred one
    ocean_neuroticism: bool = True  # infer N per character (first pass) and rerun the state machine with it
    hotspots: consolidator.ConsolidatorOptions = field(default_factory=consolidator.ConsolidatorOptions)  # for that N


def _lstm_surprise(perceived_v, perceived_a, rows: dict[str, np.ndarray], options: LSTMOptions,
                   prog: Callable[[float, str], None]) -> tuple[np.ndarray, dict[str, Any]]:
    """Per-moment surprise and what made it (source, loss, digest, safetensors weights)."""
    from . import surprise_lstm as sl

    n = len(perceived_v)
    surprise = np.full(n, np.nan)
    info: dict[str, Any] = {"enabled": options.enabled}
    if not options.enabled or not n:
        return surprise, info
    names = sorted(rows)
    seqs = {k: np.c_[perceived_v[rows[k]], perceived_a[rows[k]]] for k in names}
    if options.weights:
        model, loss = sl.load(options.weights, options), math.nan
        info["source"] = "loaded"
    else:
        model, loss = sl.train([seqs[k] for k in names], options, lambda f, m: prog(0.1 + 0.5 * f, m))
        info["source"] = "trained on this film"
    for k in names:
        surprise[rows[k]] = sl.surprise(model, seqs[k], options.seed)
    info.update(final_loss=None if math.isnan(loss) else round(loss, 8), weights_sha256=sl.weights_digest(model),
                hidden=options.hidden, layers=options.layers, epochs=options.epochs, seed=options.seed,
                safetensors=base64.b64encode(sl.state_bytes(model)).decode("ascii"))
    return surprise, info


def analyse_moments(ds: DatasetTable, options: MomentsOptions = MomentsOptions(),
                    progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """The moments stage on one film: ``{moments, transitions, arcs, moods, trends}`` tables."""
    prog = progress or (lambda f, m: None)
    prog(0.0, "bridge")
    faces = None
    if options.fer_csv:
        from .bridge import read_fer_csv

        faces = read_fer_csv(options.fer_csv)
    table, weights = bridge(ds, options.bridge, faces)
    n = len(table)
    src = table.row
    n_listeners = np.array([sum(1 for x in ds.listener[i] if x.strip()) for i in src], dtype=np.int64)
    conflict = ds.conflict[src].astype(bool) if n else np.zeros(0, bool)
    rows = {c: np.flatnonzero(table.character == c) for c in sorted(set(table.character))}
    names = sorted(rows)
    times = table.time.astype(np.float64)
    val = table.valence.astype(np.float64)
    aro = table.arousal.astype(np.float64)
    emo = np.asarray(table.emotion, dtype=object)

    prog(0.05, "arcs and mood")
    smoothed = np.zeros(n)
    mood = {k: np.zeros(n) for k in ("mood_valence", "mood_arousal", "perceived_valence", "perceived_arousal")}
    arcs = []
    for name in names:
        r = rows[name]
        arc, s = arcs_mod.emotion_arc(name, times[r], val[r], options.arcs)
        arcs.append(arc)
        smoothed[r] = s
        for k, v in track_mood(times[r], val[r], aro[r], options.mood).items():
            mood[k][r] = v
    pv, pa = mood["perceived_valence"], mood["perceived_arousal"]

    surprise, lstm_info = _lstm_surprise(pv, pa, rows, options.lstm, prog)
    rank = percentile_rank(surprise)

    prog(0.62, "state machine")
    smo = options.state_machine
    triggers = state_machine.find_triggers(np.asarray(table.character, dtype=object), times, val, aro, conflict, smo)
    pressure = np.array([short_term.social_pressure(int(k), bool(c)) for k, c in zip(n_listeners, conflict)])

    def machine(name: str, neuro: float) -> list[Transition]:
        r = rows[name]
        return state_machine.character_transitions(name, times[r], pv[r], pa[r], emo[r], table.scene[r], triggers[r],
                                                   surprise[r], rank[r], neuro, smo)

    n_used = {name: float(options.neuroticism.get(name, state_machine.DEFAULT_NEUROTICISM)) for name in names}
    by_char = {name: machine(name, n_used[name]) for name in names}
    if options.ocean_neuroticism:  # second pass: OCEAN N inferred from the first lowers the stability baseline
        from .ocean import neuroticism as ocean_neuroticism

        for name in names:
            if name not in options.neuroticism and by_char[name]:
                spots = len(consolidator.hotspots(name, by_char[name], options.hotspots))
                n_used[name] = round(float(ocean_neuroticism(by_char[name], spots).value), 6)
                by_char[name] = machine(name, n_used[name])
    transitions: list[Transition] = []
    t_rows: list[int] = []
    trends: list[TrendPoint] = []
    for name in names:
        r = rows[name]
        transitions.extend(by_char[name])
        t_rows.extend(int(src[r[t.index]]) for t in by_char[name])
        trends.extend(short_term.character_trends(name, times[r], pv[r], pressure[r], options.short_term))

    prog(0.9, "records")
    meta = provenance("moments", options, models(options), dists=("torch", "numba", "safetensors"))
    moments = table.with_columns(smoothed_valence=smoothed, surprise=surprise, surprise_rank=rank,
                                 trigger=np.asarray([str(t) for t in triggers], dtype=object),
                                 meta={**meta, "channel_weights": to_jsonable(weights), "lstm": lstm_info,
                                       "neuroticism": dict(sorted(n_used.items()))})
    moods = MoodTable(character=table.character, time=table.time, row=table.row, meta=meta,
                      **{k: v for k, v in mood.items()})
    out = {
        "moments": moments,
        "transitions": transitions_table(transitions, t_rows, meta=meta),
        "arcs": arcs_table(arcs, meta=meta),
        "moods": moods,
        "trends": trends_table(trends, meta=meta),
    }
    log.info("moments: %d moments of %d characters, %d transitions (%s)", n, len(names), len(transitions),
             lstm_info.get("source", "LSTM off"))
    prog(1.0, "done")
    return out


# ----------------------------------------------------------------------------- stage
def models(options: MomentsOptions) -> list[ModelRef]:
    """Loaded LSTM weights key the cache (a trained LSTM is a function of the inputs)."""
    if options.lstm.enabled and options.lstm.weights:
        return [ModelRef("lstm_weights", Path(options.lstm.weights))]
    return []


def setup(options: MomentsOptions, profile: Any):
    """Imports torch (the LSTM) and loads the compiled window kernel once per process; the runner
    analyses one film."""
    if options.lstm.enabled:
        from .surprise_lstm import require_torch

        require_torch()
    short_term.prepare(options.short_term.backend)

    def runner(inputs: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
        (ds,) = check_inputs("moments", inputs, {"dataset": DatasetTable})
        return analyse_moments(ds, options, ctx.progress)

    return runner


def publish(outputs: dict[str, Any], options: MomentsOptions, out: Path) -> list[Path]:
    """``lstm.safetensors``: the LSTM weights this run used (option ``lstm.weights`` loads them)."""
    from reelmind.core.atomic import write_bytes

    state = outputs["moments"].meta.get("lstm", {}).get("safetensors")
    return [write_bytes(Path(out) / "lstm.safetensors", base64.b64decode(state))] if state else []


def check() -> list[str]:
    """Torch is needed for the LSTM surprise (``lstm.enabled: false`` runs without it)."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return ["torch is not installed, needed for the LSTM surprise — fix: pip install torch==2.13.0 "
                "(or set stages.moments.lstm.enabled: false)"]
    return []


STAGE = Stage(
    name="moments",
    inputs=("dataset",),
    outputs=OUTPUTS,
    options_type=MomentsOptions,
    setup=setup,
    publish=publish,
    check=check,
    models=models,
    description="bridge (content-adaptive channel weights), emotion arcs, mood, transition state machine with "
                "LSTM surprise and OCEAN-neuroticism second pass, short-term memory trends",
)
