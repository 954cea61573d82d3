"""Run configuration: YAML in, options dataclasses out, echoed into every output's metadata."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError


@dataclass
class RunConfig:
    """The whole run: a profile name (or "auto"), per-stage option dicts (nested sections allowed,
    e.g. ``stages.memory.promote_refs``), stages to skip, opt-in stages to enable, and the one LLM configuration
    (``llm: {base_url, model, api_key_env}``; the key itself only ever lives in the environment)."""

    profile: str = "auto"
    stages: dict[str, dict] = field(default_factory=dict)
    skip: list[str] = field(default_factory=list)
    enable: list[str] = field(default_factory=list)  # opt-in stages to compute too (e.g. microexpr)
    llm: dict = field(default_factory=dict)
    strict: bool = False  # a degraded result (truncated input, decode errors) fails the run
    parallel: int = 0  # stages computed at once by `reelmind run` (> 1: in worker processes; 1 = one by one; 0 = the profile's)
    keep_models: bool = False  # keep each stage's models loaded after it computed (a process running many films);
    # off: they are released, so a run's peak memory is its largest stage's, not the sum of all stages' models

    @classmethod
    def from_yaml(cls, path: str | Path) -> "RunConfig":
        import yaml

        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {path} is not valid YAML: {str(exc).splitlines()[0]}") from None
        return cls.from_dict(data, where=str(path))

    @classmethod
    def from_dict(cls, data: dict, where: str = "config") -> "RunConfig":
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: expected a mapping at top level, got {type(data).__name__}")
        cfg = options_from_dict(cls, data, where=where)
        for name, opts in cfg.stages.items():
            if not isinstance(opts, dict):
                raise ConfigError(f"{where}: stages.{name} must be a mapping, got {type(opts).__name__}")
        if not isinstance(cfg.llm, dict):
            raise ConfigError(f"{where}: llm must be a mapping, got {type(cfg.llm).__name__}")
        cfg.llm_options(where)  # refuses a key written in clear, names unknown keys
        return cfg

    def llm_options(self, where: str = "config"):
        """The LLM options (off when no base_url)."""
        from .llm import llm_options

        return llm_options(self.llm, where=f"{where}: llm")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def options_from_dict(cls: type, values: dict, where: str = "options") -> Any:
    """Build dataclass ``cls`` from ``values``; unknown keys and wrong types are ConfigErrors."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(f"{where}: unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}")
    kwargs = {}
    for key, val in values.items():
        kwargs[key] = _coerce(hints.get(key, Any), val, f"{where}.{key}")
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _coerce(tp: Any, val: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any or val is None:
        return val
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(arg, val, where)
            except ConfigError:
                pass
        raise ConfigError(f"{where}: expected {tp}, got {type(val).__name__} {val!r}")
    if tp is bool:
        if isinstance(val, bool):
            return val
        raise ConfigError(f"{where}: expected true/false, got {val!r}")
    if tp in (int, float):
        if isinstance(val, bool) or not isinstance(val, (int, float)) or (tp is int and isinstance(val, float) and not val.is_integer()):
            raise ConfigError(f"{where}: expected {tp.__name__}, got {type(val).__name__} {val!r}")
        return tp(val)
    if tp is str:
        if not isinstance(val, str):
            raise ConfigError(f"{where}: expected a string, got {type(val).__name__} {val!r}")
        return val
    if tp is Path:
        return Path(val)
    if origin in (list, tuple) and isinstance(val, (list, tuple)):
        inner = args[0] if args else Any
        items = [_coerce(inner, v, where) for v in val]
        return tuple(items) if origin is tuple else items
    if dataclasses.is_dataclass(tp) and isinstance(val, dict):
        return options_from_dict(tp, val, where)
    return val
