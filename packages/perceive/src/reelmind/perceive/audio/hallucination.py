"""Hallucination filter: Whisper's quality statistics plus repeated-phrase loops.

A segment is rejected when its average log-probability is below ``min_avg_logprob`` (gibberish),
its compression ratio is above ``max_compression_ratio`` (repetitive), its no-speech probability
is above ``max_no_speech_prob`` while its decoding is not confident (silence), or it loops: a phrase
of 1-8 words repeated ``max_phrase_repeats`` times in a row that makes up half the segment's words
(or runs twice that long anywhere in it), or the same text in that many consecutive segments (all
but the first are rejected). Nothing is silently lost: every rejected segment comes back with its
reasons (``drop`` mode), or stays with the reasons as flags (``flag`` mode).

Two rules follow Whisper's own decoding rather than its figures alone, because the figures of
batched decoding belong to a whole 30-s window, not to the segment (real read speech was rejected
by them, bench/RESULTS.md issue 11 round 5):

* **no speech**: Whisper skips a window as silent only when the no-speech probability is high *and*
  the average log-probability is at or below its log-probability threshold; a confident decoding
  overrides a high no-speech probability (30 s of card names and loudspeaker positions: 0.82, with
  -0.12 per token).
* **compression ratio**: the window's ratio is copied onto every segment of the window; a segment is
  rejected when its own text is that repetitive too (Whisper's formula: UTF-8 bytes over zlib-compressed
  bytes). A window of listed words reaches 2.45 while none of its segments passes 1.5; a segment
  that loops compresses as well as its window.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from .asr import AsrSegment

_WORD = re.compile(r"[\w']+", re.UNICODE)


@dataclass(frozen=True)
class FilterOptions:
    min_avg_logprob: float = -1.0
    max_compression_ratio: float = 2.4
    max_no_speech_prob: float = 0.6
    max_phrase_repeats: int = 3


def _tokens(text: str) -> list[str]:
    toks = _WORD.findall(text.lower())
    if not toks and text.strip():  # CJK without spaces: one token per character
        toks = [c for c in text if not c.isspace()]
    elif any(len(t) > 1 and all("\u4e00" <= c <= "\u9fff" for c in t) for t in toks):
        toks = [c for t in toks for c in t]
    return toks


def phrase_loop(text: str, repeats: int = 3, max_len: int = 8) -> str | None:
    """The phrase repeated ``repeats`` or more times in a row in ``text`` that makes up at least half
    of its words, or repeats twice as often as needed anywhere in it; else None.

    One short word (<= 2 letters: "no", "ha") needs one more repeat: "no no no" is speech. A
    short repeat inside a long segment is speech too ("... for them. Five. Five. Five." read as
    the cards "five five"); Whisper's decoding loops fill the rest of their window.
    """
    toks = _tokens(text)
    if repeats < 2:
        return None
    for n in range(1, max_len + 1):
        for i in range(0, len(toks) - n * repeats + 1):
            unit = toks[i:i + n]
            run = 1
            while toks[i + run * n:i + (run + 1) * n] == unit:
                run += 1
            need = repeats + 1 if n == 1 and len(unit[0]) <= 2 else repeats
            if run >= need and (2 * run * n >= len(toks) or run >= 2 * need):
                return " ".join(unit)
    return None


def text_compression_ratio(text: str) -> float:
    """Whisper's compression ratio of one text: UTF-8 bytes over zlib-compressed bytes."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def segment_reasons(seg: AsrSegment, opts: FilterOptions) -> list[str]:
    """The reasons one segment is a hallucination (empty if it passes)."""
    reasons = []
    if not seg.text.strip():
        reasons.append("empty_text")
    if seg.avg_logprob == seg.avg_logprob and seg.avg_logprob < opts.min_avg_logprob:
        reasons.append(f"avg_logprob {seg.avg_logprob:.2f} < {opts.min_avg_logprob}")
    if seg.compression_ratio == seg.compression_ratio and seg.compression_ratio > opts.max_compression_ratio:
        own = text_compression_ratio(seg.text)
        if own > opts.max_compression_ratio:
            reasons.append(f"compression_ratio {seg.compression_ratio:.2f} > {opts.max_compression_ratio} "
                           f"(its text: {own:.2f})")
    confident = seg.avg_logprob == seg.avg_logprob and seg.avg_logprob > opts.min_avg_logprob
    if seg.no_speech_prob == seg.no_speech_prob and seg.no_speech_prob > opts.max_no_speech_prob and not confident:
        reasons.append(f"no_speech_prob {seg.no_speech_prob:.2f} > {opts.max_no_speech_prob}")
    loop = phrase_loop(seg.text, opts.max_phrase_repeats)
    if loop:
        reasons.append(f"repeat_loop '{loop}'")
    return reasons


def filter_segments(segments: list[AsrSegment], opts: FilterOptions) -> list[list[str]]:
    """Per segment, the list of reasons to reject it (in order; cross-segment loops included)."""
    reasons = [segment_reasons(s, opts) for s in segments]
    norm = [" ".join(_tokens(s.text)) for s in segments]
    n = opts.max_phrase_repeats
    i = 0
    while i < len(segments):
        j = i
        while j + 1 < len(segments) and norm[j + 1] == norm[i] and norm[i]:
            j += 1
        if n >= 2 and j - i + 1 >= n:
            for k in range(i + 1, j + 1):  # the first occurrence may be real speech
                reasons[k].append(f"repeated_segment x{j - i + 1}")
        i = j + 1
    return reasons
