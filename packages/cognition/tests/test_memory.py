"""The ``memory`` stage: tiers, consolidation, scenes, reflection; the ChromaDB sink; the LLM, guarded or down."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from cognition_film import make_film
from openai_server import OpenAIServer

from reelmind.core.records import MemoryTable
from reelmind.cognition.memory import STAGE, film_id
from reelmind.cognition.memory_store import MemoryStore, StoreConfig, memories_from
from reelmind.cognition.tables import consolidation_from

HERE = Path(__file__).resolve().parent


def _inputs(film_outputs):
    return {k: film_outputs[k] for k in STAGE.inputs}


@pytest.fixture(scope="module")
def small():
    """A two-scene film through moments and memory (no LLM): the baseline of the LLM tests."""
    from cognition_stages import run_stages

    return run_stages(make_film(n_scenes=2, lines_per_scene=12), {"moments": {"lstm": {"epochs": 10}}}, names=("moments", "memory"))


def test_memory_finds_the_constructed_structure(film_outputs):
    ds = make_film()
    mem = film_outputs["memories"]
    assert set(STAGE.outputs) <= set(film_outputs) and mem.meta["film_id"] == film_id(ds)
    kinds = {k: int(np.count_nonzero(mem.kind == k)) for k in ("moment", "hotspot", "insight")}
    cons = {c.character: c for c in consolidation_from(film_outputs["consolidation"], film_outputs["hotspots"])}
    assert kinds["moment"] == len(ds) and kinds["hotspot"] == len(cons["Ada"].hotspots) >= 1 and not cons["Cleo"].hotspots
    assert 2 * 60 < cons["Ada"].hotspots[0].start < cons["Ada"].hotspots[0].end < 6 * 60
    spot = mem.take(mem.id == cons["Ada"].hotspots[0].memory_id)
    assert list(spot.tier) == ["ltm"] and "sudden shifts" in spot.text[0]
    # one memory per moment, in moment order, pointing at its dataset row; embeddings travel with the table
    assert list(mem.row[: len(ds)]) == list(film_outputs["moments"].row) and set(mem.row[len(ds):]) == {-1}
    assert mem.embedding.shape == (len(mem), 384) and len(set(mem.id)) == len(mem)
    # promotion: only candidates reach LTM, by references >= 2; archival at the 5 scene cuts
    moments_ltm = mem.take((mem.kind == "moment") & (mem.tier == "ltm"))
    assert len(moments_ltm) and np.all(moments_ltm.refs >= 2)
    scenes = film_outputs["scenes"]
    assert list(scenes.scene) == list(range(6)) and np.all(scenes.gap_before[1:] > 20) and np.isnan(scenes.gap_before[0])
    assert scenes.archived.sum() > 0 and np.count_nonzero(mem.tier == "archived") > 0
    cs = film_outputs["character_scenes"]
    assert len(cs) == 18 and cs.moments.sum() == len(ds)
    ada0 = cs.take((cs.character == "Ada") & (cs.scene == 0))
    assert ada0.mean_valence[0] > 0.2 and sum(ada0.emotion_counts[0]) == ada0.moments[0]
    # reflection: insights cite real memory ids; the narrative has its 5 sections from templates
    refl = film_outputs["reflections"]
    ins = refl.take(refl.kind == "insight")
    assert len(ins) and all(set(e) <= set(mem.id) and e for e in ins.evidence)
    ev = refl.take((refl.kind == "evolution") & (refl.character == "Ada"))
    assert list(ev.section) == ["opening", "turning_points", "patterns", "relationships", "closing"]
    assert set(ev.source) == {"template"} and not np.any(refl.kind == "theory_of_mind")
    assert "degraded" not in mem.meta


def test_scene_cuts_follow_the_moments_gaps():
    from reelmind.cognition.moments import STAGE as MOMENTS
    from reelmind.cognition.memory import scenes_table
    from reelmind.core.records import DatasetTable

    start, end = np.array([0.0, 3.0, 30.0, 50.5, 51.0]), np.array([2.0, 9.0, 30.5, 51.0, 52.0])
    ds = DatasetTable(character=np.array(["A"] * 5, dtype=object), dialogue=np.array(["x"] * 5, dtype=object),
                      start_time=start, end_time=end)
    mo = MOMENTS.run({"dataset": ds}, MOMENTS.make_options({"lstm": {"enabled": False}}))["moments"]
    sc = scenes_table(mo, ds, {1: (2, 1)}, {})
    assert list(sc.scene) == [0, 1] and list(sc.start) == [0.0, 30.0] and list(sc.end) == [9.0, 52.0]
    assert sc.gap_before[1] == 21.0  # 50.5 - 30.5 = 20: not a cut
    assert list(sc.archived) == [0, 2] and list(sc.preserved) == [0, 1]


def test_chroma_sink_is_written_from_the_records(film_outputs, tmp_path):
    mem = film_outputs["memories"]
    opts = STAGE.make_options({})
    (folder,) = STAGE.publish(film_outputs, opts, tmp_path)
    assert folder == tmp_path / "memory"
    store = MemoryStore(StoreConfig(path=str(folder)))
    assert store.count(film=mem.meta["film_id"]) == len(mem)
    got = {m.id: m for m in store.get(list(mem.id))}
    assert [got[m.id] for m in memories_from(mem)] == memories_from(mem)
    assert STAGE.publish(film_outputs, opts, tmp_path) == [folder] and store.count() == len(mem)  # idempotent
    # the stored vectors are the table's (nothing re-embedded)
    rec = store.collection.get(ids=[mem.id[0]], include=["embeddings"])
    np.testing.assert_allclose(np.asarray(rec["embeddings"][0]), mem.embedding[0], atol=1e-6)
    # the cache key does not depend on where the sink is
    from reelmind.core.stage import key_options

    assert key_options(STAGE.make_options({"url": "http://x:1", "path": "/y", "device": "cuda"})) == key_options(opts)


KILLED = textwrap.dedent("""
    import sys, time
    from reelmind.core.records import MemoryTable
    from reelmind.cognition.memory_store import StoreConfig, write_table
    def progress(frac, msg):
        with open({flag!r}, "w") as fh:
            fh.write(msg)
        time.sleep(0.2)  # leave the parent time to kill us between two batches
    write_table(MemoryTable.read_parquet({table!r}), StoreConfig(path={db!r}, batch_size=16), progress=progress)
