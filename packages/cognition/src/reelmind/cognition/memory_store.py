"""Long-term memory in ChromaDB: three tiers (STM -> candidate -> LTM), emotion-boosted search.

The memory stage decides every memory in-process (:class:`MemoryIndex`, exact and deterministic)
and returns them as a :class:`reelmind.core.records.MemoryTable` with their embeddings; ChromaDB
is a sink written from that table by the stage's publish step (:func:`write_table`).
Memories have deterministic ids (hash of film + character + time + kind), so writes are
idempotent upserts: a run killed mid-write is resumed by running it again, which skips the
memories already stored with the same content (no duplicate, nothing lost). Writes go in
batches (up to the client's max batch size), with the table's embeddings (nothing re-embedded).

By default the store is an embedded ``chromadb.PersistentClient(path)``; ``url`` switches to
``chromadb.HttpClient`` against a ChromaDB server.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from reelmind.core import ConfigError, MissingDependencyError, ReelmindError

from .embeddings import Embedder, chroma_embedding_function

log = logging.getLogger("reelmind.cognition.memory_store")

EMOTION_BOOST = 0.15
PROMOTE_REFS = 2
DEFAULT_COLLECTION = "reelmind_memories"


class MemoryStoreError(ReelmindError):
    """The ChromaDB store could not be opened, written or queried."""


@dataclass(frozen=True)
class Memory:
    """One memory. ``tier`` in stm/archived/candidate/ltm; ``kind`` moment/hotspot/insight."""

    id: str
    film: str
    character: str
    time: float
    kind: str
    tier: str
    text: str
    emotion: str = ""
    valence: float = 0.0
    arousal: float = 0.0
    surprise: float = -1.0  # -1 when not measured
    scene: int = 0
    refs: int = 0

    def metadata(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("id")
        d.pop("text")
        d["digest"] = self.digest()
        return d

    def digest(self) -> str:
        d = asdict(self)
        return hashlib.sha1(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:16]

    @classmethod
    def from_chroma(cls, mid: str, doc: str, meta: dict) -> "Memory":
        fields = {k: meta[k] for k in cls.__dataclass_fields__ if k in meta and k not in ("id", "text")}
        return cls(id=mid, text=doc or "", **fields)


def memory_id(film: str, character: str, time: float, kind: str, extra: str = "") -> str:
    """Deterministic id: sha1 of film, character, time (ms) and kind."""
    key = f"{film}\x1f{character}\x1f{round(float(time) * 1000)}\x1f{kind}\x1f{extra}"
    return hashlib.sha1(key.encode()).hexdigest()[:24]


def boosted_rank(ids: Sequence[str], similarity: np.ndarray, emotions: Sequence[str], query_emotion: str | None,
                 k: int, boost: float = EMOTION_BOOST) -> list[tuple[str, float]]:
    """Top ``k`` (id, score): cosine similarity + ``boost`` when the emotion matches; ties by id."""
    scores = [float(s) + (boost if query_emotion and e == query_emotion else 0.0) for s, e in zip(similarity, emotions)]
    order = sorted(range(len(ids)), key=lambda i: (-round(scores[i], 9), ids[i]))
    return [(ids[i], scores[i]) for i in order[:k]]


@dataclass(frozen=True)
class StoreConfig:
    path: str | None = None  # PersistentClient folder
    url: str | None = None  # http(s)://host:port of a ChromaDB server (HttpClient)
    collection: str = DEFAULT_COLLECTION
    batch_size: int = 1000


class MemoryStore:
    """A ChromaDB collection of :class:`Memory` (cosine space, explicit MiniLM embeddings)."""

    def __init__(self, config: StoreConfig, embedder: Embedder | None = None) -> None:
        try:
            import chromadb
        except ImportError:
            raise MissingDependencyError("chromadb (memory store)", "chromadb") from None
        self.config = config
        self.embedder = embedder or Embedder()
        try:
            if config.url:
                u = urlparse(config.url)
                if not u.hostname:
                    raise ConfigError(f"memory url {config.url!r}: expected http(s)://host:port")
                self.client = chromadb.HttpClient(host=u.hostname, port=u.port or 8000, ssl=u.scheme == "https")
                self.backend = "http"
            elif config.path:
                Path(config.path).mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(path=str(config.path))
                self.backend = "persistent"
            else:
                raise ConfigError("memory store: set a path (PersistentClient) or a url (HttpClient)")
            self.collection = self.client.get_or_create_collection(
                config.collection, embedding_function=chroma_embedding_function(self.embedder),
                metadata={"hnsw:space": "cosine"})
        except ReelmindError:
            raise
        except Exception as exc:
            where = config.url or config.path
            raise MemoryStoreError(f"cannot open ChromaDB store at {where}: {exc.__class__.__name__}: {str(exc).splitlines()[0][:200]}") from None
        try:
            self.max_batch = int(self.client.get_max_batch_size())
        except Exception:
            self.max_batch = 1000

    # ------------------------------------------------------------------ writes
    def write(self, memories: Sequence[Memory], embeddings: np.ndarray | None = None,
              progress: Callable[[float, str], None] | None = None) -> int:
        """Upsert in batches, skipping memories already stored unchanged; returns how many were written."""
        batch = max(1, min(self.config.batch_size, self.max_batch))
        written = 0
        n = len(memories)
        for a in range(0, n, batch):
            chunk = list(memories[a:a + batch])
            ids = [m.id for m in chunk]
            if len(set(ids)) != len(ids):
                raise MemoryStoreError(f"duplicate memory ids in one batch (first {sorted(ids)[0]})")
            have = self._digests(ids)
            todo = [i for i, m in enumerate(chunk) if have.get(m.id) != m.digest()]
            if todo:
                if embeddings is not None:
                    emb = np.asarray(embeddings[a:a + batch], dtype=np.float32)[todo]
                else:
                    emb = self.embedder.encode([chunk[i].text for i in todo])
                try:
                    self.collection.upsert(ids=[chunk[i].id for i in todo], embeddings=emb,
                                           documents=[chunk[i].text for i in todo],
                                           metadatas=[chunk[i].metadata() for i in todo])
                except Exception as exc:
                    raise MemoryStoreError(f"ChromaDB upsert failed: {exc.__class__.__name__}: {str(exc).splitlines()[0][:200]}") from None
                written += len(todo)
            if progress:
                progress(min(a + batch, n) / n, f"memories {min(a + batch, n)}/{n}")
        log.info("memory store: %d of %d memories written (%d already stored)", written, n, n - written)
        return written

    def _digests(self, ids: list[str]) -> dict[str, str]:
        got = self.collection.get(ids=ids, include=["metadatas"])
        return {i: (m or {}).get("digest", "") for i, m in zip(got["ids"], got["metadatas"])}

    def add_refs(self, ids: Sequence[str], promote_refs: int = PROMOTE_REFS) -> list[str]:
        """Reference memories once each (rehearsal); candidates reaching ``promote_refs`` go to LTM. Returns promoted ids."""
        got = self.collection.get(ids=list(ids), include=["metadatas", "documents"])
        updated, promoted = [], []
        for mid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"]):
            m = Memory.from_chroma(mid, doc, meta)
            m = replace(m, refs=m.refs + 1)
            if m.tier == "candidate" and m.refs >= promote_refs:
                m = replace(m, tier="ltm")
                promoted.append(mid)
            updated.append(m)
        if updated:
            self.collection.update(ids=[m.id for m in updated], metadatas=[m.metadata() for m in updated])
        return promoted

    # ------------------------------------------------------------------ reads
    def count(self, film: str | None = None) -> int:
        if film is None:
            return int(self.collection.count())
        return len(self.collection.get(where={"film": film}, include=[])["ids"])

    def get(self, ids: Sequence[str] | None = None, where: dict | None = None) -> list[Memory]:
        got = self.collection.get(ids=list(ids) if ids is not None else None, where=where, include=["metadatas", "documents"])
        out = [Memory.from_chroma(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]
        return sorted(out, key=lambda m: m.id)

    def search(self, query: str, k: int = 5, character: str | None = None, emotion: str | None = None,
               film: str | None = None, tiers: Sequence[str] | None = None) -> list[tuple[Memory, float]]:
        """Emotion-boosted semantic search: cosine similarity + 0.15 when the memory's emotion matches."""
        return self.search_vector(self.embedder.encode([query])[0], k, character, emotion, film, tiers)

    def search_vector(self, query_vec: np.ndarray, k: int = 5, character: str | None = None, emotion: str | None = None,
                      film: str | None = None, tiers: Sequence[str] | None = None) -> list[tuple[Memory, float]]:
        """:meth:`search` with a precomputed query embedding.

        Two nearest-neighbour queries make the boosted top-k exact (up to HNSW): the k nearest
        overall and the k nearest with the matching emotion; their union is re-ranked.
        """
        clauses: list[dict] = []
        if character:
            clauses.append({"character": character})
        if film:
            clauses.append({"film": film})
        if tiers:
            clauses.append({"tier": {"$in": list(tiers)}})
        found: dict[str, tuple[str, dict, float]] = {}
        for extra in ([None, {"emotion": emotion}] if emotion else [None]):
            cl = clauses + ([extra] if extra else [])
            where = cl[0] if len(cl) == 1 else ({"$and": cl} if cl else None)
            for mid, doc, meta, dist in zip(*self._query(query_vec, k, where)):
                found[mid] = (doc, meta, dist)
        ids = sorted(found)
        sims = np.array([1.0 - found[i][2] for i in ids], dtype=np.float64)
        ranked = boosted_rank(ids, sims, [found[i][1].get("emotion", "") for i in ids], emotion, k)
        return [(Memory.from_chroma(i, found[i][0], found[i][1]), s) for i, s in ranked]

    def _query(self, query_vec: np.ndarray, k: int, where: dict | None):
        try:
            r = self.collection.query(query_embeddings=np.asarray(query_vec, np.float32).reshape(1, -1), n_results=k,
                                      where=where, include=["metadatas", "documents", "distances"])
        except Exception as exc:
            raise MemoryStoreError(f"ChromaDB query failed: {exc.__class__.__name__}: {str(exc).splitlines()[0][:200]}") from None
        return r["ids"][0], r["documents"][0], r["metadatas"][0], r["distances"][0]

    def stats(self, film: str | None = None) -> dict[str, Any]:
        got = self.collection.get(where={"film": film} if film else None, include=["metadatas"])
        tiers: dict[str, int] = {}
        kinds: dict[str, int] = {}
        for m in got["metadatas"]:
            tiers[m.get("tier", "")] = tiers.get(m.get("tier", ""), 0) + 1
            kinds[m.get("kind", "")] = kinds.get(m.get("kind", ""), 0) + 1
        return {"total": len(got["ids"]), "by_tier": dict(sorted(tiers.items())), "by_kind": dict(sorted(kinds.items()))}


