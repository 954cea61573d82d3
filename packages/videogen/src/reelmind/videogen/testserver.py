"""A stand-in for a GPU ComfyUI, for CI: the same routes, websocket messages (types, fields and order)
and error bodies as the captures of a real ComfyUI v0.3.64 (``tests/data/comfyui/captures``).

It validates every graph against the captured ``/object_info`` (+ the transcribed LTX-2.x nodes) the way
ComfyUI does, with its loader enums listing the model files it was given and its upload enums the files
uploaded to it. It runs no model: each output node writes a *real* small file — ``SaveVideo`` an H.264
MP4 (with AAC audio) whose frames are a deterministic function of the graph's seed, size and reference
image: the uploaded reference for I2V, otherwise one of the given face images picked by the seed — so
download, MD5, stitching and the faces check run for real on it. Identical graphs are answered from its
cache, ``/free`` with ``free_memory`` clears the cache after the current job, ``/interrupt`` stops a job
between sampler steps. Fault switches (``fail_class``, ``drop_ws_after_steps``) let tests break things.

``python -m reelmind.videogen.testserver --port 8188 --faces DIR`` starts one.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .validate import MODEL_FILE_INPUTS, bundled_object_info, comfy_response

log = logging.getLogger("reelmind.videogen.testserver")

try:
    from aiohttp import web as _web

    WORKER = _web.AppKey("reelmind_worker", asyncio.Task)
except ImportError:  # the stand-in needs reelmind-videogen[testserver]
    WORKER = None

SAMPLERS = ("SamplerCustom", "SamplerCustomAdvanced", "KSampler")
DEFAULT_MODELS = {
    "ltx-video-2b-v0.9.5.safetensors", "ltx-video-2b-v0.9.5-Q3_K_M.gguf", "ltx-video-2b-v0.9.5_vae.safetensors",
    "t5xxl_fp16.safetensors", "ltxv-13b-0.9.8-dev-fp8.safetensors", "ltxv-13b-0.9.8-dev.safetensors",
    "ltxv-13b-0.9.8-distilled-lora128.safetensors", "RealESRGAN_x2plus.pth", "ltx-2.3-22b-dev-Q3_K_M.gguf",
    "ltx-2.3-22b_video_vae.safetensors", "ltx-2.3-22b_audio_vae.safetensors", "gemma_3_12B_it_fp4_mixed.safetensors",
    "ltx-2.3-22b-dev-fp8.safetensors", "ltx-2.3-22b-dev.safetensors",
    "ltx_2.3_22b_distilled_1.1_lora_dynamic_fro09_avg_rank_111_bf16.safetensors",
    "ltx-2.3-spatial-upscaler-x2-1.1.safetensors",
}


@dataclass
class ServerConfig:
    root: Path  # holds input/ and output/ (kept across restarts, like ComfyUI's folders)
    faces: list[Path] = field(default_factory=list)  # face images the "model" draws from
    models: set[str] = field(default_factory=lambda: set(DEFAULT_MODELS))
    node_delay: float = 0.0  # seconds per node
    step_delay: float = 0.0  # seconds per sampler step
    fail_class: str | None = None  # raise at the first node of this class
    drop_ws_after_steps: int | None = None  # close every websocket once after this many sampler steps
    die_after_executed: bool = False  # stop answering (simulated crash) right after the first `executed`
    without: set[str] = field(default_factory=set)  # node classes this server lacks


class ComfyStandIn:
    """The server state; :meth:`app` builds the aiohttp application."""

    def __init__(self, config: ServerConfig) -> None:
        self.cfg = config
        (config.root / "input").mkdir(parents=True, exist_ok=True)
        (config.root / "output").mkdir(parents=True, exist_ok=True)
        self.sockets: dict[str, Any] = {}
        self.queue: list[tuple] = []
        self.running: dict[str, tuple] = {}
        self.history: dict[str, dict] = {}
        self.number = 0
        self.cache: dict[str, dict] = {}  # graph digest -> outputs of its output nodes
        self.flags: dict[str, bool] = {}
        self.interrupted = False
        self.generated = 0  # output files actually written (not answered from cache)
        self.requests: list[tuple[str, str]] = []  # (method, path) log
        self.dead = False
        self._wake: asyncio.Event | None = None
        self._steps_sent = 0
        self._dropped = False

    # ------------------------------------------------------------------ object_info
    def object_info(self) -> dict:
        info = copy.deepcopy(bundled_object_info())
        for cls in self.cfg.without:
            info.pop(cls, None)
        inputs = sorted(p.name for p in (self.cfg.root / "input").iterdir() if p.is_file())
        for cls, name in MODEL_FILE_INPUTS:
            if cls not in info:
                continue
            for cat in ("required", "optional"):
                spec = info[cls]["input"].get(cat, {}).get(name)
                if spec is None:
                    continue
                files = inputs if cls in ("LoadImage", "LoadAudio") else sorted(self.cfg.models)
                if isinstance(spec[0], list):
                    spec[0] = files
                else:
                    spec[1]["options"] = files
        return info

    # ------------------------------------------------------------------ messaging
    def _qr(self) -> int:
        return len(self.queue) + len(self.running)

    async def send(self, kind: str, data: dict, sid: str | None) -> None:
        targets = [sid] if sid else list(self.sockets)
        for s in targets:
            ws = self.sockets.get(s)
            if ws is not None and not ws.closed:
                try:
                    await ws.send_json({"type": kind, "data": data})
                except (ConnectionError, RuntimeError):
                    pass

    async def status(self) -> None:
        await self.send("status", {"status": {"exec_info": {"queue_remaining": self._qr()}}}, None)

    # ------------------------------------------------------------------ app
    def app(self):
        from aiohttp import web

        routes = web.RouteTableDef()

        @web.middleware
        async def record(request, handler):
            if self.dead:
                raise web.HTTPServiceUnavailable()
            self.requests.append((request.method, request.path))
            return await handler(request)

        @routes.get("/ws")
        async def ws_handler(request):
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            sid = request.rel_url.query.get("clientId") or uuid.uuid4().hex
            self.sockets[sid] = ws
            await ws.send_json({"type": "status", "data": {"status": {"exec_info": {"queue_remaining": self._qr()}},
                                                           "sid": sid}})
            try:
                async for _ in ws:
                    pass
            finally:
                if self.sockets.get(sid) is ws:
                    self.sockets.pop(sid, None)
            return ws

        @routes.post("/prompt")
        async def post_prompt(request):
            body = await request.json()
            if "prompt" not in body:
                err = {"type": "no_prompt", "message": "No prompt provided", "details": "No prompt provided", "extra_info": {}}
                return web.json_response({"error": err, "node_errors": {}}, status=400)
            prompt = body["prompt"]
            pid = str(body.get("prompt_id") or uuid.uuid4())
            status, err = comfy_response(prompt, self.object_info())
            if status != 200:
                return web.json_response(err, status=400)
            extra = dict(body.get("extra_data") or {})
            if "client_id" in body:
                extra["client_id"] = body["client_id"]
            number = self.number
            self.number += 1
            info = self.object_info()
            outputs = [n for n, v in prompt.items() if info[v["class_type"]].get("output_node")]
            self.queue.append((number, pid, prompt, extra, outputs))
            await self.status()
            self._wake.set()
            return web.json_response({"prompt_id": pid, "number": number, "node_errors": {}})

        @routes.get("/prompt")
        async def get_prompt(request):
            return web.json_response({"exec_info": {"queue_remaining": self._qr()}})

        @routes.get("/queue")
        async def get_queue(request):
            return web.json_response({"queue_running": [list(x) for x in self.running.values()],
                                      "queue_pending": [list(x) for x in self.queue]})

        @routes.post("/queue")
        async def post_queue(request):
            body = await request.json()
            if body.get("clear"):
                self.queue.clear()
            for pid in body.get("delete", []):
                self.queue = [q for q in self.queue if q[1] != pid]
            return web.Response(status=200)

        @routes.get("/history")
        async def get_history(request):
            n = int(request.rel_url.query.get("max_items", 0) or 0)
            items = list(self.history.items())
            return web.json_response(dict(items[-n:] if n else items))

        @routes.get("/history/{pid}")
        async def get_history_one(request):
            pid = request.match_info["pid"]
            return web.json_response({pid: self.history[pid]} if pid in self.history else {})

        @routes.get("/view")
        async def view(request):
            q = request.rel_url.query
            name, sub, kind = q.get("filename", ""), q.get("subfolder", ""), q.get("type", "output")
            if not name or name[0] == "/" or ".." in name or ".." in sub or kind not in ("output", "input", "temp"):
                return web.Response(status=400)
            base = self.cfg.root / ("input" if kind == "input" else "output")
            path = (base / sub / name).resolve()
            if not path.is_file() or base.resolve() not in path.parents:
                return web.Response(status=404)
            ctype = {".mp4": "video/mp4", ".png": "image/png", ".webm": "video/webm"}.get(path.suffix, "application/octet-stream")
            return web.FileResponse(path, headers={"Content-Disposition": f'filename="{name}"', "Content-Type": ctype})

        @routes.get("/system_stats")
        async def system_stats(request):
            return web.json_response({
                "system": {"os": "posix", "ram_total": 25276059648, "ram_free": 24111403008, "comfyui_version": "0.3.64",
                           "required_frontend_version": "1.27.10", "installed_templates_version": "0.1.95",
                           "required_templates_version": "0.1.95", "python_version": "3.11", "pytorch_version": "2.13.0+cpu",
                           "embedded_python": False, "argv": ["reelmind-videogen-testserver"]},
                "devices": [{"name": "cpu", "type": "cpu", "index": None, "vram_total": 25276059648,
                             "vram_free": 24111403008, "torch_vram_total": 25276059648, "torch_vram_free": 24111403008}]})

        @routes.post("/free")
        async def free(request):
            body = await request.json()
            for k in ("unload_models", "free_memory"):
                if body.get(k):
                    self.flags[k] = True
            self._wake.set()
            return web.Response(status=200)

        @routes.post("/interrupt")
        async def interrupt(request):
            self.interrupted = bool(self.running)
            return web.Response(status=200)

        @routes.get("/object_info")
        async def object_info(request):
            return web.json_response(self.object_info())

        @routes.get("/object_info/{cls}")
        async def object_info_one(request):
            info = self.object_info()
            cls = request.match_info["cls"]
            return web.json_response({cls: info[cls]} if cls in info else {})

        @routes.get("/features")
        async def features(request):
            return web.json_response({"supports_preview_metadata": True, "max_upload_size": 104857600})

        @routes.post("/upload/image")
        async def upload(request):
            post = await request.post()
            image = post.get("image")
            if image is None or not getattr(image, "filename", ""):
                return web.Response(status=400)
            sub = post.get("subfolder", "") or ""
            name = Path(image.filename).name
            dest = (self.cfg.root / "input" / sub / name)
            if ".." in sub:
                return web.Response(status=400)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(image.file.read())
            return web.json_response({"name": name, "subfolder": sub, "type": "input"})

        app = web.Application(middlewares=[record], client_max_size=200 * 1024 * 1024)
        app.add_routes(routes)
        for r in list(routes):  # every route also under /api
            app.router.add_route(r.method, "/api" + r.path, r.handler)

        async def start_worker(app):
            self._wake = asyncio.Event()
            app[WORKER] = asyncio.create_task(self._worker())

        async def stop_worker(app):
            app[WORKER].cancel()
            for ws in list(self.sockets.values()):
                await ws.close()

        app.on_startup.append(start_worker)
        app.on_cleanup.append(stop_worker)
        return app

    # ------------------------------------------------------------------ execution
    async def _worker(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self.queue:
                item = self.queue.pop(0)
                self.running[item[1]] = item
                await self.status()
                try:
                    await self._execute(*item)
                finally:
                    self.running.pop(item[1], None)
                if self.flags.pop("free_memory", False):
                    self.cache.clear()
                self.flags.pop("unload_models", None)
            if self.flags.pop("free_memory", False):
                self.cache.clear()

    def _order(self, prompt: dict, outputs: list[str]) -> list[str]:
        order: list[str] = []

        def visit(n: str) -> None:
            if n in order:
                return
            for v in prompt[n]["inputs"].values():
                if isinstance(v, list) and len(v) == 2 and v[0] in prompt:
                    visit(v[0])
            order.append(n)

        for o in outputs:
            visit(o)
        return order

    @staticmethod
    def _digest(prompt: dict, node: str, memo: dict) -> str:
        if node in memo:
            return memo[node]
        parts = {}
        for k, v in sorted(prompt[node]["inputs"].items()):
            is_link = isinstance(v, list) and len(v) == 2 and v[0] in prompt
            parts[k] = ["link", ComfyStandIn._digest(prompt, v[0], memo), v[1]] if is_link else v
        memo[node] = hashlib.sha256(json.dumps([prompt[node]["class_type"], parts], sort_keys=True).encode()).hexdigest()
        return memo[node]

    async def _execute(self, number: int, pid: str, prompt: dict, extra: dict, outputs: list[str]) -> None:
        sid = extra.get("client_id")
        ts = lambda: int(time.time() * 1000)  # noqa: E731
        messages: list = []
        hist = {"prompt": [number, pid, prompt, extra, outputs], "outputs": {}, "status": {}, "meta": {}}

        async def emit(kind: str, data: dict, keep: bool = False) -> None:
            if keep:
                messages.append([kind, data])
            await self.send(kind, data, sid)

        await emit("execution_start", {"prompt_id": pid, "timestamp": ts()}, keep=True)
        memo: dict = {}
        order = self._order(prompt, outputs)
        cached = [n for n in order if self._digest(prompt, n, memo) in self.cache]
        await emit("execution_cached", {"nodes": cached, "prompt_id": pid, "timestamp": ts()}, keep=True)
        states: dict[str, dict] = {}

        def state(n: str, value: Any, st: str) -> dict:
            return {"value": value, "max": 1 if isinstance(value, int) else 1.0, "state": st, "node_id": n,
                    "prompt_id": pid, "display_node_id": n, "parent_node_id": None, "real_node_id": n}

        executed: list[str] = []
        for n in order:
            ctype = prompt[n]["class_type"]
            key = self._digest(prompt, n, memo)
            if n in cached:
                if n in outputs:
                    out = self.cache[key]
                    hist["outputs"][n] = out
                    hist["meta"][n] = {"node_id": n, "display_node": n, "parent_node": None, "real_node_id": n}
                    await emit("executed", {"node": n, "display_node": n, "output": out, "prompt_id": pid})
                    states[n] = state(n, 1, "finished")
                    await emit("progress_state", {"prompt_id": pid, "nodes": copy.deepcopy(states)})
                continue
            states[n] = state(n, 0.0, "running")
            await emit("progress_state", {"prompt_id": pid, "nodes": copy.deepcopy(states)})
            await emit("executing", {"node": n, "display_node": n, "prompt_id": pid})
            try:
                if self.cfg.fail_class and ctype == self.cfg.fail_class:
                    raise RuntimeError(f"{ctype} failed in the reelmind test server (fail_class)")
                if ctype in SAMPLERS:
                    await self._sample(pid, n, prompt[n]["inputs"], prompt, sid)
                await asyncio.sleep(self.cfg.node_delay)
                out = self._run_node(prompt, n) if n in outputs else None
            except _Interrupted:
                data = {"prompt_id": pid, "node_id": n, "node_type": ctype, "executed": executed, "timestamp": ts()}
                await emit("execution_interrupted", data, keep=True)
                return await self._finish(pid, hist, messages, "error", sid)
            except Exception as exc:  # noqa: BLE001 - reported the way ComfyUI reports node failures
                data = {"prompt_id": pid, "node_id": n, "node_type": ctype, "executed": executed,
                        "exception_message": f"{exc}\n", "exception_type": f"{type(exc).__module__}.{type(exc).__name__}",
                        "traceback": [f'  File "reelmind/videogen/testserver.py", in _execute\n    {ctype}\n'],
                        "current_inputs": {k: [v] for k, v in prompt[n]["inputs"].items()},
                        "current_outputs": order, "timestamp": ts()}
                await emit("execution_error", data, keep=True)
                return await self._finish(pid, hist, messages, "error", sid)
            executed.append(n)
            self.cache[key] = out or {}
            if out is not None:
                hist["outputs"][n] = out
                hist["meta"][n] = {"node_id": n, "display_node": n, "parent_node": None, "real_node_id": n}
                await emit("executed", {"node": n, "display_node": n, "output": out, "prompt_id": pid})
                if self.cfg.die_after_executed:
                    self.dead = True
                    for ws in list(self.sockets.values()):
                        await ws.close()
                    return
            states[n] = state(n, 1.0, "finished")
            await emit("progress_state", {"prompt_id": pid, "nodes": copy.deepcopy(states)})
        await emit("execution_success", {"prompt_id": pid, "timestamp": ts()}, keep=True)
        await self._finish(pid, hist, messages, "success", sid)

    async def _finish(self, pid: str, hist: dict, messages: list, status: str, sid: str | None) -> None:
        hist["status"] = {"status_str": status, "completed": status == "success", "messages": messages}
        self.history[pid] = hist
        self.running.pop(pid, None)
        await self.status()
        await self.send("executing", {"node": None, "prompt_id": pid}, sid)

    async def _sample(self, pid: str, node: str, inputs: dict, prompt: dict, sid: str | None) -> None:
        steps = _steps(inputs, prompt)
        for i in range(steps):
            if self.interrupted:
                self.interrupted = False
                raise _Interrupted()
            await asyncio.sleep(self.cfg.step_delay)
            await self.send("progress", {"value": i + 1, "max": steps, "prompt_id": pid, "node": node}, sid)
            self._steps_sent += 1
            if self.cfg.drop_ws_after_steps and not self._dropped and self._steps_sent >= self.cfg.drop_ws_after_steps:
                self._dropped = True
                for ws in list(self.sockets.values()):
                    await ws.close()

    # ------------------------------------------------------------------ the "model"
    def _run_node(self, prompt: dict, n: str) -> dict:
        ctype = prompt[n]["class_type"]
        inputs = prompt[n]["inputs"]
        prefix = str(inputs.get("filename_prefix", "ComfyUI"))
        sub, _, stem = prefix.rpartition("/")
        folder = self.cfg.root / "output" / sub
        folder.mkdir(parents=True, exist_ok=True)
        counter = 1 + sum(1 for p in folder.glob(f"{stem}_*_.*"))
        if ctype in ("SaveVideo", "SaveWEBM", "SaveAnimatedWEBP"):
            name = f"{stem}_{counter:05d}_.mp4"
            self._render_video(prompt, folder / name)
            self.generated += 1
            return {"images": [{"filename": name, "subfolder": sub, "type": "output"}], "animated": [True]}
        if ctype == "SaveImage":
            from PIL import Image

            name = f"{stem}_{counter:05d}_.png"
            Image.new("RGB", (64, 64), (255, 0, 0)).save(folder / name)
            self.generated += 1
            return {"images": [{"filename": name, "subfolder": sub, "type": "output"}]}
        return {}

    def _find(self, prompt: dict, classes: tuple[str, ...]) -> dict | None:
        for v in prompt.values():
            if v["class_type"] in classes:
                return v["inputs"]
        return None

    def _render_video(self, prompt: dict, path: Path) -> None:
        from PIL import Image

        from .media import read_wav, write_clip

        latent = self._find(prompt, ("EmptyLTXVLatentVideo", "LTXVImgToVideo")) or {}
        if not self._find(prompt, SAMPLERS):  # a model-free graph: the frames of its EmptyImage
            img = self._find(prompt, ("EmptyImage",)) or {}
            latent = {"width": img.get("width", 64), "height": img.get("height", 64), "length": img.get("batch_size", 9)}
        scale = self._find(prompt, ("ImageScale",))
        up = 2 if self._find(prompt, ("LTXVLatentUpsampler",)) else 1
        w, h = (scale["width"], scale["height"]) if scale else (int(latent.get("width", 256)) * up, int(latent.get("height", 160)) * up)
        w, h = w + w % 2, h + h % 2  # H.264 wants even sizes
        frames = int(latent.get("length", 25))
        create = self._find(prompt, ("CreateVideo",)) or {}
        fps = float(create.get("fps", 24.0))
        seed = int((self._find(prompt, ("SamplerCustom",)) or {}).get("noise_seed") or
                   (self._find(prompt, ("RandomNoise",)) or {}).get("noise_seed") or 0)
        ref = self._find(prompt, ("LoadImage",))
        if ref is not None:
            face_path = self.cfg.root / "input" / ref["image"]
        elif self.cfg.faces:
            pick = int(hashlib.sha256(str(seed).encode()).hexdigest(), 16)
            face_path = self.cfg.faces[pick % len(self.cfg.faces)]
        else:
            face_path = None
        rng = np.random.default_rng(seed)
        canvas = np.full((h, w, 3), 40, np.uint8)
        if face_path is not None:
            img = Image.open(face_path).convert("RGB")
            img.thumbnail((w, h))
            x0, y0 = (w - img.width) // 2, (h - img.height) // 2
            canvas[y0:y0 + img.height, x0:x0 + img.width] = np.asarray(img)
        noise = rng.integers(-6, 7, size=(frames, 1, 1, 3))
        shift = rng.integers(-3, 4, size=frames)
        video = np.empty((frames, h, w, 3), np.uint8)
        for i in range(frames):
            video[i] = np.clip(np.roll(canvas, int(shift[i]), axis=1).astype(np.int16) + noise[i], 0, 255).astype(np.uint8)
        seconds = frames / fps
        audio_in = self._find(prompt, ("LoadAudio",))
        rate = 44100
        if audio_in is not None:
            trim = self._find(prompt, ("TrimAudioDuration",)) or {}
            samples, rate = read_wav(self.cfg.root / "input" / audio_in["audio"])
            start = int(float(trim.get("start_index", 0.0)) * rate)
            samples = samples[start:start + int(seconds * rate)]
            audio = np.zeros(int(seconds * rate), np.float32)
            audio[:len(samples)] = samples
        else:
            t = np.arange(int(seconds * rate)) / rate
            audio = (0.05 * np.sin(2 * np.pi * (220 + seed % 200) * t)).astype(np.float32)
        write_clip(path, video, fps, audio, rate)


def _steps(inputs: dict, prompt: dict) -> int:
    sig = inputs.get("sigmas")
    if isinstance(sig, list) and sig[0] in prompt:
        src = prompt[sig[0]]
        if src["class_type"] == "ManualSigmas":
            return max(1, len([s for s in str(src["inputs"].get("sigmas", "")).split(",") if s.strip()]) - 1)
        if src["class_type"] == "SplitSigmas":
            inner = prompt.get(src["inputs"]["sigmas"][0], {}).get("inputs", {})
            return max(1, int(inner.get("steps", 10)) - int(src["inputs"].get("step", 0)))
        return max(1, int(src["inputs"].get("steps", 10)))
    return int(inputs.get("steps", 10))


class _Interrupted(Exception):
    pass


# ----------------------------------------------------------------------------- running it
class RunningServer:
    """A stand-in running on 127.0.0.1 in a background thread (tests, demos). ``stop()`` then
    ``start()`` on the same port simulates a server restart: queue, history and cache are lost,
    the input/output folders stay."""

    def __init__(self, config: ServerConfig, port: int = 0) -> None:
        self.config = config
        self.port = port
        self.state: ComfyStandIn | None = None
        self._loop = None
        self._thread = None
        self._runner = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "RunningServer":
        import threading

        from aiohttp import web

        self.state = ComfyStandIn(self.config)
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        self._loop = loop

        async def boot():
            self._runner = web.AppRunner(self.state.app(), shutdown_timeout=0.5)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]
            ready.set()

        def run():
            asyncio.set_event_loop(loop)
            loop.run_until_complete(boot())
            loop.run_forever()

        import threading as _t

        self._thread = _t.Thread(target=run, daemon=True, name="comfy-standin")
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the ComfyUI stand-in did not start")
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        async def shutdown():
            for ws in list(self.state.sockets.values()):  # open websockets would hold the shutdown
                await ws.close()
            await self._runner.cleanup()

        fut = asyncio.run_coroutine_threadsafe(shutdown(), self._loop)
        try:
            fut.result(10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
            self._loop = None

    def restart(self) -> "RunningServer":
        self.stop()
        return self.start()

    def __enter__(self) -> "RunningServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8188)
    ap.add_argument("--root", type=Path, default=Path("comfy-standin"))
    ap.add_argument("--faces", type=Path, default=None, help="folder of face images the clips are drawn from")
    args = ap.parse_args(argv)
    faces = sorted(p for p in args.faces.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")) if args.faces else []
    from aiohttp import web

    web.run_app(ComfyStandIn(ServerConfig(args.root, faces)).app(), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
