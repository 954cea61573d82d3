"""Provenance echoed into every output: options, model names + digests, package versions.

:func:`provenance` is the one metadata block every stage puts into its output tables' ``meta``;
:func:`versions` the one package-version helper (``NOT_INSTALLED`` for an absent distribution).
"""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

from .stage import ModelRef, options_dict

#: How an absent distribution is spelled everywhere.
NOT_INSTALLED = "not installed"
#: Distributions whose versions are always recorded.
TRACKED = ("reelmind-core", "reelmind-native", "reelmind-perceive", "reelmind-fuse", "reelmind-cognition",
           "reelmind-promptgen", "reelmind-videogen", "reelmind-microexpr", "reelmind-eval", "reelmind",
           "numpy", "onnxruntime", "onnxruntime-gpu", "pyarrow")


def versions(*dists: str, tracked: bool = False) -> dict[str, str]:
    """Installed versions of ``dists`` (+ :data:`TRACKED` and Python when ``tracked``)."""
    names = (*TRACKED, *dists) if tracked else dists
    out = {"python": platform.python_version()} if tracked else {}
    for dist in dict.fromkeys(names):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = NOT_INSTALLED
    return out


def package_versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Versions of the tracked distributions that are installed (the run manifest's block)."""
    return {k: v for k, v in versions(*extra, tracked=True).items() if v != NOT_INSTALLED}


def model_hashes(models: list[ModelRef]) -> dict[str, str]:
    """name -> sha256 (files and folders by content)."""
    from .models import digest

    out = {}
    for m in models:
        if m.sha256:
            out[m.name] = m.sha256
        elif m.path.exists():
            out[m.name] = digest(m.path)
        else:
            out[m.name] = f"missing:{m.path}"
    return out


def provenance(stage: str, options: Any = None, models: list[ModelRef] | None = None, dists: tuple[str, ...] = (),
               **extra: Any) -> dict:
    """The metadata block of a stage's output tables: stage, options, model digests, versions, extras."""
    return {"stage": stage, "options": options_dict(options), "models": model_hashes(models or []),
            "versions": versions(*dists, tracked=True), **extra}
