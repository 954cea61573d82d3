"""Provenance echoed into every output: options, model names + digests, package versions, the CPU.

:func:`provenance` is the one metadata block every stage puts into its output tables' ``meta``;
:func:`versions` the one package-version helper (``NOT_INSTALLED`` for an absent distribution);
:func:`cpu_path` the CPU and kernel-dispatch settings that computed the results.
"""

from __future__ import annotations

import functools
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from .stage import ModelRef, options_dict

#: How an absent distribution is spelled everywhere.
NOT_INSTALLED = "not installed"
#: Distributions whose versions are always recorded.
TRACKED = ("reelmind-core", "reelmind-native", "reelmind-perceive", "reelmind-fuse", "reelmind-cognition",
           "reelmind-promptgen", "reelmind-videogen", "reelmind-microexpr", "reelmind-eval", "reelmind",
           "numpy", "onnxruntime", "onnxruntime-gpu", "pyarrow")


#: CPU features that change which int8/float kernels MKL, oneDNN and CTranslate2 pick (and so the
#: numbers: Whisper's words differ between AMX and AVX-512 Xeons, bench/RESULTS.md "CPU paths").
ISA_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_tile", "amx_int8", "asimd", "sve")
#: Environment variables that override that choice.
DISPATCH_ENV = ("MKL_ENABLE_INSTRUCTIONS", "MKL_CBWR", "ONEDNN_MAX_CPU_ISA", "CT2_FORCE_CPU_ISA")


@functools.lru_cache(maxsize=1)
def _cpu_model_and_isa() -> tuple[str, tuple[str, ...]]:
    fallback = platform.processor() or platform.machine()
    try:
        lines = Path("/proc/cpuinfo").read_text(errors="replace").splitlines()
    except OSError:  # not Linux
        return fallback, ()
    field = lambda *keys: next((ln.split(":", 1)[1].strip() for ln in lines  # noqa: E731
                                if ":" in ln and ln.split(":", 1)[0].strip().lower() in keys), "")
    flags = set(field("flags", "features").split())
    return field("model name", "cpu model", "hardware") or fallback, tuple(f for f in ISA_FLAGS if f in flags)


def cpu_path() -> dict[str, Any]:
    """The CPU that computed a run: architecture, model name, the kernel-relevant ISA features
    (:data:`ISA_FLAGS`) and any dispatch override set in the environment (:data:`DISPATCH_ENV`)."""
    model, isa = _cpu_model_and_isa()
    out: dict[str, Any] = {"machine": platform.machine(), "model": model, "isa": list(isa)}
    env = {k: os.environ[k] for k in DISPATCH_ENV if os.environ.get(k)}
    if env:
        out["dispatch_env"] = env
    return out


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
    """The metadata block of a stage's output tables: stage, options, model digests, versions, CPU, extras."""
    return {"stage": stage, "options": options_dict(options), "models": model_hashes(models or []),
            "versions": versions(*dists, tracked=True), "cpu": cpu_path(), **extra}
