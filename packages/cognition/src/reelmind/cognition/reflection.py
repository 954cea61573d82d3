"""Reflection: scene boundaries, Generative-Agents-style insights, 5-section character evolution.

* Scene boundary: a gap > ``scene_gap_s`` between consecutive utterances (the moments' scenes); the
  memory stage then archives the short-term memories of the closing scene and keeps the high-arousal ones.
* Insights (Park et al. 2023 style): a few salient questions per character, built from its
  data, each answered by retrieving memories (cosine + emotion boost) and stating what the
  retrieved memories share, with their ids as evidence. Retrieval references the memories.
* Evolution: opening, turning points, patterns, relationships, closing; template text from
  the data by default, LLM prose optional per section.
* Hallucination guard: LLM text may only name real characters (or words present in the
  facts it was given); empty or rejected sections are retried, then reported and replaced by
  the template.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from reelmind.core.llm import LLMClient, LLMError
from .types import EVOLUTION_SECTIONS, Arc, CharacterConsolidation, Evolution, TrendPoint

log = logging.getLogger("reelmind.cognition.reflection")


@dataclass(frozen=True)
class GuardOptions:
    retries: int = 2  # extra LLM attempts for an empty or rejected text


class LLMSession:
    """One stage's use of the configured LLM. The first failure (endpoint down, HTTP error, unusable
    answer) is kept and later calls fail at once, so a down server costs one timeout; the stage
    reports :meth:`degraded` in its output's ``meta["degraded"]`` (manifest + console)."""

    def __init__(self, client: LLMClient) -> None:
        self.client = client
        self.error = ""
        self.calls = self.skipped = 0

    def chat(self, system: str, user: str) -> str:
        if self.error:
            self.skipped += 1
            raise LLMError(self.error)
        self.calls += 1
        try:
            return self.client.chat(system, user)
        except LLMError as exc:
            self.error = str(exc)
            log.warning("LLM failed, template text is kept instead: %s", exc)
            raise

    def degraded(self) -> list[str]:
        if not self.error:
            return []
        return [f"LLM not used ({self.error}): {1 + self.skipped} LLM text(s) not written, template text kept where there is one"]


# ------------------------------------------------------------------ hallucination guard
_WORD = re.compile(r"[A-Z][\w'’-]*")
_COMMON = {"I", "I'm", "I've", "I'll", "I'd", "OK", "LLM", "LSTM", "TV", "Mr", "Mrs", "Miss", "Ms", "Dr"}


def guard_text(text: str, characters: list[str], facts: str) -> list[str]:
    """Problems with an LLM text: empty, or capitalised names that are neither characters nor in the facts."""
    if not text or not text.strip():
        return ["empty text"]
    allowed = set(_COMMON)
    for c in characters:
        allowed.update(w.strip(".,;:!?\"'") for w in c.split())
    allowed.update(_WORD.findall(facts))
    unknown = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text.strip()):
        words = sentence.split()
        for k, w in enumerate(words):
            w = w.strip(".,;:!?\"'()[]«»“”‘’*")
            if not w or not _WORD.fullmatch(w) or k == 0:
                continue
            base = re.sub(r"['’]s$", "", w)
            if base not in allowed and w not in allowed:
                unknown.append(base)
    if unknown:
        return [f"unknown name(s) {', '.join(sorted(set(unknown)))}"]
    return []


def llm_render(client: LLMClient | LLMSession, system: str, facts: str, characters: list[str], guard: GuardOptions, what: str) -> tuple[str, list[str]]:
    """LLM prose from facts, retried when empty or rejected by the guard; ("", reports) if it never passes."""
    reports: list[str] = []
    for attempt in range(guard.retries + 1):
        try:
            text = client.chat(system, facts)
        except LLMError as exc:
            reports.append(f"{what}: {exc}")
            return "", reports
        problems = guard_text(text, characters, facts)
        if not problems:
            return text, reports
        reports.append(f"{what} attempt {attempt + 1}: {'; '.join(problems)}")
    return "", reports


# ------------------------------------------------------------------ evolution narrative
def _fmt_time(t: float) -> str:
    m, s = divmod(int(round(t)), 60)
    return f"{m:d}:{s:02d}"


def _dominant(emotions: list[str]) -> tuple[str, int]:
    if not emotions:
        return "neutral", 0
    counts = Counter(emotions)
    best = max(sorted(counts), key=lambda e: counts[e])
    return best, counts[best]


