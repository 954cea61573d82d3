"""ONNX Runtime session wrapper: best execution provider, bucketed shapes, adaptive batching.

* Providers: TensorRT -> CUDA -> CPU, whichever this onnxruntime build offers (``providers="auto"``).
* Shapes: batches are padded up to a power-of-two bucket so ORT (and TensorRT engines) see a
  handful of shapes instead of re-optimising for every new batch size.
* Adaptive batching: start at the profile's batch size for the task, halve on out-of-memory
  down to 1, and remember the size that fit for the rest of the process.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import MissingDependencyError, MissingModelError, ReelmindError

log = logging.getLogger("reelmind.core.runtime")

PROVIDER_ORDER = ("TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider")
_OOM_MARKERS = ("out of memory", "failed to allocate", "cudaerrormemoryallocation", "bad_alloc")


def _ort():
    try:
        import onnxruntime as ort
    except ImportError:
        raise MissingDependencyError("onnxruntime", "onnxruntime  (or onnxruntime-gpu on a CUDA machine)") from None
    return ort


def available_providers() -> list[str]:
    """Execution providers of the installed onnxruntime, best first."""
    have = set(_ort().get_available_providers())
    return [p for p in PROVIDER_ORDER if p in have]


def is_oom(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, MemoryError) or any(m in text for m in _OOM_MARKERS)


def session_options(threads: int = 0, *, spinning: bool = True):
    """The one set of ONNX Runtime session options: every graph optimisation, ``threads`` intra-op
    threads (0 = ORT's default), no busy-waiting workers when ``spinning`` is False, and no memory
    patterns. Patterns are planned per input shape and kept; films feed many shapes (pyramid levels,
    batch remainders, text lengths), so they only add memory: MTCNN on 96 frames of the ground-truth
    film peaks 898 -> 661 MB without them at the same CPU (bench/RESULTS.md, issue 18 round 4)."""
    ort = _ort()
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.enable_mem_pattern = False
    if not spinning:
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if threads:
        opts.intra_op_num_threads = int(threads)
    return opts


def bucket(n: int, cap: int) -> int:
    """Smallest power of two >= n, capped at ``cap`` (n itself when n > cap)."""
    if n >= cap:
        return n
    b = 1
    while b < n:
        b *= 2
    return min(b, cap)


class OnnxModel:
    """A lazily created ONNX Runtime session over one model file."""

    _fitted: dict[tuple, int] = {}  # (model path, task) -> largest batch that fit (process-wide)
    _lock = threading.Lock()

    def __init__(self, path: str | Path, *, providers: str | Sequence[str] = "auto", profile: Any = None,
                 task: str = "default", threads: int | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise MissingModelError(f"ONNX model {self.path} does not exist",
                                    "run the model's set-up step (see onnx_models/manifest.yaml) or pass the right path")
        self.profile = profile
        self.task = task
        self._providers = providers
        self._threads = threads if threads is not None else (getattr(profile, "threads", 0) or 0)
        self._session = None

    # -------------------------------------------------------------- session
    @property
    def session(self):
        if self._session is None:
            ort = _ort()
            opts = session_options(self._threads)
            providers = available_providers() if self._providers == "auto" else list(self._providers)
            try:
                self._session = ort.InferenceSession(str(self.path), sess_options=opts, providers=providers)
            except Exception as exc:
                raise ReelmindError(f"could not load ONNX model {self.path}: {str(exc).splitlines()[0]}",
                                    "check the file is a complete ONNX model (re-run its export/set-up)") from None
            log.info("loaded %s on %s", self.path.name, self._session.get_providers()[0])
        return self._session

    @property
    def providers(self) -> list[str]:
        return list(self.session.get_providers())

    @property
    def on_gpu(self) -> bool:
        """Whether the session runs on a GPU provider: only there do fixed (power-of-two) batch
        shapes pay; on the CPU a batch runs as it is (outputs do not depend on the batch size)."""
        return any(p != "CPUExecutionProvider" for p in self.providers)

    @property
    def input_names(self) -> list[str]:
        return [i.name for i in self.session.get_inputs()]

    @property
    def output_names(self) -> list[str]:
        return [o.name for o in self.session.get_outputs()]

    def run(self, feeds: dict[str, np.ndarray], outputs: Sequence[str] | None = None) -> list[np.ndarray]:
        return self.session.run(list(outputs) if outputs else None, feeds)

    # -------------------------------------------------------------- batching
    def start_batch_size(self) -> int:
        key = (str(self.path), self.task)
        if key in self._fitted:
            return self._fitted[key]
        if self.profile is not None and hasattr(self.profile, "batch_size"):
            return max(1, self.profile.batch_size(self.task, 8))
        return 8

    def run_batched(self, array: np.ndarray, input_name: str | None = None, batch_size: int | None = None,
                    extra_feeds: dict[str, np.ndarray] | None = None,
                    pad_to_bucket: bool | None = None) -> list[np.ndarray]:
        """Run over ``array`` (batch axis 0) in chunks; returns every output concatenated.

        On out-of-memory the chunk size halves (down to 1) and the size that fit is remembered.
        With ``pad_to_bucket`` the last chunk is zero-padded to a power-of-two bucket; ``None``
        (default) pads on GPU providers only (:attr:`on_gpu`).
        """
        if pad_to_bucket is None:
            pad_to_bucket = self.on_gpu
        name = input_name or self.input_names[0]
        n = len(array)
        if n == 0:
            return [np.empty((0,), dtype=np.float32) for _ in self.output_names]
        size = batch_size or self.start_batch_size()
        results: list[list[np.ndarray]] | None = None
        i = 0
        while i < n:
            chunk = array[i:i + size]
            m = len(chunk)
            if pad_to_bucket and m < size:
                target = bucket(m, size)
                if target > m:
                    pad = np.zeros((target - m, *chunk.shape[1:]), dtype=chunk.dtype)
                    chunk = np.concatenate([chunk, pad])
            feeds = {name: np.ascontiguousarray(chunk)}
            if extra_feeds:
                feeds.update(extra_feeds)
            try:
                outs = self.session.run(None, feeds)
            except Exception as exc:  # noqa: BLE001 - ORT raises its own exception types
                if is_oom(exc) and size > 1:
                    size = max(1, size // 2)
                    log.warning("%s: out of memory, batch size -> %d", self.path.name, size)
                    continue
                raise
            if results is None:
                results = [[] for _ in outs]
            for acc, out in zip(results, outs):
                acc.append(out[:m])
            i += m
        with self._lock:
            key = (str(self.path), self.task)
            self._fitted[key] = min(self._fitted.get(key, size), size)
        return [np.concatenate(acc) for acc in results]


def trim_heap() -> None:
    """Hand freed heap pages back to the OS (glibc's ``malloc_trim``): long loops over blocks and
    stages otherwise keep their high-water mark resident. A no-op elsewhere."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


@contextlib.contextmanager
def blas_threads(profile: Any):
    """Within the block, numpy/scipy's BLAS runs with the profile's ``blas_threads`` (0 leaves the
    library default), then the process's own setting comes back (for the libraries loaded before
    the block). Loaded BLAS libraries are capped through threadpoolctl; ``OPENBLAS_NUM_THREADS``
    (unless the user set it) covers those loaded inside the block and the processes started there.
    Results do not change (same tables, bench/RESULTS.md issue 18). Yields the number applied, 0 when
    nothing was changed."""
    import os

    n = int(getattr(profile, "blas_threads", 0) or 0)
    if n <= 0 or "OPENBLAS_NUM_THREADS" in os.environ:
        yield 0
        return
    os.environ["OPENBLAS_NUM_THREADS"] = str(n)
    try:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # an optimisation only: BLAS libraries loaded later still obey the variable
            log.debug("threadpoolctl is not installed: numpy's BLAS keeps its threads")
            yield n
            return
        with threadpool_limits(limits=n, user_api="blas"):
            yield n
    finally:
        os.environ.pop("OPENBLAS_NUM_THREADS", None)


def idle_cores(sample_s: float = 0.25) -> float:
    """Cores of this process's CPU set left idle by the whole machine over ``sample_s`` (/proc/stat;
    the core count when it cannot be read): other sessions' work counts, a past load average does not."""
    import os
    import time

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)

    def ticks() -> tuple[int, int] | None:
        try:
            with open("/proc/stat", encoding="ascii") as f:
                v = [int(x) for x in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        return sum(v), v[3] + (v[4] if len(v) > 4 else 0)  # all, idle + iowait

    a = ticks()
    time.sleep(sample_s)
    b = ticks()
    if a is None or b is None or b[0] <= a[0]:
        return float(cores)
    machine = os.cpu_count() or cores
    return min(float(cores), machine * (b[1] - a[1]) / (b[0] - a[0]))


def available_memory_gb() -> float:
    """MemAvailable of /proc/meminfo in GB (infinity when it cannot be read)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 2**20
    except (OSError, ValueError):
        pass
    return float("inf")

