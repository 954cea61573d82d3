"""KeyframeSelector: which lines of a film become video prompts.

Per line (dataset row): a SUDDEN transition into it adds ``sudden_bonus`` (2.0); an LSTM surprise
above ``surprise_include`` (0.6) includes it whatever its score; each dramatic dialogue pattern it
matches (the vocabulary's 18 bilingual patterns) adds its weight; arousal and a multimodal conflict
add their share. Trivial lines ('yes', 'ok', 'hello', ...) never qualify. A chapter (a scene of the
SceneTable, or a fixed span when there is none) keeps its best ``max_per_chapter`` (3) lines:
included ones first, then by score, then by time. The score and every rule that fired are kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .vocab import Vocabulary


@dataclass
class KeyframeOptions:
    """Thresholds of the selector (config keys under ``stages.prompts.keyframes``)."""

    sudden_bonus: float = 2.0  # a SUDDEN transition into the line
    surprise_include: float = 0.6  # LSTM surprise above this: included whatever the score
    surprise_weight: float = 1.0  # score += weight x surprise for an included line
    arousal_weight: float = 0.5  # score += weight x arousal
    conflict_bonus: float = 1.0  # a multimodal conflict (face / voice / text disagree)
    pattern_cap: float = 3.0  # most that dialogue patterns add together
    min_score: float = 1.0  # a line below this (and not included by surprise) is not a keyframe
    max_per_chapter: int = 3
    chapter_span: float = 120.0  # s: chapter length when the film has no scene table


@dataclass(frozen=True)
class LineFacts:
    """What the selector reads of one line."""

    row: int
    time: float
    dialogue: str
    arousal: float = math.nan
    surprise: float = math.nan
    sudden: bool = False
    conflict: bool = False


@dataclass(frozen=True)
class Keyframe:
    row: int
    chapter: int
    score: float
    rules: tuple[str, ...]
    included: bool = False  # by the surprise rule


def chapters(times: np.ndarray, scene_starts: np.ndarray | None, span: float) -> np.ndarray:
    """Chapter number per time: the scene it falls in (scene starts sorted), else ``time // span``."""
    t = np.asarray(times, dtype=np.float64)
    if scene_starts is not None and len(scene_starts):
        starts = np.sort(np.asarray(scene_starts, dtype=np.float64))
        return np.maximum(np.searchsorted(starts, t, side="right") - 1, 0).astype(np.int64)
    return np.floor(np.maximum(t, 0.0) / max(span, 1e-9)).astype(np.int64)


def score_line(line: LineFacts, vocab: Vocabulary, o: KeyframeOptions) -> tuple[float, tuple[str, ...], bool, bool]:
    """(score, rules, included, trivial) of one line."""
    if vocab.is_trivial(line.dialogue):
        return 0.0, (f"trivial line {line.dialogue.strip()[:40]!r}: excluded",), False, True
    score, rules, included = 0.0, [], False
    if line.sudden:
        score += o.sudden_bonus
        rules.append(f"SUDDEN transition +{o.sudden_bonus:.1f}")
    if not math.isnan(line.surprise) and line.surprise > o.surprise_include:
        included = True
        score += o.surprise_weight * line.surprise
        rules.append(f"LSTM surprise {line.surprise:.2f} > {o.surprise_include:.2f}: included, +{o.surprise_weight * line.surprise:.2f}")
    added = 0.0
    for cat in vocab.categories(line.dialogue):
        w = min(vocab.weight(cat), max(0.0, o.pattern_cap - added))
        if w <= 0:
            break
        added += w
        rules.append(f"dialogue pattern {cat} +{w:.1f}")
    score += added
    if not math.isnan(line.arousal) and o.arousal_weight:
        score += o.arousal_weight * line.arousal
        rules.append(f"arousal {line.arousal:.2f} x {o.arousal_weight:.1f} = +{o.arousal_weight * line.arousal:.2f}")
    if line.conflict and o.conflict_bonus:
        score += o.conflict_bonus
        rules.append(f"multimodal conflict +{o.conflict_bonus:.1f}")
    return round(score, 4), tuple(rules), included, False


def select_keyframes(lines: list[LineFacts], chapter_of: np.ndarray, vocab: Vocabulary,
                     o: KeyframeOptions | None = None) -> tuple[list[Keyframe], dict]:
    """The keyframes (in time order) and a summary of the selection."""
    o = o or KeyframeOptions()
    by_chapter: dict[int, list[Keyframe]] = {}
    trivial = below = 0
    for line, ch in zip(lines, chapter_of):
        score, rules, included, is_trivial = score_line(line, vocab, o)
        if is_trivial:
            trivial += 1
            continue
        if not included and score < o.min_score:
            below += 1
            continue
        by_chapter.setdefault(int(ch), []).append(Keyframe(line.row, int(ch), score, rules, included))
    times = {line.row: line.time for line in lines}
    chosen: list[Keyframe] = []
    dropped = 0
    for ch, cands in sorted(by_chapter.items()):
        ranked = sorted(cands, key=lambda k: (not k.included, -k.score, times[k.row], k.row))
        keep = ranked[: max(0, o.max_per_chapter)]
        dropped += len(ranked) - len(keep)
        for rank, k in enumerate(keep, 1):
            chosen.append(Keyframe(k.row, k.chapter, k.score, (*k.rules, f"rank {rank} of {len(ranked)} in chapter {ch}"),
                                   k.included))
    chosen.sort(key=lambda k: (times[k.row], k.row))
    summary = {"lines": len(lines), "keyframes": len(chosen), "chapters": len({int(c) for c in chapter_of}),
               "trivial": trivial, "below_min_score": below, "over_chapter_limit": dropped}
    return chosen, summary
