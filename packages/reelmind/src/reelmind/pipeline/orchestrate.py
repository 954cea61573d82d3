"""Run the installed stages over one film: plan by inputs/outputs, cache, resume, publish.

Stages are plain functions (``reelmind.core.stage.Stage``); this module only orders them and
moves their records in and out of the run store, so an archive runner (Ray Data, GPU actor
pools) can schedule the very same stages.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from reelmind.core.config import RunConfig
from reelmind.core.errors import InputMediaError, ReelmindError
from reelmind.core.profiles import current_profile
from reelmind.core.provenance import model_hashes, package_versions
from reelmind.core.runstore import RunStore, fingerprint_file
from reelmind.core.stage import Stage, StageContext, discover_stages, options_dict

log = logging.getLogger("reelmind.pipeline.orchestrate")


@dataclass
class Plan:
    order: list[Stage]
    missing: dict[str, list[str]] = field(default_factory=dict)  # stage -> reasons it cannot run


def plan(stages: dict[str, Stage], available: set[str], skip: tuple[str, ...] = (), only: tuple[str, ...] = ()) -> Plan:
    """Order the runnable stages so each one's inputs (and producible optional inputs) come first."""
    missing: dict[str, list[str]] = {}
    candidates = {}
    for name, st in sorted(stages.items()):
        if name in skip:
            missing[name] = ["skipped by request"]
            continue
        reasons = st.check()
        if reasons:
            missing[name] = list(reasons)
        else:
            candidates[name] = st
    # fixed point: which candidates can ever get their required inputs
    producible = set(available)
    runnable: dict[str, Stage] = {}
    changed = True
    while changed:
        changed = False
        for name, st in candidates.items():
            if name not in runnable and set(st.inputs) <= producible:
                runnable[name] = st
                producible |= set(st.outputs)
                changed = True
    for name, st in candidates.items():
        if name not in runnable:
            need = sorted(set(st.inputs) - producible)
            missing[name] = [f"needs {', '.join(need)}, which no runnable stage produces"]
    if only:
        wanted = set(only)
        unknown = wanted - set(stages)
        if unknown:
            raise ReelmindError(f"unknown stage(s): {', '.join(sorted(unknown))}", f"choose from {', '.join(sorted(stages))}")
        # keep the requested stages and everything upstream of them
        needed: set[str] = set()
        frontier = [n for n in wanted if n in runnable]
        while frontier:
            n = frontier.pop()
            if n in needed:
                continue
            needed.add(n)
            for other, st in runnable.items():
                if set(st.outputs) & (set(runnable[n].inputs) | set(runnable[n].optional_inputs)):
                    frontier.append(other)
        runnable = {n: s for n, s in runnable.items() if n in needed}
    # order: a stage waits for producers of its inputs and of its producible optional inputs
    order: list[Stage] = []
    done = set(available)
    pending = dict(runnable)
    produced_later = {o for st in runnable.values() for o in st.outputs}
    while pending:
        ready = [n for n, st in sorted(pending.items())
                 if set(st.inputs) <= done and (set(st.optional_inputs) & produced_later) <= done]
        if not ready:  # optional-input cycle: fall back to required inputs only
            ready = [n for n, st in sorted(pending.items()) if set(st.inputs) <= done][:1]
        for n in ready:
            order.append(pending.pop(n))
            done |= set(order[-1].outputs)
    return Plan(order, missing)


def stage_version(stage: Stage) -> str:
    """Distribution version + hash of the stage function's source file (edits invalidate the cache)."""
    module = inspect.getmodule(stage.run)
    parts = []
    if module is not None:
        top = ".".join(module.__name__.split(".")[:2])
        dists = metadata.packages_distributions().get(top.split(".")[0], [])
        for d in dists:
            try:
                parts.append(f"{d}=={metadata.version(d)}")
            except metadata.PackageNotFoundError:
                pass
        src = inspect.getsourcefile(module)
        if src:
            parts.append(hashlib.sha256(Path(src).read_bytes()).hexdigest()[:16])
    return ";".join(sorted(set(parts))) or "unknown"


@dataclass
class StageReport:
    name: str
    status: str  # "computed" | "cached" | "failed" | "missing"
    seconds: float = 0.0
    message: str = ""
    key: str = ""
    outputs: dict[str, str] = field(default_factory=dict)


