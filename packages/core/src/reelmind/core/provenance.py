"""Provenance echoed into every output: options, model names + hashes, package versions."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

from .registry import file_sha256
from .stage import ModelRef, options_dict

#: Distributions whose versions are recorded when installed.
TRACKED = ("reelmind-core", "reelmind-native", "reelmind-perceive", "reelmind-fuse", "reelmind-cognition",
           "reelmind", "numpy", "onnxruntime", "onnxruntime-gpu", "pyarrow", "faster-whisper", "ctranslate2",
           "dlib-bin", "opencv-python-headless", "torch", "chromadb", "opensmile", "av")


def package_versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in (*TRACKED, *extra):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def model_hashes(models: list[ModelRef]) -> dict[str, str]:
    return {m.name: (m.sha256 or (file_sha256(m.path) if m.path.is_file() else f"dir:{m.path}")) for m in models}


def provenance(options: Any = None, models: list[ModelRef] | None = None, **extra: Any) -> dict:
    """The metadata block every stage puts into its output table's ``meta``."""
    return {"options": options_dict(options), "models": model_hashes(models or []),
            "versions": package_versions(), **extra}
