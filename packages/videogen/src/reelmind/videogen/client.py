"""A ComfyUI client over its HTTP + websocket API, built to survive long GPU jobs.

* ``POST /prompt`` with our ``client_id`` and a ``prompt_id`` derived from the graph hash (and the
  repeat number), plus ``extra_data.reelmind_graph`` = the graph hash; a 400 answer becomes a
  :class:`~reelmind.videogen.validate.GraphValidationError` naming node, input, expected and got.
* The websocket (``/ws?clientId=``) is opened before queueing; ``progress``/``executing``/``executed``/
  ``execution_cached`` feed the progress callback; the end is ``executing`` with ``node: null`` for our
  prompt; ``execution_error`` becomes a one-line :class:`ComfyExecutionError` (node, class, exception).
* Connection loss: HTTP calls retry with exponential backoff; a dropped websocket is reopened with the
  same client id, then the job is looked up (``/history/{id}``, ``/queue``): finished → collected,
  still queued/running → watched again, unknown (the server restarted and lost it) → queued again
  under the same prompt id, unless a :class:`JobLedger` already holds its outputs (the files survive a
  restart), so a finished clip is never generated twice.
* Ctrl-C sends ``/interrupt`` and removes the job from the queue; a clip that exceeds its timeout too.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reelmind.core.errors import ReelmindError

from .validate import GraphError, GraphValidationError

log = logging.getLogger("reelmind.videogen.client")

NAMESPACE = uuid.UUID("6f1c9c52-7a43-4f0e-9d1a-2a7f3c0b9e11")


class ComfyUnreachable(ReelmindError):
    """The ComfyUI server does not answer."""


class ComfyExecutionError(ReelmindError):
    """A node failed while the server ran the graph (``execution_error``)."""

    def __init__(self, data: dict) -> None:
        self.data = data
        msg = str(data.get("exception_message", "")).strip().splitlines()
        super().__init__(f"ComfyUI node {data.get('node_id')} ({data.get('node_type')}) failed: "
                         f"{data.get('exception_type', 'error')}: {msg[0] if msg else ''}",
                         "see the ComfyUI console; a missing or empty model file is the usual cause")


class ComfyInterrupted(ReelmindError):
    """The job was interrupted (Ctrl-C, /interrupt, timeout)."""


class ComfyTimeout(ComfyInterrupted):
    pass


def prompt_id_for(graph_hash: str, repeat: int = 0) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{graph_hash}:{repeat}"))


@dataclass
class JobResult:
    prompt_id: str
    outputs: dict  # node -> output dict (images/animated/...)
    status: str  # success | cached | recovered
    seconds: float
    resubmits: int = 0
    messages: list = field(default_factory=list)

    def files(self) -> list[dict]:
        return [f for out in self.outputs.values() for f in out.get("images", []) + out.get("videos", [])
                if isinstance(f, dict) and "filename" in f]


class JobLedger:
    """Jobs by graph hash (JSON file, written atomically): prompt id, outputs once known, status.
    ``done(hash)`` jobs are never queued again."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path else None
        self.jobs: dict[str, dict] = {}
        if self.path and self.path.is_file():
            try:
                self.jobs = json.loads(self.path.read_text(encoding="utf-8"))
            except ValueError:
                log.warning("job ledger %s is unreadable; starting a new one", self.path)

    def get(self, key: str) -> dict:
        return self.jobs.get(key, {})

    def put(self, key: str, **values: Any) -> None:
        self.jobs.setdefault(key, {}).update(values)
        if self.path:
            from reelmind.core.atomic import write_json

            write_json(self.path, self.jobs)

    def done(self, key: str) -> bool:
        return self.get(key).get("status") == "done"


