"""The client against our stand-in: dropped websocket, server restart, node failure, refusal, Ctrl-C."""
import threading
import time

import pytest

from reelmind.videogen.client import ComfyClient, ComfyExecutionError, JobLedger
from reelmind.videogen.graphs import ClipSpec, build_graph, graph_hash
from reelmind.videogen.options import VideoOptions
from reelmind.videogen.profiles import get_profile
from reelmind.videogen.validate import GraphValidationError


def _graph(seed=42, frames=17):
    p = get_profile("48gb")
    return build_graph(ClipSpec("a man frowns", seed, 128, 96, frames, prefix=f"reelmind/t{seed}"), "t2v", p,
                       VideoOptions(steps=8))


def _client(server, **kw):
    return ComfyClient(server.url, retries=kw.pop("retries", 3), backoff=0.05, **kw)


def test_a_job_survives_a_dropped_websocket(server, tmp_path):
    server.config.step_delay = 0.02
    server.config.drop_ws_after_steps = 3
    g = _graph()
    events = []
    with _client(server) as c:
        r = c.run(g, graph_hash(g), ledger=JobLedger(tmp_path / "jobs.json"), on_event=lambda k, d: events.append(k))
    assert r.files()[0]["filename"].endswith(".mp4") and server.state.generated == 1
    assert r.resubmits == 0 and "progress" in events
    assert sum(1 for m, p in server.state.requests if p == "/ws") == 2  # reconnected once


def test_a_server_restart_mid_job_requeues_once_and_never_twice(server, tmp_path):
    server.config.step_delay = 0.25  # 8 steps: the restart lands while the old server is sampling
    g = _graph(7)
    ledger = JobLedger(tmp_path / "jobs.json")
    seen = threading.Event()

    def restart():
        seen.wait(10)
        server.restart()

    threading.Thread(target=restart, daemon=True).start()
    with _client(server, retries=8) as c:
        r = c.run(g, graph_hash(g), ledger=ledger, on_event=lambda k, d: seen.set() if k == "progress" else None)
    server.config.step_delay = 0.0
    assert r.resubmits == 1 and server.state.generated == 1  # the new server made it once
    # the finished clip is never generated again: not by a rerun, not after another restart
    server.restart()
    with _client(server) as c:
        again = c.run(g, graph_hash(g), ledger=JobLedger(tmp_path / "jobs.json"))
    assert again.status == "cached" and server.state.generated == 0
    assert not any(p == "/prompt" for m, p in server.state.requests)


def test_a_restart_after_the_clip_was_made_does_not_make_it_again(server, tmp_path):
    server.config.die_after_executed = True
    g = _graph(9)
    ledger = JobLedger(tmp_path / "jobs.json")
    done = threading.Event()

    def restart():
        for _ in range(200):
            if server.state.dead:
                break
            time.sleep(0.02)
        server.config.die_after_executed = False
        server.restart()
        done.set()

    threading.Thread(target=restart, daemon=True).start()
    with _client(server, retries=8) as c:
        r = c.run(g, graph_hash(g), ledger=ledger)
        assert done.wait(10)
        assert r.status == "recovered" and r.resubmits == 0
        assert server.state.generated == 0  # the restarted server was never asked again
        assert c.view(r.files()[0]["filename"], r.files()[0]["subfolder"])[4:8] == b"ftyp"  # the file survived


def test_execution_error_is_one_line_with_node_and_exception(server, tmp_path):
    server.config.fail_class = "VAEDecode"
    g = _graph()
    with _client(server) as c, pytest.raises(ComfyExecutionError) as exc:
        c.run(g, graph_hash(g), ledger=JobLedger(tmp_path / "j.json"))
    msg = str(exc.value)
    assert "\n" not in msg and "node decode (VAEDecode)" in msg and "RuntimeError" in msg
    assert JobLedger(tmp_path / "j.json").get(graph_hash(g))["status"] == "error"


def test_validation_error_names_node_and_input(server):
    server.config.models = {"something-else.safetensors"}
    g = _graph()
    with _client(server) as c, pytest.raises(GraphValidationError) as exc:
        c.run(g, graph_hash(g))
    e = exc.value.errors[0]
    assert (e.node, e.class_type, e.input, e.type) == ("ckpt", "CheckpointLoaderSimple", "ckpt_name", "value_not_in_list")
    assert "something-else.safetensors" in e.expected and "ltxv-13b" in e.got
    assert "node ckpt (CheckpointLoaderSimple) input ckpt_name" in str(exc.value)


def test_ctrl_c_sends_interrupt(server, tmp_path):
    server.config.step_delay = 0.05
    g = _graph(frames=49)

    def on_event(kind, data):
        if kind == "progress" and data["value"] >= 2:
            raise KeyboardInterrupt

    with _client(server) as c, pytest.raises(KeyboardInterrupt):
        c.run(g, graph_hash(g), ledger=JobLedger(tmp_path / "j.json"), on_event=on_event)
    assert ("POST", "/interrupt") in server.state.requests
    for _ in range(100):
        if not server.state.running:
            break
        time.sleep(0.02)
    assert server.state.generated == 0 and JobLedger(tmp_path / "j.json").get(graph_hash(g))["status"] == "interrupted"
