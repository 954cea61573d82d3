"""Resumable runs: the faces found so far, saved atomically every N seconds of film.

A checkpoint is keyed by the video (path, size, mtime) and the options that change the
analysis; a save made with other options or for another file is ignored (and replaced). Saves
live outside the orchestrator's per-run work folder (``$REELMIND_CHECKPOINTS`` or
``~/.cache/reelmind/checkpoints``) so a killed run resumes. The finished analysis is kept there
too: re-running with only names / reference DB / label changes skips decoding and the models.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("reelmind.perceive.vision.checkpoint")

#: options that do not change the faces found (excluded from the key)
_NEUTRAL = {"chunk_frames", "providers", "names", "label_template", "reference_db", "checkpoint_every", "keep_analysis"}


def checkpoint_dir() -> Path:
    """``$REELMIND_CHECKPOINTS`` or ``~/.cache/reelmind/checkpoints``."""
    import os

    env = os.environ.get("REELMIND_CHECKPOINTS")
    path = Path(env) if env else Path.home() / ".cache" / "reelmind" / "checkpoints"
    path.mkdir(parents=True, exist_ok=True)
    return path


def for_run(video: str | Path, options: dict, every: float) -> "Checkpoint":
    """The checkpoint of this video + options in :func:`checkpoint_dir`."""
    key = run_key(video, options)
    return Checkpoint(checkpoint_dir() / f"faces-{key}.npz", key, every)


def run_key(video: str | Path, options: dict) -> str:
    st = Path(video).stat()
    relevant = {k: v for k, v in sorted(options.items()) if k not in _NEUTRAL}
    blob = json.dumps([str(Path(video).resolve()), st.st_size, st.st_mtime_ns, relevant], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class Checkpoint:
    """``path`` (an .npz in the stage's work dir), the run ``key`` and the save period in film seconds."""

    path: Path
    key: str
    every: float = 60.0

    def save(self, arrays: dict[str, np.ndarray], info: Any, last_time: float, complete: bool = False) -> None:
        """Save the faces so far (``complete``: the whole film, with its decode statistics)."""
        from dataclasses import asdict

        from reelmind.core.atomic import atomic_path

        state = {"key": self.key, "last_time": float(last_time), "old_film": bool(info.old_film),
                 "black_and_white": bool(info.black_and_white), "low_quality": bool(getattr(info, "low_quality", False)),
                 "superres": bool(info.superres), "cuts": int(getattr(info, "cuts", 0)), "complete": complete,
                 "decode": asdict(info.decode) if complete else None, "seconds": dict(info.seconds)}
        with atomic_path(self.path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, state=np.asarray(json.dumps(state)), **arrays)
        log.debug("checkpoint at %.2f s (%d faces) -> %s", last_time, len(arrays["time"]), self.path)

    def load(self) -> tuple[dict[str, np.ndarray], dict, float] | None:
        """(arrays, state, last time) of a matching save, else None."""
        if not self.path.is_file():
            return None
        try:
            with np.load(self.path, allow_pickle=False) as z:
                state = json.loads(str(z["state"]))
                arrays = {k: z[k] for k in z.files if k != "state"}
        except Exception as exc:  # a damaged save is ignored, never fatal
            log.warning("ignoring unreadable checkpoint %s (%s)", self.path, exc)
            return None
        if state.get("key") != self.key:
            log.info("checkpoint %s belongs to another file or options; starting over", self.path)
            return None
        return arrays, state, float(state["last_time"])

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
