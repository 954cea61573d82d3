"""Our ComfyUI stand-in speaks the captured protocol: same routes, message types, fields and order."""
import json

import httpx
import websocket
from vg_fixtures import capture


def _run(server, graph, client_id="660d16dce9234de6aa568ba8573fe07d"):
    ws = websocket.create_connection(f"ws://127.0.0.1:{server.port}/ws?clientId={client_id}", timeout=10)
    msgs = [json.loads(ws.recv())]
    r = httpx.post(server.url + "/prompt", json={"prompt": graph, "client_id": client_id})
    body = r.json()
    while True:
        m = json.loads(ws.recv())
        msgs.append(m)
        if m["type"] == "executing" and m["data"]["node"] is None:
            break
    ws.close()
    return r, body, msgs


def _node_streams(msgs):
    """Per node: the kinds of messages about it, in order (node order itself is ComfyUI's set order)."""
    streams = {}
    for m in msgs:
        d = m["data"]
        if m["type"] in ("executing", "executed") and d.get("node"):
            streams.setdefault(d["node"], []).append(m["type"])
    return streams


def _skeleton(msgs):
    return [m["type"] for m in msgs if m["type"] not in ("progress_state", "executing", "executed")] + \
        [m["type"] for m in msgs[-1:]]


def _keys(msgs, kind):
    return [sorted(m["data"]) for m in msgs if m["type"] == kind]


def _compare(ours, captured):
    cap = [c["json"] for c in captured]
    assert _skeleton(ours) == _skeleton(cap)
    assert [m["type"] for m in ours[:4]] == [m["type"] for m in cap[:4]]
    assert [m["type"] for m in ours[-3:]] == [m["type"] for m in cap[-3:]]
    assert _node_streams(ours) == _node_streams(cap)
    for kind in ("status", "execution_start", "execution_cached", "executing", "executed", "execution_success",
                 "execution_error", "progress_state"):
        assert _keys(ours, kind) == _keys(cap, kind), kind
    # field by field where the values do not depend on ids, times or ComfyUI's (set-ordered) node order
    assert [m["data"]["status"] for m in ours if m["type"] == "status"] == \
        [m["data"]["status"] for m in cap if m["type"] == "status"]
    node_fields = {tuple(sorted(st)) for m in cap if m["type"] == "progress_state" for st in m["data"]["nodes"].values()}
    for m in ours:
        if m["type"] == "progress_state":
            assert {tuple(sorted(st)) for st in m["data"]["nodes"].values()} <= node_fields
    final = lambda ms: {n: (st["state"], st["value"]) for n, st in [m for m in ms if m["type"] == "progress_state"][-1]["data"]["nodes"].items()}  # noqa: E731
    assert final(ours) == final(cap)
    assert len([m for m in ours if m["type"] == "progress_state"]) == len([m for m in cap if m["type"] == "progress_state"])


def test_image_graph_and_its_cached_rerun_match_the_captures(server):
    graph = capture("01_emptyimage_saveimage.post_prompt.json")["request_body"]["prompt"]
    r, body, msgs = _run(server, graph)
    cap = capture("01_emptyimage_saveimage.post_prompt.json")
    assert r.status_code == cap["http_status"] and sorted(body) == sorted(cap["response"])
    _compare(msgs, capture("01_emptyimage_saveimage.ws_messages.json"))
    executed = [m for m in msgs if m["type"] == "executed"][0]["data"]["output"]
    assert executed == {"images": [{"filename": "reelmind_probe_00001_.png", "subfolder": "", "type": "output"}]}
    hist = httpx.get(f"{server.url}/history/{body['prompt_id']}").json()[body["prompt_id"]]
    cap_hist = list(capture("01_emptyimage_saveimage.history.json").values())[0]
    assert sorted(hist) == sorted(cap_hist) and hist["outputs"] == cap_hist["outputs"]
    assert [m[0] for m in hist["status"]["messages"]] == [m[0] for m in cap_hist["status"]["messages"]]
    assert hist["meta"] == cap_hist["meta"]
    # identical prompt: answered from the cache, exactly like capture 02
    r, body, msgs = _run(server, graph)
    _compare(msgs, capture("02_same_prompt_cached.ws_messages.json"))
    cached = [m for m in msgs if m["type"] == "execution_cached"][0]["data"]["nodes"]
    assert sorted(cached) == ["1", "2"] and server.state.generated == 1
    ps = [m for m in msgs if m["type"] == "progress_state"][0]["data"]["nodes"]["2"]
    assert ps["value"] == 1 and isinstance(ps["value"], int)  # ints in the cached case, as captured


