"""Check the client and the validator against a real ComfyUI (no GPU or models needed):

    python -m reelmind.videogen.realcheck --comfyui http://127.0.0.1:8188 [--json out.json]

1. the model-free graphs of the captures run through :class:`ComfyClient` (websocket end, history,
   ``/view`` download; the video one is decoded and its frames hashed), and an identical rerun is cached;
2. a graph that fails inside a node (odd-sized H.264) becomes a one-line :class:`ComfyExecutionError`;
3. every graph the builder makes (3 tiers × 4 modes) is posted: the server's answer (200, or 400 with
   its ``node_errors``) must equal what :func:`comfy_response` predicts from the server's own
   ``/object_info`` — the same refusal, node for node, error type for error type.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from .client import ComfyClient, ComfyExecutionError, JobLedger
from .graphs import ClipSpec, build_graph, graph_hash
from .options import MODES, VideoOptions
from .profiles import PROFILES
from .validate import comfy_response

EMPTY_IMAGE = {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 16711680}},
               "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "reelmind_realcheck"}}}
VIDEO = {"10": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 9, "color": 255}},
         "11": {"class_type": "LTXVPreprocess", "inputs": {"image": ["10", 0], "img_compression": 35}},
         "13": {"class_type": "CreateVideo", "inputs": {"images": ["11", 0], "fps": 24.0}},
         "14": {"class_type": "SaveVideo", "inputs": {"video": ["13", 0], "filename_prefix": "video/reelmind_realcheck",
                                                      "format": "mp4", "codec": "h264"}}}
ODD = {"1": {"class_type": "EmptyImage", "inputs": {"width": 65, "height": 65, "batch_size": 3, "color": 0}},
       "2": {"class_type": "CreateVideo", "inputs": {"images": ["1", 0], "fps": 24.0}},
       "3": {"class_type": "SaveVideo", "inputs": {"video": ["2", 0], "filename_prefix": "video/reelmind_odd",
                                                   "format": "mp4", "codec": "h264"}}}


def run_checks(url: str, nonce: str = "") -> dict:
    from .media import frames_md5, probe

    report: dict = {"comfyui": url, "checks": []}

    def record(name: str, ok: bool, **detail) -> None:
        report["checks"].append({"check": name, "ok": bool(ok), **detail})

    with ComfyClient(url, retries=2, backoff=0.2) as c, tempfile.TemporaryDirectory() as tmp:
        stats = c.system_stats()
        info = c.object_info()
        report["version"] = stats["system"].get("comfyui_version")
        report["node_classes"] = len(info)
        report["ltx_nodes"] = sorted(k for k in info if "LTX" in k)
        ledger = JobLedger(Path(tmp) / "jobs.json")
        events: list[str] = []
        g = json.loads(json.dumps(EMPTY_IMAGE))
        g["1"]["inputs"]["color"] = 16711680 + len(nonce)
        r = c.run(g, graph_hash(g) + nonce, ledger=ledger, on_event=lambda k, d: events.append(k), timeout=120)
        png = c.view(r.files()[0]["filename"], r.files()[0]["subfolder"])
        record("image graph runs; websocket end = executing/null; /view download", png[:8] == b"\x89PNG\r\n\x1a\n",
               events=events, file=r.files()[0])
        events2: list[str] = []
        cached: list = []
        r2 = c.run(g, graph_hash(g) + nonce + "again", ledger=ledger, timeout=120,
                   on_event=lambda k, d: (events2.append(k), cached.extend(d.get("nodes", []) if k == "execution_cached" else [])))
        record("identical graph answered from ComfyUI's cache", sorted(cached) == ["1", "2"], cached=cached)
        v = json.loads(json.dumps(VIDEO))
        v["10"]["inputs"]["color"] = 255 + len(nonce)
        r3 = c.run(v, graph_hash(v) + nonce, ledger=ledger, timeout=300)
        f = r3.files()[0]
        mp4 = Path(tmp) / "real.mp4"
        mp4.write_bytes(c.view(f["filename"], f["subfolder"]))
        info_clip = probe(mp4)
        record("LTXV model-free video graph: real ComfyUI's MP4 downloaded, decoded, frames hashed",
               info_clip.frames == 9 and (info_clip.width, info_clip.height) == (64, 64),
               md5=frames_md5(mp4), size=[info_clip.width, info_clip.height, info_clip.frames])
        try:
            o = json.loads(json.dumps(ODD))
            o["1"]["inputs"]["color"] = len(nonce)
            c.run(o, graph_hash(o) + nonce, ledger=ledger, timeout=120)
            record("node failure becomes a one-line ComfyExecutionError", False)
        except ComfyExecutionError as exc:
            record("node failure becomes a one-line ComfyExecutionError", "\n" not in str(exc), message=str(exc))
        agree = []
        for name, p in PROFILES.items():
            for mode in MODES:
                graph = build_graph(ClipSpec("a woman smiles", 42, p.width, p.height, p.frames, prefix="reelmind/realcheck",
                                             image="example.png", audio="none.wav"), mode, p, VideoOptions())
                want = comfy_response(graph, info)
                resp = c._request("POST", "/prompt", json={"prompt": graph, "client_id": c.client_id})
                got = (resp.status_code, resp.json())
                if got[0] == 200:  # accepted (the server has every file): take it off the queue again
                    c.interrupt(got[1]["prompt_id"])
                same = got[0] == want[0] and _shape(got[1]) == _shape(want[1])
                agree.append({"profile": name, "mode": mode, "status": got[0], "agrees": same,
                              "server": _shape(got[1]), "ours": _shape(want[1])})
        record("our validator predicts the server's answer for every built graph", all(a["agrees"] for a in agree),
               graphs=agree)
    report["ok"] = all(ch["ok"] for ch in report["checks"])
    return report


def _shape(body: dict) -> dict:
    """The parts of a /prompt answer that do not depend on ids: error type, and per node the error types."""
    if "error" not in body:
        return {"accepted": True}
    return {"error": body["error"]["type"], "message": body["error"]["message"],
            "nodes": {n: sorted(e["type"] + ":" + e.get("extra_info", {}).get("input_name", "") for e in v["errors"])
                      for n, v in (body.get("node_errors") or {}).items()}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="check reelmind-videogen against a real ComfyUI")
    ap.add_argument("--comfyui", default="http://127.0.0.1:8188")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--nonce", default="", help="make the probe graphs unique (a fresh job on every call)")
    args = ap.parse_args(argv)
    report = run_checks(args.comfyui, args.nonce)
    text = json.dumps(report, indent=1)
    if args.json:
        args.json.write_text(text)
    for ch in report["checks"]:
        sys.stdout.write(f"{'ok  ' if ch['ok'] else 'FAIL'} {ch['check']}\n")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
