"""MDMD-style spotting (main directional maximal difference) on a block grid of aligned crops.

For frame i (the current frame CF) with head frame HF = i-k and tail frame TF = i+k, the flow
HF->CF and HF->TF is computed on the canonical crop (median translation removed). In every block
of a ``grid x grid`` grid the main direction of HF->CF is the one of 8 direction bins holding the
most flow (summed length); the block's difference is the mean length of the HF->CF vectors in that
bin minus the mean length of the HF->TF vectors in the same bin (clipped at 0): large when the face
moved away from HF and came back by TF (a micro-expression), small for a change that stays (a macro
expression, a turned head). The frame's score is the mean of the ``top_blocks`` largest differences.

A window's threshold is T = max(mean + p * (max - mean), median + noise_factor * MAD, min_score).
Runs of frames above T give apex candidates (the run's maximum); onset and offset are found on the
flow from the apex to the frames around it (where the moving blocks return to their neutral
distance); intervals are kept when they last between ``min_duration`` and ``max_duration`` and
merged when closer than ``merge_gap``; an event must return: the frames just before its onset and
just after its offset must be closer to each other than ``max_return`` times the apex's distance
from them (a smile that stays is a macro expression, not a micro one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .flow import Flow, remove_global

N_BINS = 8


def k_frames(fps: float, k_seconds: float) -> int:
    """MDMD's head/tail distance in frames for a frame rate (>= 1)."""
    return max(1, int(round(fps * k_seconds)))


def _blocks(a: np.ndarray, grid: int) -> np.ndarray:
    """(S, S, ...) -> (grid, grid, b*b, ...) blocks of the top-left grid*b square (b = S // grid)."""
    b = a.shape[0] // grid
    a = a[: grid * b, : grid * b]
    rest = a.shape[2:]
    return a.reshape(grid, b, grid, b, *rest).swapaxes(1, 2).reshape(grid, grid, b * b, *rest)


