"""``reelmind archive``: the stages of ``reelmind run`` over many films, on Ray Data.

Film rows stream through one ``map_batches`` per stage, each with its own actor pool
(``ActorPoolStrategy``; CPUs, GPUs, memory and films per call from the stage's ``resources``
and the GPU-tier profile, see pools.py). An actor sets the stage up once (models loaded once)
and then runs :func:`reelmind.pipeline.orchestrate.run_stage` per film, the very step
``reelmind run`` takes: same keys, same cache, same published files, committed into
``STORE/<film id>/``. Only small rows (ids, paths, result keys) travel through Ray; tables stay
in the run store, so the driver's memory does not grow with the number of films.

Resume and fault isolation go through the content-addressed run store (not Ray's checkpoints):
a rerun finds finished (film, stage) results by key and computes only the rest; a failing film
is recorded in its manifest with a one-line reason while the others go on; a film whose worker
process dies (crash, out of memory, killed) is retried at most ``max_attempts`` times, counted in
the store, then recorded as failed.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelmind.core.atomic import write_json
from reelmind.core.config import RunConfig
from reelmind.core.errors import ReelmindError
from reelmind.core.stage import Stage, discover_stages

from .films import ROW_COLUMNS, check_manifest, film_id, normalise
from .pools import PREPARE_CPUS, Pool, size_pools
from .store import FILM_INFO, ArchiveStore

log = logging.getLogger("reelmind.archive.driver")

LOCK_WAIT_S = 600.0  # a film folder held by another process (a `reelmind run`, a duplicate row)


@dataclass
class ArchiveRun:
    """What one ``reelmind archive`` run did (counts only: nothing grows with the archive)."""

    films: int = 0
    done: int = 0
    failed: int = 0
    computed: int = 0  # (film, stage) pairs computed by this run
    cached: int = 0  # (film, stage) pairs found finished in the store
    seconds: float = 0.0
    stages: list[str] = field(default_factory=list)
    pools: dict[str, dict] = field(default_factory=dict)


# ----------------------------------------------------------------------------- Ray
def connect(address: str | None = None, num_cpus: int | None = None) -> bool:
    """Join ``address`` or start a local Ray with this machine's CPUs; False if already connected."""
    import ray

    if ray.is_initialized():
        return False
    quiet = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
    if address:
        ray.init(address=address, **quiet)
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count() or 1, **quiet)
    return True


def _quiet_data() -> None:
    import ray.data

    ctx = ray.data.DataContext.get_current()
    for flag in ("enable_progress_bars", "enable_operator_progress_bars", "print_on_execution_start",
                 "enable_auto_log_stats", "verbose_stats_logs"):
        if hasattr(ctx, flag):
            setattr(ctx, flag, False)
    logging.getLogger("ray.data").setLevel(logging.WARNING)


# ----------------------------------------------------------------------------- per film
def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _write_film_info(folder: Path, info: dict) -> None:
    path = folder / FILM_INFO
    try:
        if json.loads(path.read_text(encoding="utf-8")) == info:
            return
    except (OSError, ValueError):
        pass
    write_json(path, info)


def prepare(batch, *, root: str, column: str, base: str, config: RunConfig, profile: str,
            missing: dict[str, list[str]]):
    """Manifest rows -> film rows: fingerprint, film id, film.json and a fresh manifest.json."""
    import pandas as pd

    from reelmind.core.media import check_file
    from reelmind.core.profiles import current_profile
    from reelmind.core.runstore import RunStore, fingerprint_file
    from reelmind.pipeline.orchestrate import StageReport, start_manifest

    prof = current_profile(profile)
    out = []
    for film in normalise(batch.to_dict("records"), column, Path(base)):
        path, error, fp = Path(film["path"]), "", None
        try:
            check_file(path)
            fp = fingerprint_file(path)
        except ReelmindError as exc:
            error = _one_line(exc)
        except OSError as exc:
            error = f"{path}: cannot be read ({exc.strerror or exc})"
        fid = film_id(path, fp, film["title"])
        store = RunStore(Path(root) / fid)
        _write_film_info(store.out, {**film, "film_id": fid, "fingerprint": fp, "error": error})
        keys: dict[str, str] = {}
        if not error:
            keys = {"video": fp}
            store.lock(wait=LOCK_WAIT_S)
            try:
                reports = [StageReport(n, "missing", message="; ".join(r)) for n, r in sorted(missing.items())]
                manifest = start_manifest(path, fp, prof, config, reports)
                previous = store.read_manifest()
                if previous.get("film_fingerprint") == fp:  # what an earlier run finished stays visible
                    manifest["stages"] = {**previous.get("stages", {}), **manifest["stages"]}
                    manifest["degraded"] = dict(previous.get("degraded", {}))
                store.write_manifest(manifest)
            finally:
                store.unlock()
        out.append({**film, "film_id": fid, "keys": json.dumps(keys), "error": error, "stages": "{}"})
    return pd.DataFrame(out, columns=[*ROW_COLUMNS, "stages"])


