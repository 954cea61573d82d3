"""ONNX sessions of this package: ``reelmind.core.runtime.OnnxModel`` with the current GPU-tier profile."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger("reelmind.perceive.vision.runtime")


@functools.cache
def _profile() -> Any:
    try:
        from reelmind.core.profiles import current_profile

        return current_profile()
    except Exception as exc:  # no profiles installed: plain defaults
        log.warning("no GPU-tier profile (%s); using default batch sizes", exc)
        return None


def load_onnx(path: str | Path, *, providers: Any = "auto", task: str = "default") -> Any:
    """An ``OnnxModel`` for ``path`` (MissingModelError when the file is absent); GPU providers first when present."""
    from reelmind.core.runtime import OnnxModel

    return OnnxModel(path, providers=providers, profile=_profile(), task=task)


def batch_size(task: str, default: int) -> int:
    """The profile's batch size for ``task`` (``default`` without a profile)."""
    prof = _profile()
    return prof.batch_size(task, default) if prof is not None else default
