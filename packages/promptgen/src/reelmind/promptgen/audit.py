"""Zero-fabrication audit of finished prompt frames against the data they cite.

For every row: the positive prompt must be exactly the rendering of its traced phrases (so no word
is outside the trace), and every phrase must hold up —

* ``vocab:`` / ``template:says`` phrases: each cited value equals the record's value, and the same
  dimension function, called with those values, chooses that phrase;
* ``verbatim:description``: the knowledge-base entry's description, word for word;
* ``screenplay:`` phrases: the cited element exists with that kind, and the phrase is its text
  (action, environment) or made of its words (heading, parenthetical);
* ``template:`` phrases: fixed template text, citing nothing.

Returns the problems in words (empty: the trace is complete and true).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from reelmind.core.records import PromptFrameTable

from . import dimensions as dims
from .anchors import KBEntry
from .engine import ORDER, FilmInputs
from .screenplay.model import Screenplay, speaker_key
from .trace import Fact, Phrase, parse_source, q, render
from .vocab import Vocabulary

_WORDS = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORDS.findall(text)}


def _resolver(f: FilmInputs) -> dict[str, Callable[[Fact], object]]:
    d = f.dataset

    def dataset(fact: Fact):
        r = fact.row
        if fact.field == "words":
            return dims.word_count(str(d.dialogue[r]))
        if fact.field == "listeners":
            return len(d.listener[r]) if d.listener is not None else 0
        if fact.field == "listener":
            return str(d.listener[r][0]) if d.listener is not None and len(d.listener[r]) else None
        return getattr(d, fact.field)[r]

    def table(t):
        return lambda fact: getattr(t, fact.field)[fact.row]

    def personality(fact: Fact):
        p = f.personality
        return p.value[fact.row] if p is not None and str(p.trait[fact.row]) == fact.field else None

    out = {"dataset": dataset, "personality": personality}
    for name in ("moments", "transitions", "social"):
        t = getattr(f, name)
        if t is not None:
            out[name] = table(t)
    return out


def _same(cited, actual) -> bool:
    if cited is None:
        return True
    if isinstance(actual, (float, int)) and not isinstance(actual, bool) or hasattr(actual, "dtype"):
        try:
            a = float(actual)
        except (TypeError, ValueError):
            return str(cited) == str(actual)
        return not math.isnan(a) and abs(float(cited) - q(a)) < 1e-9
    return str(cited) == str(actual)


def audit(table: PromptFrameTable, inputs: FilmInputs, vocab: Vocabulary, o: dims.DimensionOptions,
          screenplay: Screenplay | None = None, kb: dict[str, KBEntry] | None = None) -> list[str]:
    """Problems of the trace of every prompt in ``table`` (see the module docstring)."""
    problems: list[str] = []
    resolve = _resolver(inputs)
    kb = kb or {}
    for i in range(len(table)):
        where = f"row {i} (keyframe {table.keyframe[i]}, {table.tier[i]})"
        phrases = [Phrase(t, d, rule, tuple(parse_source(s))) for t, d, s, rule in
                   zip(table.trace_phrase[i], table.trace_dimension[i], table.trace_source[i], table.trace_rule[i])]
        rendered = render(phrases, ORDER[str(table.tier[i])], vocab.data["templates"])
        if rendered != table.positive[i]:
            problems.append(f"{where}: the prompt is not the rendering of its traced phrases: "
                            f"{table.positive[i]!r} != {rendered!r}")
        for p in phrases:
            problems += [f"{where}: {msg}" for msg in _check(p, resolve, vocab, o, screenplay, kb)]
    return problems


def _check(p: Phrase, resolve, vocab: Vocabulary, o: dims.DimensionOptions, sp: Screenplay | None,
           kb: dict[str, KBEntry]) -> list[str]:
    kind, _, name = p.rule.partition(":")
    if kind == "template" and name != "says":
        ok = not p.facts and p.text == vocab.template(name)
        return [] if ok else [f"template phrase {p.text!r} is not the template {name!r}"]
    if kind == "verbatim" and name == "description":
        entry = kb.get(speaker_key(next((str(f.value) for f in p.facts if f.table == "kb"), "")))
        if entry is None or entry.description != p.text:
            return [f"anchor {p.text!r} is not the knowledge base's description"]
        return []
    if kind == "screenplay":
        return _check_screenplay(p, name, sp)
    if kind not in ("vocab", "template") or not p.facts:
        return [f"phrase {p.text!r} has rule {p.rule!r} and no source"]
    args: dict[str, Fact] = {}
    for fact in p.facts:
        get = resolve.get(fact.table)
        if get is None:
            return [f"phrase {p.text!r} cites {fact.table}, which is not among the inputs"]
        try:
            actual = get(fact)
        except (IndexError, AttributeError, TypeError):
            return [f"phrase {p.text!r} cites {fact.location()} {fact.field}, which does not exist"]
        if not _same(fact.value, actual):
            return [f"phrase {p.text!r} cites {fact.field}={fact.value} but {fact.location()} holds {actual!r}"]
        value = actual if fact.value is None else fact.value
        args[dims.ARGUMENT.get(fact.field, fact.field)] = Fact(fact.table, fact.row, fact.field, value, fact.line)
    func = dims.FUNCTIONS.get(p.dimension)
    if func is None:
        return [f"phrase {p.text!r} has unknown dimension {p.dimension!r}"]
    chosen = {(x.text, x.rule) for x in func(vocab, o, **args)}
    if (p.text, p.rule) not in chosen:
        return [f"phrase {p.text!r} ({p.rule}) is not what the {p.dimension} rule chooses from {p.source}"]
    return []


def _check_screenplay(p: Phrase, kind: str, sp: Screenplay | None) -> list[str]:
    if sp is None:
        return [f"phrase {p.text!r} cites a screenplay, but none was given"]
    fact = next((f for f in p.facts if f.table == "screenplay"), None)
    e = sp.element(fact.row, fact.line) if fact is not None else None
    if e is None:
        return [f"phrase {p.text!r} cites a screenplay element that does not exist ({p.source})"]
    want = {"parenthetical": "parenthetical", "action": "action", "environment": "action", "heading": "heading"}.get(kind)
    if e.kind != want or (fact.value is not None and fact.value != e.kind):
        return [f"phrase {p.text!r} cites a {e.kind} element as {kind}"]
    if kind in ("action", "environment"):
        return [] if p.text == e.text else [f"screenplay phrase {p.text!r} is not the text of {p.source}"]
    extra = _words(p.text) - _words(e.text)
    return [] if not extra else [f"screenplay phrase {p.text!r} has words {sorted(extra)} not in {p.source}"]
