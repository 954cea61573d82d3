"""Measuring the audio stage against ground truth: WER, word-time error, speaker attribution.

Used by the tests (flite dialogue with exact truth) and the benchmarks (LibriVox clips of
Debian's pocketsphinx-testdata).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from reelmind.core.errors import DataFileError
from reelmind.core.records import UtteranceTable, WordTable

from .synth import ScriptLine
from .text import edit_distance, normalize, wer  # noqa: F401  (re-exported for the audio evaluators)

def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def boundary_errors(truth: Sequence[ScriptLine], utt: UtteranceTable, words: WordTable) -> np.ndarray:
    """Per script line, (start error, end error) in s of the words of the utterances that overlap it.

    A line with no overlapping words gets ``inf``.
    """
    out = np.full((len(truth), 2), np.inf)
    for k, line in enumerate(truth):
        sel = [i for i in range(len(words))
               if _overlap(words.start[i], words.end[i], line.start - 0.2, line.end + 0.2) > 0
               or line.start <= (words.start[i] + words.end[i]) / 2 <= line.end]
        if sel:
            out[k, 0] = abs(min(words.start[i] for i in sel) - line.start)
            out[k, 1] = abs(max(words.end[i] for i in sel) - line.end)
    return out


def speaker_accuracy(truth: Sequence[ScriptLine], utt: UtteranceTable) -> float:
    """Share of the truth speech time attributed to the right speaker cluster.

    Each cluster is mapped to the voice it overlaps most; time of a line not covered by any
    utterance, or covered by a cluster mapped to another voice, counts as wrong.
    """
    clusters = sorted(set(utt.speaker))
    voices = sorted({line.voice for line in truth})
    ov = np.zeros((len(clusters), len(voices)))
    for i in range(len(utt)):
        for line in truth:
            ov[clusters.index(utt.speaker[i]), voices.index(line.voice)] += _overlap(utt.start[i], utt.end[i], line.start, line.end)
    mapping = {c: voices[int(np.argmax(ov[j]))] for j, c in enumerate(clusters)}
    total = sum(line.end - line.start for line in truth)
    right = 0.0
    for line in truth:
        for i in range(len(utt)):
            if mapping[utt.speaker[i]] == line.voice:
                right += _overlap(utt.start[i], utt.end[i], line.start, line.end)
    return right / total if total else 0.0


def librivox_clips(folder: str | Path) -> list[tuple[Path, str]]:
    """(wav path, reference text) of the LibriVox clips in Debian's pocketsphinx-testdata layout."""
    folder = Path(folder)
    path = folder / "transcription"
    if not path.exists():
        raise DataFileError(f"{path}: no transcription file (expected pocketsphinx-testdata's librivox folder)")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\s*(?:<s>)?(.*?)(?:</s>)?\s*\(([^)]+)\)\s*$", line)
        if not m:
            if line.strip():
                raise DataFileError(f"{path}: malformed line {line[:60]!r}")
            continue
        out.append((folder / f"{m.group(2)}.wav", m.group(1).strip()))
    return out