def evolution_facts(character: str, times: np.ndarray, valence: np.ndarray, emotions: list[str], arc: Arc,
                    cons: CharacterConsolidation, trends: list[TrendPoint], triggers: list[str], listeners: list[str]) -> dict[str, str]:
    """The 5 template sections of one character's evolution, from its data."""
    n = len(times)
    k = max(1, n // 5)
    e0, c0 = _dominant(emotions[:k])
    e1, c1 = _dominant(emotions[-k:])
    v0 = float(np.mean(valence[:k])) if n else 0.0
    v1 = float(np.mean(valence[-k:])) if n else 0.0
    sections = {}
    sections["opening"] = (f"{character} opens ({_fmt_time(times[0]) if n else '0:00'}, first {k} of {n} moments) "
                           f"mostly {e0} ({c0} of {k}), mean valence {v0:+.2f}.")
    if arc.turning_points:
        tp = "; ".join(f"{p.kind} at {_fmt_time(p.time)} (valence {p.valence:+.2f})" for p in arc.turning_points[:6])
        sections["turning_points"] = f"Arc {arc.arc_class} ({arc.rule}). Turning points: {tp}."
    else:
        sections["turning_points"] = f"Arc {arc.arc_class} ({arc.rule}); no turning point of valence change >= 0.3."
    trend_counts = Counter(t.trend for t in trends)
    trend_txt = ", ".join(f"{name} {trend_counts[name]}" for name in sorted(trend_counts))
    pats = ", ".join(f"{p.pattern} ({p.count})" for p in cons.patterns[:3]) or "none"
    sections["patterns"] = (f"Sudden shifts {cons.sudden} of {cons.transitions} transitions; top patterns: {pats}; "
                            f"{len(cons.hotspots)} trauma hotspots; short-term trends: {trend_txt or 'none'}.")
    trig = Counter(t.split(":", 1)[1] for t in triggers if t.startswith("speaker:"))
    lis = Counter(x for x in listeners if x)
    trig_txt = ", ".join(f"{name} ({c})" for name, c in sorted(trig.items(), key=lambda x: (-x[1], x[0]))[:3]) or "nobody"
    lis_txt = ", ".join(f"{name} ({c})" for name, c in sorted(lis.items(), key=lambda x: (-x[1], x[0]))[:3]) or "nobody"
    sections["relationships"] = f"Most often stirred by {trig_txt}; most often watched by {lis_txt}."
    sections["closing"] = (f"{character} closes ({_fmt_time(times[-1]) if n else '0:00'}, last {k} moments) mostly {e1} "
                           f"({c1} of {k}), mean valence {v1:+.2f} ({v1 - v0:+.2f} since the opening).")
    return sections


EVOLUTION_SYSTEM = ("You write one short paragraph of a film character's evolution from measured data. Use ONLY the "
                    "facts given; name only the characters that appear in them; no invented events or numbers.")


def evolution(character: str, sections: dict[str, str], characters: list[str], client: LLMClient | LLMSession | None = None,
              guard: GuardOptions = GuardOptions()) -> Evolution:
    """The 5-section narrative: template text, or guarded LLM prose per section (template on failure)."""
    out, source, reports = {}, {}, []
    for name in EVOLUTION_SECTIONS:
        template = sections.get(name, "").strip()
        if not template:
            reports.append(f"{name}: empty template section")
        text, src = template, "template"
        if client is not None and template:
            prose, rep = llm_render(client, EVOLUTION_SYSTEM, f"Character: {character}\nSection: {name}\nFacts: {template}",
                                    characters, guard, f"evolution {character}/{name}")
            reports.extend(rep)
            if prose:
                text, src = prose, "llm"
        out[name], source[name] = text, src
    return Evolution(character=character, sections=out, source=source, guard=tuple(reports))


# ------------------------------------------------------------------ insights
NEGATIVE = ("angry", "disgust", "fear", "sad")


def insight_questions(character: str, emotions: list[str]) -> list[tuple[str, str | None]]:
    """Salient questions about a character (question, emotion to boost), from its own data."""
    dom, _ = _dominant(emotions)
    qs: list[tuple[str, str | None]] = [(f"When does {character} feel {dom}?", dom)]
    neg = [e for e in emotions if e in NEGATIVE]
    if neg:
        top_neg, _ = _dominant(neg)
        if top_neg != dom:
            qs.append((f"What makes {character} feel {top_neg}?", top_neg))
    if "happy" in emotions and dom != "happy":
        qs.append((f"What makes {character} feel happy?", "happy"))
    qs.append((f"What are the most intense moments of {character}?", None))
    return qs


def insight_text(character: str, question: str, emotion: str | None, retrieved: list) -> str:
    """A statement about what the retrieved memories share (``retrieved``: Memory objects, best first)."""
    if not retrieved:
        return f"{character}: no memory answers \"{question}\"."
    k = len(retrieved)
    emos = [m.emotion for m in retrieved]
    target = emotion or _dominant(emos)[0]
    m_count = sum(e == target for e in emos)
    mean_v = float(np.mean([m.valence for m in retrieved]))
    strongest = max(retrieved, key=lambda m: (m.arousal, -m.time))
    return (f"{character}: {m_count} of {k} memories retrieved for \"{question}\" are {target}; mean valence {mean_v:+.2f}; "
            f"most intense at {_fmt_time(strongest.time)} ({strongest.emotion}, arousal {strongest.arousal:.2f}).")
