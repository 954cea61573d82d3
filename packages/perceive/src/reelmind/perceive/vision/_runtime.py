"""ONNX model sessions: ``reelmind.core.runtime.OnnxModel`` when core has it, else a small local one.

Both offer ``input_names``, ``run(feeds)`` and ``run_batched(array, input_name, batch_size)``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from reelmind.core.errors import MissingDependencyError, MissingModelError

log = logging.getLogger("reelmind.perceive.vision.runtime")


class _LocalOnnxModel:
    """Fallback ONNX Runtime session (GPU providers first when present, batches that halve on OOM)."""

    def __init__(self, path: Path, *, providers: Any = "auto", threads: int = 0) -> None:
        try:
            import onnxruntime as ort
        except ImportError:
            raise MissingDependencyError("onnxruntime", "onnxruntime") from None
        if providers == "auto":
            avail = ort.get_available_providers()
            providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in avail]
        so = ort.SessionOptions()
        if threads:
            so.intra_op_num_threads = threads
        so.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), sess_options=so, providers=list(providers))
        self.input_names = [i.name for i in self.session.get_inputs()]
        self._fit: int | None = None

    def run(self, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        return self.session.run(None, feeds)

    def run_batched(self, array: np.ndarray, input_name: str | None = None, batch_size: int | None = None) -> list[np.ndarray]:
        name = input_name or self.input_names[0]
        bs = max(1, min(self._fit or batch_size or len(array) or 1, len(array) or 1))
        outs: list[list[np.ndarray]] = []
        i = 0
        while i < len(array):
            try:
                res = self.session.run(None, {name: array[i:i + bs]})
            except Exception as exc:  # onnxruntime raises RuntimeException/Fail on OOM
                if bs > 1 and "memory" in str(exc).lower():
                    bs //= 2
                    self._fit = bs
                    log.warning("out of memory: batch size halved to %d", bs)
                    continue
                raise
            outs.append(res)
            i += bs
        if not outs:
            return []
        return [np.concatenate([o[k] for o in outs]) for k in range(len(outs[0]))]


def load_onnx(path: str | Path, *, providers: Any = "auto") -> Any:
    """An ONNX model session for ``path`` (MissingModelError when the file is absent)."""
    path = Path(path)
    if not path.is_file():
        raise MissingModelError(f"ONNX model {path} does not exist", "check the path, or install the package that ships it")
    try:
        from reelmind.core.runtime import OnnxModel  # type: ignore[import-not-found]
    except ImportError:
        return _LocalOnnxModel(path, providers=providers)
    return OnnxModel(path, providers=providers)


def batch_size(task: str, default: int) -> int:
    """The GPU-tier profile's batch size for ``task`` (``default`` without a profile)."""
    try:
        from reelmind.core.profiles import current_profile

        return current_profile().batch_size(task, default)
    except Exception:  # no profiles installed: keep the default
        return default