def finite_or(value: float, default: float = -1.0) -> float:
    return float(value) if math.isfinite(value) else default


class MemoryIndex:
    """Exact in-process twin of :meth:`MemoryStore.search` over memories and their embeddings.

    The analysis retrieves through it so its results never depend on the approximate HNSW
    index or on what an earlier (killed) run left in the store.
    """

    def __init__(self, memories: Sequence[Memory], embeddings: np.ndarray, boost: float = EMOTION_BOOST) -> None:
        self.boost = boost
        self.memories = list(memories)
        self.embeddings = np.asarray(embeddings, dtype=np.float32)
        self._by_char: dict[str, list[int]] = {}
        for i, m in enumerate(self.memories):
            self._by_char.setdefault(m.character, []).append(i)

    def search(self, query_vec: np.ndarray, k: int, character: str | None = None, emotion: str | None = None,
               tiers: Sequence[str] | None = None, before: float | None = None) -> list[tuple[int, float]]:
        """Top ``k`` (position, score) by cosine + emotion boost; ``before`` keeps memories earlier than it."""
        rows = self._by_char.get(character, []) if character else list(range(len(self.memories)))
        if tiers is not None:
            rows = [i for i in rows if self.memories[i].tier in tiers]
        if before is not None:
            rows = [i for i in rows if self.memories[i].time < before]
        if not rows:
            return []
        sims = self.embeddings[rows] @ np.asarray(query_vec, dtype=np.float32).reshape(-1)
        ranked = boosted_rank([self.memories[i].id for i in rows], sims.astype(np.float64),
                              [self.memories[i].emotion for i in rows], emotion, k, self.boost)
        pos = {self.memories[i].id: i for i in rows}
        return [(pos[mid], s) for mid, s in ranked]


