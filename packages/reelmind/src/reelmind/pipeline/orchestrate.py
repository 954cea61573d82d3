"""Run the installed stages over one film: ``plan`` orders them, ``execute`` runs one stage with no
store, and the local driver (:func:`run_pipeline`) caches, resumes and publishes.

The archive runner schedules the same stages on Ray actors with the same three pieces: it plans
once, computes each (film, stage) key with :func:`stage_key`, runs :func:`execute` inside an actor
that made its runner with :func:`get_runner`, and commits into the same content-addressed store.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelmind.core.config import RunConfig
from reelmind.core.errors import ReelmindError
from reelmind.core.media import check_file
from reelmind.core.profiles import current_profile
from reelmind.core.provenance import cpu_path, model_hashes, package_versions
from reelmind.core.runstore import RunStore, fingerprint_file, run_settings, stable_hash
from reelmind.core.runtime import blas_threads
from reelmind.core.stage import RunContext, Runner, Stage, code_version, discover_stages, key_options, options_dict
from reelmind.core.table import Table

log = logging.getLogger("reelmind.pipeline.orchestrate")


class PipelineInterrupted(KeyboardInterrupt):
    """Ctrl-C during a stage; finished stages are kept."""

    def __init__(self, stage: str) -> None:
        super().__init__(stage)
        self.stage = stage


@dataclass
class Plan:
    order: list[Stage]
    missing: dict[str, list[str]] = field(default_factory=dict)  # stage -> reasons it cannot run


def plan(stages: dict[str, Stage], available: set[str], skip: tuple[str, ...] = (), only: tuple[str, ...] = (),
         enable: tuple[str, ...] = ()) -> Plan:
    """Order the runnable stages so each one's inputs (and producible optional inputs) come first.

    Opt-in stages (``Stage.opt_in``) join only when named in ``enable`` or ``only``."""
    missing: dict[str, list[str]] = {}
    candidates = {}
    for name, st in sorted(stages.items()):
        if name in skip:
            missing[name] = ["skipped by request"]
            continue
        if st.opt_in and name not in enable and name not in only:
            missing[name] = [f"opt-in stage, not asked for: add --enable {name} (or enable: [{name}] in the config)"]
            continue
        reasons = st.check()
        if reasons:
            missing[name] = list(reasons)
        else:
            candidates[name] = st
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


# ----------------------------------------------------------------------------- options and keys
def with_run_settings(config: RunConfig, out: str | Path) -> RunConfig:
    """``config`` with the run folder's own settings laid over it (``OUT/settings.yaml``, written by
    commands such as ``reelmind name``): an option recorded there wins over the same option in the
    config, so a later ``reelmind run`` keeps what was recorded for this run folder."""
    recorded = run_settings(out)
    if not recorded:
        return config
    stages = {name: dict(opts) for name, opts in config.stages.items()}
    for name, opts in recorded.items():
        for key, value in opts.items():
            if name in config.stages and key in config.stages[name] and config.stages[name][key] != value:
                log.warning("stages.%s.%s: the run folder's settings.yaml (%r) overrides the config (%r)",
                            name, key, value, config.stages[name][key])
        stages.setdefault(name, {}).update(opts)
    return dataclasses.replace(config, stages=stages)


def stage_options(stage: Stage, config: RunConfig) -> Any:
    """The stage's options from the run config; the run's one LLM configuration fills an ``llm`` field."""
    values = dict(config.stages.get(stage.name) or {})
    options = stage.make_options(values)
    if config.llm and "llm" not in values and dataclasses.is_dataclass(options) and \
            "llm" in {f.name for f in dataclasses.fields(options)}:
        options = dataclasses.replace(options, llm=config.llm_options())
    return options


def stage_key(stage: Stage, options: Any, input_keys: dict[str, str]) -> tuple[str, dict]:
    """The content-addressed cache key of (stage, options, models, code, inputs), and its parts."""
    mhash = model_hashes(stage.models(options))
    parts = {"stage": stage.name, "code": code_version(stage), "options": key_options(options), "models": mhash,
             "inputs": dict(sorted(input_keys.items()))}
    return stable_hash(parts)[:32], parts


_runners: dict[tuple, Runner] = {}
_runners_lock = threading.Lock()


def get_runner(stage: Stage, options: Any, profile: Any) -> Runner:
    """The stage's runner for these options, made once per process (models loaded once)."""
    key = (stage.name, stable_hash(options_dict(options)), getattr(profile, "name", str(profile)))
    with _runners_lock:
        if key in _runners:
            return _runners[key]
    runner = stage.setup(options, profile)
    with _runners_lock:
        return _runners.setdefault(key, runner)


