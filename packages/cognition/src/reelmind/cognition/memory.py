"""The ``memory`` stage: moments and transitions -> memories, hotspots, consolidation, scenes, reflections.

* Consolidation: sudden shifts by pattern and trauma hotspots per character (:mod:`.consolidator`).
* Memory tiers: one memory per moment, walked in time order: STM, candidates (LSTM surprise rank
  >= ``candidate_rank`` or an abrupt transition), rehearsal among a character's earlier candidates
  (refs += 1; a candidate reaching ``promote_refs`` goes to LTM), archival of the closing scene's
  STM at each scene cut (high-arousal memories kept as candidates); hotspots go straight to LTM.
  Retrieval is cosine similarity of MiniLM embeddings + ``emotion_boost`` for a matching emotion.
* Reflection: Generative-Agents-style insights (retrieval references memories), the 5-section
  evolution narrative, theory of mind for the most surprising transitions (LLM only), every LLM
  text behind the hallucination guard. An LLM that is configured but down is reported in
  ``meta["degraded"]`` and the template text is kept.

Everything is decided in-process and deterministically; the records carry the embeddings, and
ChromaDB is a sink the stage's publish step writes from the MemoryTable (``OUT/memory/`` or the
server at ``url``), with deterministic ids and idempotent upserts.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from reelmind.core.llm import LLMOptions, make_client
from reelmind.core.provenance import provenance
from reelmind.core.records import (ArcTable, CharacterSceneTable, DatasetTable, MomentTable, ReflectionTable, SceneTable,
                                   TransitionTable, TrendTable)
from reelmind.core.stage import ModelRef, RunContext, Stage, runtime_option

from . import consolidator, reflection
from .memory_store import EMOTION_BOOST, PROMOTE_REFS, Memory, MemoryIndex, finite_or, memories_table, memory_id
from .tables import arcs_from, check_inputs, consolidation_table, hotspots_table, transitions_from, trends_from
from .types import EVOLUTION_SECTIONS, Transition

log = logging.getLogger("reelmind.cognition.memory")

OUTPUTS = ("memories", "hotspots", "consolidation", "scenes", "character_scenes", "reflections")


@dataclass(frozen=True)
class MemoryOptions:
    embedding_model: str = ""  # manifest name or sentence-transformers folder; default: the packaged MiniLM
    candidate_rank: float = 0.8  # surprise percentile that makes a moment a candidate
    promote_refs: int = PROMOTE_REFS  # references that promote a candidate to LTM
    emotion_boost: float = EMOTION_BOOST  # added to the cosine similarity when the emotion matches
    rehearsal_k: int = 3
    rehearsal_min_sim: float = 0.5
    preserve_arousal: float = 0.7  # STM memories at or above this arousal survive scene archival
    insight_k: int = 5  # memories retrieved per insight question
    consolidation: consolidator.ConsolidatorOptions = field(default_factory=consolidator.ConsolidatorOptions)
    guard: reflection.GuardOptions = field(default_factory=reflection.GuardOptions)
    tom_rank: float = 0.95  # transitions this surprising get a theory-of-mind explanation (LLM on)
    tom_max: int = 20
    llm: LLMOptions = field(default_factory=LLMOptions)  # filled from the run's `llm:` section
    # the ChromaDB sink (written by publish; none of these change the records)
    collection: str = runtime_option("reelmind_memories")
    url: str = runtime_option("")  # ChromaDB server (HttpClient) instead of the run folder's memory/
    path: str = runtime_option("")  # a ChromaDB folder instead of the run folder's memory/
    batch: int = runtime_option(1000)
    sink: bool = runtime_option(True)  # write ChromaDB at all
    device: str = runtime_option("auto")


def film_id(ds: DatasetTable) -> str:
    """Content hash of the dataset's who/when/what (stable across runs and folders): the memories' film."""
    h = hashlib.sha1()
    for c, s, d in zip(ds.character, ds.start_time, ds.dialogue):
        h.update(f"{c}\x1f{float(s):.3f}\x1f{d}\x1e".encode())
    return h.hexdigest()[:16]


def _clock(t: float) -> str:
    m, s = divmod(int(round(float(t))), 60)
    return f"{m}:{s:02d}"


def moment_text(char: str, emotion: str, v: float, a: float, t: float, dialogue: str) -> str:
    return f'{char} feels {emotion} (valence {v:+.2f}, arousal {a:.2f}) at {_clock(t)}: "{dialogue}"'


# ----------------------------------------------------------------------------- scenes
def scenes_table(moments: MomentTable, ds: DatasetTable, archived: dict[int, tuple[int, int]], meta: dict) -> SceneTable:
    """One row per scene of the moments: span, the silence before it, and the archival at its cut."""
    ids = sorted({int(s) for s in moments.scene})
    end_all = ds.end_time.astype(np.float64)
    start, end, gap = [], [], []
    last = -math.inf
    for s in ids:
        m = moments.scene == s
        t0, t1 = float(moments.time[m].min()), float(end_all[moments.row[m]].max())
        start.append(t0)
        end.append(t1)
        gap.append(round(t0 - last, 6) if math.isfinite(last) else math.nan)
        last = max(last, t1)
    return SceneTable(scene=np.asarray(ids, np.int64), start=np.asarray(start), end=np.asarray(end), gap_before=np.asarray(gap),
                      archived=np.asarray([archived.get(s, (0, 0))[0] for s in ids], np.int64),
                      preserved=np.asarray([archived.get(s, (0, 0))[1] for s in ids], np.int64), meta=meta)


def character_scenes(moments: MomentTable, meta: dict) -> CharacterSceneTable:
    """Per (character, scene): moments, time span, mean valence/arousal, emotion counts (ties: name order)."""
    groups: dict[tuple[str, int], list[int]] = {}
    for i, (c, sc) in enumerate(zip(moments.character, moments.scene)):
        groups.setdefault((str(c), int(sc)), []).append(i)
    rows = []
    for (c, sc), idx in sorted(groups.items()):
        counts: dict[str, int] = {}
        for i in idx:
            counts[str(moments.emotion[i])] = counts.get(str(moments.emotion[i]), 0) + 1
        rows.append((c, sc, float(moments.time[idx[0]]), float(moments.time[idx[-1]]), len(idx),
                     round(float(np.mean(moments.valence[idx])), 6), round(float(np.mean(moments.arousal[idx])), 6),
                     max(sorted(counts), key=lambda e: counts[e]), tuple(sorted(counts)), tuple(counts[k] for k in sorted(counts))))
    cols = list(zip(*rows)) if rows else [[]] * 10
    return CharacterSceneTable(character=np.asarray(cols[0], dtype=object), scene=np.asarray(cols[1], np.int64),
                               start=np.asarray(cols[2], np.float64), end=np.asarray(cols[3], np.float64),
                               moments=np.asarray(cols[4], np.int64), mean_valence=np.asarray(cols[5], np.float64),
                               mean_arousal=np.asarray(cols[6], np.float64), dominant_emotion=np.asarray(cols[7], dtype=object),
                               emotions=list(cols[8]), emotion_counts=list(cols[9]), meta=meta)


# ----------------------------------------------------------------------------- memory tiers
def _reference(index: MemoryIndex, positions: list[int], promote_refs: int) -> None:
    """Rehearsal: refs += 1; a candidate reaching ``promote_refs`` goes to LTM."""
    for p in positions:
        m = replace(index.memories[p], refs=index.memories[p].refs + 1)
        if m.tier == "candidate" and m.refs >= promote_refs:
            m = replace(m, tier="ltm")
        index.memories[p] = m


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


def moment_memories(fid: str, moments: MomentTable, texts: list[str], emb: np.ndarray, into: dict[int, Transition],
                    options: MemoryOptions) -> tuple[MemoryIndex, dict[int, tuple[int, int]]]:
    """One memory per moment, walked in time order: STM, candidates (surprise or an abrupt transition),
    rehearsal among a character's earlier candidates, archival at scene cuts. Returns the index and,
    per scene, (archived, preserved) at its cut."""
    index = MemoryIndex([], np.zeros((0, emb.shape[1]), np.float32), options.emotion_boost)
    index.embeddings = emb
    archived: dict[int, tuple[int, int]] = {}
    surprise, rank = moments.surprise, moments.surprise_rank
    current = int(moments.scene[0]) if len(moments) else 0
    for i in range(len(moments)):
        sc = int(moments.scene[i])
        if sc != current:
            archived[sc] = _archive(index, current, options.preserve_arousal)
            current = sc
        t = into.get(i)
        abrupt = t is not None and t.type in ("SUDDEN", "TRIGGERED") and not t.scene_cut
        surprising = math.isfinite(rank[i]) and rank[i] >= options.candidate_rank
        tier = "candidate" if (abrupt or surprising) else "stm"
        c = str(moments.character[i])
        m = Memory(id=memory_id(fid, c, float(moments.time[i]), "moment", str(i)), film=fid, character=c,
                   time=float(moments.time[i]), kind="moment", tier=tier, text=texts[i], emotion=str(moments.emotion[i]),
                   valence=round(float(moments.valence[i]), 6), arousal=round(float(moments.arousal[i]), 6),
                   surprise=round(finite_or(float(surprise[i])), 8), scene=sc)
        if tier == "candidate":
            hits = index.search(emb[i], options.rehearsal_k, character=c, emotion=m.emotion, tiers=("candidate", "ltm"))
            _reference(index, [p for p, s in hits if s >= options.rehearsal_min_sim], options.promote_refs)
        index.memories.append(m)
        index._by_char.setdefault(c, []).append(i)
    return index, archived


TOM_SYSTEM = ("You explain, in one or two sentences, why a film character's emotion may have changed, using ONLY the "
              "lines and measurements given. Name only characters that appear in them. This is an interpretation.")


def theory_of_mind(llm, transitions: list[Transition], moments: MomentTable, rows: dict[str, np.ndarray],
                   names: list[str], options: MemoryOptions, reports: list[str]) -> list[dict]:
    """LLM explanations of the most surprising transitions (marked source=llm)."""
    cand = [t for t in transitions if math.isfinite(t.surprise_rank) and t.surprise_rank >= options.tom_rank]
    cand = sorted(cand, key=lambda t: (-t.surprise, t.character, t.time))[:options.tom_max]
    out = []
    for t in cand:
        r = rows[t.character]
        lo = max(0, t.index - 3)
        lines = [f'{_clock(moments.time[r[j]])} {t.character} ({moments.emotion[r[j]]}): "{moments.dialogue[r[j]]}"'
                 for j in range(lo, t.index + 1)]
        facts = (f"Character: {t.character}\nTransition {t.from_emotion} -> {t.to_emotion} ({t.type}), surprise "
                 f"{t.surprise:.4f}, trigger {t.trigger or 'none'}\nLines:\n" + "\n".join(lines))
        text, rep = reflection.llm_render(llm, TOM_SYSTEM, facts, names, options.guard,
                                          f"theory of mind {t.character}@{t.time:.2f}")
        reports.extend(rep)
        if text:
            out.append({"character": t.character, "time": t.time, "text": text})
    return out


def _reflections_table(insights: list[dict], evolutions: list, tom: list[dict], meta: dict) -> ReflectionTable:
    rows = [(i["character"], "insight", i["text"], "", tuple(i["evidence"]), "template", (), math.nan) for i in insights]
    for ev in evolutions:
        for sec in EVOLUTION_SECTIONS:
            guard = tuple(g for g in ev.guard if f"/{sec}" in g or g.startswith(f"{sec}:"))
            rows.append((ev.character, "evolution", ev.sections[sec], sec, (), ev.source[sec], guard, math.nan))
    rows += [(t["character"], "theory_of_mind", t["text"], "", (), "llm", (), float(t["time"])) for t in tom]
    c = list(zip(*rows)) if rows else [[]] * 8
    return ReflectionTable(character=np.asarray(c[0], dtype=object), kind=np.asarray(c[1], dtype=object),
                           text=np.asarray(c[2], dtype=object), section=np.asarray(c[3], dtype=object), evidence=list(c[4]),
                           source=np.asarray(c[5], dtype=object), guard=list(c[6]), time=np.asarray(c[7], np.float64), meta=meta)


# ----------------------------------------------------------------------------- the stage function
def build_memory(ds: DatasetTable, moments: MomentTable, transitions: TransitionTable, arcs, trends,
                 options: MemoryOptions = MemoryOptions(), embedder=None,
                 progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """The memory stage on one film: ``{memories, hotspots, consolidation, scenes, character_scenes, reflections}``."""
    prog = progress or (lambda f, m: None)
    fid = film_id(ds)
    llm = None
    if options.llm.base_url:
        llm = reflection.LLMSession(make_client(options.llm))
    n = len(moments)
    rows = {c: np.flatnonzero(moments.character == c) for c in sorted(set(moments.character))}
    names = sorted(rows)
    times = moments.time.astype(np.float64)
    val = moments.valence.astype(np.float64)
    aro = moments.arousal.astype(np.float64)
    emo = [str(e) for e in moments.emotion]
    trans = transitions_from(transitions)
    pos_of_row = {int(r): i for i, r in enumerate(moments.row)}
    into = {pos_of_row[int(r)]: t for r, t in zip(transitions.row, trans) if int(r) in pos_of_row}

    prog(0.0, "consolidation")
    guard_reports: list[str] = []
    cons = {}
    for name in names:
        c = consolidator.consolidate(name, [t for t in trans if t.character == name], options.consolidation)
        if llm is not None:
            text, rep = consolidator.llm_summary(llm, c, names, options.guard)
            guard_reports.extend(rep)
            c = replace(c, llm_summary=text)
        cons[name] = c

    prog(0.1, "memory embeddings")
    if embedder is None:
        from .embeddings import Embedder

        embedder = Embedder(options.embedding_model or None, options.device)
    texts = [moment_text(moments.character[i], emo[i], val[i], aro[i], times[i], str(moments.dialogue[i])) for i in range(n)]
    emb = embedder.encode(texts)
    index, archived = moment_memories(fid, moments, texts, emb, into, options)
    extra: list[Memory] = []
    extra_texts: list[str] = []
    for name in names:  # hotspots go straight to LTM
        spots = []
        for h in cons[name].hotspots:
            mid = memory_id(fid, name, h.start, "hotspot", f"{h.end:.3f}")
            i = int(np.searchsorted(times, h.start, side="right")) - 1
            extra.append(Memory(id=mid, film=fid, character=name, time=h.start, kind="hotspot", tier="ltm", text=h.summary,
                                emotion=h.patterns[-1].split(" ")[-1] if h.patterns else "",
                                scene=int(moments.scene[max(i, 0)]) if n else 0))
            extra_texts.append(h.summary)
            spots.append(replace(h, memory_id=mid))
        cons[name] = replace(cons[name], hotspots=tuple(spots))

    prog(0.5, "reflection insights")
    insights = []
    for name in names:  # Generative-Agents-style insights (retrieval references the memories)
        r = rows[name]
        for q, qe in reflection.insight_questions(name, [emo[i] for i in r]):
            qv = embedder.encode([q])[0]
            hits = index.search(qv, options.insight_k, character=name, emotion=qe)
            got = [index.memories[p] for p, _ in hits]
            _reference(index, [p for p, _ in hits], options.promote_refs)
            text = reflection.insight_text(name, q, qe, got)
            insights.append({"character": name, "text": text, "evidence": [m.id for m in got]})
            extra.append(Memory(id=memory_id(fid, name, float(times[r[-1]]), "insight", q), film=fid, character=name,
                                time=float(times[r[-1]]), kind="insight", tier="ltm", text=text, emotion=qe or "",
                                scene=int(moments.scene[r[-1]])))
            extra_texts.append(text)
    mems = index.memories + extra
    all_emb = np.concatenate([emb, embedder.encode(extra_texts)]) if extra_texts else emb

    prog(0.7, "evolution narratives")
    arcs_by = {a.character: a for a in arcs_from(arcs)}
    trend_list = trends_from(trends)
    evolutions = []
    for name in names:
        r = rows[name]
        lis = [x.strip() for i in r for x in ds.listener[int(moments.row[i])]]
        secs = reflection.evolution_facts(name, times[r], val[r], [emo[i] for i in r], arcs_by[name], cons[name],
                                          [t for t in trend_list if t.character == name],
                                          [str(t) for t in moments.trigger[r]], lis)
        ev = reflection.evolution(name, secs, names, llm, options.guard)
        guard_reports.extend(ev.guard)
        evolutions.append(ev)
    tom = theory_of_mind(llm, trans, moments, rows, names, options, guard_reports) if llm is not None else []

    prog(0.9, "records")
    meta = provenance("memory", options, models(options), dists=("sentence-transformers", "chromadb"), film_id=fid)
    if llm is not None and llm.degraded():
        meta["degraded"] = llm.degraded()
    cons_list = [cons[k] for k in names]
    mem_rows = [int(r) for r in moments.row] + [-1] * len(extra)
    out = {
        "memories": memories_table(mems, all_emb, mem_rows, meta={**meta, "sink": "http" if options.url else "persistent"}),
        "hotspots": hotspots_table(cons_list, meta=meta),
        "consolidation": consolidation_table(cons_list, meta=meta),
        "scenes": scenes_table(moments, ds, archived, meta),
        "character_scenes": character_scenes(moments, meta),
        "reflections": _reflections_table(insights, evolutions, tom, {**meta, "guard": guard_reports}),
    }
    log.info("memory: %d memories (%d moments, %d hotspots/insights), %d reflections", len(mems), n, len(extra),
             len(out["reflections"]))
    prog(1.0, "done")
    return out


# ----------------------------------------------------------------------------- stage
def models(options: MemoryOptions) -> list[ModelRef]:
    """The sentence-embedding model (its folder digest, and its ONNX export's, key the cache)."""
    from .embeddings import Embedder

    return Embedder(options.embedding_model or None, "cpu").refs()


_INPUTS = {"dataset": DatasetTable, "moments": MomentTable, "transitions": TransitionTable, "arcs": ArcTable, "trends": TrendTable}


def setup(options: MemoryOptions, profile: Any):
    from .embeddings import Embedder

    embedder = Embedder(options.embedding_model or None, options.device)  # the model itself loads on first use

    def runner(inputs: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
        return build_memory(*check_inputs("memory", inputs, _INPUTS), options, embedder, ctx.progress)

    return runner


def store_config(options: MemoryOptions, out: Path | None):
    """Where the ChromaDB sink is: ``url``, ``path``, or ``OUT/memory``."""
    from .memory_store import StoreConfig

    if options.url:
        return StoreConfig(url=options.url, collection=options.collection, batch_size=options.batch)
    return StoreConfig(path=options.path or str(Path(out) / "memory"), collection=options.collection, batch_size=options.batch)


def publish(outputs: dict[str, Any], options: MemoryOptions, out: Path) -> list[Path]:
    """The ChromaDB sink: the MemoryTable (with its embeddings) upserted into ``OUT/memory/`` (or the server)."""
    if not options.sink or not len(outputs["memories"]):
        return []
    from .embeddings import Embedder
    from .memory_store import write_table

    cfg = store_config(options, out)
    store = write_table(outputs["memories"], cfg, Embedder(options.embedding_model or None, options.device))
    fid = outputs["memories"].meta.get("film_id")
    stored = store.count(film=fid)
    if stored != len(outputs["memories"]):
        log.warning("memory store holds %d memories of film %s, the stage made %d", stored, fid, len(outputs["memories"]))
    return [] if options.url else [Path(cfg.path)]


def check() -> list[str]:
    """ONNX Runtime, tokenizers and the MiniLM weights are needed; chromadb for the sink."""
    import importlib.util

    problems = [f"{mod} is not installed, needed for {what} — fix: pip install {pip}"
                for mod, pip, what in (("onnxruntime", "onnxruntime", "memory embeddings"),
                                       ("tokenizers", "tokenizers", "memory embeddings"),
                                       ("chromadb", "chromadb", "the memory store"))
                if importlib.util.find_spec(mod) is None]
    try:
        from .embeddings import model_file

        model_file()
    except Exception as exc:  # noqa: BLE001 - reported, with its fix
        problems.append(str(exc))
    return problems


STAGE = Stage(
    name="memory",
    inputs=tuple(_INPUTS),
    outputs=OUTPUTS,
    options_type=MemoryOptions,
    setup=setup,
    publish=publish,
    check=check,
    models=models,
    description="memory tiers (STM / candidate / LTM, promotion at 2 references, emotion boost), consolidation "
                "hotspots, reflection (insights, evolution, theory of mind, hallucination guard); ChromaDB sink",
)
