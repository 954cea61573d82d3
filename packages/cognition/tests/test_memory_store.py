import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from cognition_memories import make_memories

from reelmind.cognition.embeddings import Embedder
from reelmind.cognition.memory_store import (EMOTION_BOOST, Memory, MemoryIndex, MemoryStore, StoreConfig, boosted_rank,
                                             memory_id)

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def embedder():
    return Embedder(device="cpu")


def test_memory_ids_are_deterministic():
    assert memory_id("f", "Ada", 1.0, "moment") == memory_id("f", "Ada", 1.0004, "moment")
    assert memory_id("f", "Ada", 1.0, "moment") != memory_id("f", "Ada", 1.0, "hotspot")
    assert memory_id("f", "Ada", 1.0, "moment") != memory_id("g", "Ada", 1.0, "moment")


def test_emotion_boost_reranks():
    ranked = boosted_rank(["a", "b", "c"], np.array([0.80, 0.70, 0.60]), ["happy", "sad", "sad"], "sad", 3)
    assert [i for i, _ in ranked] == ["b", "a", "c"] and ranked[0][1] == pytest.approx(0.70 + EMOTION_BOOST)
    assert [i for i, _ in boosted_rank(["a", "b"], np.array([0.5, 0.5]), ["x", "x"], None, 2)] == ["a", "b"]


def test_2000_memories_batched_persistent_idempotent(tmp_path, embedder):
    mems = make_memories(2000)
    emb = embedder.encode([m.text for m in mems])
    store = MemoryStore(StoreConfig(path=str(tmp_path / "db"), batch_size=500), embedder)
    t0 = time.perf_counter()
    assert store.write(mems, emb) == 2000
    t_write = time.perf_counter() - t0
    assert store.count() == 2000 and store.count(film="testfilm") == 2000
    t0 = time.perf_counter()
    for q in ("Rhett laughs at a joke", "Melanie weeps for a friend", "Gerald counts the cotton"):
        hits = store.search(q, k=5, character=q.split()[0])
        assert len(hits) == 5 and all(m.character == q.split()[0] for m, _ in hits)
        assert q.split()[1] in hits[0][0].text
    t_query = (time.perf_counter() - t0) / 3
    print(f"2000 memories: write {2000 / t_write:.0f}/s (embeddings precomputed), query {t_query * 1000:.1f} ms")
    # idempotent: rewriting changes nothing, a changed memory is rewritten
    assert store.write(mems, emb) == 0 and store.count() == 2000
    changed = replace(mems[7], tier="ltm", refs=2)
    assert store.write([changed]) == 1 and store.get([mems[7].id])[0] == changed
    # persistent: a new client on the same folder sees the same memories and answers the same query
    before = [m.id for m, _ in store.search("Scarlett argues about money", k=5, character="Scarlett")]
    again = MemoryStore(StoreConfig(path=str(tmp_path / "db")), embedder)
    assert again.count() == 2000
    assert [m.id for m, _ in again.search("Scarlett argues about money", k=5, character="Scarlett")] == before
    assert again.stats()["by_tier"] == {"candidate": 500, "ltm": 1, "stm": 1499}


def test_emotion_boost_in_chroma_search_and_promotion(tmp_path, embedder):
    mk = lambda i, text, emo, tier="candidate": Memory(id=f"m{i}", film="f", character="Ada", time=float(i), kind="moment",  # noqa: E731
                                                       tier=tier, text=text, emotion=emo)
    mems = [mk(0, "Ada shouts at Ben in the kitchen", "angry"), mk(1, "Ada shouts at Ben in the kitchen loudly", "happy"),
            mk(2, "The garden is full of roses", "sad")]
    store = MemoryStore(StoreConfig(path=str(tmp_path / "db")), embedder)
    store.write(mems)
    plain = [m.id for m, _ in store.search("Ada shouts at Ben in the kitchen loudly", k=2)]
    boosted = store.search("Ada shouts at Ben in the kitchen loudly", k=2, emotion="angry")
    assert plain[0] == "m1" and boosted[0][0].id == "m0"
    # the in-process index ranks exactly like the store
    idx = MemoryIndex(mems, embedder.encode([m.text for m in mems]))
    q = embedder.encode(["Ada shouts at Ben in the kitchen loudly"])[0]
    assert [mems[p].id for p, _ in idx.search(q, 2, emotion="angry")] == [m.id for m, _ in boosted]
    assert store.add_refs(["m0"]) == [] and store.add_refs(["m0", "m2"]) == ["m0"]
    got = {m.id: m for m in store.get(["m0", "m2"])}
    assert (got["m0"].tier, got["m0"].refs) == ("ltm", 2) and (got["m2"].tier, got["m2"].refs) == ("candidate", 1)


CHILD = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {here!r})
    from cognition_memories import make_memories
    from reelmind.cognition.memory_store import MemoryStore, StoreConfig
    mems = make_memories({n})
    store = MemoryStore(StoreConfig(path={db!r}, batch_size=50))
    def progress(frac, msg):
        with open({flag!r}, "w") as fh:
            fh.write(str(frac))
        time.sleep(0.05)  # leave the parent time to kill us mid-write
    store.write(mems, progress=progress)
    print("done")
""")


def test_killed_during_memory_writes_resumes_without_duplicates_or_loss(tmp_path, embedder):
    n = 1500
    db, flag = str(tmp_path / "db"), str(tmp_path / "progress")
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(here=str(HERE), n=n, db=db, flag=flag))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline:
        if os.path.exists(flag) and float(open(flag).read() or 0) >= 0.2:
            break
        if proc.poll() is not None:
            pytest.fail(f"child ended early: {proc.stderr.read().decode()[-500:]}")
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    copy = tmp_path / "db_after_kill"
    shutil.copytree(db, copy)
    store = MemoryStore(StoreConfig(path=db, batch_size=50), embedder)
    partial = store.count()
    assert 0 < partial < n, partial
    expected = {m.id: m for m in make_memories(n)}
    assert all(m == expected[m.id] for m in store.get(list(expected)))  # what is there is intact
    written = store.write(list(expected.values()))
    assert written == n - partial  # resumed: only the missing ones were written
    assert store.count() == n
    assert store.get(list(expected)) == sorted(expected.values(), key=lambda m: m.id)
    assert store.write(list(expected.values())) == 0
    hits = store.search("Ashley prays in silence", k=3, character="Ashley")
    assert len(hits) == 3 and all(h.character == "Ashley" for h, _ in hits)


def _chroma_bin():
    exe = Path(sys.executable).with_name("chroma")
    return exe if exe.exists() else None


@pytest.mark.skipif(_chroma_bin() is None, reason="chroma server binary not installed with chromadb")
def test_http_client_against_a_local_chroma_server(tmp_path, embedder):
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = subprocess.Popen([str(_chroma_bin()), "run", "--path", str(tmp_path / "srv"), "--host", "127.0.0.1", "--port", str(port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        store = MemoryStore(StoreConfig(url=f"http://127.0.0.1:{port}", batch_size=40), embedder)
        assert store.backend == "http"
        mems = make_memories(120)
        assert store.write(mems) == 120 and store.write(mems) == 0
        assert store.count(film="testfilm") == 120
        hits = store.search("Mammy waits for news", k=3, character="Mammy")
        assert len(hits) == 3 and hits[0][0].character == "Mammy"
    finally:
        srv.kill()
        srv.wait()