def warm_runners(stages: list[Stage], config: RunConfig, profile: Any) -> list[str]:
    """Make the runners of ``stages`` now (imports, models: what ``setup`` loads once per process),
    for a driver that would otherwise sit waiting for a worker; returns the names made. A setup
    that fails is left for the stage's own run, which reports it."""
    made = []
    for stage in stages:
        try:
            get_runner(stage, stage_options(stage, config), profile)
            made.append(stage.name)
        except Exception as exc:  # noqa: BLE001 - reported when the stage runs
            log.debug("warming %s: %s", stage.name, exc)
    return made


def release_after(report: StageReport, config: RunConfig, keep: tuple[str, ...] = ()) -> None:
    """After a stage computed (not when it was cached or failed), its models are released unless the
    run config says ``keep_models``; the runners of the stages named in ``keep`` (made ahead of
    time by :func:`warm_runners`) stay."""
    if report.status == "computed" and not config.keep_models:
        release_models(keep)


def release_models(keep: tuple[str, ...] = ()) -> None:
    """Drop this process's stage runners (but those of the stages in ``keep``) and loaded models and
    hand the freed heap back to the OS (after a stage computed, unless the run config's
    ``keep_models``): the next stage loads its own. A full garbage collection (0.1-0.3 s once torch
    and chromadb are imported) runs only when models were loaded; a runner without models is freed
    when its last reference goes."""
    import gc

    from reelmind.core import models
    from reelmind.core.runtime import trim_heap

    with _runners_lock:
        for key in [k for k in _runners if k[0] not in keep]:
            del _runners[key]
    had_models = models.loaded_count() > 0
    models.clear_loaded()
    if had_models:
        gc.collect()
    trim_heap()


def execute(stage: Stage, runner: Runner, inputs: dict[str, Any], ctx: RunContext) -> dict[str, Table]:
    """Run one stage on one film (no store involved); checks it returned every declared output as a Table."""
    outputs = runner(inputs, ctx)
    lacking = [o for o in stage.outputs if o not in outputs]
    if lacking:
        raise ReelmindError(f"stage {stage.name} did not return {', '.join(lacking)}")
    bad = {k: type(v).__name__ for k, v in outputs.items() if not isinstance(v, Table)}
    if bad:
        raise ReelmindError(f"stage {stage.name} returned non-record outputs {bad}")
    return {k: outputs[k] for k in stage.outputs}


def degradations(outputs: dict[str, Any]) -> list[str]:
    """What the stage's output tables say was degraded (``meta['degraded']``), de-duplicated."""
    out: list[str] = []
    for t in outputs.values():
        for d in (getattr(t, "meta", {}) or {}).get("degraded", []) or []:
            if d not in out:
                out.append(str(d))
    return out


# ----------------------------------------------------------------------------- local driver
@dataclass
class StageReport:
    name: str
    status: str  # "computed" | "cached" | "failed" | "missing" | "interrupted"
    seconds: float = 0.0
    message: str = ""
    cpu_seconds: float = 0.0  # CPU time of the process (all its threads) spent on this stage: a figure load does not inflate much
    key: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    degraded: list[str] = field(default_factory=list)
    publish_errors: list[str] = field(default_factory=list)


def _internal_error(store: RunStore, name: str, exc: BaseException) -> str:
    logfile = store.out / "logs" / f"{name}.log"
    try:
        logfile.parent.mkdir(parents=True, exist_ok=True)
        logfile.write_text(traceback.format_exc(), encoding="utf-8")
        where = f"traceback in {logfile}"
    except OSError:
        where = "traceback could not be saved"
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"internal error {type(exc).__name__}: {first} ({where})"


