"""Throughput of every installed stage at a GPU-tier profile's batch sizes: one JSON table.

Each stage found under the ``reelmind.stages`` entry points is set up once and run once untimed
(models load, timed apart as ``setup_s`` + ``warm_up_s``), then its runner is timed on one
benchmark film (``--repeat`` runs, the median kept;
upstream stages run first to give it real inputs). ONNX sessions take TensorRT -> CUDA -> CPU,
whichever the installed onnxruntime offers (reelmind.core.runtime). A stage that cannot run
here is listed with its reason; the categories of the GPU-tier study (faces, ASR/segmentation,
fusion, cognition, micro-expressions) that no installed stage covers are listed as absent.

Usage: ``python bench/stage_throughput.py [--profile NAME] [--film PATH] [--repeat N]``
(prints the table on stdout; used by bench/gpu_check.sh).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

#: the study's categories -> the stages that implement them (new stages join by name)
CATEGORIES = {
    "faces": ("faces", "persons"),
    "asr+segmentation": ("audio",),
    "voices": ("voices",),
    "fusion": ("fuse",),
    "cognition": ("moments", "memory", "personality", "social", "scores", "report", "cognition"),
    "microexpr": ("microexpr",),
    "prompts": ("promptgen", "prompts"),
}


def _category(stage: str) -> str:
    return next((c for c, names in CATEGORIES.items() if stage in names), "other")


def _film(path: str | None, work: Path) -> Path:
    if path:
        return Path(path)
    from reelmind.eval.groundtruth import SCRIPT, build

    build(work / "film", script=SCRIPT[:4])
    return work / "film" / "film.mp4"


def _duration(film: Path) -> float:
    import av

    with av.open(str(film)) as c:
        return float(c.duration or 0) / 1e6


def measure(profile_name: str, film: Path, repeat: int) -> dict:
    from reelmind.core.profiles import current_profile
    from reelmind.core.runtime import available_providers
    from reelmind.core.stage import RunContext, discover_stages
    from reelmind.pipeline.orchestrate import execute, plan

    profile = current_profile(None if profile_name == "auto" else profile_name)
    stages = discover_stages()
    the_plan = plan(stages, {"video"})
    artefacts: dict = {"video": film}
    rows, failed = [], {n: "; ".join(r) for n, r in the_plan.missing.items()}
    duration = _duration(film)
    for stage in the_plan.order:
        if any(i not in artefacts for i in stage.inputs):
            failed[stage.name] = "an input stage failed"
            continue
        inputs = {i: artefacts[i] for i in (*stage.inputs, *stage.optional_inputs) if i in artefacts}
        try:
            fields = {f.name for f in dataclasses.fields(stage.options_type)} if dataclasses.is_dataclass(stage.options_type) else set()
            # the faces stage's own ~/.cache checkpoint would hand the timed runs the warm-up's analysis
            options = stage.make_options({"checkpoint_every": 0} if "checkpoint_every" in fields else {})
            t0 = time.perf_counter()
            runner = stage.setup(options, profile)
            setup_s = time.perf_counter() - t0
            times = []
            with tempfile.TemporaryDirectory(prefix=f"bench-{stage.name}-") as tmp:
                ctx = RunContext(scratch=Path(tmp) / "warm-up")
                ctx.scratch.mkdir()
                t0 = time.perf_counter()
                execute(stage, runner, inputs, ctx)  # models many stages load lazily, on first use
                warm_s = time.perf_counter() - t0
                for k in range(max(1, repeat)):
                    ctx = RunContext(scratch=Path(tmp) / str(k))
                    ctx.scratch.mkdir()
                    t0 = time.perf_counter()
                    outputs = execute(stage, runner, inputs, ctx)
                    times.append(time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001 - one stage's failure is a row of the table
            failed[stage.name] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            continue
        artefacts.update(outputs)
        sec = statistics.median(times)
        rows.append({"stage": stage.name, "category": _category(stage.name), "setup_s": round(setup_s, 3),
                     "warm_up_s": round(warm_s, 3),
                     "seconds": round(sec, 3), "runs": len(times),
                     "x_realtime": round(duration / sec, 2) if sec > 0 else None,
                     "s_per_film_hour": round(sec / duration * 3600, 1) if duration else None})
    covered = {r["category"] for r in rows} | {_category(n) for n in failed}
    return {
        "profile": profile.name, "device": profile.device, "batch_sizes": profile.batch_sizes,
        "providers": available_providers(), "host": platform.node(), "cpus": os.cpu_count(),
        "load_1min": round(os.getloadavg()[0], 2), "film": film.name, "film_seconds": round(duration, 3),
        "stages": rows, "failed": failed,
        "absent": sorted(c for c in CATEGORIES if c not in covered),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="auto")
    ap.add_argument("--film", default=None, help="benchmark film (default: a 4-line ground-truth film, built)")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="reelmind-bench-") as tmp:
        table = measure(args.profile, _film(args.film, Path(tmp)), args.repeat)
    for category in table["absent"]:
        sys.stderr.write(f"stage_throughput: no installed stage for {category}: skipped\n")
    sys.stdout.write(json.dumps(table, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