# ----------------------------------------------------------------------------- records
def memories_table(memories: Sequence[Memory], embeddings: np.ndarray, rows: Sequence[int], meta: dict | None = None):
    """Memories (+ their embeddings and the dataset row of moment memories, -1 otherwise) as a MemoryTable."""
    from reelmind.core.records import MemoryTable

    col = lambda k, dt=None: np.asarray([getattr(m, k) for m in memories], dtype=dt)  # noqa: E731
    strs = {k: np.asarray([str(getattr(m, k)) for m in memories] or [], dtype=object)
            for k in ("id", "film", "character", "kind", "tier", "text", "emotion")}
    surprise = np.asarray([m.surprise if m.surprise >= 0 else math.nan for m in memories], dtype=np.float64)
    return MemoryTable(**strs, time=col("time", np.float64), valence=col("valence", np.float64),
                       arousal=col("arousal", np.float64), surprise=surprise, scene=col("scene", np.int64),
                       refs=col("refs", np.int64), embedding=np.asarray(embeddings, dtype=np.float32).reshape(len(memories), np.shape(embeddings)[-1]),
                       row=np.asarray(rows, dtype=np.int64), meta=dict(meta or {}))


def memories_from(table) -> list[Memory]:
    """The MemoryTable's rows as :class:`Memory` (surprise NaN -> -1, as stored in ChromaDB)."""
    c = table.columns()
    return [Memory(id=str(c["id"][i]), film=str(c["film"][i]), character=str(c["character"][i]), time=float(c["time"][i]),
                   kind=str(c["kind"][i]), tier=str(c["tier"][i]), text=str(c["text"][i]), emotion=str(c["emotion"][i]),
                   valence=float(c["valence"][i]), arousal=float(c["arousal"][i]), surprise=finite_or(float(c["surprise"][i])),
                   scene=int(c["scene"][i]), refs=int(c["refs"][i])) for i in range(len(table))]


def write_table(table, config: StoreConfig, embedder: Embedder | None = None,
                progress: Callable[[float, str], None] | None = None) -> MemoryStore:
    """Write a MemoryTable into the ChromaDB store ``config`` (its own embeddings; idempotent upserts)."""
    store = MemoryStore(config, embedder)
    emb = table.embedding if table.embedding is not None and len(table.embedding) else None
    store.write(memories_from(table), emb, progress)
    return store
