"""The local driver's concurrent mode: stages that do not depend on each other (faces and audio, say)
are computed at the same time in worker processes, the rest in the driver's own process.

A worker process finds the stage by name (entry points), reads its inputs from the run store by
their keys, computes and commits the result, and returns its report; the driver then takes the
result from the store, publishes it and goes on. Progress flows back through a queue. Ctrl-C stops
the workers; their half-done results stay in ``.partial-*`` folders that are never read, and a
rerun resumes from what was committed (and from the faces stage's per-segment checkpoints).
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict
from pathlib import Path
from typing import Any

from reelmind.core.config import RunConfig
from reelmind.core.runstore import RunStore
from reelmind.core.stage import Stage

log = logging.getLogger("reelmind.pipeline.concurrent")


_progress_queue = None  # in a worker: the driver's progress queue, given once at the worker's start


def _worker_init(progress_queue) -> None:
    global _progress_queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver decides what Ctrl-C stops
    _die_with_parent()
    _progress_queue = progress_queue


def _die_with_parent() -> None:
    """A killed driver (SIGKILL, out of memory) takes its workers with it (Linux), so no orphan keeps
    computing or holds the terminal's pipes open."""
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass


def _compute(stage_name: str, film: str, out_dir: str, config: dict, profile_name: str, keys: dict[str, str],
             force: tuple[str, ...]) -> dict:
    """In a worker process: compute and commit one stage (no publish); its report as a dict."""
    from reelmind.core.profiles import load_profile
    from reelmind.core.stage import discover_stages

    from .orchestrate import load_inputs, release_after, run_stage

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    stage = discover_stages()[stage_name]
    store = RunStore(out_dir)
    artefacts: dict[str, Any] = {"video": Path(film)}
    load_inputs(store, stage, keys, artefacts)

    def progress(name: str, frac: float, msg: str) -> None:
        _progress_queue.put((name, frac, msg))

    run_config = RunConfig.from_dict(config)
    report = run_stage(stage, store, run_config, load_profile(profile_name), artefacts, dict(keys), force, progress,
                       publish=False)
    release_after(report, run_config)
    return asdict(report)


def _ready(stage: Stage, pending: list[Stage], running: dict[Future, Stage], artefacts: dict) -> bool:
    """All required inputs exist, and no pending or running stage still produces one of its optional inputs."""
    if not set(stage.inputs) <= set(artefacts):
        return False
    later = {o for st in (*pending, *running.values()) if st is not stage for o in st.outputs}
    return not (set(stage.optional_inputs) & later)


def _blocked(stage: Stage, pending: list[Stage], running: dict[Future, Stage], artefacts: dict) -> bool:
    """A required input can never come: nothing pending or running produces it (an upstream stage failed)."""
    coming = {o for st in (*pending, *running.values()) for o in st.outputs}
    return any(i not in artefacts and i not in coming for i in stage.inputs)


