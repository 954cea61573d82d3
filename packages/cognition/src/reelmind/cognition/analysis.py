"""The cognition analysis (issue 6): bridge -> arcs, mood, state machine + LSTM surprise, short-term
memory -> memory tiers in ChromaDB -> consolidation and reflection, written to one folder.

Everything that decides is deterministic; the same dataset and options give byte-identical
files (``DETERMINISTIC_FILES``). The ChromaDB store (``memory/`` by default) is written last
with idempotent upserts, so a killed run resumes by running again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from reelmind.core import DatasetTable, SceneAnalysisTable
from reelmind.core.atomic import atomic_path, write_bytes, write_json
from reelmind.core.stage import options_dict

from . import arcs as arcs_mod
from . import consolidator, reflection, short_term, state_machine
from .bridge import BridgeOptions, bridge, source_rows
from reelmind.core.llm import LLMOptions, make_client
from .memory_store import Memory, MemoryIndex, MemoryStore, StoreConfig, finite_or, memory_id
from .mood import MoodOptions, track_mood
from .surprise_lstm import percentile_rank
from .types import (Arc, ChannelWeights, CharacterConsolidation, CharacterScene, Evolution, Insight, MemoryStats, SceneBoundary,
                    Transition, TrendPoint, to_jsonable)

log = logging.getLogger("reelmind.cognition.analysis")

DETERMINISTIC_FILES = ("scene_analysis.parquet", "moments.parquet", "transitions.parquet", "stm.parquet", "arcs.json",
                       "channel_weights.json", "consolidation.json", "scenes.json", "character_scenes.json", "memory_stats.json",
                       "reflection.json", "memories.parquet", "lstm.pt", "meta.json")


@dataclass(frozen=True)
class CognitionOptions:
    # bridge
    scene_gap_s: float = 20.0
    weights: str = "auto"  # auto | old_film | hd
    fer_csv: str | None = None  # the seed's FER CSV (all detections): measures FER quality for the weights
    # arcs and mood
    smoothing_window: int = 5
    turning_threshold: float = 0.3
    mood_tau_s: float = 120.0
    mood_alpha: float = 0.3
    mood_bias: float = 0.2
    # state machine and LSTM surprise
    lstm: bool = True
    lstm_weights: str | None = None  # load instead of training on the film
    lstm_epochs: int = 80
    lstm_hidden: int = 32
    lstm_seed: int = 0
    neuroticism: dict = field(default_factory=dict)  # character -> OCEAN N (0..1), overrides the inferred one
    ocean_neuroticism: bool = True  # infer N per character (OCEAN, first pass) and rerun the state machine with it
    # short-term memory
    stm_window: int = 5
    volatility_threshold: float = 0.25
    # memory store
    memory: bool = True
    memory_dir: str | None = None  # default: <analysis>/memory
    memory_url: str | None = None  # ChromaDB server (HttpClient) instead of a local folder
    memory_collection: str = "reelmind_memories"
    memory_batch: int = 1000
    candidate_rank: float = 0.8  # surprise percentile that makes a moment a candidate
    rehearsal_k: int = 3
    rehearsal_min_sim: float = 0.5
    preserve_arousal: float = 0.7
    embedding_model: str | None = None  # default: the packaged MiniLM
    device: str = "auto"
    # consolidation and reflection
    hotspot_window_s: float = 60.0
    hotspot_min: int = 3
    insight_k: int = 5
    # LLM (off by default)
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    tom_rank: float = 0.95  # transitions this surprising get a theory-of-mind explanation (LLM on)
    tom_max: int = 20


def echo_options(options: CognitionOptions) -> dict:
    d = options_dict(options)
    if d.get("llm_api_key"):
        d["llm_api_key"] = "***"
    return d


def film_id(ds: DatasetTable) -> str:
    """Content hash of the dataset's who/when/what (stable across runs and folders)."""
    h = hashlib.sha1()
    for c, s, d in zip(ds.character, ds.start_time, ds.dialogue):
        h.update(f"{c}\x1f{float(s):.3f}\x1f{d}\x1e".encode())
    return h.hexdigest()[:16]


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("reelmind-core", "reelmind-cognition", "numpy", "pyarrow", "torch", "numba", "chromadb", "sentence-transformers"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = ""
    return out


def _write_parquet(path: Path, table) -> None:
    import pyarrow.parquet as pq

    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def _rows_table(rows: list, cls: type):
    import pyarrow as pa

    names = list(cls.__dataclass_fields__)
    if not rows:
        return pa.table({n: pa.array([], type=pa.string()) for n in names})
    return pa.table({n: [to_jsonable(getattr(r, n)) for r in rows] for n in names})


@dataclass
class _Char:
    """Per-character series (positions into the time-sorted moment table)."""

    name: str
    rows: np.ndarray


def _moment_text(char: str, emotion: str, v: float, a: float, t: float, dialogue: str) -> str:
    m, s = divmod(int(round(t)), 60)
    return f'{char} feels {emotion} (valence {v:+.2f}, arousal {a:.2f}) at {m}:{s:02d}: "{dialogue}"'


def run_analysis(ds: DatasetTable, out_dir: str | Path, options: CognitionOptions = CognitionOptions(),
                 progress: Callable[[float, str], None] | None = None) -> Path:
    """Analyse ``ds`` into ``out_dir`` (created); returns ``out_dir``."""
    prog = progress or (lambda f, m: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fid = film_id(ds)
    llm = make_client(LLMOptions(base_url=options.llm_base_url, model=options.llm_model, api_key=options.llm_api_key))

    # 1. bridge ---------------------------------------------------------------------------
    prog(0.0, "bridge")
    faces = None
    if options.fer_csv:
        from .bridge import read_fer_csv

        faces = read_fer_csv(options.fer_csv)
    table, weights = bridge(ds, BridgeOptions(scene_gap_s=options.scene_gap_s, weights=options.weights), faces)
    src = source_rows(ds)
    n = len(table)
    listeners = [str(ds.listener[i]) for i in src]
    n_listeners = np.array([len([x for x in s.split(";") if x.strip()]) for s in listeners], dtype=np.int64)
    conflict = ds.conflict[src].astype(bool) if n else np.zeros(0, bool)
    chars = {c: _Char(c, np.flatnonzero(table.character == c)) for c in sorted(set(table.character))}
    names = sorted(chars)
    times = table.time.astype(np.float64)
    val = table.valence.astype(np.float64)
    aro = table.arousal.astype(np.float64)
    emo = np.asarray(table.emotion, dtype=object)

    # 2. arcs and mood ---------------------------------------------------------------------
    prog(0.05, "arcs and mood")
    smoothed = np.zeros(n)
    perceived_v, perceived_a = np.zeros(n), np.zeros(n)
    mood_v, mood_a = np.zeros(n), np.zeros(n)
    arcs: list[Arc] = []
    aopt = arcs_mod.ArcOptions(window=options.smoothing_window, threshold=options.turning_threshold)
    mopt = MoodOptions(tau_s=options.mood_tau_s, alpha=options.mood_alpha, bias=options.mood_bias)
    for name in names:
        r = chars[name].rows
        arc, s = arcs_mod.emotion_arc(name, times[r], val[r], aopt)
        arcs.append(arc)
        smoothed[r] = s
        m = track_mood(times[r], val[r], aro[r], mopt)
        perceived_v[r], perceived_a[r] = m["perceived_valence"], m["perceived_arousal"]
        mood_v[r], mood_a[r] = m["mood_valence"], m["mood_arousal"]

    # 3. LSTM surprise ---------------------------------------------------------------------
    surprise = np.full(n, np.nan)
    lstm_info: dict[str, Any] = {"enabled": options.lstm}
    if options.lstm and n:
        from . import surprise_lstm as sl

        lopt = sl.LSTMOptions(hidden=options.lstm_hidden, epochs=options.lstm_epochs, seed=options.lstm_seed)
        seqs = {name: np.c_[perceived_v[chars[name].rows], perceived_a[chars[name].rows]] for name in names}
        if options.lstm_weights:
            model, loss = sl.load(options.lstm_weights, lopt), math.nan
            lstm_info["source"] = "loaded"
        else:
            model, loss = sl.train([seqs[k] for k in names], lopt, lambda f, m: prog(0.1 + 0.2 * f, m))
            lstm_info["source"] = "trained on this film"
        for name in names:
            surprise[chars[name].rows] = sl.surprise(model, seqs[name], options.lstm_seed)
        write_bytes(out / "lstm.pt", sl.state_bytes(model))
        lstm_info.update(final_loss=None if math.isnan(loss) else round(loss, 8), weights_sha256=sl.weights_digest(model),
                         hidden=lopt.hidden, layers=lopt.layers, epochs=lopt.epochs, seed=lopt.seed)
    surprise_rank = percentile_rank(surprise)

    # 4. state machine and short-term memory -------------------------------------------------
    prog(0.32, "state machine")
    smopt = state_machine.StateMachineOptions()
    triggers = state_machine.find_triggers(np.asarray(table.character, dtype=object), times, val, aro, conflict, smopt)
    pressure = np.array([short_term.social_pressure(int(k), bool(c)) for k, c in zip(n_listeners, conflict)])
    stopt = short_term.ShortTermOptions(window=options.stm_window, volatility_threshold=options.volatility_threshold)
    copt = consolidator.ConsolidatorOptions(hotspot_window_s=options.hotspot_window_s, hotspot_min=options.hotspot_min)

    def machine(name: str, neuro: float) -> list[Transition]:
        r = chars[name].rows
        return state_machine.character_transitions(name, times[r], perceived_v[r], perceived_a[r], emo[r], table.scene[r],
                                                   triggers[r], surprise[r], surprise_rank[r], neuro, smopt)

    n_used = {name: float(options.neuroticism.get(name, state_machine.DEFAULT_NEUROTICISM)) for name in names}
    by_char = {name: machine(name, n_used[name]) for name in names}
    if options.ocean_neuroticism:  # second pass: OCEAN N inferred from the first lowers the stability baseline
        from .ocean import neuroticism as ocean_neuroticism

        for name in names:
            if name not in options.neuroticism and by_char[name]:
                spots = len(consolidator.hotspots(name, by_char[name], copt))
                n_used[name] = round(float(ocean_neuroticism(by_char[name], spots).value), 6)
                by_char[name] = machine(name, n_used[name])
    transitions: list[Transition] = []
    trends: list[TrendPoint] = []
    into: dict[int, Transition] = {}  # moment row -> transition ending there
    for name in names:
        r = chars[name].rows
        transitions.extend(by_char[name])
        for t in by_char[name]:
            into[int(r[t.index])] = t
        trends.extend(short_term.character_trends(name, times[r], perceived_v[r], pressure[r], stopt))

    # 5. consolidation -----------------------------------------------------------------------
    prog(0.4, "consolidation")
    cons: dict[str, CharacterConsolidation] = {}
    guard_reports: list[str] = []
    for name in names:
        c = consolidator.consolidate(name, [t for t in transitions if t.character == name], copt)
        if llm is not None:
            text, rep = consolidator.llm_summary(llm, c, names)
            guard_reports.extend(rep)
            c = replace(c, llm_summary=text)
        cons[name] = c

    # 6. memory tiers, rehearsal, scene archival, insights --------------------------------------
    boundaries = reflection.scene_boundaries(ds.start_time.astype(np.float64), ds.end_time.astype(np.float64), options.scene_gap_s)
    mems: list[Memory] = []
    insights: list[Insight] = []
    stats_extra = {"promoted": 0, "preserved": 0}
    memory_rows = np.full(n, "", dtype=object)
    emb = np.zeros((0, 384), np.float32)
    if options.memory and n:
        prog(0.45, "memory embeddings")
        from .embeddings import Embedder

        embedder = Embedder(options.embedding_model, options.device)
        texts = [_moment_text(table.character[i], emo[i], val[i], aro[i], times[i], str(table.dialogue[i])) for i in range(n)]
        emb = embedder.encode(texts)
        mems, boundaries, stats_extra, memory_rows = _build_moment_memories(
            fid, table, texts, emb, into, surprise, surprise_rank, boundaries, options)
        index = MemoryIndex(mems, emb)
        # hotspots go straight to LTM
        extra_mems, extra_texts = [], []
        for name in names:
            spots = []
            for h in cons[name].hotspots:
                mid = memory_id(fid, name, h.start, "hotspot", f"{h.end:.3f}")
                extra_mems.append(Memory(id=mid, film=fid, character=name, time=h.start, kind="hotspot", tier="ltm",
                                         text=h.summary, emotion=h.patterns[-1].split(" ")[-1] if h.patterns else "",
                                         scene=int(_scene_at(table, h.start))))
                extra_texts.append(h.summary)
                spots.append(replace(h, memory_id=mid))
            cons[name] = replace(cons[name], hotspots=tuple(spots))
        # Generative-Agents-style insights (retrieval references the memories)
        prog(0.6, "reflection insights")
        for name in names:
            r = chars[name].rows
            for q, qe in reflection.insight_questions(name, [str(e) for e in emo[r]]):
                qv = embedder.encode([q])[0]
                hits = index.search(qv, options.insight_k, character=name, emotion=qe)
                got = [index.memories[p] for p, _ in hits]
                stats_extra["promoted"] += _reference(index, [p for p, _ in hits])
                text = reflection.insight_text(name, q, qe, got)
                ins = Insight(character=name, text=text, evidence=tuple(m.id for m in got))
                insights.append(ins)
                mid = memory_id(fid, name, float(times[r[-1]]), "insight", q)
                extra_mems.append(Memory(id=mid, film=fid, character=name, time=float(times[r[-1]]), kind="insight",
                                         tier="ltm", text=text, emotion=qe or "", scene=int(table.scene[r[-1]])))
                extra_texts.append(text)
        mems = index.memories + extra_mems
        emb = np.concatenate([emb, embedder.encode(extra_texts)]) if extra_texts else emb
        memory_rows = np.array([index.memories[i].tier for i in range(n)], dtype=object)
    else:
        insights = []

    # 7. evolution narratives and theory of mind -----------------------------------------------
    prog(0.7, "evolution narratives")
    evolutions: list[Evolution] = []
    for name in names:
        r = chars[name].rows
        arc = next(a for a in arcs if a.character == name)
        ch_trends = [t for t in trends if t.character == name]
        lis = [x.strip() for i in r for x in listeners[i].split(";")]
        secs = reflection.evolution_facts(name, times[r], val[r], [str(e) for e in emo[r]], arc, cons[name], ch_trends,
                                          [str(t) for t in triggers[r]], lis)
        ev = reflection.evolution(name, secs, names, llm)
        guard_reports.extend(ev.guard)
        evolutions.append(ev)
    tom = _theory_of_mind(llm, transitions, table, chars, names, options, guard_reports) if llm is not None else []

    # 8. write deterministic files ------------------------------------------------------------
    prog(0.75, "writing analysis")
    meta = {"stage": "cognition", "film_id": fid, "options": echo_options(options), "versions": _versions(),
            "lstm": lstm_info, "models": _model_meta(options), "neuroticism": n_used}
    SceneAnalysisTable(**table.columns(), meta={**table.meta, "film_id": fid}).to_parquet(out / "scene_analysis.parquet")
    _write_parquet(out / "moments.parquet", _moments_table(table, smoothed, mood_v, mood_a, perceived_v, perceived_a,
                                                           surprise, surprise_rank, triggers, pressure, memory_rows, mems, n))
    _write_parquet(out / "transitions.parquet", state_machine.transitions_table(transitions))
    _write_parquet(out / "stm.parquet", _rows_table(trends, TrendPoint))
    _write_parquet(out / "memories.parquet", _memories_table(mems))
    write_json(out / "arcs.json", to_jsonable(arcs))
    write_json(out / "channel_weights.json", to_jsonable(weights))
    write_json(out / "consolidation.json", to_jsonable([cons[k] for k in names]))
    write_json(out / "scenes.json", to_jsonable(boundaries))
    write_json(out / "character_scenes.json", to_jsonable(character_scenes(table)))
    stats = _memory_stats(mems, stats_extra, len(boundaries), options)
    write_json(out / "memory_stats.json", to_jsonable(stats))
    write_json(out / "reflection.json", {"insights": to_jsonable(insights), "evolution": to_jsonable(evolutions),
                                         "theory_of_mind": tom, "guard": guard_reports})
    write_json(out / "meta.json", meta)

    # 9. the ChromaDB store, last (idempotent upserts: a killed run resumes) -----------------------
    if options.memory and mems:
        prog(0.8, "writing memories to ChromaDB")
        store = open_store(out, options)
        store.write(mems, emb, lambda f, m: prog(0.8 + 0.2 * f, m))
        stored = store.count(film=fid)
        if stored != len(mems):
            log.warning("memory store holds %d memories of film %s, analysis made %d", stored, fid, len(mems))
    prog(1.0, "done")
    return out


def character_scenes(table: SceneAnalysisTable) -> list[CharacterScene]:
    """Per (character, scene): moments, time span, mean valence/arousal, emotion counts (ties: name order)."""
    groups: dict[tuple[str, int], list[int]] = {}
    for i, (c, sc) in enumerate(zip(table.character, table.scene)):
        groups.setdefault((str(c), int(sc)), []).append(i)
    out = []
    for (c, sc), rows in sorted(groups.items()):
        counts: dict[str, int] = {}
        for i in rows:
            counts[str(table.emotion[i])] = counts.get(str(table.emotion[i]), 0) + 1
        out.append(CharacterScene(
            character=c, scene=sc, start=float(table.time[rows[0]]), end=float(table.time[rows[-1]]), moments=len(rows),
            mean_valence=round(float(np.mean(table.valence[rows])), 6), mean_arousal=round(float(np.mean(table.arousal[rows])), 6),
            dominant_emotion=max(sorted(counts), key=lambda e: counts[e]), emotions=dict(sorted(counts.items()))))
    return out


def open_store(out: Path, options: CognitionOptions, embedder=None) -> MemoryStore:
    """The memory store of an analysis folder (``memory_dir`` / ``memory_url`` options)."""
    from .embeddings import Embedder

    path = options.memory_dir or str(Path(out) / "memory")
    cfg = StoreConfig(path=None if options.memory_url else path, url=options.memory_url,
                      collection=options.memory_collection, batch_size=options.memory_batch)
    return MemoryStore(cfg, embedder or Embedder(options.embedding_model, options.device))


def _scene_at(table: SceneAnalysisTable, t: float) -> int:
    i = int(np.searchsorted(table.time, t, side="right")) - 1
    return int(table.scene[max(i, 0)]) if len(table) else 0


def _reference(index: MemoryIndex, positions: list[int]) -> int:
    """Rehearsal: refs += 1; a candidate with refs >= 2 goes to LTM. Returns promotions."""
    promoted = 0
    for p in positions:
        m = index.memories[p]
        m = replace(m, refs=m.refs + 1)
        if m.tier == "candidate" and m.refs >= 2:
            m = replace(m, tier="ltm")
            promoted += 1
        index.memories[p] = m
    return promoted


def _build_moment_memories(fid: str, table: SceneAnalysisTable, texts: list[str], emb: np.ndarray,
                           into: dict[int, Transition], surprise: np.ndarray, surprise_rank: np.ndarray,
                           boundaries: list[SceneBoundary], options: CognitionOptions):
    """One memory per moment, walked in time order: STM, candidates (surprise or an abrupt
    transition), rehearsal among a character's earlier candidates, archival at scene cuts."""
    n = len(table)
    index = MemoryIndex([], np.zeros((0, emb.shape[1]), np.float32))
    index.embeddings = emb
    mems: list[Memory] = []
    promoted = preserved = 0
    by_scene_counts: dict[int, tuple[int, int]] = {}
    current = int(table.scene[0])
    for i in range(n):
        sc = int(table.scene[i])
        if sc != current:
            a, p = _archive(index, current, options.preserve_arousal)
            by_scene_counts[sc] = (a, p)
            preserved += p
            current = sc
        t = into.get(i)
        abrupt = t is not None and t.type in ("SUDDEN", "TRIGGERED") and not t.scene_cut
        surprising = math.isfinite(surprise_rank[i]) and surprise_rank[i] >= options.candidate_rank
        tier = "candidate" if (abrupt or surprising) else "stm"
        c = str(table.character[i])
        m = Memory(id=memory_id(fid, c, float(table.time[i]), "moment", str(i)), film=fid, character=c,
                   time=float(table.time[i]), kind="moment", tier=tier, text=texts[i], emotion=str(table.emotion[i]),
                   valence=round(float(table.valence[i]), 6), arousal=round(float(table.arousal[i]), 6),
                   surprise=round(finite_or(float(surprise[i])), 8), scene=sc)
        if tier == "candidate":
            hits = index.search(emb[i], options.rehearsal_k, character=c, emotion=m.emotion, tiers=("candidate", "ltm"))
            promoted += _reference(index, [p for p, s in hits if s >= options.rehearsal_min_sim])
        mems.append(m)
        index.memories.append(m)
        index._by_char.setdefault(c, []).append(i)
    bounds = [replace(b, archived=by_scene_counts.get(b.scene, (0, 0))[0], preserved=by_scene_counts.get(b.scene, (0, 0))[1])
              for b in boundaries]
    rows = np.array([m.tier for m in index.memories], dtype=object)
    return index.memories, bounds, {"promoted": promoted, "preserved": preserved}, rows


def _archive(index: MemoryIndex, scene: int, preserve_arousal: float) -> tuple[int, int]:
    """Scene boundary: close the STM of ``scene``; high-arousal memories become candidates."""
    archived = preserved = 0
    for p, m in enumerate(index.memories):
        if m.kind == "moment" and m.tier == "stm" and m.scene == scene:
            archived += 1
            if m.arousal >= preserve_arousal:
                index.memories[p] = replace(m, tier="candidate")
                preserved += 1
            else:
                index.memories[p] = replace(m, tier="archived")
    return archived, preserved


def _memory_stats(mems: list[Memory], extra: dict, n_bounds: int, options: CognitionOptions) -> MemoryStats:
    by_tier: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    by_char: dict[str, dict[str, int]] = {}
    for m in mems:
        by_tier[m.tier] = by_tier.get(m.tier, 0) + 1
        by_kind[m.kind] = by_kind.get(m.kind, 0) + 1
        d = by_char.setdefault(m.character, {})
        d[m.tier] = d.get(m.tier, 0) + 1
    backend = "off" if not options.memory else ("http" if options.memory_url else "persistent")
    return MemoryStats(total=len(mems), by_tier=by_tier, by_kind=by_kind, by_character=by_char,
                       promoted=int(extra["promoted"]), preserved_high_arousal=int(extra["preserved"]),
                       scene_boundaries=n_bounds, backend=backend)


def _moments_table(table, smoothed, mood_v, mood_a, perc_v, perc_a, surprise, rank, triggers, pressure, tiers, mems, n):
    import pyarrow as pa

    ids = [m.id for m in mems[:n]] if mems else [""] * n
    return pa.table({
        "character": pa.array(list(table.character), pa.string()), "time": pa.array(table.time, pa.float64()),
        "scene": pa.array(table.scene, pa.int64()), "emotion": pa.array(list(table.emotion), pa.string()),
        "valence": pa.array(table.valence.astype(np.float64)), "arousal": pa.array(table.arousal.astype(np.float64)),
        "smoothed_valence": pa.array(smoothed), "mood_valence": pa.array(mood_v), "mood_arousal": pa.array(mood_a),
        "perceived_valence": pa.array(perc_v), "perceived_arousal": pa.array(perc_a), "surprise": pa.array(surprise),
        "surprise_rank": pa.array(rank), "trigger": pa.array([str(t) for t in triggers], pa.string()),
        "social_pressure": pa.array(pressure), "memory_id": pa.array(ids, pa.string()),
        "memory_tier": pa.array([str(t) for t in tiers], pa.string()),
    })


def _memories_table(mems: list[Memory]):
    import pyarrow as pa

    names = list(Memory.__dataclass_fields__)
    return pa.table({k: [getattr(m, k) for m in mems] for k in names}) if mems else pa.table({k: pa.array([], pa.string()) for k in names})


def _model_meta(options: CognitionOptions) -> list[dict]:
    out = []
    if options.memory:
        try:
            from .embeddings import MODEL_NAME, model_sha256, resolve_model_dir

            d = resolve_model_dir(options.embedding_model)
            out.append({"name": MODEL_NAME, "sha256": model_sha256(d)})
        except Exception as exc:  # reported, not fatal here: the store step raises the real error
            out.append({"name": "all-MiniLM-L6-v2", "error": str(exc)})
    if options.lstm_weights:
        p = Path(options.lstm_weights)
        if p.is_file():
            out.append({"name": "lstm_weights", "sha256": hashlib.sha256(p.read_bytes()).hexdigest()})
    return out


TOM_SYSTEM = ("You explain, in one or two sentences, why a film character's emotion may have changed, using ONLY the "
              "lines and measurements given. Name only characters that appear in them. This is an interpretation.")


def _theory_of_mind(llm, transitions, table, chars, names, options, reports) -> list[dict]:
    """LLM explanations of the most surprising transitions (marked source=llm)."""
    cand = [t for t in transitions if math.isfinite(t.surprise_rank) and t.surprise_rank >= options.tom_rank]
    cand = sorted(cand, key=lambda t: (-t.surprise, t.character, t.time))[:options.tom_max]
    out = []
    for t in cand:
        r = chars[t.character].rows
        lo = max(0, t.index - 3)
        lines = [f'{_clock(table.time[r[j]])} {t.character} ({table.emotion[r[j]]}): "{table.dialogue[r[j]]}"' for j in range(lo, t.index + 1)]
        facts = (f"Character: {t.character}\nTransition {t.from_emotion} -> {t.to_emotion} ({t.type}), surprise "
                 f"{t.surprise:.4f}, trigger {t.trigger or 'none'}\nLines:\n" + "\n".join(lines))
        text, rep = reflection.llm_render(llm, TOM_SYSTEM, facts, names, reflection.GuardOptions(), f"theory of mind {t.character}@{t.time:.2f}")
        reports.extend(rep)
        if text:
            out.append({"character": t.character, "time": t.time, "type": t.type, "surprise": t.surprise,
                        "text": text, "source": "llm"})
    return out


def _clock(t: float) -> str:
    m, s = divmod(int(round(float(t))), 60)
    return f"{m}:{s:02d}"


def load_analysis(folder: str | Path) -> dict[str, Any]:
    """The typed results of an analysis folder (for OCEAN / Dunbar / scoring / reports)."""
    import pyarrow.parquet as pq

    from .types import CharacterConsolidation as CC

    folder = Path(folder)
    j = lambda name: json.loads((folder / name).read_text(encoding="utf-8"))  # noqa: E731
    trans = pq.read_table(folder / "transitions.parquet").to_pylist()
    stm = pq.read_table(folder / "stm.parquet").to_pylist()
    return {
        "scene_analysis": SceneAnalysisTable.read_parquet(folder / "scene_analysis.parquet"),
        "transitions": [Transition.from_dict(t) for t in trans],
        "stm": [TrendPoint.from_dict(t) for t in stm],
        "arcs": [Arc.from_dict(a) for a in j("arcs.json")],
        "channel_weights": ChannelWeights.from_dict(j("channel_weights.json")),
        "consolidation": [CC.from_dict(c) for c in j("consolidation.json")],
        "scenes": [SceneBoundary.from_dict(s) for s in j("scenes.json")],
        "character_scenes": [CharacterScene.from_dict(s) for s in j("character_scenes.json")],
        "memory_stats": MemoryStats.from_dict(j("memory_stats.json")),
        "reflection": j("reflection.json"),
        "meta": j("meta.json"),
    }
