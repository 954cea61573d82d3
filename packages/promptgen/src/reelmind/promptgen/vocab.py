"""Cue vocabularies: the YAML files per language (``vocab/en.yaml``, ``vocab/zh.yaml``) and a user's
overrides. Keys are rule names (``expression.angry.intense``); the dialogue patterns of every bundled
language are active whatever the output language, so a Chinese line is recognised in an English run.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from reelmind.core.errors import ConfigError

LANGUAGES: tuple[str, ...] = ("en", "zh")
_REQUIRED = ("templates", "emotion_labels", "expression", "body", "atmosphere", "composition", "camera",
             "personality", "dialogue", "trivial")
_TEMPLATES = ("join", "end", "gap", "says", "minimal", "negative")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def _read_yaml(text: str, where: str) -> dict:
    import yaml

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping at top level, got {type(data).__name__}")
    return data


def _bundled(language: str) -> dict:
    if language not in LANGUAGES:
        raise ConfigError(f"prompt language {language!r} has no vocabulary", f"choose one of {', '.join(LANGUAGES)}")
    text = resources.files("reelmind.promptgen").joinpath("vocab", f"{language}.yaml").read_text(encoding="utf-8")
    return _read_yaml(text, f"vocab/{language}.yaml")


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def normalise_line(text: str) -> str:
    """Lower case, punctuation and runs of space collapsed to one space (trivial-line comparison)."""
    return _PUNCT.sub(" ", str(text).lower()).strip()


@dataclass(frozen=True)
class Pattern:
    category: str
    language: str
    regex: re.Pattern


class Vocabulary:
    """One language's cues and templates, plus the dialogue patterns and trivial lines of all."""

    def __init__(self, data: dict, patterns: tuple[Pattern, ...], trivial: frozenset[str], where: str) -> None:
        missing = [k for k in _REQUIRED if k not in data]
        if missing:
            raise ConfigError(f"{where}: vocabulary lacks {', '.join(missing)}")
        lacking = [t for t in _TEMPLATES if t not in data["templates"]]
        if lacking:
            raise ConfigError(f"{where}: templates lack {', '.join(lacking)}")
        self.data = data
        self.language = str(data.get("language", ""))
        self.patterns = patterns
        self.trivial = trivial
        self.where = where
        order = list(data["dialogue"])
        cats = sorted({p.category for p in patterns}, key=lambda c: (order.index(c) if c in order else len(order), c))
        # one alternation per category (all languages): 18 searches a line instead of one per pattern
        self._search = [(c, re.compile("|".join(f"(?:{p.regex.pattern})" for p in patterns if p.category == c),
                                       re.IGNORECASE)) for c in cats]
        self._memo: dict[str, list[str]] = {}

    def phrases(self, key: str) -> tuple[str, ...]:
        """The cue phrases under a dotted rule key (ConfigError naming the key when absent)."""
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ConfigError(f"{self.where}: no cue list at {key!r}", "add it to the vocabulary YAML")
            node = node[part]
        if isinstance(node, str):
            return (node,)
        if not isinstance(node, list) or not all(isinstance(x, str) for x in node):
            raise ConfigError(f"{self.where}: {key!r} must be a list of phrases")
        return tuple(node)

    def template(self, name: str) -> str:
        return str(self.data["templates"][name])

    def weight(self, category: str) -> float:
        return float(self.data["dialogue"].get(category, {}).get("weight", 1.0))

    def categories(self, text: str) -> list[str]:
        """Dialogue pattern categories matching ``text``, in vocabulary order, each once."""
        found = self._memo.get(text)
        if found is None:
            found = [c for c, rx in self._search if rx.search(text)]
            if len(self._memo) < 100_000:
                self._memo[text] = found
        return list(found)

    def is_trivial(self, text: str) -> bool:
        """A line made only of trivial words ('yes', 'ok', 'hello', '是', ...) or empty."""
        norm = normalise_line(text)
        if not norm or norm in self.trivial:
            return True
        return all(tok in self.trivial for tok in norm.split())


def _patterns(data: dict, language: str, where: str) -> list[Pattern]:
    out = []
    for cat, spec in (data.get("dialogue") or {}).items():
        for raw in (spec or {}).get("patterns", []) or []:
            try:
                out.append(Pattern(str(cat), language, re.compile(str(raw), re.IGNORECASE)))
            except re.error as exc:
                raise ConfigError(f"{where}: dialogue.{cat}: bad pattern {raw!r} ({exc})") from None
    return out


@functools.lru_cache(maxsize=16)
def _load(language: str, user_file: str, user_digest: str) -> Vocabulary:
    data = _bundled(language)
    where = f"vocab/{language}.yaml"
    user = {}
    if user_file:
        path = Path(user_file).expanduser()
        try:
            user = _read_yaml(path.read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"vocabulary file {path} cannot be read ({exc})") from None
        data = _merge(data, user)
        where = f"{where} + {path}"
    patterns: list[Pattern] = []
    trivial: set[str] = set()
    for lang in LANGUAGES:
        base = data if lang == language else _bundled(lang)
        patterns += _patterns(base, lang, where if lang == language else f"vocab/{lang}.yaml")
        trivial |= {normalise_line(t) for t in base.get("trivial", []) or []}
    if user and language not in LANGUAGES:
        patterns += _patterns(user, "user", where)
    return Vocabulary(data, tuple(patterns), frozenset(t for t in trivial if t), where)


def load_vocabulary(language: str = "en", user_file: str | Path = "") -> Vocabulary:
    """The vocabulary of ``language`` with a user's YAML overrides (cached per file content)."""
    digest = ""
    if user_file:
        from reelmind.core.models import digest as file_digest

        path = Path(user_file).expanduser()
        if not path.is_file():
            raise ConfigError(f"vocabulary file {path} does not exist", "fix stages.prompts.vocabulary")
        digest = file_digest(path)
    return _load(language, str(user_file or ""), digest)