def drive_concurrently(order: list[Stage], film: Path, store: RunStore, config: RunConfig, profile, artefacts: dict,
                       keys: dict, force: tuple[str, ...], on_progress, manifest: dict, workers: int,
                       publisher=None) -> list:
    """Run ``order`` (a plan) with up to ``workers`` stages computing at once; returns the stage reports."""
    from .orchestrate import (PipelineInterrupted, StageReport, record_stage, release_after, run_stage, stage_key,
                              stage_options, warm_runners)

    reports: list[StageReport] = []
    pending = list(order)
    running: dict[Future, Stage] = {}
    started: dict[str, float] = {}
    ctx = multiprocessing.get_context("spawn")
    progress_q = ctx.Queue()  # handed to each worker at its start: no manager process (~40 MB) beside them
    stop = threading.Event()

    def pump() -> None:  # worker progress -> the CLI's bars
        while not stop.is_set():
            try:
                name, frac, msg = progress_q.get(timeout=0.2)
            except queue.Empty:
                continue
            except (EOFError, OSError, ValueError):
                return
            if on_progress:
                on_progress(name, frac, msg)

    pumper = threading.Thread(target=pump, daemon=True)
    pumper.start()
    slots = max(1, workers - 1)  # worker processes; the driver's own process computes too
    pool = ProcessPoolExecutor(max_workers=slots, mp_context=ctx, initializer=_worker_init, initargs=(progress_q,))
    current: list[str] = []
    after = downstream(order)
    warmed: set[str] = set()

    def finish(report: StageReport) -> None:
        reports.append(report)
        record_stage(manifest, report)
        store.write_manifest(manifest)

    def needs_compute(stage: Stage) -> bool:
        if stage.name in force:
            return True
        try:
            inputs = {i: keys[i] for i in (*stage.inputs, *stage.optional_inputs) if i in artefacts}
            key, _ = stage_key(stage, stage_options(stage, config), inputs)
        except Exception:  # noqa: BLE001 - run_stage reports it
            return False
        return store.lookup(stage.name, key) is None

    def submit(stage: Stage) -> None:
        pending.remove(stage)
        inputs = {i: keys[i] for i in (*stage.inputs, *stage.optional_inputs) if i in keys}
        fut = pool.submit(_compute, stage.name, str(film), str(store.out), config.to_dict(), profile.name,
                          {"video": keys["video"], **inputs}, tuple(force))
        running[fut] = stage
        started[stage.name] = time.perf_counter()

    try:
        while pending or running:
            for stage in [s for s in pending if _blocked(s, pending, running, artefacts)]:
                pending.remove(stage)
                absent = [i for i in stage.inputs if i not in artefacts]
                finish(StageReport(stage.name, "missing",
                                   message=f"input(s) {', '.join(absent)} not produced (an upstream stage failed)"))
            ready = [s for s in pending if _ready(s, pending, running, artefacts)]
            # the stage most others wait for stays in the driver (its runner may be warm); the rest go to workers
            computing = sorted((s for s in ready if needs_compute(s)), key=lambda s: len(after[s.name]))
            local = [s for s in ready if s not in computing]  # cached: publish here, at once
            if len(computing) == 1 and not running:
                local += computing  # a lone computation runs here (no process start-up)
            elif computing:
                free = max(0, slots - len(running))
                for stage in computing[:free]:
                    submit(stage)
                if computing[free:]:
                    local.append(computing[free])  # the driver's own process takes the next one
            for stage in local:
                pending.remove(stage)
                current[:] = [stage.name]
                report = run_stage(stage, store, config, profile, artefacts, keys, force, on_progress,
                                   publisher=publisher)
                finish(report)
                current.clear()
                warmed.discard(stage.name)
                release_after(report, config, keep=tuple(warmed))
            if local or not running:
                if not local and not running and pending:  # nothing can ever start: report and stop
                    for stage in pending:
                        finish(StageReport(stage.name, "missing", message="its inputs were never produced"))
                    pending.clear()
                continue  # re-scan: what finished may have unlocked more stages
            # idle until a worker finishes: set up the runners of what comes next here (every pending stage
            # still waits for an input, so whether its result is cached cannot be known yet)
            warmed.update(warm_runners([s for s in pending if s.name not in warmed], config, profile))
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in done:
                stage = running.pop(fut)
                try:
                    worker = StageReport(**fut.result())
                except Exception as exc:  # noqa: BLE001 - a worker that died (out of memory, killed)
                    worker = StageReport(stage.name, "failed", message=f"worker process died ({type(exc).__name__}: {exc})")
                if worker.status == "failed":
                    finish(worker)
                    continue
                # take the committed result from the store and publish it here
                report = run_stage(stage, store, config, profile, artefacts, keys, (), on_progress,
                                   publisher=publisher)
                report.status = worker.status
                report.seconds = round(time.perf_counter() - started[stage.name], 3)
                report.cpu_seconds = round(worker.cpu_seconds + report.cpu_seconds, 3)  # the worker's compute + the publish here
                finish(report)
    except KeyboardInterrupt:
        names = [*current, *(s.name for s in running.values())] or ["a stage"]
        for name in names:
            manifest["stages"][name] = vars(StageReport(name, "interrupted"))
        manifest["interrupted"] = ", ".join(names)
        store.write_manifest(manifest)
        _stop_workers(pool)
        raise PipelineInterrupted(", ".join(names)) from None
    finally:
        stop.set()
        pumper.join(timeout=1)
        pool.shutdown(wait=True, cancel_futures=True)
        progress_q.close()
        progress_q.cancel_join_thread()
    return reports


def downstream(order: list[Stage]) -> dict[str, set[str]]:
    """Every stage's transitive dependants (by required and optional inputs) within a plan."""
    consumers = {s.name: {t.name for t in order if set(s.outputs) & {*t.inputs, *t.optional_inputs}} for s in order}
    out: dict[str, set[str]] = {}
    for stage in reversed(order):  # a plan lists producers before consumers
        out[stage.name] = consumers[stage.name].union(*(out[c] for c in consumers[stage.name]))
    return out


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    for proc in list(getattr(pool, "_processes", {}).values()):
        try:
            proc.terminate()
        except Exception:  # noqa: BLE001
            pass