def test_model_free_ltxv_graph_matches_capture_03(server):
    cap = capture("03_ltxv_modelfree_video.post_prompt.json")
    r, body, msgs = _run(server, cap["request_body"]["prompt"])
    assert r.status_code == 200
    _compare(msgs, capture("03_ltxv_modelfree_video.ws_messages.json"))
    outs = {m["data"]["node"]: m["data"]["output"] for m in msgs if m["type"] == "executed"}
    assert outs["14"] == {"images": [{"filename": "reelmind_probe_00001_.mp4", "subfolder": "video", "type": "output"}],
                          "animated": [True]}
    video = httpx.get(server.url + "/view", params={"filename": "reelmind_probe_00001_.mp4", "subfolder": "video",
                                                    "type": "output"})
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"


def test_execution_error_matches_capture_05(server):
    cap = capture("05_runtime_error_attempt.post_prompt.json")
    server.config.fail_class = "SaveVideo"
    r, body, msgs = _run(server, cap["request_body"]["prompt"])
    _compare(msgs, capture("05_runtime_error_attempt.ws_messages.json"))
    err = [m for m in msgs if m["type"] == "execution_error"][0]["data"]
    assert err["node_id"] == "3" and err["node_type"] == "SaveVideo" and err["executed"] == ["1", "2"]
    hist = httpx.get(f"{server.url}/history/{body['prompt_id']}").json()[body["prompt_id"]]
    assert hist["status"]["status_str"] == "error" and hist["status"]["completed"] is False and hist["outputs"] == {}


def test_refusals_and_routes_match(server):
    for name in ("04_validation_error", "04c_no_output"):
        cap = capture(f"{name}.post_prompt.json")
        prompt = cap["request_body"]["prompt"]
        if name == "04_validation_error":
            server.config.models = set()  # like the capture server: no checkpoint installed
        r = httpx.post(server.url + "/prompt", json={"prompt": prompt, "client_id": "x"})
        assert (r.status_code, r.json()) == (cap["http_status"], cap["response"])
    server.config.without = {"UnetLoaderGGUF"}
    cap = capture("04b_unknown_node.post_prompt.json")
    r = httpx.post(server.url + "/prompt", json=cap["request_body"])
    assert (r.status_code, r.json()) == (400, cap["response"])
    misc = capture("06_misc_endpoints.json")
    assert httpx.get(server.url + "/queue").json() == misc["GET /queue"]
    assert httpx.get(server.url + "/object_info/EmptyLTXVLatentVideo").json() == misc["GET /object_info/EmptyLTXVLatentVideo"]
    assert httpx.get(server.url + "/history/does-not-exist").json() == misc["GET /history/does-not-exist"]
    assert httpx.get(server.url + "/api/system_stats").status_code == 200
    assert httpx.post(server.url + "/free", json={"unload_models": True, "free_memory": True}).status_code == 200
    assert httpx.post(server.url + "/interrupt", json={}).status_code == 200
    assert httpx.get(server.url + "/view", params={"filename": "nope.png", "type": "output"}).status_code == 404
    assert httpx.get(server.url + "/view", params={"filename": "/etc/passwd"}).status_code == 400
    assert httpx.get(server.url + "/view", params={"filename": "../x.png"}).status_code == 400
    assert httpx.get(server.url + "/prompt").json() == capture("get_prompt.json")
    assert httpx.get(server.url + "/features").json() == capture("features.json")
    stats = httpx.get(server.url + "/system_stats").json()
    assert sorted(stats) == sorted(capture("system_stats.json")) and "vram_free" in stats["devices"][0]
    hello = websocket.create_connection(f"ws://127.0.0.1:{server.port}/ws", timeout=5)
    first = json.loads(hello.recv())
    hello.close()
    cap = capture("07_ws_hello_no_clientid.json")["json"]
    assert first["type"] == cap["type"] and sorted(first["data"]) == sorted(cap["data"]) and len(first["data"]["sid"]) == 32
