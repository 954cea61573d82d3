"""provenance: the CPU path a run was computed on (ISA features and dispatch overrides)."""

from __future__ import annotations

from pathlib import Path

import pytest
from reelmind.core.provenance import DISPATCH_ENV, ISA_FLAGS, cpu_path, provenance


def test_cpu_path_names_this_machine_and_its_kernel_features():
    cpu = cpu_path()
    info = Path("/proc/cpuinfo")
    if not info.exists():
        pytest.skip("no /proc/cpuinfo")
    text = info.read_text(errors="replace")
    flags = set(next(ln.split(":", 1)[1] for ln in text.splitlines()
                     if ln.split(":", 1)[0].strip().lower() in ("flags", "features")).split())
    assert cpu["isa"] == [f for f in ISA_FLAGS if f in flags]
    assert cpu["model"] and cpu["model"] in text or cpu["model"] == cpu["machine"]


def test_a_dispatch_override_is_recorded_and_provenance_carries_it(monkeypatch):
    for key in DISPATCH_ENV:
        monkeypatch.delenv(key, raising=False)
    assert "dispatch_env" not in cpu_path()
    monkeypatch.setenv("MKL_ENABLE_INSTRUCTIONS", "AVX512")
    assert cpu_path()["dispatch_env"] == {"MKL_ENABLE_INSTRUCTIONS": "AVX512"}
    assert provenance("demo")["cpu"]["dispatch_env"] == {"MKL_ENABLE_INSTRUCTIONS": "AVX512"}