class StageWorker:
    """One actor of a stage's pool: sets the stage up once, then runs it film by film."""

    def __init__(self, stage: Stage, config: RunConfig, profile: str, root: str, last: bool, max_attempts: int,
                 force: tuple[str, ...] = ()) -> None:
        from reelmind.core.profiles import current_profile
        from reelmind.pipeline.orchestrate import get_runner, stage_options

        self.stage, self.config, self.root, self.last = stage, config, Path(root), last
        self.max_attempts, self.force = max_attempts, force
        self.profile = current_profile(profile)
        try:  # models load once per actor; a failure here is reported per film by run_stage
            get_runner(stage, stage_options(stage, config), self.profile)
        except Exception as exc:  # noqa: BLE001
            log.warning("stage %s could not be set up: %s", stage.name, _one_line(exc))

    def __call__(self, batch):
        rows = batch.to_dict("records")
        for row in rows:
            if not row["error"]:
                self._film(row)
        import pandas as pd

        return pd.DataFrame(rows, columns=list(batch.columns))

    def _film(self, row: dict) -> None:
        from reelmind.core.runstore import RunStore
        from reelmind.pipeline.orchestrate import StageReport, load_inputs, now, record_stage, run_stage

        name = self.stage.name
        keys = json.loads(row["keys"])
        statuses = json.loads(row["stages"])
        store = RunStore(self.root / row["film_id"])
        store.lock(wait=LOCK_WAIT_S)
        try:
            artefacts: dict[str, Any] = {"video": Path(row["path"])}
            try:
                load_inputs(store, self.stage, keys, artefacts)
                report = self._attempt(store, artefacts, keys)
            except ReelmindError as exc:
                report = StageReport(name, "failed", message=str(exc))
            except Exception as exc:  # noqa: BLE001 - one film's bug must not stop the archive
                report = StageReport(name, "failed", message=f"internal error {type(exc).__name__}: {_one_line(exc)}")
            manifest = store.read_manifest()
            manifest.setdefault("stages", {})
            manifest.setdefault("degraded", {})
            record_stage(manifest, report)
            if self.last:
                manifest["finished"] = now()
            store.write_manifest(manifest)
        finally:
            store.unlock()
        statuses[name] = report.status
        row["keys"] = json.dumps(keys)
        row["stages"] = json.dumps(statuses)

    def _attempt(self, store, artefacts: dict, keys: dict):
        """run_stage, counting starts in the store: a film that keeps killing its worker is failed."""
        from reelmind.pipeline.orchestrate import StageReport, run_stage, stage_key, stage_options

        name = self.stage.name
        inputs = [i for i in (*self.stage.inputs, *self.stage.optional_inputs) if i in keys]
        if any(i not in keys for i in self.stage.inputs):
            return run_stage(self.stage, store, self.config, self.profile, artefacts, keys, self.force)
        key, _ = stage_key(self.stage, stage_options(self.stage, self.config), {i: keys[i] for i in inputs})
        counter = store.cache / name / f".attempts-{key}"
        if (store.cache / name / key / "done.json").is_file() and name not in self.force:
            counter.unlink(missing_ok=True)  # finished by a worker that died before it could tidy up
            return run_stage(self.stage, store, self.config, self.profile, artefacts, keys, self.force)
        counter.parent.mkdir(parents=True, exist_ok=True)
        try:
            started = int(counter.read_text().strip() or 0)
        except (OSError, ValueError):
            started = 0
        if started >= self.max_attempts:
            return StageReport(name, "failed", message=(
                f"{started} attempts never finished: the worker died on this film (crash, out of memory or a killed "
                f"run) — fix: see the worker logs, then rerun with --max-attempts {started + 1}"))
        counter.write_text(str(started + 1))
        report = run_stage(self.stage, store, self.config, self.profile, artefacts, keys, self.force)
        counter.unlink(missing_ok=True)
        return report


