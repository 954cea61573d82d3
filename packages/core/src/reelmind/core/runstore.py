"""Run folder + content-addressed stage cache.

Layout of a run folder ``OUT``::

    OUT/manifest.json                 what ran, with options, models, versions, timings
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

from . import records as _records
from .atomic import atomic_path, write_json
from .errors import DataFileError, InputMediaError
from .table import Table

log = logging.getLogger("reelmind.core.runstore")

_TABLE_TYPES = {cls.__name__: cls for cls in vars(_records).values() if isinstance(cls, type) and issubclass(cls, Table)}


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
        self.cache.mkdir(parents=True, exist_ok=True)

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
        if spec["kind"] == "table":
            cls = _TABLE_TYPES.get(spec["type"])
            if cls is None:
                raise KeyError(f"unknown table type {spec['type']}")
            return cls.read_parquet(folder / spec["file"])
        path = folder / spec["file"]
        if not path.exists():
            raise FileNotFoundError(path)
        return path

    # ------------------------------------------------------------------ write
    def begin(self, stage: str, key: str) -> Path:
        """A fresh private folder to compute stage ``stage`` into (removed stale partials first)."""
        base = self.cache / stage
        base.mkdir(parents=True, exist_ok=True)
        for stale in base.glob(".partial-*"):
            if not _pid_alive(stale.name.split("-")[2]):  # left by a killed or crashed run
                shutil.rmtree(stale, ignore_errors=True)
        work = base / f".partial-{key}-{os.getpid()}-{time.time_ns()}"
        (work / "work").mkdir(parents=True)
        return work

    def commit(self, stage: str, key: str, work: Path, outputs: dict[str, Any], info: dict) -> CachedResult:
        """Save ``outputs`` into ``work``, write done.json, then atomically rename into place."""
        specs = {}
        for name, value in outputs.items():
            if isinstance(value, Table):
                fname = f"{name}.parquet"
                value.to_parquet(work / fname)
                specs[name] = {"kind": "table", "type": type(value).__name__, "file": fname, "rows": len(value)}
            elif isinstance(value, (str, Path)):
                p = Path(value).resolve()
                try:
                    rel = p.relative_to(work.resolve())
                except ValueError:
                    raise ValueError(f"stage {stage} returned {p}, which is outside its work_dir") from None
                specs[name] = {"kind": "path", "file": str(rel)}
            else:
                raise TypeError(f"stage {stage} output {name!r} is {type(value).__name__}, expected a Table or Path")
        write_json(work / "done.json", {**info, "outputs": specs, "key": key})
        final = self.cache / stage / key
        if final.exists() and self.lookup(stage, key) is not None:
            shutil.rmtree(work, ignore_errors=True)  # an identical result landed meanwhile: keep it
        else:
            if final.exists():  # unreadable old entry: move it aside, then replace it
                stale = final.with_name(f".stale-{key}-{time.time_ns()}")
                os.replace(final, stale)
                shutil.rmtree(stale, ignore_errors=True)
            os.replace(work, final)
        result = self.lookup(stage, key)
        assert result is not None
        return result

    # ------------------------------------------------------------------ publish
    def publish(self, result: CachedResult) -> dict[str, Path]:
        """Copy a stage's results to the top of the run folder (atomically, file by file)."""
        published = {}
        for name, spec in result.info["outputs"].items():
            src = result.folder / spec["file"]
            if spec["kind"] == "table":
                dst = self.out / f"{name}.parquet"
                with atomic_path(dst) as tmp:
                    shutil.copyfile(src, tmp)
            elif src.is_dir():
                dst = self.out / src.name
                tmp = self.out / f".tmp-{src.name}-{os.getpid()}"
                shutil.rmtree(tmp, ignore_errors=True)
                shutil.copytree(src, tmp)
                old = self.out / f".old-{src.name}-{os.getpid()}"
                if dst.exists():
                    os.replace(dst, old)
                os.replace(tmp, dst)
                shutil.rmtree(old, ignore_errors=True)
            else:
                dst = self.out / src.name
                with atomic_path(dst) as tmp:
                    shutil.copyfile(src, tmp)
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
