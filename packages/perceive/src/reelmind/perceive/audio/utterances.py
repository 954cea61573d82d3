"""Utterances rebuilt from words: one speaker each, cut at sentence ends, pauses and a maximum length.

Walking the film's words in time order, a new utterance starts when

* the speaker changes (every word has one, :func:`.speakers.word_speakers`),
* the previous word ends a sentence (``. ! ? …`` and their CJK forms) and a pause of at least
  ``sentence_pause_s`` follows,
* a pause of at least ``long_pause_s`` follows, whatever the punctuation,
* or the utterance would grow past ``max_s``.

An utterance keeps start/end from its words, its speaker, an ``overlap`` flag (one of its words
overlaps another speaker) and the ASR quality figures, language and flags of the ASR segment
that holds most of its words. A segment without words is an utterance of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_SENTENCE_END = re.compile(r"[.!?…。！？]['\"”’)\]]*$")
_COMMAS = (",", "，", "、")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@dataclass
class Utterance:
    start: float
    end: float
    text: str
    speaker: str
    segment: int  # index of the ASR segment that holds most of its words
    overlap: bool
    words: list[int]  # indices into the flat word list


def ends_sentence(word: str) -> bool:
    return bool(_SENTENCE_END.search(word.strip()))


def ends_with_comma(word: str) -> bool:
    """The word closes a list item or clause (",", "，", "、")."""
    return word.strip().endswith(_COMMAS)


def join_words(words: list[str]) -> str:
    """Words -> text: spaces between words, none between two CJK characters."""
    out = ""
    for w in words:
        w = w.strip()
        if not w:
            continue
        if out and not (_CJK.search(out[-1]) and _CJK.match(w[0])):
            out += " "
        out += w
    return out


def build_utterances(seg_of_word: np.ndarray, starts: np.ndarray, ends: np.ndarray, texts: list[str],
                     speakers: list[str], overlaps: np.ndarray, *, sentence_pause_s: float = 0.5,
                     long_pause_s: float = 2.0, max_s: float = 30.0) -> list[Utterance]:
    """Group the film's words (in time order) into utterances (see the module docstring)."""
    out: list[Utterance] = []
    cur: list[int] = []

    def close() -> None:
        if not cur:
            return
        segs, counts = np.unique(seg_of_word[cur], return_counts=True)
        out.append(Utterance(float(starts[cur[0]]), float(max(ends[cur].max(), starts[cur[0]])),
                             join_words([texts[i] for i in cur]), speakers[cur[0]], int(segs[np.argmax(counts)]),
                             bool(np.any(overlaps[cur])), list(cur)))
        cur.clear()

    for i in range(len(starts)):
        if cur:
            p = cur[-1]
            gap = starts[i] - ends[p]
            if (speakers[i] != speakers[p] or (gap >= sentence_pause_s and ends_sentence(texts[p]))
                    or gap >= long_pause_s or ends[i] - starts[cur[0]] > max_s):
                close()
        cur.append(i)
    close()
    return out