def run_pipeline(film: str | Path, out_dir: str | Path, config: RunConfig | None = None,
                 stages: dict[str, Stage] | None = None, only: tuple[str, ...] = (), force: tuple[str, ...] = (),
                 on_progress: Callable[[str, float, str], None] | None = None) -> list[StageReport]:
    """Run every runnable stage over ``film`` into ``out_dir``; finished stages are reused.

    A stage that fails is recorded (its one-line message in manifest.json) and the stages that
    need its outputs are skipped; everything already computed stays on disk.
    """
    config = config or RunConfig()
    film = check_file(film)
    stages = discover_stages() if stages is None else stages
    store = RunStore(out_dir)
    config = with_run_settings(config, store.out)
    store.lock()
    try:
        return _drive(film, store, config, stages, only, force, on_progress)
    finally:
        store.unlock()


def _drive(film: Path, store: RunStore, config: RunConfig, stages: dict[str, Stage], only, force, on_progress) -> list[StageReport]:
    profile = current_profile(None if config.profile == "auto" else config.profile)
    with blas_threads(profile):  # workers started inside inherit it
        return _drive_stages(film, store, config, stages, only, force, on_progress, profile)


def _drive_stages(film: Path, store: RunStore, config: RunConfig, stages: dict[str, Stage], only, force, on_progress,
                  profile) -> list[StageReport]:
    the_plan = plan(stages, {"video"}, skip=tuple(config.skip), only=only, enable=tuple(config.enable))
    artefacts: dict[str, Any] = {"video": film}
    keys: dict[str, str] = {"video": fingerprint_file(film)}
    reports = [StageReport(n, "missing", message="; ".join(r)) for n, r in sorted(the_plan.missing.items())]
    manifest = start_manifest(film, keys["video"], profile, config, reports)
    store.write_manifest(manifest)
    workers, why = parallel_workers(config, profile, film)
    manifest["parallel"] = {"workers": workers, "why": why}
    with Publisher() as publisher:
        if workers > 1 and stages_are_discoverable(stages):
            from .concurrent import drive_concurrently

            reports += drive_concurrently(the_plan.order, film, store, config, profile, artefacts, keys, force,
                                          on_progress, manifest, workers, publisher)
        else:
            reports += _drive_one_by_one(the_plan.order, film, store, config, profile, artefacts, keys, force,
                                         on_progress, manifest, publisher)
        for report in publisher.drain():
            record_stage(manifest, report)
    manifest["finished"] = now()
    store.write_manifest(manifest)
    return reports


def _drive_one_by_one(order: list[Stage], film: Path, store: RunStore, config: RunConfig, profile, artefacts: dict,
                      keys: dict, force: tuple[str, ...], on_progress, manifest: dict,
                      publisher: Publisher) -> list[StageReport]:
    reports = []
    for stage in order:
        try:
            report = run_stage(stage, store, config, profile, artefacts, keys, force, on_progress, publisher=publisher)
        except KeyboardInterrupt:
            manifest["stages"][stage.name] = vars(StageReport(stage.name, "interrupted"))
            manifest["interrupted"] = stage.name
            store.write_manifest(manifest)
            raise PipelineInterrupted(stage.name) from None
        reports.append(report)
        record_stage(manifest, report)
        store.write_manifest(manifest)
        release_after(report, config)
    return reports


#: memory a run needs free per stage computed at once (faces and audio peak near 0.9 GB each on the
#: 6-minute film, bench/RESULTS.md issue 18) before the driver starts a second one
GB_PER_WORKER = 1.5
#: films shorter than this run one stage at a time under ``parallel: 0``: a worker process's start-up
#: (imports, models loaded again) costs more than faces and audio side by side save on them
MIN_PARALLEL_FILM_S = 60.0


