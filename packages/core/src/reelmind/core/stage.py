"""The stage protocol (v2): how a package offers a pipeline step to a driver.

A :class:`Stage` names its input and output records and its options dataclass, and offers

* ``setup(options, profile) -> runner``: loads models once per process (or Ray actor);
  ``runner(inputs, ctx) -> {output: Table}`` then analyses one film. Runners hold no run state.
* ``resources(options, profile) -> Resources``: CPUs, GPUs, memory and batch size one runner needs,
  so the archive runner can size its actor pools.
* ``publish(outputs, options, out_dir) -> [paths]``: writes the human-facing files (CSV exports,
  reports, images) from the output records; records themselves are saved by the driver.
* ``check()``: why it cannot run here (each reason with its fix); ``models(options)``: the model
  files whose digests key the cache.

The cache key of a stage covers its options (file options by content, runtime options such as
device and threads left out), model digests, input keys and :func:`code_version`: the source of
the stage's package tree, of ``reelmind.core`` and of any ``code`` modules it lists (the native
kernels, for instance), so any code edit invalidates exactly that stage and its dependants.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger("reelmind.core.stage")


@dataclass(frozen=True)
class ModelRef:
    """A model file a stage uses; its sha256 becomes part of the stage's cache key."""

    name: str
    path: Path
    sha256: str | None = None


@dataclass(frozen=True)
class Resources:
    """What one runner of a stage needs (the archive runner sizes actor pools from it)."""

    cpus: float = 1.0
    gpus: float = 0.0
    memory_gb: float = 1.0
    batch_size: int = 1


class Checkpoint(Protocol):
    """Per-chunk results inside one stage computation, kept across a killed run (run store)."""

    def get(self, chunk: str, cls: type) -> Any: ...

    def put(self, chunk: str, table: Any) -> None: ...


@dataclass
class RunContext:
    """What a runner may use besides its inputs. Store-free: the local driver and the archive
    runner both make one per (film, stage)."""

    scratch: Path  # a private folder for scratch files; removed after the stage
    progress: Callable[[float, str], None] = field(default=lambda frac, msg: None)  # 0..1, message
    checkpoint: Checkpoint | None = None  # chunk-level resume (None: compute in one go)
    film: str = ""  # the film's fingerprint (stable across runs)


Runner = Callable[[dict[str, Any], RunContext], dict[str, Any]]


def _no_resources(options: Any, profile: Any) -> Resources:
    return Resources()


