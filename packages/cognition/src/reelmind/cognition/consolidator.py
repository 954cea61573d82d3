"""Consolidation: sudden shifts clustered by pattern, trauma hotspots, template summaries.

A sudden shift is a SUDDEN transition that does not cross a scene cut. Shifts are grouped by
pattern (``"neutral → angry"``); a trauma hotspot is a maximal run of >= ``hotspot_min``
shifts of one character where each ``hotspot_window_s`` window starting at a shift holds at
least ``hotspot_min`` of them (overlapping windows merged). Summaries are template text built
from these figures; the optional LLM summary gets only the facts and passes the guard.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass

from reelmind.core.llm import LLMClient
from .reflection import GuardOptions, llm_render
from .types import CharacterConsolidation, Hotspot, ShiftPattern, Transition

log = logging.getLogger("reelmind.cognition.consolidator")
ARROW = "→"


@dataclass(frozen=True)
class ConsolidatorOptions:
    hotspot_window_s: float = 60.0
    hotspot_min: int = 3


def sudden_shifts(transitions: list[Transition]) -> list[Transition]:
    return [t for t in transitions if t.type == "SUDDEN" and not t.scene_cut]


def shift_patterns(character: str, transitions: list[Transition]) -> list[ShiftPattern]:
    """Sudden shifts grouped by "from → to", most frequent first (ties by pattern)."""
    groups: dict[tuple[str, str], list[float]] = {}
    for t in sudden_shifts(transitions):
        groups.setdefault((t.from_emotion, t.to_emotion), []).append(t.time)
    out = [ShiftPattern(character=character, pattern=f"{a} {ARROW} {b}", from_emotion=a, to_emotion=b,
                        count=len(ts), times=tuple(ts)) for (a, b), ts in groups.items()]
    return sorted(out, key=lambda p: (-p.count, p.pattern))


def hotspot_spans(times: list[float], window_s: float, min_count: int) -> list[tuple[int, int]]:
    """(first, last) shift indices of each hotspot in sorted ``times``."""
    spans: list[tuple[int, int]] = []
    j = 0
    for i in range(len(times)):
        j = max(j, i)
        while j + 1 < len(times) and times[j + 1] - times[i] <= window_s:
            j += 1
        if j - i + 1 >= min_count:
            if spans and i <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], j))
            else:
                spans.append((i, j))
    return spans


def _fmt_time(t: float) -> str:
    m, s = divmod(int(round(t)), 60)
    return f"{m:d}:{s:02d}"


def hotspots(character: str, transitions: list[Transition], options: ConsolidatorOptions = ConsolidatorOptions()) -> list[Hotspot]:
    shifts = sudden_shifts(transitions)
    times = [t.time for t in shifts]
    out = []
    for a, b in hotspot_spans(times, options.hotspot_window_s, options.hotspot_min):
        part = shifts[a:b + 1]
        pats = tuple(f"{t.from_emotion} {ARROW} {t.to_emotion}" for t in part)
        summary = (f"{character}: {len(part)} sudden shifts between {_fmt_time(part[0].time)} and "
                   f"{_fmt_time(part[-1].time)} ({'; '.join(pats)})")
        out.append(Hotspot(character=character, start=part[0].time, end=part[-1].time, shifts=len(part),
                           patterns=pats, memory_id="", summary=summary))
    return out


def consolidate(character: str, transitions: list[Transition], options: ConsolidatorOptions = ConsolidatorOptions()) -> CharacterConsolidation:
    """Patterns, hotspots and a template summary of one character's transitions."""
    pats = shift_patterns(character, transitions)
    spots = hotspots(character, transitions, options)
    n = len(transitions)
    sudden = sum(p.count for p in pats)
    stab = [t.stability for t in transitions]
    mean_stab = round(sum(stab) / len(stab), 6) if stab else math.nan
    ratio = round(sudden / n, 6) if n else 0.0
    top = pats[0].pattern if pats else ""
    if n == 0:
        summary = f"{character}: a single moment, no transitions."
    else:
        summary = (f"{character}: {sudden} of {n} transitions are sudden ({ratio:.1%}); "
                   + (f"most common sudden shift {top} ({pats[0].count} times); " if pats else "no sudden shift; ")
                   + f"mean stability {mean_stab:.2f}; {len(spots)} trauma hotspot{'s' if len(spots) != 1 else ''}.")
    return CharacterConsolidation(character=character, transitions=n, sudden=sudden, sudden_ratio=ratio,
                                  mean_stability=mean_stab, top_pattern=top, patterns=tuple(pats),
                                  hotspots=tuple(spots), summary=summary)


SUMMARY_SYSTEM = ("You summarise measured emotion data about a film character. Use ONLY the facts given; "
                  "do not invent events, names or numbers. Two or three sentences.")


def llm_summary(client: LLMClient, cons: CharacterConsolidation, characters: list[str], guard: GuardOptions = GuardOptions()) -> tuple[str, list[str]]:
    """LLM prose for one consolidation, constrained to its facts; ("", reports) when the guard rejects it."""
    facts = {"character": cons.character, "transitions": cons.transitions, "sudden": cons.sudden,
             "sudden_ratio": cons.sudden_ratio, "mean_stability": cons.mean_stability,
             "patterns": [{"pattern": p.pattern, "count": p.count} for p in cons.patterns[:5]],
             "hotspots": [{"start": h.start, "end": h.end, "shifts": h.shifts} for h in cons.hotspots]}
    prompt = "Facts (JSON):\n" + json.dumps(facts, sort_keys=True, ensure_ascii=False) + "\nSummary:"
    return llm_render(client, SUMMARY_SYSTEM, prompt, characters, guard, f"consolidation {cons.character}")