""")


def test_sink_killed_mid_write_resumes_without_duplicates_or_loss(film_outputs, tmp_path):
    mem = film_outputs["memories"]
    table, flag, db = tmp_path / "memories.parquet", tmp_path / "flag", tmp_path / "memory"
    mem.to_parquet(table)
    script = tmp_path / "child.py"
    script.write_text(KILLED.format(table=str(table), flag=str(flag), db=str(db)))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if flag.exists() and flag.read_text().startswith("memories") and int(flag.read_text().split()[1].split("/")[0]) >= 48:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"child ended before the kill: {proc.stderr.read().decode()[-400:]}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = MemoryStore(StoreConfig(path=str(db))).count()
    assert 0 < partial < len(mem)
    STAGE.publish(film_outputs, STAGE.make_options({}), tmp_path)  # the next run's publish resumes
    store = MemoryStore(StoreConfig(path=str(db)))
    assert store.count() == len(mem)
    assert {m.id: m.text for m in store.get(list(mem.id))} == dict(zip(mem.id, mem.text))


def test_memory_cli_searches_the_run_folder(film_outputs, tmp_path):
    from typer.testing import CliRunner

    from reelmind.cognition.memory_cli import app

    film_outputs["memories"].to_parquet(tmp_path / "memories.parquet")  # as the driver publishes it
    STAGE.publish(film_outputs, STAGE.make_options({}), tmp_path)
    res = CliRunner().invoke(app, [str(tmp_path), "Ada is afraid", "-c", "Ada", "-e", "fear", "-k", "3"])
    assert res.exit_code == 0, res.output
    hits = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert len(hits) == 3 and all(h["character"] == "Ada" for h in hits) and hits[0]["emotion"] == "fear"
    bad = CliRunner().invoke(app, [str(tmp_path / "nowhere"), "x"])
    assert bad.exit_code == 1 and "no memories.parquet" in bad.output


def test_llm_text_is_optional_guarded_and_marked(small, monkeypatch):
    def reply(body):
        user = body["messages"][1]["content"]
        if "Character: Ben" in user or '"character": "Ben"' in user:
            return "Ben meets Zorro."  # a name that is no character: the guard must reject it
        return "Ada swings between joy and fear."

    monkeypatch.setenv("REELMIND_TEST_LLM_KEY", "s3cret-key")
    with OpenAIServer(reply) as srv:
        out = STAGE.run(_inputs(small), STAGE.make_options({"llm": {"base_url": srv.url, "api_key_env": "REELMIND_TEST_LLM_KEY"},
                                                              "tom_max": 3, "tom_rank": 0.9}))
    assert {r["auth"] for r in srv.requests} == {"Bearer s3cret-key"}
    refl = out["reflections"]
    ev = refl.take(refl.kind == "evolution")
    assert set(ev.source[ev.character == "Ada"]) == {"llm"} and set(ev.source[ev.character == "Ben"]) == {"template"}
    assert any("Zorro" in g for g in refl.meta["guard"]) and any("Zorro" in g for gs in ev.guard for g in gs)
    tom = refl.take(refl.kind == "theory_of_mind")
    assert 0 < len(tom) <= 3 and set(tom.source) == {"llm"} and np.all(np.isfinite(tom.time))
    cons = out["consolidation"]
    assert str(cons.llm_summary[cons.character == "Ada"][0]).startswith("Ada swings") and cons.llm_summary[cons.character == "Ben"][0] == ""
    for t in out.values():  # the key itself is in no record
        assert b"s3cret-key" not in t.to_arrow().schema.metadata[b"reelmind.meta"]
    assert "degraded" not in out["memories"].meta


def test_unreachable_llm_is_a_degraded_result(small):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.perf_counter()
    out = STAGE.run(_inputs(small), STAGE.make_options({"llm": {"base_url": f"http://127.0.0.1:{port}/v1", "timeout_s": 5}}))
    assert time.perf_counter() - t0 < 60
    (msg,) = out["memories"].meta["degraded"]
    assert "unreachable" in msg and f"127.0.0.1:{port}" in msg
    assert set(out["reflections"].source[out["reflections"].kind == "evolution"]) == {"template"}
    # the records are otherwise those of a run without LLM
    assert list(out["memories"].id) == list(small["memories"].id)
    assert list(out["reflections"].text) == list(small["reflections"].text)


def test_empty_film_gives_empty_records():
    from reelmind.core.records import DatasetTable

    from cognition_stages import run_stages

    arts = run_stages(DatasetTable(), {"moments": {"lstm": {"enabled": False}}}, names=("moments", "memory"))
    assert all(len(arts[k]) == 0 for k in STAGE.outputs)
    assert isinstance(arts["memories"], MemoryTable)
