"""Scoring who spoke when: diarization error rate, words on the right speaker, utterances vs turns.

* :func:`der` — missed speech + false alarm + speaker confusion over the reference speaker time,
  with a forgiveness collar around every reference boundary and overlapping speech scored (each
  active speaker counts), after the best one-to-one speaker mapping (Hungarian on overlap time).
* :func:`word_speaker_accuracy` — the recognised words (hypothesis words aligned to an equal
  reference word) on the right speaker, after the best one-to-one mapping of speaker labels.
* :func:`truth_turns` — the turns of a ground-truth JSON (``turns``, else its ``lines``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .text import normalize

Segment = tuple[float, float, str]  # start, end, speaker


@dataclass
class DerResult:
    der: float
    missed: float  # seconds of reference speaker time
    false_alarm: float
    confusion: float
    total: float  # scored reference speaker time (s)
    mapping: dict = field(default_factory=dict)  # hypothesis speaker -> reference speaker

    def as_dict(self) -> dict:
        return {"der": round(self.der, 4), "missed_s": round(self.missed, 3), "false_alarm_s": round(self.false_alarm, 3),
                "confusion_s": round(self.confusion, 3), "scored_speech_s": round(self.total, 3), "mapping": self.mapping}


def _hungarian(weights: np.ndarray, rows: list, cols: list) -> dict:
    from scipy.optimize import linear_sum_assignment

    if weights.size == 0:
        return {}
    r, c = linear_sum_assignment(-weights)
    return {rows[i]: cols[j] for i, j in zip(r, c) if weights[i, j] > 0}


def _activity(segments: Sequence[Segment], speakers: list[str], edges: np.ndarray) -> np.ndarray:
    """(elementary segment, speaker) bool: speaker active over the whole elementary segment."""
    act = np.zeros((len(edges) - 1, len(speakers)), bool)
    mids = (edges[:-1] + edges[1:]) / 2
    for a, b, s in segments:
        act[:, speakers.index(s)] |= (mids > a) & (mids < b)
    return act


def der(reference: Sequence[Segment], hypothesis: Sequence[Segment], collar: float = 0.25) -> DerResult:
    """Diarization error rate of ``hypothesis`` against ``reference`` (see the module docstring).

    ``collar`` (s) is removed on both sides of every reference segment boundary (NIST style).
    """
    reference = [(float(a), float(b), str(s)) for a, b, s in reference if b > a]
    hypothesis = [(float(a), float(b), str(s)) for a, b, s in hypothesis if b > a]
    bounds = {0.0}
    for a, b, _ in reference:
        bounds |= {a, b, max(0.0, a - collar), a + collar, max(0.0, b - collar), b + collar}
    for a, b, _ in hypothesis:
        bounds |= {a, b}
    edges = np.array(sorted(bounds))
    if len(edges) < 2:
        return DerResult(0.0, 0.0, 0.0, 0.0, 0.0)
    dur = np.diff(edges)
    mids = (edges[:-1] + edges[1:]) / 2
    scored = np.ones(len(mids), bool)
    for a, b, _ in reference:
        for t in (a, b):
            scored &= ~((mids > t - collar) & (mids < t + collar))
    ref_spk = sorted({s for _, _, s in reference})
    hyp_spk = sorted({s for _, _, s in hypothesis})
    R = _activity(reference, ref_spk, edges)
    H = _activity(hypothesis, hyp_spk, edges)
    w = dur * scored
    overlap = (H.T.astype(np.float64) * w) @ R.astype(np.float64)  # (hyp, ref) seconds together
    mapping = _hungarian(overlap, hyp_spk, ref_spk)
    n_ref, n_hyp = R.sum(axis=1), H.sum(axis=1)
    correct = np.zeros(len(mids))
    for h, r in mapping.items():
        correct += H[:, hyp_spk.index(h)] & R[:, ref_spk.index(r)]
    missed = float(np.sum(w * np.maximum(n_ref - n_hyp, 0)))
    fa = float(np.sum(w * np.maximum(n_hyp - n_ref, 0)))
    conf = float(np.sum(w * (np.minimum(n_ref, n_hyp) - correct)))
    total = float(np.sum(w * n_ref))
    return DerResult((missed + fa + conf) / total if total else 0.0, missed, fa, conf, total, mapping)


def align(ref: Sequence[str], hyp: Sequence[str]) -> list[tuple[int, int]]:
    """(ref index, hyp index) pairs of equal tokens on a minimum-edit-distance alignment."""
    n, m = len(ref), len(hyp)
    if not n or not m:
        return []
    hyp_a = np.array(hyp, dtype=object)
    cost = np.zeros((n + 1, m + 1), np.int32)
    cost[0] = np.arange(m + 1)
    j = np.arange(m + 1)
    for i in range(1, n + 1):
        sub = cost[i - 1, :-1] + (hyp_a != ref[i - 1])
        base = np.concatenate([[i], np.minimum(cost[i - 1, 1:] + 1, sub)])
        cost[i] = np.minimum.accumulate(base - j) + j  # insertions along the row
    pairs = []
    i, k = n, m
    while i > 0 and k > 0:
        if ref[i - 1] == hyp[k - 1] and cost[i, k] == cost[i - 1, k - 1]:
            pairs.append((i - 1, k - 1))
            i, k = i - 1, k - 1
        elif cost[i, k] == cost[i - 1, k - 1] + 1:
            i, k = i - 1, k - 1
        elif cost[i, k] == cost[i - 1, k] + 1:
            i -= 1
        else:
            k -= 1
    return pairs[::-1]


@dataclass
class WordSpeakerResult:
    accuracy: float  # share of recognised words on the right speaker
    recognised: int  # hypothesis words aligned to an equal reference word
    reference_words: int
    mapping: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"word_speaker_accuracy": round(self.accuracy, 4), "recognised_words": self.recognised,
                "reference_words": self.reference_words, "mapping": self.mapping}


def word_speaker_accuracy(turns: Sequence[dict], words: Sequence[str], speakers: Sequence[str],
                          starts: Sequence[float] | None = None) -> WordSpeakerResult:
    """Recognised words on the right speaker (see the module docstring).

    ``turns``: dicts with ``speaker``, ``start`` and ``text`` (reference words in time order);
    ``words``/``speakers``: the hypothesis words and their speakers (sorted by ``starts`` if given).
    """
    ref_tok, ref_spk = [], []
    for t in sorted(turns, key=lambda t: t["start"]):
        toks = normalize(t.get("text", ""))
        ref_tok += toks
        ref_spk += [t["speaker"]] * len(toks)
    order = np.argsort(starts, kind="stable") if starts is not None else np.arange(len(words))
    hyp_tok, hyp_spk = [], []
    for i in order:
        toks = normalize(str(words[i]))
        hyp_tok += toks
        hyp_spk += [str(speakers[i])] * len(toks)
    pairs = align(ref_tok, hyp_tok)
    if not pairs:
        return WordSpeakerResult(0.0, 0, len(ref_tok))
    rs, hs = sorted(set(ref_spk)), sorted({hyp_spk[k] for _, k in pairs})
    counts = np.zeros((len(hs), len(rs)))
    for i, k in pairs:
        counts[hs.index(hyp_spk[k]), rs.index(ref_spk[i])] += 1
    mapping = _hungarian(counts, hs, rs)
    right = sum(1 for i, k in pairs if mapping.get(hyp_spk[k]) == ref_spk[i])
    return WordSpeakerResult(right / len(pairs), len(pairs), len(ref_tok), mapping)


def truth_turns(truth: dict) -> list[dict]:
    """The speaker turns of a ground-truth JSON: its ``turns`` (speaker, start, end, text), else its
    ``lines`` (the voice is the speaker)."""
    if isinstance(truth.get("turns"), list):
        return [dict(t) for t in truth["turns"]]
    return [{"speaker": ln.get("voice", ln.get("speaker", "")), "start": ln["start"], "end": ln["end"],
             "text": ln.get("text", "")} for ln in truth.get("lines", [])]


def diarization_metrics(turns: Sequence[dict], speaker_turns: Sequence[Segment] | None, words: Sequence[str],
                        word_speakers: Sequence[str], word_starts: Sequence[float], n_utterances: int,
                        collar: float = 0.25) -> dict:
    """DER (from the run's speaker turns), word-speaker accuracy and utterances per turn, as one dict."""
    ref = [(t["start"], t["end"], t["speaker"]) for t in turns]
    out: dict = {"turns": len(turns), "utterances_per_turn": round(n_utterances / len(turns), 4) if turns else float("nan")}
    if speaker_turns is not None:
        d = der(ref, speaker_turns, collar)
        out.update({"der": round(d.der, 4), "der_missed_s": round(d.missed, 3), "der_false_alarm_s": round(d.false_alarm, 3),
                    "der_confusion_s": round(d.confusion, 3)})
    ws = word_speaker_accuracy(turns, words, word_speakers, word_starts)
    out.update({"word_speaker_accuracy": round(ws.accuracy, 4), "recognised_words": ws.recognised,
                "reference_words": ws.reference_words})
    return out


def run_speaker_metrics(run_dir, truth: dict, collar: float = 0.25) -> dict:
    """DER and word-speaker accuracy of a run folder (utterances / words / speaker_turns .parquet)
    against the ground truth's turns; {} when the truth has no turns or the run no utterances."""
    from pathlib import Path

    from reelmind.core.records import SpeakerTurnTable, UtteranceTable, WordTable

    from reelmind.core.errors import DataFileError

    run = Path(run_dir)
    if not run.is_dir():
        raise DataFileError(f"{run}: not a run folder")
    turns = truth_turns(truth)
    if not turns or not (run / "utterances.parquet").exists():
        return {}
    utt = UtteranceTable.read_parquet(run / "utterances.parquet")
    words = WordTable.read_parquet(run / "words.parquet") if (run / "words.parquet").exists() else None
    if (run / "speaker_turns.parquet").exists():
        st = SpeakerTurnTable.read_parquet(run / "speaker_turns.parquet")
        hyp = list(zip(st.start, st.end, st.speaker))
    else:  # an older run: utterances stand for the speaker turns
        hyp = list(zip(utt.start, utt.end, utt.speaker))
    if words is not None and len(words) and any(words.speaker):
        w, s, t = list(words.word), list(words.speaker), list(words.start)
    else:  # words without speakers: each takes its utterance's
        w, t = list(utt.text), list(utt.start)
        s = list(utt.speaker)
    return diarization_metrics(turns, hyp, w, s, t, len(utt), collar)