class ComfyClient:
    def __init__(self, url: str, *, timeout: float = 30.0, retries: int = 5, backoff: float = 0.5,
                 client_id: str | None = None) -> None:
        self.url = url.rstrip("/")
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ReelmindError(f"not a ComfyUI URL: {url!r}", "use http://HOST:8188")
        self.ws_url = ("wss" if parts.scheme == "https" else "ws") + "://" + parts.netloc + parts.path + "/ws"
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.client_id = client_id or uuid.uuid4().hex
        import httpx

        self._http = httpx.Client(base_url=self.url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "ComfyClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ HTTP
    def _request(self, method: str, path: str, *, retries: int | None = None, **kw) -> Any:
        import httpx

        attempts = self.retries if retries is None else retries
        delay = self.backoff
        for i in range(attempts + 1):
            try:
                r = self._http.request(method, path, **kw)
                if r.status_code in (502, 503, 504) and i < attempts:
                    raise httpx.TransportError(f"HTTP {r.status_code}")
                return r
            except httpx.TransportError as exc:
                if i == attempts:
                    raise ComfyUnreachable(f"ComfyUI at {self.url} does not answer ({exc.__class__.__name__}: {exc})",
                                           "start ComfyUI (python main.py --listen) or pass --comfyui http://HOST:8188") from None
                log.info("ComfyUI %s %s failed (%s); retrying in %.1fs", method, path, exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, 10.0)

    def _json(self, method: str, path: str, **kw) -> Any:
        r = self._request(method, path, **kw)
        if r.status_code >= 400:
            raise ReelmindError(f"ComfyUI {method} {path} answered HTTP {r.status_code}: {r.text[:200]}")
        return r.json() if r.content else None

    def system_stats(self) -> dict:
        return self._json("GET", "/system_stats")

    def object_info(self) -> dict:
        return self._json("GET", "/object_info")

    def queue(self) -> dict:
        return self._json("GET", "/queue")

    def history(self, prompt_id: str) -> dict:
        return (self._json("GET", f"/history/{prompt_id}") or {}).get(prompt_id, {})

    def view(self, filename: str, subfolder: str = "", type: str = "output") -> bytes:
        r = self._request("GET", "/view", params={"filename": filename, "subfolder": subfolder, "type": type})
        if r.status_code != 200:
            raise ReelmindError(f"ComfyUI has no output file {subfolder}/{filename} (HTTP {r.status_code})",
                                "the server's output folder was cleaned; rerun with the clip's job removed from videos/jobs.json")
        return r.content

    def upload(self, data: bytes, name: str, subfolder: str = "") -> str:
        """Put ``data`` into the server's input folder as ``name`` (``/upload/image``, also used for audio)."""
        files = {"image": (name, data, "application/octet-stream")}
        r = self._request("POST", "/upload/image", files=files, data={"type": "input", "overwrite": "true",
                                                                       "subfolder": subfolder})
        if r.status_code != 200:
            raise ReelmindError(f"ComfyUI refused the upload of {name} (HTTP {r.status_code})")
        body = r.json()
        return f"{body['subfolder']}/{body['name']}" if body.get("subfolder") else body["name"]

    def free(self, unload_models: bool = True, free_memory: bool = True) -> None:
        self._request("POST", "/free", json={"unload_models": unload_models, "free_memory": free_memory})

    def interrupt(self, prompt_id: str | None = None) -> None:
        try:
            self._request("POST", "/interrupt", json={}, retries=1)
            if prompt_id:
                self._request("POST", "/queue", json={"delete": [prompt_id]}, retries=1)
        except ComfyUnreachable:
            log.warning("could not send /interrupt: ComfyUI does not answer")

    def free_vram_gb(self) -> tuple[float | None, str]:
        """Free VRAM of the server's first GPU (decimal GB) and where it came from; None for a CPU server.
        A local server is also asked through nvidia-smi (the lower of the two counts)."""
        stats = self.system_stats()
        dev = (stats.get("devices") or [{}])[0]
        if dev.get("type") == "cpu":
            return None, "system_stats: cpu device"
        free = dev.get("vram_free")
        value = float(free) / 1e9 if free is not None else None
        source = "system_stats"
        if urlsplit(self.url).hostname in ("127.0.0.1", "localhost", "::1"):
            from reelmind.core.profiles import detect_gpus  # noqa: F401 - same nvidia-smi convention

            smi = _nvidia_smi_free_gb()
            if smi is not None and (value is None or smi < value):
                value, source = smi, "nvidia-smi"
        return value, source

    # ------------------------------------------------------------------ queue + watch
    def submit(self, graph: dict, prompt_id: str, extra: dict | None = None) -> dict:
        body = {"prompt": graph, "client_id": self.client_id, "prompt_id": prompt_id, "extra_data": extra or {}}
        r = self._request("POST", "/prompt", json=body)
        if r.status_code == 400:
            raise validation_error_from(r.json())
        if r.status_code != 200:
            raise ReelmindError(f"ComfyUI POST /prompt answered HTTP {r.status_code}: {r.text[:200]}")
        return r.json()

    def locate(self, prompt_id: str) -> tuple[str, dict]:
        """Where a job is: ("done", history) | ("queued", {}) | ("unknown", {})."""
        h = self.history(prompt_id)
        if h:
            return "done", h
        q = self.queue()
        for item in (q.get("queue_running") or []) + (q.get("queue_pending") or []):
            if len(item) > 1 and item[1] == prompt_id:
                return "queued", {}
        return "unknown", {}

    def run(self, graph: dict, graph_key: str, *, repeat: int = 0, ledger: JobLedger | None = None,
            on_event: Callable[[str, dict], None] | None = None, timeout: float = 1800.0,
            max_resubmits: int = 3) -> JobResult:
        """Run ``graph`` to its end (or collect it, if it already ran) and return its outputs."""
        ledger = ledger or JobLedger(None)
        key = graph_key if repeat == 0 else f"{graph_key}:r{repeat}"
        pid = ledger.get(key).get("prompt_id") or prompt_id_for(graph_key, repeat)
        t0 = time.monotonic()
        emit = on_event or (lambda kind, data: None)
        if ledger.done(key):
            return JobResult(pid, ledger.get(key)["outputs"], "cached", 0.0)
        ws = self._connect_ws()
        resubmits = 0
        try:
            where, hist = self.locate(pid)
            if where == "done":
                return self._finished(pid, hist, key, ledger, t0, "recovered")
            if where == "unknown":
                if ledger.get(key).get("outputs"):
                    return self._from_ledger(pid, key, ledger, t0)
                self.submit(graph, pid, {"reelmind_graph": graph_key, "repeat": repeat})
                ledger.put(key, prompt_id=pid, status="queued", graph=graph_key, submitted=time.time())
            while True:
                try:
                    outcome = self._watch(ws, pid, key, ledger, emit, t0, timeout)
                except _Dropped:
                    ws = self._reconnect()
                    where, hist = self.locate(pid)
                    if where == "done":
                        return self._finished(pid, hist, key, ledger, t0, "recovered", resubmits)
                    if where == "queued":
                        continue
                    if ledger.get(key).get("outputs"):
                        return self._from_ledger(pid, key, ledger, t0)
                    if resubmits >= max_resubmits:
                        raise ComfyUnreachable(f"job {pid} was lost {resubmits} times", "check the ComfyUI server") from None
                    resubmits += 1
                    log.warning("job %s is unknown to the restarted server; queueing it again (%d)", pid, resubmits)
                    self.submit(graph, pid, {"reelmind_graph": graph_key, "repeat": repeat})
                    continue
                if outcome is not None:
                    hist = self.history(pid) or outcome
                    return self._finished(pid, hist, key, ledger, t0, "success", resubmits)
        except KeyboardInterrupt:
            log.warning("interrupted: sending /interrupt for %s", pid)
            self.interrupt(pid)
            ledger.put(key, status="interrupted")
            raise
        finally:
            _close(ws)

    def _finished(self, pid: str, hist: dict, key: str, ledger: JobLedger, t0: float, how: str,
                  resubmits: int = 0) -> JobResult:
        status = hist.get("status", {})
        for kind, data in status.get("messages", []):
            if kind == "execution_error":
                ledger.put(key, status="error", error=data.get("exception_message", ""))
                raise ComfyExecutionError(data)
            if kind == "execution_interrupted":
                ledger.put(key, status="interrupted")
                raise ComfyInterrupted(f"ComfyUI interrupted job {pid} at node {data.get('node_id')} ({data.get('node_type')})")
        outputs = hist.get("outputs", {})
        ledger.put(key, prompt_id=pid, status="done", outputs=outputs)
        return JobResult(pid, outputs, how, round(time.monotonic() - t0, 3), resubmits,
                         status.get("messages", []))

    def _from_ledger(self, pid: str, key: str, ledger: JobLedger, t0: float) -> JobResult:
        log.info("job %s finished before the server restarted; its outputs are known", pid)
        outputs = ledger.get(key)["outputs"]
        ledger.put(key, status="done")
        return JobResult(pid, outputs, "recovered", round(time.monotonic() - t0, 3))

    # ------------------------------------------------------------------ websocket
    def _connect_ws(self):
        import websocket

        delay = self.backoff
        for i in range(self.retries + 1):
            try:
                ws = websocket.create_connection(f"{self.ws_url}?clientId={self.client_id}", timeout=self.timeout)
                ws.settimeout(1.0)
                return ws
            except (OSError, websocket.WebSocketException) as exc:
                if i == self.retries:
                    raise ComfyUnreachable(f"ComfyUI websocket {self.ws_url} does not open ({exc})",
                                           "start ComfyUI or check --comfyui") from None
                time.sleep(delay)
                delay = min(delay * 2, 10.0)

    def _reconnect(self):
        log.warning("ComfyUI websocket dropped; reconnecting")
        return self._connect_ws()

    def _watch(self, ws, pid: str, key: str, ledger: JobLedger, emit, t0: float, timeout: float) -> dict | None:
        """Read messages until our prompt ends; returns {} at the end, raises on errors."""
        import websocket

        quiet_since = time.monotonic()
        while True:
            if time.monotonic() - t0 > timeout:
                self.interrupt(pid)
                ledger.put(key, status="timeout")
                raise ComfyTimeout(f"ComfyUI job {pid} ran past {timeout:.0f} s and was interrupted",
                                   "raise the videogen timeout or lower frames/resolution")
            try:
                raw = ws.recv()
            except websocket.WebSocketTimeoutException:
                if time.monotonic() - quiet_since > 15.0:  # no message for a while: ask the server directly
                    quiet_since = time.monotonic()
                    where, hist = self.locate(pid)
                    if where == "done":
                        return hist
                    if where == "unknown":
                        raise _Dropped() from None
                continue
            except (websocket.WebSocketException, OSError):
                raise _Dropped() from None
            quiet_since = time.monotonic()
            if isinstance(raw, (bytes, bytearray)) or not raw:
                continue  # binary preview frames
            try:
                msg = json.loads(raw)
            except ValueError:
                continue
            kind, data = msg.get("type"), msg.get("data") or {}
            if data.get("prompt_id") not in (None, pid):
                continue
            if kind == "executed" and data.get("output"):
                outs = dict(ledger.get(key).get("outputs") or {})
                outs[str(data.get("node"))] = data["output"]
                ledger.put(key, outputs=outs)
            emit(kind, data)
            if kind == "execution_error":
                ledger.put(key, status="error", error=str(data.get("exception_message", "")))
                raise ComfyExecutionError(data)
            if kind == "execution_interrupted":
                ledger.put(key, status="interrupted")
                raise ComfyInterrupted(f"ComfyUI interrupted job {pid} at node {data.get('node_id')}")
            if kind == "executing" and data.get("node") is None and data.get("prompt_id") == pid:
                return {}


class _Dropped(Exception):
    pass


def _close(ws) -> None:
    try:
        ws.close()
    except Exception:  # noqa: BLE001
        pass


def _nvidia_smi_free_gb() -> float | None:
    import shutil
    import subprocess

    exe = shutil.which("nvidia-smi")
    if not exe:
        return None
    try:
        out = subprocess.run([exe, "--query-gpu=memory.free", "--format=csv,noheader,nounits"], capture_output=True,
                             text=True, timeout=10, check=True).stdout.split()
        return float(out[0]) * 1.048576 / 1000 if out else None  # MiB -> decimal GB
    except (subprocess.SubprocessError, OSError, ValueError):
        return None


def validation_error_from(body: dict) -> GraphValidationError:
    """A ComfyUI 400 answer to ``POST /prompt`` as our error, naming node, input, expected and got."""
    errors: list[GraphError] = []
    for nid, entry in (body.get("node_errors") or {}).items():
        for e in entry.get("errors", []):
            extra = e.get("extra_info") or {}
            cfg = extra.get("input_config")
            expected = e.get("details", "")
            if e.get("type") == "value_not_in_list":
                opts = cfg[0] if isinstance(cfg, list) and cfg and isinstance(cfg[0], list) else None
                expected = f"one of {opts}" if opts is not None else "a value the server lists"
            errors.append(GraphError(e.get("type", "error"), e.get("message", ""), e.get("details", ""), str(nid),
                                     entry.get("class_type", ""), extra.get("input_name", ""), expected,
                                     repr(extra["received_value"]) if "received_value" in extra else
                                     str(extra.get("received_type", "")), extra))
    if not errors:
        err = body.get("error") or {}
        errors.append(GraphError(err.get("type", "error"), err.get("message", "invalid prompt"), err.get("details", "")))
    return GraphValidationError(errors, "ComfyUI")
