"""The stage protocol: how a package offers a pipeline step to the orchestrator.

A stage is a plain function over named artefacts plus an options dataclass. Packages publish
a :class:`Stage` under the entry-point group ``reelmind.stages``; the umbrella package
discovers them, orders them by their inputs/outputs, caches their results content-addressed
(input hashes + options + model hashes) and lists the stages that are missing and why.

Artefacts are either :class:`~reelmind.core.table.Table` records (cached as Parquet) or
``pathlib.Path`` objects of files/folders the stage wrote under ``ctx.work_dir``. The input
artefact ``"video"`` is the path of the film.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("reelmind.core.stage")


@dataclass(frozen=True)
class ModelRef:
    """A model file a stage uses; its sha256 becomes part of the stage's cache key."""

    name: str
    path: Path
    sha256: str | None = None


@dataclass
class StageContext:
    """What a running stage may use besides its inputs."""

    work_dir: Path  # a private folder for files this stage writes (atomic writes please)
    profile: Any = None  # the GPU-tier profile (reelmind.core.profiles.Profile)
    progress: Callable[[float, str], None] = field(default=lambda frac, msg: None)  # 0..1, message
    config: dict = field(default_factory=dict)  # the whole run config, read-only by convention


@dataclass(frozen=True)
class Stage:
    """One pipeline step.

    ``run(ctx, inputs, options) -> {artefact: Table | Path}``; ``check()`` returns the reasons
    the stage cannot run here (missing dependency or model, each with its fix), empty if it can;
    ``models(options)`` lists model files whose hashes key the cache.
    """

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    options_type: type
    run: Callable[[StageContext, dict[str, Any], Any], dict[str, Any]]
    check: Callable[[], list[str]] = field(default=lambda: [])
    models: Callable[[Any], list[ModelRef]] = field(default=lambda options: [])
    description: str = ""
    optional_inputs: tuple[str, ...] = ()

    def make_options(self, values: dict | None = None) -> Any:
        """Build the options dataclass from a config dict, naming unknown keys."""
        from .config import options_from_dict

        return options_from_dict(self.options_type, values or {}, where=f"stages.{self.name}")


def options_dict(options: Any) -> dict:
    """An options dataclass as a JSON-able dict (echoed into every output's metadata)."""
    if dataclasses.is_dataclass(options):
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(options).items()}
    return dict(options or {})


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
