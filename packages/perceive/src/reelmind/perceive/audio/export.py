"""Edge export: the utterances table as CSV (one row per utterance, words inline)."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from reelmind.core.atomic import write_text
from reelmind.core.records import UtteranceTable, WordTable

CSV_COLUMNS = ("start", "end", "speaker", "text", "words", "text_emotion", "text_confidence",
               "arousal", "valence", "dominance", "flags")


def _num(x: float, nd: int = 3) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{float(x):.{nd}f}"


def utterances_csv(utt: UtteranceTable, words: WordTable) -> str:
    """CSV text; ``words`` is ``word@start-end`` joined by spaces (times in s, ms precision)."""
    by_utt: dict[int, list[str]] = {}
    for u, s, e, w in zip(words.utterance, words.start, words.end, words.word):
        by_utt.setdefault(int(u), []).append(f"{w}@{s:.3f}-{e:.3f}")
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    for i in range(len(utt)):
        out.writerow([_num(utt.start[i]), _num(utt.end[i]), utt.speaker[i], utt.text[i], " ".join(by_utt.get(i, [])),
                      utt.text_emotion[i], _num(utt.text_conf[i]), _num(utt.arousal[i]), _num(utt.valence[i]),
                      _num(utt.dominance[i]), utt.flags[i]])
    return buf.getvalue()


def write_utterances_csv(path: str | Path, utt: UtteranceTable, words: WordTable) -> Path:
    """Write the CSV atomically."""
    return write_text(path, utterances_csv(utt, words))