# ----------------------------------------------------------------------------- driver
def run_archive(manifest: str | Path, store: str | Path, config: RunConfig | None = None,
                stages: dict[str, Stage] | None = None, *, address: str | None = None, num_cpus: int | None = None,
                max_attempts: int = 3, force: tuple[str, ...] = (),
                on_film: Callable[[dict], None] | None = None) -> ArchiveRun:
    """Run every runnable stage over the films of ``manifest`` into the archive ``store``."""
    import ray
    import ray.data

    from reelmind.core.profiles import current_profile
    from reelmind.pipeline.orchestrate import plan, stage_options

    from .identities import with_archive_names

    t0 = time.perf_counter()
    config = config or RunConfig()
    manifest = Path(manifest)
    fmt, column = check_manifest(manifest)
    archive = ArchiveStore(store)
    stages = discover_stages() if stages is None else stages
    profile = current_profile(None if config.profile == "auto" else config.profile)
    config = dataclasses.replace(config, profile=profile.name)
    config = with_archive_names(config, stages, archive)
    the_plan = plan(stages, {"video"}, skip=tuple(config.skip), enable=tuple(config.enable))
    archive.lock()
    started_ray = False
    try:
        started_ray = connect(address, num_cpus)
        _quiet_data()
        cluster = ray.cluster_resources()
        resources = {s.name: s.resources(stage_options(s, config), profile) for s in the_plan.order}
        pools = size_pools(resources, float(cluster.get("CPU", 0)), float(cluster.get("GPU", 0)))
        result = ArchiveRun(stages=[s.name for s in the_plan.order], pools={n: vars(p) for n, p in pools.items()})
        info = {"stages": result.stages, "missing": the_plan.missing, "profile": profile.name, "manifest": str(manifest),
                "config": config.to_dict(), "pools": result.pools, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        archive.write_info(info)

        # one film per block: a block goes to one actor call, and a film must not wait for the
        # other films of its block before moving on to the next stage
        ds = _read(manifest, fmt).repartition(target_num_rows_per_block=1)
        ds = ds.map_batches(prepare, batch_format="pandas", batch_size=1, num_cpus=PREPARE_CPUS,
                            fn_kwargs={"root": str(archive.root), "column": column, "base": str(manifest.parent.absolute()),
                                       "config": config, "profile": profile.name, "missing": the_plan.missing})
        for i, stage in enumerate(the_plan.order):
            ds = _stage_step(ds, stage, pools[stage.name], config, profile.name, archive.root,
                             last=i == len(the_plan.order) - 1, max_attempts=max_attempts, force=force)
        for batch in ds.iter_batches(batch_size=1, batch_format="pandas"):
            for row in batch.to_dict("records"):
                _count(result, row)
                if on_film is not None:
                    on_film(row)
        result.seconds = round(time.perf_counter() - t0, 3)
        info.update(finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    counts={k: getattr(result, k) for k in ("films", "done", "failed", "computed", "cached", "seconds")})
        archive.write_info(info)
        return result
    finally:
        archive.unlock()
        if started_ray:
            ray.shutdown()


def _read(manifest: Path, fmt: str):
    """The manifest as a Ray dataset; read tasks take a sliver of a CPU (a whole one, Ray's default,
    may never be free beside the stage actors of a small machine)."""
    import ray.data

    light = {"num_cpus": PREPARE_CPUS}
    if fmt == "csv":
        if manifest.suffix.lower() == ".tsv":
            import pyarrow.csv as pacsv

            return ray.data.read_csv(str(manifest), parse_options=pacsv.ParseOptions(delimiter="\t"), **light)
        return ray.data.read_csv(str(manifest), **light)
    if fmt == "parquet":
        return ray.data.read_parquet(str(manifest), **light)
    return ray.data.read_text(str(manifest), **light)


def _stage_step(ds, stage: Stage, pool: Pool, config: RunConfig, profile: str, root: Path, *, last: bool,
                max_attempts: int, force: tuple[str, ...]):
    import ray.data

    compute = ray.data.ActorPoolStrategy(min_size=pool.min_size, max_size=pool.max_size, max_tasks_in_flight_per_actor=2)
    remote: dict[str, Any] = {"num_cpus": pool.num_cpus}
    if pool.num_gpus:
        remote["num_gpus"] = pool.num_gpus
    return ds.map_batches(
        StageWorker, batch_format="pandas", batch_size=pool.batch_size, compute=compute,
        fn_constructor_kwargs={"stage": stage, "config": config, "profile": profile, "root": str(root), "last": last,
                               "max_attempts": max_attempts, "force": force},
        **remote)


def _count(result: ArchiveRun, row: dict) -> None:
    result.films += 1
    statuses = json.loads(row.get("stages") or "{}")
    result.computed += sum(s == "computed" for s in statuses.values())
    result.cached += sum(s == "cached" for s in statuses.values())
    if row.get("error") or any(s in ("failed", "missing") for s in statuses.values()):
        result.failed += 1
    else:
        result.done += 1
