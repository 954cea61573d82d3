"""From segmentation windows to film speakers: embeddings, constrained clustering, aggregation.

1. **Embeddings per (window, local speaker)** on the samples where that speaker is active
   *alone*, taken from the window's central ``step`` (so each second of audio is embedded about
   once) when that holds at least ``good_embed_s``, else from the whole window (short stretches
   make poor embeddings); under ``min_embed_s`` in the whole window there is no embedding.
2. **Clustering** into film speakers (:func:`.diarize.cluster_speakers` with ``groups``): average-linkage on cosine
   distance where two local speakers of the same window are *cannot-link* (their distance is
   raised to the maximum), the count chosen in ``[min_speakers, max_speakers]`` by silhouette;
   a film whose embeddings are all close is one speaker, and clusters whose centroids are
   closer than ``merge_distance`` are one speaker.
3. **Aggregation** of the overlapping windows on the film-wide frame grid (Hann-weighted mean
   of each film speaker's activity, speaker count per frame = rounded weighted mean of the
   windows' counts, the most active speakers win), giving :class:`SpeakerActivity`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from .extract import SAMPLE_RATE
from .segmentation import FRAME_RF, FRAME_STEP, LOCAL_SPEAKERS, N_FRAMES, WINDOW, WindowActivity, frame_time

log = logging.getLogger("reelmind.perceive.audio.speakers")



@dataclass
class LocalEmbeddings:
    """One row per embedded (window, local speaker): window index, local index, weight (s of audio used)."""

    window: np.ndarray
    local: np.ndarray
    weight: np.ndarray
    vectors: np.ndarray

    @classmethod
    def empty(cls, dim: int = 0) -> "LocalEmbeddings":
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros((0, dim), np.float32))

    def __len__(self) -> int:
        return len(self.window)

    @staticmethod
    def concat(parts: list["LocalEmbeddings"], window_offsets: list[int]) -> "LocalEmbeddings":
        parts_ = [(p, o) for p, o in zip(parts, window_offsets) if len(p)]
        if not parts_:
            return LocalEmbeddings.empty()
        return LocalEmbeddings(np.concatenate([p.window + o for p, o in parts_]),
                               np.concatenate([p.local for p, _ in parts_]),
                               np.concatenate([p.weight for p, _ in parts_]),
                               np.concatenate([p.vectors for p, _ in parts_]))


def _sample_mask(frames: np.ndarray, n: int) -> np.ndarray:
    """Frame mask (589,) -> sample mask (n,) of one window (each frame owns FRAME_STEP samples at its centre)."""
    mask = np.zeros(n, bool)
    idx = np.flatnonzero(frames)
    if idx.size == 0:
        return mask
    lo = idx * FRAME_STEP + FRAME_RF // 2 - FRAME_STEP // 2
    for a in lo:  # runs are short; a vectorised fill would need the same loop over runs
        mask[max(0, a):max(0, min(n, a + FRAME_STEP))] = True
    return mask


def embed_windows(embedder, audio: np.ndarray, block_start: int, win: WindowActivity, step_s: float,
                  min_embed_s: float = 0.4, good_embed_s: float = 2.0) -> LocalEmbeddings:
    """Embeddings of every (window, local speaker) with enough speech alone (see module docstring)."""
    clips, rows = [], []
    half = min(WINDOW, int(step_s * SAMPLE_RATE)) // 2
    centre = np.arange(N_FRAMES) * FRAME_STEP + FRAME_RF // 2
    core = np.abs(centre - WINDOW // 2) <= half
    for w in range(len(win)):
        act = win.active[w]
        alone = act & (act.sum(axis=1, keepdims=True) == 1)
        off = int(win.start[w] - block_start)
        piece = audio[off:off + WINDOW]
        first, last = w == 0 or win.start[w - 1] + WINDOW <= win.start[w], \
            w == len(win) - 1 or win.start[w + 1] >= win.start[w] + WINDOW
        region = core.copy()
        if first:
            region |= centre < WINDOW // 2
        if last:
            region |= centre > WINDOW // 2
        for k in range(LOCAL_SPEAKERS):
            frames = alone[:, k] & region
            if frames.sum() * FRAME_STEP < good_embed_s * SAMPLE_RATE:
                frames = alone[:, k]
            if frames.sum() * FRAME_STEP < min_embed_s * SAMPLE_RATE:
                continue
            clip = piece[_sample_mask(frames, len(piece))]
            if len(clip) < min_embed_s * SAMPLE_RATE:
                continue
            clips.append(clip)
            rows.append((w, k, len(clip) / SAMPLE_RATE))
    if not rows:
        return LocalEmbeddings.empty(getattr(embedder, "dim", 0))
    vecs = embedder.embed_batch(clips)
    r = np.array(rows, dtype=np.float64)
    return LocalEmbeddings(r[:, 0].astype(np.int64), r[:, 1].astype(np.int64), r[:, 2], np.asarray(vecs, np.float32))


@dataclass
class SpeakerActivity:
    """Who speaks when on the film-wide frame grid: ``active`` (G, K) bool for film frames
    ``first_frame .. first_frame + G``; ``score`` the aggregated activity 0-1."""

    first_frame: int
    active: np.ndarray
    score: np.ndarray
    names: list[str] = field(default_factory=list)

    def order_by_first_turn(self, labels: np.ndarray) -> np.ndarray:
        """Renumber speakers by their first active frame (in place); return ``labels`` renumbered alike."""
        k = self.active.shape[1]
        if k == 0:
            return labels
        first = np.array([np.argmax(self.active[:, c]) if self.active[:, c].any() else len(self.active) + c
                          for c in range(k)])
        order = np.argsort(first, kind="stable")  # new index -> old index
        self.active, self.score = self.active[:, order], self.score[:, order]
        new_of_old = np.argsort(order)
        return new_of_old[labels] if len(labels) else labels

    @property
    def times(self) -> np.ndarray:
        return frame_time(self.first_frame + np.arange(len(self.active)))

    def frames_between(self, a: float, b: float) -> slice:
        from .segmentation import time_frame

        i = int(time_frame(a)) - self.first_frame
        j = int(time_frame(b)) - self.first_frame + 1
        i, j = max(0, i), min(len(self.active), max(j, i + 1))
        return slice(i, j)

    def turns(self, min_gap_s: float = 0.1) -> list[tuple[float, float, int]]:
        """Contiguous stretches (start, end, speaker index) of each speaker; gaps under ``min_gap_s`` are filled."""
        out = []
        half = FRAME_STEP / SAMPLE_RATE / 2
        t = self.times
        gap = int(round(min_gap_s * SAMPLE_RATE / FRAME_STEP))
        for c in range(self.active.shape[1]):
            on = self.active[:, c].copy()
            idx = np.flatnonzero(on)
            if idx.size == 0:
                continue
            holes = np.flatnonzero(np.diff(idx) > 1)
            for h in holes:  # fill short gaps
                if idx[h + 1] - idx[h] - 1 <= gap:
                    on[idx[h]:idx[h + 1]] = True
            edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(np.int8), [0]])))
            for a, b in zip(edges[::2], edges[1::2]):
                out.append((float(t[a] - half), float(t[b - 1] + half), c))
        out.sort()
        return out


def aggregate(win: WindowActivity, labels_per_window: np.ndarray, n_speakers: int, n_samples: int) -> SpeakerActivity:
    """Film speaker activity from the windows (``labels_per_window`` (W, 3): film speaker of each local one, -1 none)."""
    n_frames = n_samples // FRAME_STEP + 1
    if len(win) == 0 or n_speakers == 0:
        return SpeakerActivity(0, np.zeros((n_frames, max(n_speakers, 0)), bool), np.zeros((n_frames, max(n_speakers, 0)), np.float32))
    acc = np.zeros((n_frames, n_speakers), np.float32)
    cover = np.zeros(n_frames, np.float32)
    count = np.zeros(n_frames, np.float32)
    hann = (np.hanning(N_FRAMES + 2)[1:-1]).astype(np.float32)
    for w in range(len(win)):
        g0 = int(win.start[w] // FRAME_STEP)
        n = min(N_FRAMES, n_frames - g0)
        if n <= 0:
            continue
        wt = hann[:n] * win.valid[w, :n]
        cover[g0:g0 + n] += wt
        count[g0:g0 + n] += wt * win.active[w, :n].sum(axis=1)
        for k in range(LOCAL_SPEAKERS):
            c = labels_per_window[w, k]
            if c >= 0:
                acc[g0:g0 + n, c] += wt * win.active[w, :n, k]
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(cover[:, None] > 0, acc / np.maximum(cover[:, None], 1e-9), 0).astype(np.float32)
        k_frame = np.where(cover > 0, np.rint(count / np.maximum(cover, 1e-9)), 0).astype(np.int64)
    active = np.zeros_like(score, dtype=bool)
    order = np.argsort(-score, axis=1)
    for rank in range(min(n_speakers, LOCAL_SPEAKERS)):
        top = order[:, rank]
        take = (k_frame > rank) & (score[np.arange(n_frames), top] > 0)
        active[np.arange(n_frames)[take], top[take]] = True
    return SpeakerActivity(0, active, score)


def labels_per_window(win: WindowActivity, local: LocalEmbeddings, labels: np.ndarray) -> np.ndarray:
    """(W, 3) film speaker of each local speaker (-1 where it had no embedding)."""
    out = np.full((len(win), LOCAL_SPEAKERS), -1, np.int64)
    out[local.window, local.local] = labels
    return out


def word_speakers(activity: SpeakerActivity, starts: np.ndarray, ends: np.ndarray,
                  min_overlap_s: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Film speaker index per word (-1 if nobody speaks anywhere) and whether another speaker
    overlaps it (>= ``min_overlap_s`` or half the word with two or more speakers active).

    A word takes the speaker most active over its span; a word outside all speech takes the
    speaker with the highest aggregated score nearby (+-0.5 s), else the nearest active one.
    """
    n = len(starts)
    spk = np.full(n, -1, np.int64)
    ovl = np.zeros(n, bool)
    act, score = activity.active, activity.score
    if act.size == 0 or not act.any():
        return spk, ovl
    any_on = np.flatnonzero(act.any(axis=1))
    frame_s = FRAME_STEP / SAMPLE_RATE
    for i in range(n):
        sl = activity.frames_between(starts[i], ends[i])
        a = act[sl]
        if a.any():
            spk[i] = int(np.argmax(a.sum(axis=0)))
            multi = int((a.sum(axis=1) >= 2).sum())
            ovl[i] = multi * frame_s >= min(min_overlap_s, 0.5 * max(frame_s, ends[i] - starts[i]))
            continue
        wide = activity.frames_between(starts[i] - 0.5, ends[i] + 0.5)
        s = score[wide].sum(axis=0)
        if s.max() > 0:
            spk[i] = int(np.argmax(s))
            continue
        mid = (sl.start + sl.stop) // 2
        near = any_on[np.argmin(np.abs(any_on - mid))]
        spk[i] = int(np.argmax(score[near] + act[near]))
    return spk, ovl
