"""``reelmind doctor``: what this machine can run, and the fix for what it cannot."""

from __future__ import annotations

import shutil
from dataclasses import dataclass


@dataclass
class Finding:
    area: str
    item: str
    ok: bool
    detail: str


def collect() -> list[Finding]:
    from reelmind.core.errors import ReelmindError
    from reelmind.core.profiles import current_profile, detect_gpus
    from reelmind.core.provenance import cpu_path, package_versions
    from reelmind.core.models import load_manifest, resolve
    from reelmind.core.stage import discover_stages

    found: list[Finding] = []
    for dist, ver in package_versions().items():
        if dist.startswith("reelmind") or dist == "python":
            found.append(Finding("packages", dist, True, ver))
    cpu = cpu_path()
    found.append(Finding("hardware", "CPU", True, f"{cpu['model']} ({', '.join(cpu['isa']) or 'no listed ISA features'})"
                         + (f"; dispatch {cpu['dispatch_env']}" if "dispatch_env" in cpu else "")))
    gpus = detect_gpus()
    found.append(Finding("hardware", "GPU", bool(gpus),
                         ", ".join(f"{g['name']} ({g['memory_gb']:.0f} GiB)" for g in gpus) or "none found (nvidia-smi absent or no GPU): CPU profile"))
    try:
        prof = current_profile()
        found.append(Finding("hardware", "profile", True, f"{prof.name} (batch sizes {prof.batch_sizes})"))
    except ReelmindError as exc:
        found.append(Finding("hardware", "profile", False, str(exc)))
    try:
        import onnxruntime as ort

        have = ort.get_available_providers()
        for ep in ("TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"):
            why = "available" if ep in have else ("needs onnxruntime-gpu and a CUDA GPU" if gpus else "no GPU on this machine")
            found.append(Finding("onnxruntime", ep, ep in have, why))
    except ImportError:
        found.append(Finding("onnxruntime", "onnxruntime", False, "not installed — fix: pip install onnxruntime"))
    try:
        import torch

        found.append(Finding("torch", "torch", True, f"{torch.__version__}, CUDA {'yes' if torch.cuda.is_available() else 'no'}"))
    except ImportError:
        found.append(Finding("torch", "torch", False, "not installed (needed by speaker embeddings and the LSTM) — fix: pip install torch==2.13.0"))
    for tool in ("ffmpeg", "ffprobe", "flite", "chromium"):
        path = shutil.which(tool)
        found.append(Finding("tools", tool, bool(path), path or f"not found — fix: apt-get install {tool if tool != 'ffprobe' else 'ffmpeg'}"))
    try:
        from reelmind import native  # noqa: F401

        native.native_module()
        found.append(Finding("native", "reelmind._native", True, "built"))
    except ImportError as exc:
        found.append(Finding("native", "reelmind._native", False, str(exc)))
    try:
        for name, entry in sorted(load_manifest().items()):
            try:
                model = resolve(name)
                found.append(Finding("models", name, True, f"{entry.task}: {model.path}"))
            except ReelmindError as exc:
                found.append(Finding("models", name, False, f"{entry.task}: {exc}"))
    except ReelmindError as exc:
        found.append(Finding("models", "manifest", False, str(exc)))
    stages = discover_stages()
    for name, stage in sorted(stages.items()):
        reasons = stage.check()
        found.append(Finding("stages", name, not reasons,
                             "ready: " + stage.description if not reasons else "; ".join(reasons)))
    for expected in ("faces", "persons", "audio", "fuse", "moments", "memory", "personality", "social", "scores", "report"):
        if expected not in stages:
            found.append(Finding("stages", expected, False, "not installed (its package is missing from this environment)"))
    return found


def print_doctor() -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="reelmind doctor")
    for col in ("area", "item", "", "detail"):
        table.add_column(col, overflow="fold")
    for f in collect():
        table.add_row(f.area, f.item, "[green]ok[/]" if f.ok else "[red]no[/]", f.detail)
    Console(width=160).print(table)