def parallel_workers(config: RunConfig, profile=None, film: Path | None = None) -> tuple[int, str]:
    """How many stages the local driver computes at once, and why: config ``parallel`` when set;
    when it is 0, the profile's ``parallel`` for a film of at least a minute, but no more than the
    cores the machine has idle now and the memory it has free (two stages side by side only pay on
    cores nobody else is using: bench/RESULTS.md, issue 18). With more than one, a script that calls
    :func:`run_pipeline` needs an ``if __name__ == "__main__":`` guard (workers are spawned)."""
    if config.parallel:
        return max(1, int(config.parallel)), "config parallel"
    want = max(1, int(getattr(profile, "parallel", 1) or 1))
    if want == 1:
        return 1, f"profile {getattr(profile, 'name', '?')}"
    from reelmind.core.media import media_seconds
    from reelmind.core.runtime import available_memory_gb, idle_cores

    seconds = media_seconds(film) if film is not None else float("inf")
    if seconds < MIN_PARALLEL_FILM_S:
        return 1, f"a {seconds:.0f}-s film: one stage at a time (under {MIN_PARALLEL_FILM_S:.0f} s)"

    idle, free = idle_cores(), available_memory_gb()
    n = max(1, min(want, int(idle + 0.5), int(free // GB_PER_WORKER)))
    return n, f"profile {profile.name}: {want}; {idle:.1f} cores idle, {free:.1f} GB free"


def stages_are_discoverable(stages: dict[str, Stage]) -> bool:
    """Worker processes find stages through entry points: only installed stages run concurrently."""
    from reelmind.core import stage as entry_points  # the workers' view, not a caller's stand-in

    installed = entry_points.discover_stages()
    return all(installed.get(n) is s or (n in installed and installed[n].setup is s.setup) for n, s in stages.items())


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def start_manifest(film: Path, fingerprint: str, profile, config: RunConfig, reports: list[StageReport]) -> dict:
    """A run folder's manifest.json at the start of a run (``reports``: the stages that cannot run)."""
    return {
        "film": str(film.resolve()), "film_fingerprint": fingerprint, "profile": profile.name,
        "config": config.to_dict(), "versions": package_versions(), "cpu": cpu_path(), "started": now(),
        "stages": {r.name: vars(r) for r in reports}, "degraded": {},
    }


def record_stage(manifest: dict, report: StageReport) -> None:
    """Enter one stage's report (and what it says was degraded) into a run manifest."""
    manifest["stages"][report.name] = vars(report)
    if report.degraded:
        manifest["degraded"][report.name] = report.degraded
    else:
        manifest["degraded"].pop(report.name, None)


def load_inputs(store: RunStore, stage: Stage, keys: dict[str, str], artefacts: dict[str, Any]) -> None:
    """Fill ``artefacts`` with the stage's inputs from the store, by their keys ("stage:key:output")."""
    for name in (*stage.inputs, *stage.optional_inputs):
        if name in artefacts or name not in keys or keys[name].count(":") != 2:
            continue
        producer, key, output = keys[name].split(":")
        cached = store.lookup(producer, key)
        if cached is None or output not in cached.outputs:
            raise ReelmindError(f"input {name} ({producer} result {key}) is missing from {store.cache}",
                                f"rerun so that {producer} recomputes it")
        for out_name, value in cached.outputs.items():
            artefacts.setdefault(out_name, value)


def run_stage(stage: Stage, store: RunStore, config: RunConfig, profile, artefacts: dict, keys: dict,
              force: tuple[str, ...] = (), on_progress=None, publish: bool = True,
              publisher: Publisher | None = None) -> StageReport:
    """Run (or take from the cache) one stage of one film and publish it; ``artefacts`` and ``keys``
    gain its outputs. A failure is returned as a report, never raised (except KeyboardInterrupt).
    ``publish=False`` only computes and commits (a worker process of the concurrent driver); with a
    ``publisher`` the files are written in the background and the report's ``outputs`` filled by
    :meth:`Publisher.drain`."""
    name = stage.name
    absent = [i for i in stage.inputs if i not in artefacts]
    if absent:
        return StageReport(name, "missing", message=f"input(s) {', '.join(absent)} not produced (an upstream stage failed)")
    t0, c0 = time.perf_counter(), time.process_time()
    progress = (lambda f, m: on_progress(name, f, m)) if on_progress else (lambda f, m: None)
    try:
        options = stage_options(stage, config)
        inputs = {i: artefacts[i] for i in (*stage.inputs, *stage.optional_inputs) if i in artefacts}
        key, parts = stage_key(stage, options, {i: keys[i] for i in inputs})
        cached = None if name in force else store.lookup(name, key)
        if cached is not None:
            status = "cached"
        else:
            work = store.begin(name, key)
            ctx = RunContext(scratch=work / "work", progress=progress, checkpoint=store.checkpoint(name, key), film=keys["video"])
            progress(0.0, "starting")
            runner = get_runner(stage, options, profile)
            outputs = execute(stage, runner, inputs, ctx)
            shutil.rmtree(work / "work", ignore_errors=True)
            info = {"stage": name, "options": options_dict(options), "models": parts["models"], "code": parts["code"],
                    "inputs": parts["inputs"], "seconds": round(time.perf_counter() - t0, 3),
                    "cpu_seconds": round(time.process_time() - c0, 3),
                    "degraded": degradations(outputs)}
            cached = store.commit(name, key, work, outputs, info, replace=name in force)
            progress(1.0, "done")
            status = "computed"
    except ReelmindError as exc:
        log.error("stage %s failed: %s", name, exc)
        return StageReport(name, "failed", round(time.perf_counter() - t0, 3), message=str(exc))
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug in one stage must not lose the others' results
        msg = _internal_error(store, name, exc)
        log.error("stage %s failed: %s", name, msg)
        return StageReport(name, "failed", round(time.perf_counter() - t0, 3), message=msg)
    for out_name, value in cached.outputs.items():
        artefacts[out_name] = value
        keys[out_name] = f"{name}:{cached.key}:{out_name}"
    report = StageReport(name, status, key=cached.key, degraded=list(cached.info.get("degraded", [])))
    if publish and publisher is not None:
        publisher.submit(stage, store, cached, options, report)
    elif publish:
        report.outputs, report.publish_errors = _publish(stage, store, cached, options)
    report.seconds = round(time.perf_counter() - t0, 3)
    report.cpu_seconds = round(time.process_time() - c0, 3)
    return report


class Publisher:
    """Writes finished stages' files (tables, CSV, reports, the ChromaDB sink) on one background
    thread, in the order the stages finished, while the next stage computes: the next stage reads
    its inputs from the store, never from published files. On the 6-minute film that takes the
    memory sink's ~1-2 s off the serial chain fuse -> moments -> memory -> ... -> report."""

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reelmind-publish")
        self._jobs: list[tuple[StageReport, Any]] = []

    def submit(self, stage: Stage, store: RunStore, cached, options, report: StageReport) -> None:
        self._jobs.append((report, self._pool.submit(_publish, stage, store, cached, options)))

    def drain(self) -> list[StageReport]:
        """Wait for every publish submitted so far; the reports, their ``outputs`` and
        ``publish_errors`` filled in."""
        done = []
        for report, job in self._jobs:
            report.outputs, report.publish_errors = job.result()
            done.append(report)
        self._jobs.clear()
        return done

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True)


def _publish(stage: Stage, store: RunStore, cached, options) -> tuple[dict[str, str], list[str]]:
    """Publish the tables and the stage's files; a failure is reported, the cache is kept."""
    published: dict[str, str] = {}
    errors: list[str] = []
    try:
        published.update({k: str(v) for k, v in store.publish(cached).items()})
    except OSError as exc:
        errors.append(f"could not write {getattr(exc, 'filename', '') or 'a result'} ({exc.strerror or exc})")
    if stage.publish is not None:
        try:
            for path in stage.publish(cached.outputs, options, store.out) or []:
                published[Path(path).name] = str(path)
        except OSError as exc:
            errors.append(f"could not write {getattr(exc, 'filename', '') or 'a file'} ({exc.strerror or exc})")
        except ReelmindError as exc:
            errors.append(str(exc))
        except Exception as exc:  # noqa: BLE001
            errors.append(_internal_error(store, f"{stage.name}.publish", exc))
    for e in errors:
        log.error("publishing %s: %s", stage.name, e)
    return published, errors
