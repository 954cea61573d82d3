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


def check_file(path: str | Path) -> Path:
    """``path`` as a Path, or a one-line InputMediaError when it is missing, a folder or empty."""
    path = Path(path)
    if not path.exists():
        raise InputMediaError(f"{path}: no such file")
    if path.is_dir():
        raise InputMediaError(f"{path}: is a folder, not a media file")
    if path.stat().st_size == 0:
        raise InputMediaError(f"{path}: the file is empty (0 bytes)")
    return path


def open_media(path: str | Path):
    """Open a media file with PyAV, or raise a one-line InputMediaError (missing, folder, empty,
    unreadable). The caller closes the returned container."""
    from .errors import MissingDependencyError

    try:
        import av
    except ImportError:
        raise MissingDependencyError("PyAV", "av") from None
    path = check_file(path)
    try:
        return av.open(str(path), metadata_errors="ignore")
    except Exception as exc:  # av.error.* (InvalidDataError, ...), UnicodeDecodeError on garbage
        raise InputMediaError(f"{path}: not a readable media file ({type(exc).__name__}: {exc})".splitlines()[0],
                              "check the file is complete (a truncated MP4 loses its index)") from None


def media_seconds(path: str | Path) -> float:
    """The container's duration in seconds; 0.0 when it does not say or the file cannot be opened
    (the stages that decode it report why)."""
    try:
        with open_media(path) as container:
            return float(container.duration / 1_000_000) if container.duration else 0.0
    except Exception:  # noqa: BLE001 - a probe for planning, never an error of its own
        return 0.0

