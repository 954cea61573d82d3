"""The ``videogen`` stage: prompt frames → LTX-Video clips through a ComfyUI server.

It needs a reachable ComfyUI (``$REELMIND_COMFYUI`` or ``stages.videogen.comfyui``, default
http://127.0.0.1:8188): without one ``check()`` reports it missing with the fix; nothing is faked.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from reelmind.core.stage import RunContext, Stage

from .options import VideoOptions

log = logging.getLogger("reelmind.videogen.stage")

DEFAULT_URL = "http://127.0.0.1:8188"


def comfy_url(options: VideoOptions | None = None) -> str:
    if options is not None and options.comfyui and options.comfyui != DEFAULT_URL:
        return options.comfyui
    return os.environ.get("REELMIND_COMFYUI", DEFAULT_URL)


def check() -> list[str]:
    """Missing when no ComfyUI answers ``/system_stats`` at the configured URL."""
    url = comfy_url()
    try:
        import httpx

        r = httpx.get(url.rstrip("/") + "/system_stats", timeout=2.0)
        r.raise_for_status()
        r.json()
    except ImportError:
        return ["videogen: httpx is missing — fix: pip install reelmind-videogen"]
    except Exception as exc:  # noqa: BLE001 - any failure means: not reachable
        return [f"videogen: no ComfyUI answers at {url} ({type(exc).__name__}) — fix: start ComfyUI with the "
                f"LTX-Video models (python main.py --listen) and set REELMIND_COMFYUI=http://HOST:8188 "
                f"(or stages.videogen.comfyui)"]
    return []


def _ledger_dir(ctx: RunContext) -> Path:
    """Beside the stage's cache entries (kept across killed runs), else the scratch folder."""
    parent = ctx.scratch.parent
    return parent.parent if parent.name.startswith(".partial-") else ctx.scratch


def setup(options: VideoOptions, profile: Any):
    from .client import ComfyClient

    def runner(inputs: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
        from .generate import generate

        frames = inputs["prompts"]
        film = inputs.get("video")
        out = ctx.scratch / "videos"
        total = max(1, len(frames) * len(options.seeds))
        done = [0]

        def on_event(kind: str, data: dict) -> None:
            if kind == "done":
                done[0] += 1
                ctx.progress(min(0.99, done[0] / total), data.get("clip", ""))

        with ComfyClient(comfy_url(options), retries=options.retries) as client:
            manifest = generate(frames, options, out, client=client, film=film, on_event=on_event,
                                ledger_path=_ledger_dir(ctx) / "videogen-jobs.json")
        table = clip_table(manifest, out)
        return {"clips": table}

    return runner


def clip_table(manifest: dict, out: Path):
    from reelmind.core.records import ClipTable

    rows = []
    for c in manifest["clips"]:
        graph = json.loads((out / c["graph"]).read_text(encoding="utf-8"))
        rows.append(dict(kind="repeat" if c["repeat"] else "clip", name=c["file"] or c["name"], keyframe=c["keyframe"],
                         character=c["character"], start=c["start"], emotion=c["emotion"], mode=manifest["mode"],
                         profile=manifest["profile"], seed=c["seed"], graph_hash=c["graph_hash"],
                         prompt_id=c["prompt_id"], width=(c["size"] or [c["clamp"]["width"]])[0],
                         height=(c["size"] or [0, c["clamp"]["height"]])[1], frames=(c["size"] or [0, 0, c["clamp"]["frames"]])[2],
                         clamped=c["clamp"]["clamped"], seconds=c["seconds"], md5=c["md5"],
                         dominant=(c.get("faces") or {}).get("dominant", ""), status=c["status"], graph=json.dumps(graph),
                         data=(out / c["file"]).read_bytes() if c["file"] else b""))
    for a in manifest["arcs"]:
        rows.append(dict(kind="arc", name=a["file"], keyframe=-1, character=a["character"], start=0.0, emotion="",
                         mode=manifest["mode"], profile=manifest["profile"], seed=a["seed"], graph_hash="", prompt_id="",
                         width=0, height=0, frames=0, clamped=False, seconds=a["measured"], md5="", dominant="",
                         status="stitched", graph="", data=(out / a["file"]).read_bytes()))
    cols = {k: [r[k] for r in rows] for k in (rows[0] if rows else {})}
    meta = {k: v for k, v in manifest.items() if k != "clips"}
    meta["stage"] = "videogen"
    if manifest.get("degraded"):
        meta["degraded"] = list(manifest["degraded"])
    return ClipTable(**cols, meta=meta) if rows else ClipTable(meta=meta)


def publish(outputs: dict[str, Any], options: VideoOptions, out: Path) -> list[Path]:
    """videos/<clip>.mp4, videos/repeat/, videos/arcs/, videos/graphs/*.json and videos/manifest.json."""
    from reelmind.core.atomic import write_json

    table = outputs["clips"]
    folder = out / "videos"
    written = []
    for i in range(len(table)):
        if table.data[i]:
            p = folder / table.name[i]
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(table.data[i])
            written.append(p)
        if table.graph[i]:
            g = folder / "graphs" / f"{Path(table.name[i]).stem}.{table.graph_hash[i][:12]}.json"
            g.parent.mkdir(parents=True, exist_ok=True)
            g.write_text(table.graph[i], encoding="utf-8")
    written.append(write_json(folder / "manifest.json", {**table.meta, "clips": [
        {k: v for k, v in row.items() if k not in ("data", "graph")} for row in table.to_pylist()]}))
    return written


STAGE = Stage(
    name="videogen",
    inputs=("prompts",),
    outputs=("clips",),
    options_type=VideoOptions,
    setup=setup,
    check=check,
    publish=publish,
    optional_inputs=("video",),
    description="LTX-Video clips through ComfyUI (T2V/I2V/A2V per GPU tier), MD5 reproducibility, faces-stage scatter, arcs",
)
