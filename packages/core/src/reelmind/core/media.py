"""Where the real sample media live (fetched at set-up by tools/fetch_media.sh, never committed)."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import InputMediaError


def media_dir() -> Path:
    """``$REELMIND_MEDIA`` or ``<repo>/media``."""
    env = os.environ.get("REELMIND_MEDIA")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "tools" / "fetch_media.sh").exists():
            return parent / "media"
    return Path.cwd() / "media"


def media_path(name: str) -> Path:
    """Path of a sample file (e.g. ``"feat/single_face.mp4"``), with a clear error if absent."""
    path = media_dir() / name
    if not path.exists():
        raise InputMediaError(f"sample media {path} is missing", "run `bash tools/fetch_media.sh` (or `make media`)")
    return path
