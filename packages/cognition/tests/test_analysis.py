import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from cognition_film import make_film
from openai_server import OpenAIServer

from reelmind.core import DatasetTable
from reelmind.cognition.analysis import DETERMINISTIC_FILES, CognitionOptions, load_analysis, open_store, run_analysis

HERE = Path(__file__).resolve().parent

CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, {here!r})
    from cognition_film import make_film
    from reelmind.cognition.analysis import run_analysis
    run_analysis(make_film(), {out!r})
""")


KILLED = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {here!r})
    from cognition_film import make_film
    from reelmind.cognition.analysis import CognitionOptions, run_analysis
    def progress(frac, msg):
        if msg.startswith("memories"):
            with open({flag!r}, "w") as fh:
                fh.write(msg)
            time.sleep(0.2)  # leave the parent time to kill us between two batches
    run_analysis(make_film(), {out!r}, CognitionOptions(memory_batch=16), progress)
""")


@pytest.fixture(scope="module")
def film_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("analysis_a")
    run_analysis(make_film(), out)
    return out


def test_same_input_same_options_byte_identical_in_another_process(film_run, tmp_path):
    other = tmp_path / "analysis_b"
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(here=str(HERE), out=str(other)))
    subprocess.run([sys.executable, str(script)], check=True, capture_output=True, timeout=300)
    for name in DETERMINISTIC_FILES:
        a, b = (film_run / name).read_bytes(), (other / name).read_bytes()
        assert a == b, f"{name} differs between two runs"
    # the ChromaDB stores (binary internals differ) answer the same queries with the same memories
    sa, sb = open_store(film_run, CognitionOptions()), open_store(other, CognitionOptions())
    assert sa.count() == sb.count() == load_analysis(film_run)["memory_stats"].total
    for q, c in (("Ada feels fear", "Ada"), ("Ben is happy about the scene", "Ben")):
        ra = [(m.id, m.text, m.tier, m.refs) for m, _ in sa.search(q, k=5, character=c)]
        rb = [(m.id, m.text, m.tier, m.refs) for m, _ in sb.search(q, k=5, character=c)]
        assert ra == rb and len(ra) == 5


def test_analysis_finds_the_constructed_structure(film_run):
    a = load_analysis(film_run)
    arcs = {x.character: x.arc_class for x in a["arcs"]}
    assert arcs == {"Ada": "FALLING", "Ben": "RISING", "Cleo": "FLAT"}
    assert len(a["scenes"]) == 5 and all(s.gap_s > 20 for s in a["scenes"])
    cs = {(x.character, x.scene): x for x in a["character_scenes"]}
    assert len(cs) == 18 and sum(x.moments for x in cs.values()) == len(make_film())
    assert cs[("Ada", 0)].mean_valence > 0.2 > -0.2 > cs[("Ada", 5)].mean_valence
    assert cs[("Ben", 0)].mean_valence < cs[("Ben", 5)].mean_valence and cs[("Cleo", 3)].dominant_emotion == "neutral"
    tr = a["transitions"]
    assert len(tr) == len(make_film()) - 3  # one per step of each character
    ada_sudden = [t for t in tr if t.character == "Ada" and t.type == "SUDDEN"]
    scene2 = [t for t in ada_sudden if t.scene == 2]
    assert len(scene2) >= 5  # the constructed untriggered swings
    assert not [t for t in tr if t.character == "Cleo" and t.type in ("SUDDEN", "TRIGGERED")]
    assert all(np.isfinite(t.surprise) for t in tr)
    cons = {c.character: c for c in a["consolidation"]}
    assert cons["Ada"].hotspots and cons["Ada"].hotspots[0].shifts >= 3 and not cons["Cleo"].hotspots
    assert 2 * 60 < cons["Ada"].hotspots[0].start < cons["Ada"].hotspots[0].end < 6 * 60
    trends = [p for p in a["stm"] if p.character == "Ada" and p.trend == "VOLATILE"]
    assert trends and all(p.window == 5 or p.index < 5 for p in a["stm"])
    # memory: one memory per moment, hotspots written straight to LTM, stats match the store
    stats = a["memory_stats"]
    assert stats.by_kind["moment"] == len(make_film()) and stats.by_kind["hotspot"] == len(cons["Ada"].hotspots)
    store = open_store(film_run, CognitionOptions())
    spot = store.get([cons["Ada"].hotspots[0].memory_id])[0]
    assert spot.tier == "ltm" and spot.kind == "hotspot" and "sudden shifts" in spot.text
    assert store.stats(film=a["meta"]["film_id"])["by_tier"] == stats.by_tier
    assert stats.scene_boundaries == 5 and sum(s.archived for s in a["scenes"]) > 0
    # reflection: insights cite real memory ids, the narrative has its 5 sections from templates
    refl = a["reflection"]
    ids = set(pq.read_table(film_run / "memories.parquet").column("id").to_pylist())
    assert refl["insights"] and all(set(i["evidence"]) <= ids and i["evidence"] for i in refl["insights"])
    ev = {e["character"]: e for e in refl["evolution"]}
    assert set(ev["Ada"]["sections"]) == {"opening", "turning_points", "patterns", "relationships", "closing"}
    assert set(ev["Ada"]["source"].values()) == {"template"} and refl["theory_of_mind"] == []
    meta = a["meta"]
    assert meta["options"]["lstm"] is True and meta["models"][0]["name"] == "all-MiniLM-L6-v2"
    assert len(meta["models"][0]["sha256"]) == 64 and meta["versions"]["chromadb"]
    # OCEAN neuroticism inferred from the first pass: the volatile character gets the lowest stability baseline
    assert meta["neuroticism"]["Ada"] > meta["neuroticism"]["Ben"] and meta["neuroticism"]["Ada"] > meta["neuroticism"]["Cleo"]


