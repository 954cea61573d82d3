"""Seed-layout CSV exports, written at the edge (stages exchange records, never CSV).

Every cell goes through :func:`safe_cell`: NaN -> empty, floats to 4 significant decimals, list
cells joined with ``;`` (the seed's layout), and text that a spreadsheet would run as a formula
(a leading ``= + - @``, tab or carriage return) is prefixed with ``'`` so it stays text.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .atomic import write_text
from .records import DATASET_COLUMNS, DatasetTable, FaceTable, UtteranceTable, WordTable

FACES_CSV_COLUMNS = ("person", "emotion", "file", "confidence")
UTTERANCES_CSV_COLUMNS = ("start", "end", "speaker", "text", "words", "text_emotion", "text_confidence",
                          "arousal", "valence", "dominance", "flags")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text that cannot start a spreadsheet formula (numbers are left alone)."""
    if text and text.startswith(_FORMULA):
        try:
            float(text)
            return text
        except ValueError:
            return "'" + text
    return text


def safe_cell(value) -> str:
    """One CSV cell: NaN -> '', floats rounded, lists ';'-joined, formulas neutralised."""
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return "" if not math.isfinite(v) else f"{v:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (tuple, list, np.ndarray)):
        return neutralise(";".join(str(x) for x in value))
    return neutralise(str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow([safe_cell(x) for x in row])
    return buf.getvalue()


def frame_file(time: float) -> str:
    """Seed-style frame file name of a sample time, e.g. ``12.25.jpg``."""
    return f"{time:.2f}.jpg"


def faces_csv(faces: FaceTable, path: str | Path) -> Path:
    """The seed's faces CSV: person, emotion, file (``<time>.jpg``), confidence; classified faces only."""
    rows = ([faces.person[i] or (str(faces.person_id[i]) if faces.person_id[i] >= 0 else "unknown"), faces.emotion[i],
             frame_file(float(faces.time[i])), f"{float(faces.emotion_conf[i]):.4f}"]
            for i in range(len(faces)) if faces.emotion[i])
    return write_text(path, csv_text(FACES_CSV_COLUMNS, rows))


def dataset_csv(dataset: DatasetTable, path: str | Path, columns: tuple[str, ...] = DATASET_COLUMNS) -> Path:
    """The seed's 14-column ``multimodal_dataset.csv`` (plus any extra ``columns`` asked for)."""
    cols = [getattr(dataset, c) for c in columns]
    return write_text(path, csv_text(columns, ([col[i] for col in cols] for i in range(len(dataset)))))


def utterances_csv(utt: UtteranceTable, words: WordTable, path: str | Path) -> Path:
    """One row per utterance; ``words`` is ``word@start-end`` joined by spaces (times in s)."""
    by_utt: dict[int, list[str]] = {}
    for u, s, e, w in zip(words.utterance, words.start, words.end, words.word):
        by_utt.setdefault(int(u), []).append(f"{w}@{s:.3f}-{e:.3f}")
    rows = ([round(float(utt.start[i]), 3), round(float(utt.end[i]), 3), utt.speaker[i], utt.text[i],
             " ".join(by_utt.get(i, [])), utt.text_emotion[i], utt.text_conf[i], utt.arousal[i], utt.valence[i],
             utt.dominance[i], utt.flags[i]] for i in range(len(utt)))
    return write_text(path, csv_text(UTTERANCES_CSV_COLUMNS, rows))
