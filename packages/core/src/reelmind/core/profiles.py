"""GPU-tier profiles (bench/profiles/*.yaml): batch sizes, precision and VRAM budget per tier.

``current_profile()`` picks one from the detected hardware (or ``$REELMIND_PROFILE`` /
``--profile``): no GPU -> cpu-2core; otherwise the largest tier whose VRAM fits the GPU.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

log = logging.getLogger("reelmind.core.profiles")


@dataclass(frozen=True)
class Profile:
    name: str
    device: str = "cpu"
    vram_gb: float = 0.0
    precision: str = "fp32"
    batch_sizes: dict = field(default_factory=dict)
    vram_budget_gb: float = 0.0
    threads: int = 0
    #: threads of the BLAS library behind numpy/scipy (OpenBLAS) in a run; 0 = the library's default.
    #: Films are many small matrix products (mel filterbanks, clustering, scoring): on 2 cores two
    #: BLAS threads cost 2-10x more than one (bench/RESULTS.md, issue 18)
    blas_threads: int = 0
    #: stages `reelmind run` computes at once when the run config leaves ``parallel`` at 0 (faces and
    #: audio side by side in two processes); 1 = one by one
    parallel: int = 1
    #: per-stage throughput figures (x realtime), each marked ``measured`` (with the command and
    #: date) or ``planning`` (an estimate until a machine of this tier measures it)
    figures: dict = field(default_factory=dict)

    def batch_size(self, task: str, default: int = 1) -> int:
        return int(self.batch_sizes.get(task, default))


def profiles_dir() -> Path:
    packaged = Path(__file__).with_name("profiles")
    if packaged.is_dir():
        return packaged
    for parent in Path(__file__).resolve().parents:
        cand = parent / "bench" / "profiles"
        if cand.is_dir():
            return cand
    raise ConfigError("no GPU-tier profiles found", "reinstall reelmind-core (profiles ship inside it)")


@functools.cache
def available_profiles() -> dict[str, Profile]:
    import yaml

    out = {}
    for path in sorted(profiles_dir().glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[data["name"]] = Profile(**data)
    return out


def load_profile(name: str) -> Profile:
    profiles = available_profiles()
    if name not in profiles:
        raise ConfigError(f"unknown profile {name!r}", f"use one of: {', '.join(sorted(profiles))}")
    return profiles[name]


def detect_gpus() -> list[dict]:
    """GPUs seen by nvidia-smi: [{'name':..., 'memory_gb':...}] (empty without a GPU)."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return []
    try:
        out = subprocess.run([exe, "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=10, check=True).stdout
    except (subprocess.SubprocessError, OSError):
        return []
    gpus = []
    for line in out.strip().splitlines():
        name, mem = [x.strip() for x in line.rsplit(",", 1)]
        gpus.append({"name": name, "memory_gb": float(mem) / 1024})
    return gpus


def choose_profile(gpus: list[dict]) -> Profile:
    """The largest GPU tier that fits the first GPU; cpu-2core without one."""
    profiles = available_profiles()
    if not gpus:
        return profiles["cpu-2core"]
    mem = gpus[0]["memory_gb"]
    tiers = sorted((p for p in profiles.values() if p.device == "cuda"), key=lambda p: p.vram_gb)
    fitting = [p for p in tiers if p.vram_gb <= mem * 1.1]  # tiers are named in GB, nvidia-smi reports MiB
    return fitting[-1] if fitting else tiers[0]


def current_profile(name: str | None = None) -> Profile:
    """``name`` (or $REELMIND_PROFILE) unless "auto"/None, else detected from the hardware."""
    name = name or os.environ.get("REELMIND_PROFILE") or "auto"
    if name != "auto":
        return load_profile(name)
    prof = choose_profile(detect_gpus())
    log.info("profile %s chosen from the hardware", prof.name)
    return prof
