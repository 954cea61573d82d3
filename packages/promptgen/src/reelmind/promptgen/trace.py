"""The zero-fabrication trace: every phrase of a prompt with the rule that chose it and the data it
rests on.

A :class:`Fact` is one cited value (``dataset:row 37 arousal=0.82``); numbers are rounded to two
decimals *before* any rule sees them, so the cited value is exactly the value the rule used. A
:class:`Phrase` is prompt text + dimension + rule + facts. Rules are

* ``vocab:<key>``      a cue list of the vocabulary chosen by a rule over the facts;
* ``verbatim:<field>`` text copied from the cited record (a line, a knowledge-base description,
  a screenplay element);
* ``template:<name>``  fixed wording of the vocabulary's templates (``says`` also quotes a line).

:func:`render` joins phrases into the prompt text; :mod:`reelmind.promptgen.audit` checks a finished
prompt against the data.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

#: Fact tables and how their location reads: ``row N`` or ``scene N line M`` or ``entry``.
TABLES: tuple[str, ...] = ("dataset", "moments", "transitions", "social", "personality", "screenplay", "kb")
_TOKEN = re.compile(r'(\w+):(?:row (-?\d+)|scene (-?\d+) line (-?\d+)|entry)'  # a record's location
                    r'|(\w+)=("(?:[^"\\]|\\.)*"|[^\s;]+)'  # field=value
                    r'|(\w+)(?=[\s;]|$)')  # a bare field (verbatim copies cite the field, not its text)


def q(value: Any) -> float:
    """A number as it is cited and used: rounded to 2 decimals (NaN stays NaN)."""
    x = float(value)
    return x if math.isnan(x) else round(x, 2) + 0.0


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    s = str(value)
    return json.dumps(s, ensure_ascii=False) if (not s or re.search(r'[\s";=]', s)) else s


@dataclass(frozen=True)
class Fact:
    """One cited value of a record: ``table`` row ``row`` (screenplay: scene ``row`` line ``line``)."""

    table: str
    row: int
    field: str
    value: Any
    line: int = -1

    def location(self) -> str:
        if self.table == "screenplay":
            return f"screenplay:scene {self.row} line {self.line}"
        if self.table == "kb":
            return "kb:entry"
        return f"{self.table}:row {self.row}"


def cite(facts: tuple[Fact, ...]) -> str:
    """Facts as one source string, grouped by record: ``dataset:row 37 face_emotion=angry arousal=0.82``."""
    groups: dict[str, list[str]] = {}
    for f in facts:
        groups.setdefault(f.location(), []).append(f.field if f.value is None else f"{f.field}={_fmt(f.value)}")
    return "; ".join(f"{loc} {' '.join(kv)}" for loc, kv in groups.items()) if groups else "template"


def parse_source(source: str) -> list[Fact]:
    """The facts of a source string written by :func:`cite` (values as strings)."""
    if source == "template":
        return []
    out: list[Fact] = []
    where: tuple[str, int, int] | None = None
    for m in _TOKEN.finditer(source):
        if m.group(1):
            where = (m.group(1), int(m.group(2) or m.group(3) or -1), int(m.group(4)) if m.group(4) else -1)
            continue
        if where is None:
            raise ValueError(f"unreadable source {source!r}: a field before any record")
        table, row, line = where
        if m.group(5):
            val = m.group(6)
            out.append(Fact(table, row, m.group(5), json.loads(val) if val.startswith('"') else val, line))
        else:
            out.append(Fact(table, row, m.group(7), None, line))
    if where is None:
        raise ValueError(f"unreadable source {source!r}")
    return out


@dataclass(frozen=True)
class Phrase:
    """Prompt text with its dimension, the rule that chose it and the facts it rests on."""

    text: str
    dimension: str
    rule: str
    facts: tuple[Fact, ...] = ()

    @property
    def source(self) -> str:
        return cite(self.facts)


def vocab_phrases(vocab, key: str, dimension: str, facts: tuple[Fact, ...]) -> list[Phrase]:
    """The cue list at ``key`` as phrases citing ``facts``."""
    return [Phrase(t, dimension, f"vocab:{key}", facts) for t in vocab.phrases(key)]


_SENTENCE_END = (".", "!", "?", "。", "！", "？", "…")


def render(phrases: list[Phrase], order: tuple[str, ...], templates: dict[str, str]) -> str:
    """The prompt text: each dimension's phrases joined and ended (unless the last phrase ends a sentence
    already), dimensions in ``order`` (empty ones skipped)."""
    parts = []
    for dim in order:
        texts = [p.text for p in phrases if p.dimension == dim and p.text]
        if texts:
            part = templates["join"].join(texts)
            parts.append(part if part.endswith(_SENTENCE_END) else part + templates["end"])
    return templates["gap"].join(parts)