def _bins(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mag = np.hypot(flow[..., 0], flow[..., 1])
    ang = np.arctan2(flow[..., 1], flow[..., 0])
    return mag, ((ang + np.pi) / (2 * np.pi) * N_BINS).astype(np.int64) % N_BINS


def block_difference(f_hc: np.ndarray, f_ht: np.ndarray, grid: int, mask: np.ndarray | None = None) -> np.ndarray:
    """MDMD block differences (grid, grid) of one frame from its HF->CF and HF->TF flows
    (only pixels inside ``mask`` count)."""
    m1, b1 = (_blocks(x, grid) for x in _bins(f_hc))
    m2, b2 = (_blocks(x, grid) for x in _bins(f_ht))
    if mask is not None:
        mb = _blocks(mask, grid)
        m1, m2 = m1 * mb, m2 * mb
    onehot1 = b1[..., None] == np.arange(N_BINS)
    sums = (m1[..., None] * onehot1).sum(axis=2)  # (g, g, bins): flow length per direction bin
    main = np.argmax(sums, axis=2)[..., None]  # (g, g, 1)
    in1 = b1 == main
    in2 = b2 == main
    if mask is not None:
        in1, in2 = in1 & mb, in2 & mb
    mean1 = (m1 * in1).sum(axis=2) / np.maximum(in1.sum(axis=2), 1)
    mean2 = (m2 * in2).sum(axis=2) / np.maximum(in2.sum(axis=2), 1)
    return np.clip(mean1 - mean2, 0, None).astype(np.float32)


def block_means(flow: np.ndarray, grid: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Mean flow length per block (grid, grid) over the pixels inside ``mask``."""
    m = _blocks(np.hypot(flow[..., 0], flow[..., 1]), grid)
    if mask is None:
        return m.mean(axis=2).astype(np.float32)
    mb = _blocks(mask, grid)
    return ((m * mb).sum(axis=2) / np.maximum(mb.sum(axis=2), 1)).astype(np.float32)


def frame_score(diff: np.ndarray, top: int) -> float:
    flat = np.sort(diff.ravel())[::-1]
    return float(flat[: max(1, top)].mean())


@dataclass
class Signal:
    """The MDMD score of every frame of a window (0 where i-k or i+k falls outside) and block differences."""

    scores: np.ndarray  # (n,)
    blocks: np.ndarray  # (n, grid, grid)
    k: int


def mdmd(crops: list[np.ndarray], k: int, flow: Flow, grid: int, top: int, mask: np.ndarray | None = None) -> Signal:
    """Score every frame of a sequence of aligned grey crops."""
    n = len(crops)
    scores = np.zeros(n, np.float32)
    blocks = np.zeros((n, grid, grid), np.float32)
    for i in range(k, n - k):
        hf, cf, tf = crops[i - k], crops[i], crops[i + k]
        d = block_difference(remove_global(flow(hf, cf)), remove_global(flow(hf, tf)), grid, mask)
        blocks[i] = d
        scores[i] = frame_score(d, top)
    return Signal(scores, blocks, k)


def threshold(scores: np.ndarray, valid: np.ndarray, p: float, noise_factor: float, floor: float) -> float:
    """T = max(mean + p (max - mean), median + noise_factor * MAD, floor) over the valid frames."""
    s = scores[valid]
    if s.size == 0:
        return math.inf
    med = float(np.median(s))
    mad = float(np.median(np.abs(s - med))) * 1.4826
    return max(float(s.mean()) + p * (float(s.max()) - float(s.mean())), med + noise_factor * mad, floor)


def candidates(scores: np.ndarray, thr: float) -> list[int]:
    """Apex candidates: the highest frame of every run of frames scoring above ``thr``."""
    above = scores > thr
    out = []
    i, n = 0, len(scores)
    while i < n:
        if above[i]:
            j = i
            while j + 1 < n and above[j + 1]:
                j += 1
            out.append(i + int(np.argmax(scores[i: j + 1])))
            i = j + 1
        else:
            i += 1
    return out


def _edge(h: np.ndarray, frac: float = 0.8, drop: float = 0.7) -> int:
    """Steps from the apex to the last frame still moving: ``h[s-1]`` is the apex->(apex +- s) distance."""
    best, stop = 0.0, len(h)
    for s, v in enumerate(h):
        if v > best:
            best = v
        elif v < drop * best:
            stop = s
            break
    if best <= 0:
        return 0
    first = next((s for s in range(stop) if h[s] >= frac * best), stop)
    return first  # h index first = step first+1 is (nearly) neutral: the last moving frame is `first` steps away


@dataclass
class Interval:
    onset: int
    apex: int
    offset: int
    score: float
    blocks: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))


def _distance(a: np.ndarray, b: np.ndarray, flow: Flow, grid: int, top_idx: np.ndarray, mask: np.ndarray | None) -> float:
    """Mean flow length a->b in the blocks ``top_idx`` (global motion removed)."""
    return float(block_means(remove_global(flow(a, b)), grid, mask).ravel()[top_idx].mean())


def bounds(crops: list[np.ndarray], apex: int, reach: int, flow: Flow, grid: int, top_idx: np.ndarray,
           mask: np.ndarray | None = None, max_return: float = 0.5) -> tuple[int, int, float]:
    """Onset, offset and return ratio of an event: walk away from the apex until the moving blocks are
    back at their neutral distance from the apex crop; the return ratio is the distance between the
    frames just outside the event over the apex's distance from them (about 0 when the face came back
    to where it was, about 1 for a change that stays)."""
    n = len(crops)

    def side(step: int) -> tuple[int, float]:
        h = []
        for s in range(1, reach + 1):
            j = apex + step * s
            if j < 0 or j >= n:
                break
            h.append(_distance(crops[apex], crops[j], flow, grid, top_idx, mask))
        return (_edge(np.asarray(h)), max(h)) if h else (0, 0.0)

    left, h_left = side(-1)
    right, h_right = side(+1)
    onset, offset = apex - left, apex + right
    a, b = max(0, onset - 1), min(n - 1, offset + 1)
    ratio = _distance(crops[a], crops[b], flow, grid, top_idx, mask) / max(min(h_left, h_right), 1e-6)
    return onset, offset, ratio


def merge(intervals: list[Interval], gap: int) -> list[Interval]:
    """Merge intervals closer than ``gap`` frames (the stronger apex wins)."""
    out: list[Interval] = []
    for iv in sorted(intervals, key=lambda x: x.onset):
        if out and iv.onset - out[-1].offset <= gap:
            last = out[-1]
            strong = iv if iv.score > last.score else last
            out[-1] = Interval(min(last.onset, iv.onset), strong.apex, max(last.offset, iv.offset), strong.score, strong.blocks)
        else:
            out.append(iv)
    return out


def spot(crops: list[np.ndarray], fps: float, flow: Flow, *, k_seconds: float = 0.16, grid: int = 6, top: int = 4,
         p: float = 0.55, noise_factor: float = 6.0, floor: float = 0.35, min_duration: float = 1 / 25,
         max_duration: float = 0.5, merge_gap: float = 0.04, signal: Signal | None = None,
         mask: np.ndarray | None = None, max_return: float = 0.5) -> tuple[list[Interval], Signal, float]:
    """Spot micro-expressions in a window of aligned crops: (intervals, score signal, threshold)."""
    k = k_frames(fps, k_seconds)
    sig = signal if signal is not None else mdmd(crops, k, flow, grid, top, mask)
    n = len(crops)
    valid = np.zeros(n, bool)
    valid[k: max(k, n - k)] = True
    thr = threshold(sig.scores, valid, p, noise_factor, floor)
    reach = max(1, int(math.ceil(max_duration * fps)))
    lo, hi = min_duration * fps - 0.5, max_duration * fps + 0.5
    found = []
    for apex in candidates(np.where(valid, sig.scores, 0), thr):
        top_idx = np.argsort(sig.blocks[apex].ravel())[::-1][:top]
        onset, offset, ratio = bounds(crops, apex, reach, flow, grid, top_idx, mask)
        if lo <= offset - onset + 1 <= hi and ratio <= max_return:
            found.append(Interval(onset, apex, offset, float(sig.scores[apex]), sig.blocks[apex]))
    return merge(found, max(0, int(round(merge_gap * fps)))), sig, thr
