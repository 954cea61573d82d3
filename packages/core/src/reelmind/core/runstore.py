"""Run folder + content-addressed stage cache.

Layout of a run folder ``OUT``::

    OUT/manifest.json                 what ran, with options, models, versions, timings
    OUT/settings.yaml                 stage options recorded for this run folder by tools such as
                                      ``reelmind name`` (laid over the run config by every later run)
    OUT/cache/<stage>/<key>/          one finished stage result (tables as Parquet, files, done.json)
    OUT/cache/<stage>/.partial-*      a stage still running, or killed: never read, removed on rerun
    OUT/<artefact>.parquet, OUT/<file> the latest results, published for people and tools

The cache key of a stage is the sha256 of its name, code version, options, model hashes and the
keys of its inputs (Merkle style), so a changed option recomputes exactly the stages downstream
of it. A result directory appears only by an atomic rename after ``done.json`` is written: a
killed process never leaves a half-written result that is later read as complete.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import atomic_path, write_json
from .errors import DataFileError, InputMediaError, ReelmindError
from .records import RECORD_TYPES
from .table import Table

log = logging.getLogger("reelmind.core.runstore")

_TABLE_TYPES: dict[str, type[Table]] = dict(RECORD_TYPES)


class OutputFolderError(ReelmindError):
    """The run folder cannot be created or written."""


class RunLockedError(ReelmindError):
    """Another process is writing to the same run folder."""


def register_table_type(cls: type[Table]) -> type[Table]:
    """Let the cache restore a package-defined Table subclass by name."""
    _TABLE_TYPES[cls.__name__] = cls
    return cls


def fingerprint_file(path: str | Path, block: int = 4 << 20) -> str:
    """Content fingerprint of a (possibly huge) file: sha256 of its size and of its first,
    middle and last 4 MiB. Reads at most 12 MiB, so a 100 GB film is fingerprinted instantly."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputMediaError(f"{path}: no such file") from None
    h = hashlib.sha256(f"size:{size}".encode())
    with open(path, "rb") as fh:
        for offset in sorted({0, max(0, size // 2 - block // 2), max(0, size - block)}):
            fh.seek(offset)
            h.update(fh.read(block))
    return h.hexdigest()


def stable_hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


@dataclass
class CachedResult:
    key: str
    folder: Path
    outputs: dict[str, Any]
    info: dict


def _host() -> str:
    return "".join(c if c.isalnum() or c in "-." else "_" for c in os.uname().nodename)


def _pid_alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


class RunStore:
    """One run's output folder and its stage cache."""

    def __init__(self, out_dir: str | Path) -> None:
        self.out = Path(out_dir)
        self.cache = self.out / "cache"
        self._lock_fh = None
        if self.out.exists() and not self.out.is_dir():
            raise OutputFolderError(f"output folder {self.out} is a file", "choose another -o/--out path, or remove the file")
        try:
            self.cache.mkdir(parents=True, exist_ok=True)
            probe = self.out / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except PermissionError:
            raise OutputFolderError(f"output folder {self.out} is not writable (permission denied)",
                                    "choose a folder you can write to, or fix its permissions") from None
        except NotADirectoryError:
            raise OutputFolderError(f"output folder {self.out}: a part of the path is a file",
                                    "choose another -o/--out path") from None
        except OSError as exc:
            raise OutputFolderError(f"output folder {self.out} cannot be written ({exc.strerror or exc})",
                                    "choose another -o/--out path (is the disk full or read-only?)") from None

    # ------------------------------------------------------------------ lock
    def lock(self, wait: float = 0.0) -> None:
        """Take the run folder's lock (waiting up to ``wait`` seconds), or raise RunLockedError
        naming the process that holds it."""
        import fcntl

        path = self.out / ".lock"
        fh = open(path, "a+", encoding="utf-8")
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                fh.close()
                raise RunLockedError(f"run folder {self.out} is in use by {holder}",
                                     "wait for that run to finish, or use another -o/--out folder") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} on {os.uname().nodename}")
        fh.flush()
        self._lock_fh = fh

    def unlock(self) -> None:
        if self._lock_fh is not None:
            self._lock_fh.close()
            self._lock_fh = None

    # ------------------------------------------------------------------ chunk checkpoints
    def checkpoint(self, stage: str, key: str) -> "ChunkStore":
        """Chunk-level checkpoints of one stage computation (kept until its result is committed)."""
        return ChunkStore(self.cache / stage / f".chunks-{key}")

    # ------------------------------------------------------------------ keys
    @staticmethod
    def stage_key(stage: str, version: str, options: dict, model_hashes: dict, input_keys: dict) -> str:
        return stable_hash({"stage": stage, "version": version, "options": options,
                            "models": model_hashes, "inputs": input_keys})[:32]

    # ------------------------------------------------------------------ read
    def lookup(self, stage: str, key: str) -> CachedResult | None:
        folder = self.cache / stage / key
        done = folder / "done.json"
        if not done.is_file():
            return None
        try:
            info = json.loads(done.read_text(encoding="utf-8"))
            outputs = {name: self._load(folder, spec) for name, spec in info["outputs"].items()}
        except (OSError, ValueError, KeyError, DataFileError) as exc:
            log.warning("cache entry %s/%s is unreadable (%s); it will be recomputed", stage, key, exc)
            return None
        return CachedResult(key, folder, outputs, info)

    @staticmethod
    def _load(folder: Path, spec: dict) -> Any:
        cls = _TABLE_TYPES.get(spec.get("type", ""))
        if spec.get("kind") != "table" or cls is None:
            raise KeyError(f"unknown cached output {spec}")
        return cls.read_parquet(folder / spec["file"])

    # ------------------------------------------------------------------ write
    def begin(self, stage: str, key: str) -> Path:
        """A fresh private folder to compute stage ``stage`` into (removed stale partials first)."""
        base = self.cache / stage
        base.mkdir(parents=True, exist_ok=True)
        host = _host()
        for stale in base.glob(".partial-*"):
            parts = stale.name.split("-")
            if "-".join(parts[4:]) in ("", host) and not _pid_alive(parts[2]):  # left by a killed or crashed run
                shutil.rmtree(stale, ignore_errors=True)
        # the host in the name: on a shared store, a process id is only meaningful on its own machine
        work = base / f".partial-{key}-{os.getpid()}-{time.time_ns()}-{host}"
        (work / "work").mkdir(parents=True)
        return work

    def commit(self, stage: str, key: str, work: Path, outputs: dict[str, Any], info: dict,
               replace: bool = False) -> CachedResult:
        """Save the output tables into ``work``, write done.json, then atomically rename into place.
        ``replace`` (``--force``) swaps out an existing entry of the same key."""
        specs = {}
        for name, value in outputs.items():
            if not isinstance(value, Table):
                raise TypeError(f"stage {stage} output {name!r} is {type(value).__name__}, expected a Table")
            fname = f"{name}.parquet"
            value.to_parquet(work / fname)
            specs[name] = {"kind": "table", "type": type(value).__name__, "file": fname, "rows": len(value)}
        write_json(work / "done.json", {**info, "outputs": specs, "key": key})
        final = self.cache / stage / key
        if final.exists() and not replace and self.lookup(stage, key) is not None:
            shutil.rmtree(work, ignore_errors=True)  # an identical result landed meanwhile: keep it
        else:
            if final.exists():  # unreadable (or forced) old entry: move it aside, then replace it
                stale = final.with_name(f".stale-{key}-{time.time_ns()}")
                os.replace(final, stale)
                shutil.rmtree(stale, ignore_errors=True)
            os.replace(work, final)
        shutil.rmtree(self.cache / stage / f".chunks-{key}", ignore_errors=True)
        result = self.lookup(stage, key)
        if result is None:
            raise DataFileError(f"cache entry {stage}/{key} could not be read back after writing it")
        return result

    # ------------------------------------------------------------------ publish
    def publish(self, result: CachedResult) -> dict[str, Path]:
        """Copy a stage's tables to the top of the run folder as ``<name>.parquet`` (atomically)."""
        published = {}
        for name, spec in result.info["outputs"].items():
            dst = self.out / f"{name}.parquet"
            with atomic_path(dst) as tmp:
                shutil.copyfile(result.folder / spec["file"], tmp)
            published[name] = dst
        return published

    def write_manifest(self, manifest: dict) -> Path:
        return write_json(self.out / "manifest.json", manifest)

    def read_manifest(self) -> dict:
        path = self.out / "manifest.json"
        if not path.is_file():
            return {}
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return {}


SETTINGS = "settings.yaml"


def run_settings(out: str | Path) -> dict[str, dict]:
    """The run folder's own stage options (``OUT/settings.yaml``: ``{stage: {option: value}}``)."""
    import yaml

    path = Path(out) / SETTINGS
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise DataFileError(f"{path}: unreadable run settings ({str(exc).splitlines()[0]})",
                            "fix or delete the file (it only holds options recorded by reelmind commands)") from None
    stages = data.get("stages", {}) if isinstance(data, dict) else None
    if not isinstance(stages, dict) or not all(isinstance(v, dict) for v in stages.values()):
        raise DataFileError(f"{path}: expected stages: {{<stage>: {{<option>: <value>}}}}",
                            "fix or delete the file (it only holds options recorded by reelmind commands)")
    return stages


def set_run_setting(out: str | Path, stage: str, option: str, value: Any) -> Path:
    """Record ``stages.<stage>.<option> = value`` in the run folder's settings (atomically)."""
    import yaml

    from .atomic import write_text

    stages = run_settings(out)
    stages.setdefault(stage, {})[option] = value
    return write_text(Path(out) / SETTINGS, yaml.safe_dump({"stages": stages}, allow_unicode=True, sort_keys=True))


class ChunkStore:
    """Finished chunks of one stage computation (``<chunk>.parquet`` + type), written atomically,
    so a killed stage resumes from the last finished chunk. Removed when the stage commits."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, chunk: str, cls: type[Table]) -> Table | None:
        path = self.folder / f"{chunk}.parquet"
        if not path.is_file():
            return None
        try:
            return cls.read_parquet(path)
        except DataFileError as exc:
            log.warning("checkpoint %s unreadable (%s); recomputing it", path, exc)
            return None

    def put(self, chunk: str, table: Table) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        table.to_parquet(self.folder / f"{chunk}.parquet")

    def chunks(self) -> list[str]:
        return sorted(p.stem for p in self.folder.glob("*.parquet")) if self.folder.is_dir() else []
