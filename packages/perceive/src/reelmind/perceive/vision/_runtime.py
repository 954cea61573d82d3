"""ONNX sessions of this package: ``reelmind.core.runtime.OnnxModel`` with the current GPU-tier profile."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger("reelmind.perceive.vision.runtime")


_PROFILE: list = []  # the profile in use (set by the stage from its context, else detected once)


def use_profile(profile: Any) -> None:
    """Use ``profile`` (the orchestrator's GPU-tier profile) for sessions created from now on."""
    _PROFILE[:] = [profile]


def _profile() -> Any:
    if not _PROFILE:
        try:
            from reelmind.core.profiles import current_profile

            _PROFILE.append(current_profile())
        except Exception as exc:  # no profiles installed: plain defaults
            log.warning("no GPU-tier profile (%s); using default batch sizes", exc)
            _PROFILE.append(None)
    return _PROFILE[0]


def load_onnx(path: str | Path, *, providers: Any = "auto", task: str = "default") -> Any:
    """An ``OnnxModel`` for ``path`` (MissingModelError when the file is absent); GPU providers first when present."""
    from reelmind.core.runtime import OnnxModel

    return OnnxModel(path, providers=providers, profile=_profile(), task=task)


def batch_size(task: str, default: int) -> int:
    """The profile's batch size for ``task`` (``default`` without a profile)."""
    prof = _profile()
    return prof.batch_size(task, default) if prof is not None else default