def run_pipeline(film: str | Path, out_dir: str | Path, config: RunConfig | None = None,
                 stages: dict[str, Stage] | None = None, only: tuple[str, ...] = (), force: tuple[str, ...] = (),
                 on_progress: Callable[[str, float, str], None] | None = None) -> list[StageReport]:
    """Run every runnable stage over ``film`` into ``out_dir``; finished stages are reused.

    A stage that fails with a ReelmindError is recorded (its message in manifest.json) and the
    stages that need its outputs are skipped; everything already computed stays on disk.
    """
    config = config or RunConfig()
    film = Path(film)
    if not film.is_file():
        raise InputMediaError(f"{film}: no such file")
    if film.stat().st_size == 0:
        raise InputMediaError(f"{film}: the file is empty (0 bytes)")
    stages = discover_stages() if stages is None else stages
    store = RunStore(out_dir)
    profile = current_profile(None if config.profile == "auto" else config.profile)
    the_plan = plan(stages, {"video"}, skip=tuple(config.skip), only=only)
    artefacts: dict[str, Any] = {"video": film}
    keys: dict[str, str] = {"video": fingerprint_file(film)}
    reports = [StageReport(n, "missing", message="; ".join(r)) for n, r in sorted(the_plan.missing.items())]
    manifest = {
        "film": str(film.resolve()), "film_fingerprint": keys["video"], "profile": profile.name,
        "config": config.to_dict(), "versions": package_versions(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "stages": {r.name: vars(r) for r in reports},
    }
    store.write_manifest(manifest)
    for stage in the_plan.order:
        report = _run_one(stage, store, config, profile, artefacts, keys, force, on_progress)
        reports.append(report)
        manifest["stages"][stage.name] = vars(report)
        store.write_manifest(manifest)
    manifest["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    store.write_manifest(manifest)
    return reports


def _run_one(stage: Stage, store: RunStore, config: RunConfig, profile, artefacts: dict, keys: dict,
             force: tuple[str, ...], on_progress) -> StageReport:
    name = stage.name
    absent = [i for i in stage.inputs if i not in artefacts]
    if absent:
        return StageReport(name, "missing", message=f"input(s) {', '.join(absent)} not produced (an upstream stage failed)")
    t0 = time.perf_counter()
    try:
        options = stage.make_options(config.stages.get(name))
        models = stage.models(options)
        mhash = model_hashes(models)
        inputs = {i: artefacts[i] for i in (*stage.inputs, *stage.optional_inputs) if i in artefacts}
        key = store.stage_key(name, stage_version(stage), options_dict(options), mhash, {i: keys[i] for i in inputs})
        cached = None if name in force else store.lookup(name, key)
        if cached is not None:
            status = "cached"
        else:
            work = store.begin(name, key)
            progress = (lambda f, m: on_progress(name, f, m)) if on_progress else (lambda f, m: None)
            ctx = StageContext(work_dir=work / "work", profile=profile, progress=progress, config=config.to_dict())
            progress(0.0, "starting")
            outputs = stage.run(ctx, inputs, options)
            lacking = [o for o in stage.outputs if o not in outputs]
            if lacking:
                raise ReelmindError(f"stage {name} did not return {', '.join(lacking)}")
            info = {"stage": name, "options": options_dict(options), "models": mhash,
                    "inputs": {i: keys[i] for i in inputs}, "seconds": round(time.perf_counter() - t0, 3)}
            cached = store.commit(name, key, work, outputs, info)
            progress(1.0, "done")
            status = "computed"
    except ReelmindError as exc:
        log.error("stage %s failed: %s", name, exc)
        return StageReport(name, "failed", round(time.perf_counter() - t0, 3), message=str(exc))
    except Exception as exc:  # noqa: BLE001 - a bug in one stage must not lose the others' results
        logfile = store.out / "logs" / f"{name}.log"
        logfile.parent.mkdir(parents=True, exist_ok=True)
        logfile.write_text(traceback.format_exc(), encoding="utf-8")
        msg = f"internal error {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} (traceback in {logfile})"
        log.error("stage %s failed: %s", name, msg)
        return StageReport(name, "failed", round(time.perf_counter() - t0, 3), message=msg)
    published = store.publish(cached)
    for out_name, value in cached.outputs.items():
        artefacts[out_name] = value
        keys[out_name] = f"{name}:{cached.key}:{out_name}"
    return StageReport(name, status, round(time.perf_counter() - t0, 3), key=cached.key,
                       outputs={k: str(v) for k, v in published.items()})
