"""50,000 memories inserted into and queried from the ChromaDB store (issue 6 benchmark).

Run: ``.venv/bin/python -m pytest packages/cognition/benchmarks/bench_memory_store.py -q -s``
(``REELMIND_BENCH_N`` changes the size, default 50000). Every speed is reported with the
baseline it is compared to, measured in the same process:

* insert: batched upsert (``MemoryStore.write``, batch 1000, embeddings precomputed) vs the
  naive one-upsert-per-memory loop on the first 1,000 memories;
* resume: a second ``write`` of all memories (digest check, nothing re-embedded) vs the batched insert;
* query: emotion-boosted ``MemoryStore.search_vector`` (HNSW, character filter, query embedded
  beforehand) vs exact brute-force cosine over all embeddings in NumPy (``MemoryIndex``), with
  the recall@5 of the store's answer against the exact one.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from cognition_memories import CHARS, EMOTIONS, make_memories  # noqa: E402

from reelmind.cognition.embeddings import Embedder  # noqa: E402
from reelmind.cognition.memory_store import MemoryIndex, MemoryStore, StoreConfig  # noqa: E402

N = int(os.environ.get("REELMIND_BENCH_N", "50000"))
QUERIES = 200


def test_memory_store_50k(tmp_path):
    emb_model = Embedder(device="cpu")
    mems = make_memories(N, film="bench", unique=True)
    t0 = time.perf_counter()
    emb = emb_model.encode([m.text for m in mems])
    t_embed = time.perf_counter() - t0

    store = MemoryStore(StoreConfig(path=str(tmp_path / "db"), batch_size=1000), emb_model)
    t0 = time.perf_counter()
    assert store.write(mems, emb) == N
    t_batched = time.perf_counter() - t0
    assert store.count() == N

    naive = MemoryStore(StoreConfig(path=str(tmp_path / "naive"), collection="naive_one_by_one"), emb_model)
    k_naive = min(1000, N)
    t0 = time.perf_counter()
    for i in range(k_naive):
        naive.collection.upsert(ids=[mems[i].id], embeddings=emb[i:i + 1], documents=[mems[i].text],
                                metadatas=[mems[i].metadata()])
    t_naive = time.perf_counter() - t0

    t0 = time.perf_counter()
    assert store.write(mems, emb) == 0
    t_resume = time.perf_counter() - t0

    rng = np.random.default_rng(0)
    qs = [(f"{CHARS[i % len(CHARS)]} weeps for a friend in the garden", CHARS[i % len(CHARS)], EMOTIONS[int(rng.integers(7))])
          for i in range(QUERIES)]
    qv = emb_model.encode([q for q, _, _ in qs])
    store.search_vector(qv[0], k=5, character=qs[0][1], emotion=qs[0][2])  # warm the index
    t0 = time.perf_counter()
    hnsw = [[m.id for m, _ in store.search_vector(qv[i], k=5, character=c, emotion=e)] for i, (_, c, e) in enumerate(qs)]
    t_search = (time.perf_counter() - t0) / QUERIES
    index = MemoryIndex(mems, emb)
    t0 = time.perf_counter()
    exact = [[mems[p].id for p, _ in index.search(qv[i], 5, character=c, emotion=e)] for i, (_, c, e) in enumerate(qs)]
    t_exact = (time.perf_counter() - t0) / QUERIES
    recall = float(np.mean([len(set(a) & set(b)) / 5 for a, b in zip(hnsw, exact)]))

    res = {
        "n": N, "embed_per_s": N / t_embed, "insert_batched_per_s": N / t_batched,
        "insert_naive_per_s": k_naive / t_naive, "insert_speedup": (N / t_batched) / (k_naive / t_naive),
        "resume_per_s": N / t_resume, "resume_vs_insert": t_batched / t_resume,
        "search_ms": t_search * 1000, "exact_ms": t_exact * 1000, "search_speedup": t_exact / t_search,
        "recall_at_5": recall, "cpu_count": os.cpu_count(),
    }
    print("\nRESULT " + json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in res.items()}, sort_keys=True))
    assert recall >= 0.9
