"""One speaker's speech with implausibly few words, decoded again alone (issue 11).

Batched ASR decodes a 30-s window of packed speech regions; when two voices alternate inside one
region with no pause, Whisper may follow one voice and stretch its words over the other's turns
(Whisper base on 30 s of card names and loudspeaker positions: "5," for 2.8 s over "front center
rear left side left"). No region is left without words, so :func:`.asr.skipped_regions` cannot see
it; the diarization can: it says who speaks when, and speech has a known density.

After diarization, a **one-speaker stretch** is a run of frames where exactly one film speaker is
active (gaps under 0.1 s filled, as :meth:`.speakers.SpeakerActivity.turns`), at least
``min_s`` long. Its **plausible words** are the recognised words whose middle lies in it and that
last at most ``max_word_s``. It is **sparse** when it holds fewer than ``min_word_rate`` plausible
words per second. The figures: conversational English runs at about 150 words per minute
(2.5 words/s, pauses included) and 3.5-5 syllables per second (Jacewicz et al. 2009, typical adult
range); an English word has 1-2 syllables on average, so a word lasting over 1.5 s would need 5-8
syllables at that rate; 1 word/s is 40 % of the usual rate, inside speech that the segmentation
hears as one voice without pauses.

Each sparse stretch is decoded once more on its own (its audio + 0.1 s each side, its own window;
all of a film's stretches in one batched call, no retry). The new words whose middle lies in the
stretch replace its old plausible and stretched words when the new decoding passes the
hallucination filter and holds more plausible words than the old one; a word of the neighbouring
speech that ran into the stretch is cut at the stretch's edge. Otherwise nothing changes. Every
stretch checked, decoded and replaced is recorded (``meta["asr"]["sparse_stretches"]``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from .asr import AsrSegment, AsrWord, unpack_time
from .extract import SAMPLE_RATE
from .hallucination import FilterOptions, filter_segments
from .segmentation import FRAME_STEP

log = logging.getLogger("reelmind.perceive.audio.sparse_speech")

#: audio kept on each side of a stretch decoded again (s): the first and last phones
PAD_S = 0.1
#: a window of Whisper (s): a longer stretch is decoded in pieces of this length
WINDOW_S = 30.0


@dataclass
class Stretch:
    start: float
    end: float
    speaker: int
    words: int = 0  # plausible words before
    stretched: int = 0  # words over max_word_s reaching into it
    new_words: int = -1  # plausible words of the new decoding (-1: not decoded)
    replaced: bool = False
    reason: str = ""


def one_speaker_stretches(activity, min_s: float = 0.5, fill_s: float = 0.1) -> list[tuple[float, float, int]]:
    """(start, end, speaker) runs of frames where exactly one film speaker is active, >= ``min_s``;
    gaps of one speaker's run under ``fill_s`` filled."""
    act = activity.active
    if act.size == 0:
        return []
    one = act.sum(axis=1) == 1
    who = np.where(one, np.argmax(act, axis=1), -1)
    frame_s = FRAME_STEP / SAMPLE_RATE
    gap = int(round(fill_s / frame_s))
    idx = np.flatnonzero(who >= 0)
    out: list[tuple[float, float, int]] = []
    if idx.size == 0:
        return out
    t = activity.times
    half = frame_s / 2
    a = prev = idx[0]
    for i in idx[1:]:
        if who[i] != who[prev] or i - prev - 1 > gap or (who[prev + 1:i] >= 0).any():
            out.append((float(t[a] - half), float(t[prev] + half), int(who[a])))
            a = i
        prev = i
    out.append((float(t[a] - half), float(t[prev] + half), int(who[a])))
    return [s for s in out if s[1] - s[0] >= min_s]


def sparse_stretches(stretches: list[tuple[float, float, int]], starts: np.ndarray, ends: np.ndarray, *,
                     min_word_rate: float = 1.0, max_word_s: float = 1.5) -> list[Stretch]:
    """The stretches holding fewer than ``min_word_rate`` plausible words per second (module docstring)."""
    starts, ends = np.asarray(starts, np.float64), np.asarray(ends, np.float64)
    mid, dur = (starts + ends) / 2, ends - starts
    out = []
    for a, b, spk in stretches:
        inside = (mid >= a) & (mid < b)
        n = int(np.sum(inside & (dur <= max_word_s)))
        long_ = int(np.sum((dur > max_word_s) & (starts < b) & (ends > a)))
        if n < min_word_rate * (b - a):
            why = f"{n} word(s) in {b - a:.2f} s" + (f", {long_} word(s) over {max_word_s} s" if long_ else "")
            out.append(Stretch(a, b, spk, n, long_, reason=why))
    return out


def _gather(samples, stretches: list[Stretch], n: int, gap_s: float = 1.0):
    """The stretches' audio (+ ``PAD_S``) laid one after the other with ``gap_s`` of silence: the
    waveform, each piece's window (its time) and (its start, film start, duration) per piece."""
    gap = np.zeros(int(gap_s * SAMPLE_RATE), np.float32)
    parts, windows, pieces, pos = [], [], [], 0.0
    for s in stretches:
        a0, b0 = max(0.0, s.start - PAD_S), min(n / SAMPLE_RATE, s.end + PAD_S)
        t = a0
        while t < b0 - 1e-3:
            e = min(b0, t + WINDOW_S)
            clip = np.asarray(samples[int(t * SAMPLE_RATE):int(e * SAMPLE_RATE)], np.float32)
            if len(clip):
                dur = len(clip) / SAMPLE_RATE
                parts += [gap, clip]
                pos += gap_s
                windows.append((pos, pos + dur))
                pieces.append((pos, t, dur))
                pos += dur
            t = e
    parts.append(gap)
    return np.concatenate(parts), windows, pieces


