"""Resegmentation: short-window voice evidence against the segmentation's local-speaker merges.

segmentation-3.0 sometimes gives two voices to one local speaker of a window (read voices of
different recordings, a fourth voice in a window); clustering its local speakers cannot undo
that. After clustering, each speaker has a centroid. A *voice track* embeds the film with short
windows (``window_s`` = 1.6 s, resemblyzer's partial length, every ``hop_s`` = 0.25 s over the
segmented speech: one mel spectrogram per block, partials through the encoder in batches). On
the frames where exactly one speaker is active, a Viterbi pass picks the speaker per frame:
emission ``scale`` x cosine similarity of the nearest window to each centroid, plus ``prior``
for the speaker the segmentation chose, and ``switch`` to change speaker inside speech (free
after a pause of ``free_gap_s``). Silence and overlapped frames keep the segmentation's
answer; one speaker is never split (nothing to choose).

The centroids come from the clustering of the segmentation's local speakers, and a local speaker
that held two voices pulls its cluster's centroid towards the other voice. After the first pass
each speaker's centroid is re-estimated from the voice windows of the frames it now holds alone
and the pass is repeated from the segmentation's answer: the usual re-estimate/re-decode loop of
resegmentation, run to its fixed point (a pass that changes no frame), at most ``refine`` times
(``speaker_resegmentation_steps``, 8); a speaker that holds no window keeps its centroid. Where
segmentation-3.0 merged two voices in most windows (short alternating turns), the first
re-estimate moves the mixed centroid only part of the way and later passes go on (bench/RESULTS.md,
issue 11 round 8: cards + digits 0.343 after one pass, 0.170 at the fixed point).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from .extract import SAMPLE_RATE
from .segmentation import FRAME_STEP, WindowActivity, frame_time

log = logging.getLogger("reelmind.perceive.audio.resegment")


@dataclass
class VoiceTrack:
    """Short-window speaker embeddings along the film: ``centre`` (s, film time, increasing), ``vectors`` (P, D)
    unit-norm, kept as float16 (4 windows per second of speech: 2 KB/s, ~15 MB for two hours of talk)."""

    centre: np.ndarray
    vectors: np.ndarray

    @classmethod
    def empty(cls, dim: int = 0) -> "VoiceTrack":
        return cls(np.zeros(0), np.zeros((0, dim), np.float16))

    def __len__(self) -> int:
        return len(self.centre)

    @staticmethod
    def concat(parts: list["VoiceTrack"]) -> "VoiceTrack":
        parts = [p for p in parts if len(p)]
        if not parts:
            return VoiceTrack.empty()
        return VoiceTrack(np.concatenate([p.centre for p in parts]), np.concatenate([p.vectors for p in parts]))


def speech_frames(win: WindowActivity, block_start: int, n: int) -> np.ndarray:
    """(n,) bool over the block's samples // FRAME_STEP: frames any window hears anyone on."""
    on = np.zeros(n // FRAME_STEP + 1, bool)
    g0 = block_start // FRAME_STEP
    for w in range(len(win)):
        a = int(win.start[w] // FRAME_STEP) - g0
        idx = a + np.flatnonzero(win.active[w].any(axis=1))
        on[idx[(idx >= 0) & (idx < len(on))]] = True
    return on


def voice_track(embedder, audio: np.ndarray, block_start: int, win: WindowActivity, window_s: float = 1.6,
                hop_s: float = 0.25) -> VoiceTrack:
    """Embeddings of ``window_s`` windows every ``hop_s`` whose centre is within ``hop_s`` of speech."""
    n = len(audio)
    width, hop = int(window_s * SAMPLE_RATE), int(hop_s * SAMPLE_RATE)
    if n < width or not len(win):
        return VoiceTrack.empty(getattr(embedder, "dim", 0))
    on = speech_frames(win, block_start, n)
    # block-relative sample of every frame centre that hears speech, dilated by one hop
    heard = np.flatnonzero(on) * FRAME_STEP + (block_start // FRAME_STEP) * FRAME_STEP - block_start
    centres = np.arange(width // 2, n - width // 2 + 1, hop)
    pos = np.searchsorted(heard, centres)
    near = np.minimum(np.abs(heard[np.clip(pos, 0, len(heard) - 1)] - centres),
                      np.abs(heard[np.clip(pos - 1, 0, len(heard) - 1)] - centres)) if len(heard) else np.full(len(centres), n)
    centres = centres[near <= hop]
    if not len(centres):
        return VoiceTrack.empty(getattr(embedder, "dim", 0))
    if hasattr(embedder, "embed_spans"):
        vecs = embedder.embed_spans(audio, centres - width // 2, width)
    else:  # any SpeakerEmbedder: one clip per window
        vecs = embedder.embed_batch([audio[c - width // 2:c - width // 2 + width] for c in centres])
    return VoiceTrack((block_start + centres) / SAMPLE_RATE, np.asarray(vecs, np.float16))


def resegment(activity, track: VoiceTrack, centroids: np.ndarray, prior: float = 0.1, scale: float = 10.0,
              switch: float = 3.0, free_gap_s: float = 0.5, reach_s: float = 1.0, refine: int = 8) -> int:
    """Re-pick the speaker of every single-speaker frame of ``activity`` (in place, columns = rows of
    ``centroids``) by Viterbi over the voice track, then again with centroids re-estimated from the
    voice windows until a pass changes no frame, at most ``refine`` times (module docstring); a
    frame with no window centred within ``reach_s`` (a block too short for one) has no voice evidence. Returns the frames changed."""
    act = activity.active
    k = act.shape[1] if act.ndim == 2 else 0
    if k < 2 or not len(track) or len(centroids) != k:
        return 0
    idx = np.flatnonzero(act.sum(axis=1) == 1)
    if not idx.size:
        return 0
    t = frame_time(activity.first_frame + idx)
    pos = np.clip(np.searchsorted(track.centre, t), 1, max(1, len(track) - 1))
    left = np.clip(pos - 1, 0, len(track) - 1)
    pos = np.minimum(pos, len(track) - 1)
    nearest = np.where(np.abs(track.centre[left] - t) <= np.abs(track.centre[pos] - t), left, pos)
    reached = np.abs(track.centre[nearest] - t) <= reach_s
    seg = np.argmax(act[idx], axis=1)
    vecs = track.vectors[nearest].astype(np.float32)
    penalty = np.where(np.diff(idx) <= int(round(free_gap_s * SAMPLE_RATE / FRAME_STEP)), switch, 0.0)
    cents = np.asarray(centroids, np.float32)
    path = None
    for step in range(1 + max(0, refine)):
        if step:  # re-estimate each speaker's centroid from the windows of the frames it holds alone
            cents = refined_centroids(track, nearest[reached], path[reached], cents)
        sims = vecs @ cents.T
        sims[~reached] = 0.0
        last, path = path, viterbi(scale * sims + prior * np.eye(k)[seg], penalty)
        if last is not None and np.array_equal(last, path):
            break  # a fixed point: more passes give the same centroids and path
    changed = np.flatnonzero(path != seg)
    if changed.size:
        f = idx[changed]
        act[f] = False
        act[f, path[changed]] = True
        sc = activity.score
        old, new = sc[f, seg[changed]].copy(), sc[f, path[changed]].copy()
        sc[f, seg[changed]], sc[f, path[changed]] = new, old
    return int(changed.size)


def refined_centroids(track: VoiceTrack, window: np.ndarray, speaker: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Unit-norm mean of the voice windows each speaker holds (``window``: track index per frame,
    ``speaker``: its speaker; a window counts once per speaker); a speaker with none keeps its centroid."""
    out = np.array(centroids, np.float32, copy=True)
    for c in range(len(out)):
        w = np.unique(window[speaker == c])
        if w.size:
            m = track.vectors[w].astype(np.float32).sum(axis=0)
            out[c] = m / (np.linalg.norm(m) + 1e-9)
    return out


def viterbi(emission: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """Best state path for (n, k) ``emission`` scores, ``penalty[i]`` the cost of a change between i and i+1."""
    n, k = emission.shape
    back = np.zeros((n, k), np.int64)
    score = emission[0].astype(np.float64)
    off = 1.0 - np.eye(k)
    cols = np.arange(k)
    for i in range(1, n):
        cand = score[:, None] - penalty[i - 1] * off
        b = np.argmax(cand, axis=0)
        back[i] = b
        score = cand[b, cols] + emission[i]
    path = np.zeros(n, np.int64)
    path[-1] = int(np.argmax(score))
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path