def test_loaded_lstm_weights_reproduce_the_trained_surprise(film_run, tmp_path):
    opts = CognitionOptions(memory=False, lstm_weights=str(film_run / "lstm.pt"), neuroticism={"Cleo": 1.0})
    out = run_analysis(make_film(), tmp_path / "loaded", opts)
    a, b = load_analysis(film_run), load_analysis(out)
    assert [t.surprise for t in a["transitions"]] == [t.surprise for t in b["transitions"]]
    assert b["meta"]["neuroticism"]["Cleo"] == 1.0  # an explicit N overrides the inferred one
    cleo = lambda x: [t.stability for t in x["transitions"] if t.character == "Cleo"]  # noqa: E731
    assert max(cleo(b)) <= 0.5 < max(cleo(a))
    assert b["meta"]["lstm"]["source"] == "loaded" and b["memory_stats"].backend == "off"


def test_llm_text_is_optional_guarded_and_marked(tmp_path):
    def reply(body):
        user = body["messages"][1]["content"]
        if "Character: Ben" in user or '"character": "Ben"' in user:
            return "Ben meets Zorro."  # a name that is no character: the guard must reject it
        return "Ada swings between joy and fear."

    with OpenAIServer(reply) as srv:
        out = run_analysis(make_film(), tmp_path / "llm", CognitionOptions(memory=False, llm_base_url=srv.url, llm_api_key="secret"))
    a = load_analysis(out)
    refl = a["reflection"]
    ev = {e["character"]: e for e in refl["evolution"]}
    assert set(ev["Ada"]["source"].values()) == {"llm"} and set(ev["Ben"]["source"].values()) == {"template"}
    assert any("Zorro" in g for g in refl["guard"])
    assert refl["theory_of_mind"] and all(t["source"] == "llm" for t in refl["theory_of_mind"])
    cons = {c.character: c for c in a["consolidation"]}
    assert cons["Ada"].llm_summary.startswith("Ada swings") and cons["Ben"].llm_summary == ""
    assert a["meta"]["options"]["llm_api_key"] == "***"


@pytest.mark.parametrize("rows", [0, 1])
def test_tiny_inputs_give_a_documented_degraded_result(tmp_path, rows):
    ds = make_film(n_scenes=1, lines_per_scene=3).take(np.arange(rows)) if rows else DatasetTable()
    a = load_analysis(run_analysis(ds, tmp_path / "tiny", CognitionOptions(lstm=rows > 0)))
    assert a["transitions"] == [] and len(a["arcs"]) == rows
    assert a["memory_stats"].by_kind.get("moment", 0) == rows


def test_analysis_killed_during_memory_writes_resumes_without_duplicates_or_loss(film_run, tmp_path):
    import os
    import signal
    import time

    out, flag = tmp_path / "killed", tmp_path / "flag"
    script = tmp_path / "child.py"
    script.write_text(KILLED.format(here=str(HERE), out=str(out), flag=str(flag)))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if flag.exists() and flag.read_text().startswith("memories") and int(flag.read_text().split()[1].split("/")[0]) >= 48:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"child ended before the kill: {proc.stderr.read().decode()[-400:]}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stats_total = load_analysis(film_run)["memory_stats"].total
    partial = open_store(out, CognitionOptions()).count()
    assert 0 < partial < stats_total
    run_analysis(make_film(), out)  # the rerun resumes
    store = open_store(out, CognitionOptions())
    assert store.count() == stats_total
    ids = pq.read_table(out / "memories.parquet").column("id").to_pylist()
    texts = pq.read_table(out / "memories.parquet").column("text").to_pylist()
    assert sorted(m.id for m in store.get(ids)) == sorted(ids) and len(set(ids)) == len(ids)
    assert {m.id: m.text for m in store.get(ids)} == dict(zip(ids, texts))
    for name in DETERMINISTIC_FILES:
        assert (out / name).read_bytes() == (film_run / name).read_bytes(), name


def test_memory_cli_searches_the_persistent_store(film_run, tmp_path):
    import json

    from typer.testing import CliRunner

    from reelmind.cognition.memory_cli import app

    res = CliRunner().invoke(app, [str(film_run), "Ada is afraid", "-c", "Ada", "-e", "fear", "-k", "3"])
    assert res.exit_code == 0, res.output
    hits = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert len(hits) == 3 and all(h["character"] == "Ada" for h in hits) and hits[0]["emotion"] == "fear"
    bad = CliRunner().invoke(app, [str(tmp_path), "x"])
    assert bad.exit_code == 1 and "no meta.json" in bad.output