def redecode_sparse(segments: list[AsrSegment], activity, samples, asr, fopts: FilterOptions, *,
                    min_s: float = 0.5, min_word_rate: float = 1.0, max_word_s: float = 1.5,
                    decode: bool = True) -> tuple[list[AsrSegment], set[int], dict]:
    """Decode the sparse one-speaker stretches again (module docstring; ``decode=False``: only find them).

    ``segments`` (film time) are changed in place where a stretch's words are replaced. Returns the
    new segments (one per replaced stretch), the indices of segments left without words (to drop:
    every word they had was replaced) and the record for meta."""
    words = [(i, w) for i, s in enumerate(segments) for w in s.words]
    starts = np.array([w.start for _, w in words], np.float64)
    ends = np.array([w.end for _, w in words], np.float64)
    runs = one_speaker_stretches(activity, min_s)
    sparse = sparse_stretches(runs, starts, ends, min_word_rate=min_word_rate, max_word_s=max_word_s)
    info = {"min_s": min_s, "min_word_rate": min_word_rate, "max_word_s": max_word_s, "stretches": len(runs),
            "sparse": len(sparse), "sparse_s": round(sum(s.end - s.start for s in sparse), 3), "decoded": 0,
            "replaced": 0, "words_removed": 0, "words_added": 0, "list": []}
    if not sparse or not decode or not hasattr(asr, "decode_alone"):
        if sparse and decode:
            info["not_decoded"] = f"the {getattr(asr, 'name', 'ASR')} backend cannot decode a stretch alone"
        info["list"] = [_row(s) for s in sparse]
        return [], set(), info
    audio, windows, pieces = _gather(samples, sparse, len(samples))
    log.info("%d one-speaker stretch(es) with implausibly few words: decoded again alone", len(sparse))
    decoded = asr.decode_alone(audio, windows)
    info["decoded"] = len(sparse)
    for seg in decoded:  # gathered time -> film time
        for w in seg.words:
            w.start, w.end = unpack_time(w.start, pieces), unpack_time(w.end, pieces)
        seg.start, seg.end = unpack_time(seg.start, pieces), unpack_time(seg.end, pieces)
    ok = [not r for r in filter_segments(decoded, fopts)]
    new_segments: list[AsrSegment] = []
    for s in sparse:
        new = [(seg, w) for seg, good in zip(decoded, ok) if good for w in seg.words
               if s.start <= (w.start + w.end) / 2 < s.end]
        bad = any(not good and any(s.start <= (w.start + w.end) / 2 < s.end for w in seg.words)
                  for seg, good in zip(decoded, ok))
        s.new_words = sum(w.end - w.start <= max_word_s for _, w in new)
        if bad:
            s.reason += "; the new decoding failed the hallucination filter"
        if bad or s.new_words <= s.words:
            continue
        info["words_removed"] += _clear(segments, s, max_word_s)
        src = new[0][0]
        ws = [AsrWord(max(w.start, s.start), min(max(w.end, w.start), s.end), w.word, w.prob, w.raw) for _, w in new]
        new_segments.append(AsrSegment(ws[0].start, ws[-1].end, "".join(w.raw or f" {w.word}" for w in ws).strip(),
                                       src.avg_logprob, src.compression_ratio, src.no_speech_prob, src.language, ws))
        s.replaced = True
        info["replaced"] += 1
        info["words_added"] += len(ws)
    had = {i for i, _ in words}
    emptied = {i for i in had if not segments[i].words}
    info["list"] = [_row(s) for s in sparse]
    return new_segments, emptied, info


def _clear(segments: list[AsrSegment], s: Stretch, max_word_s: float) -> int:
    """Remove the words whose middle lies in the stretch, except a word over ``max_word_s`` that starts
    before it (the speech before, stretched: cut at the stretch's start); a word of the speech
    around that runs into it is cut at its edge. Returns the number removed; a segment's text
    follows its words."""
    removed = 0
    for seg in segments:
        if not seg.words or seg.words[-1].end <= s.start or seg.words[0].start >= s.end:
            continue
        keep = []
        for w in seg.words:
            inside = s.start <= (w.start + w.end) / 2 < s.end
            if inside and not (w.start < s.start and w.end - w.start > max_word_s):
                removed += 1
                continue
            if w.start < s.start < w.end:
                w.end = s.start
            elif w.start < s.end < w.end:
                w.start = s.end
            keep.append(w)
        if len(keep) != len(seg.words):
            seg.words = keep
            seg.text = "".join(w.raw or f" {w.word}" for w in keep).strip()
    return removed


def _row(s: Stretch) -> list:
    return [round(s.start, 3), round(s.end, 3), s.speaker, s.reason, s.new_words, s.replaced]