@dataclass(frozen=True)
class Stage:
    """One pipeline step (see the module docstring)."""

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    options_type: type
    setup: Callable[[Any, Any], Runner]
    check: Callable[[], list[str]] = field(default=lambda: [])
    models: Callable[[Any], list[ModelRef]] = field(default=lambda options: [])
    publish: Callable[[dict[str, Any], Any, Path], list[Path]] | None = None
    resources: Callable[[Any, Any], Resources] = _no_resources
    description: str = ""
    optional_inputs: tuple[str, ...] = ()
    code: tuple[str, ...] = ()  # extra modules whose source trees key the cache (e.g. "reelmind.native")
    opt_in: bool = False  # computed only when asked (config ``enable``, ``--enable`` or ``--only``)

    def make_options(self, values: dict | None = None) -> Any:
        """Build the options dataclass from a config dict, naming unknown keys."""
        from .config import options_from_dict

        return options_from_dict(self.options_type, values or {}, where=f"stages.{self.name}")

    def run(self, inputs: dict[str, Any], options: Any = None, *, profile: Any = None, scratch: Path | None = None,
            progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
        """Set up and run the stage once on one film's ``inputs`` (library use and tests; no cache)."""
        import tempfile

        options = self.make_options() if options is None else options
        runner = self.setup(options, profile)
        with tempfile.TemporaryDirectory(prefix=f"reelmind-{self.name}-") as tmp:
            ctx = RunContext(scratch=Path(scratch) if scratch else Path(tmp), progress=progress or (lambda f, m: None))
            ctx.scratch.mkdir(parents=True, exist_ok=True)
            return runner(inputs, ctx)


def missing_modules(modules: tuple[tuple[str, str], ...], what: str = "") -> list[str]:
    """A ``check``'s reasons for the (module, pip spec) pairs that are not installed, found without
    importing them: ``plan`` calls every stage's check before anything runs, and importing the stack
    there (OpenCV, dlib, SciPy's signal package) cost seconds on every run's serial path. A module
    that is installed but broken fails later, in the stage, with its own one-line error."""
    prefix = f"{what}: " if what else ""
    return [f"{prefix}python module {mod} is missing — fix: pip install {pip}"
            for mod, pip in modules if importlib.util.find_spec(mod) is None]


# ----------------------------------------------------------------------------- options
def runtime_option(default: Any = None, *, default_factory: Any = dataclasses.MISSING) -> Any:
    """A field that changes how a stage runs, not what it finds (device, threads, providers, URLs
    of a service): echoed in the metadata but kept out of the cache key."""
    if default_factory is not dataclasses.MISSING:
        return field(default_factory=default_factory, metadata={"key": False})
    return field(default=default, metadata={"key": False})


def file_option(default: Any = None) -> Any:
    """A field naming a file or folder (names file, reference DB, weights): keyed by its content."""
    return field(default=default, metadata={"file": True})


def options_dict(options: Any) -> dict:
    """An options dataclass as a JSON-able dict (echoed into every output's metadata)."""
    if dataclasses.is_dataclass(options):
        return {k: _plain(v) for k, v in dataclasses.asdict(options).items()}
    return dict(options or {})


def _plain(v: Any) -> Any:
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _content(value: Any) -> Any:
    """A file option's cache-key value: the content digest of the file/folder (or the value itself)."""
    if value in (None, ""):
        return value
    p = Path(str(value)).expanduser()
    if p.exists():
        from .models import digest

        return {"path": str(value), "sha256": digest(p)}
    return {"path": str(value), "missing": True}


def key_options(options: Any) -> dict:
    """The options as they enter the cache key: runtime options dropped, file options by content."""
    if not dataclasses.is_dataclass(options):
        return dict(options or {})
    out = {}
    for f in dataclasses.fields(options):
        if f.metadata.get("key") is False:
            continue
        v = getattr(options, f.name)
        if f.metadata.get("file") or isinstance(v, Path):
            out[f.name] = _content(v)
        elif dataclasses.is_dataclass(v):
            out[f.name] = key_options(v)
        else:
            out[f.name] = _plain(v)
    return out


# ----------------------------------------------------------------------------- code version
def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(folder.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts and f.suffix in (".py", ".yaml", ".yml", ".json", ".so", ".pyd", ".txt", ".tsv"):
            h.update(f.relative_to(folder).as_posix().encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def _module_root(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):  # e.g. "__main__" of a script, or a parent that fails to import
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return Path(spec.origin) if spec.origin else None


@functools.cache
def _source_digest(module: str) -> str:
    root = _module_root(module)
    if root is None:
        return "absent"
    if root.is_file():
        return hashlib.sha256(root.read_bytes()).hexdigest()
    return _tree_digest(root)


def stage_package(stage: Stage) -> str:
    """The package whose tree is the stage's code: the package holding its ``setup`` function."""
    module = inspect.getmodule(stage.setup)
    name = module.__name__ if module is not None else ""
    if module is not None and not hasattr(module, "__path__"):
        name = name.rpartition(".")[0]
    return name or "unknown"


def code_version(stage: Stage) -> str:
    """Digest of the stage's package tree, ``reelmind.core`` and ``stage.code`` modules."""
    mods = sorted({stage_package(stage), "reelmind.core", *stage.code})
    return hashlib.sha256(";".join(f"{m}={_source_digest(m)}" for m in mods).encode()).hexdigest()[:24]


# ----------------------------------------------------------------------------- discovery
def discover_stages() -> dict[str, Stage]:
    """All stages installed in this environment, by name (entry-point group ``reelmind.stages``)."""
    from importlib.metadata import entry_points

    found: dict[str, Stage] = {}
    for ep in entry_points(group="reelmind.stages"):
        try:
            stage = ep.load()
        except Exception as exc:  # a broken plugin must not hide the others
            log.warning("stage %s could not be loaded: %s", ep.name, exc)
            continue
        found[stage.name] = stage
    return found
