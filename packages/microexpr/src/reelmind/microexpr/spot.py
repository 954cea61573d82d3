"""Micro-expression spotting: main directional maximal difference (MDMD) on a block grid of aligned
crops, against a robust local baseline.

Three ways to measure, per frame, how far the face is from where it "should" be:

* ``method="au"`` (default). The cell trajectories of the median method (below) are read at the
  window's landmarks (their median position) and turned into the evidence of the six AU rules of
  :mod:`.au` (brows up / down, lip corners up / down, nose wings up, lips pressed; IOD, linear in
  the displacements); each AU's evidence minus its running median over +-``baseline_seconds`` is
  its residual, divided by the residual's local robust noise (1.4826 MAD over the ``segment``
  around the frame, the frames within half the longest event left out, floored at ``au_floor``;
  with ``au_noise_q`` never below the ``au_noise_q`` quantile of the absolute deviations over the
  normal's, so a series that is still most of the time and moves briefly and much, a speaking mouth,
  gets the scale of its movements, not of its still frames; round 10, default 0.75 since round 12).
  The lip corners' up / down movement is measured against the lips' midline (``lip_reference``,
  default ``midline`` since round 12; ``crop``: against the aligned crop), so opening the jaw to
  speak moves AU12 / AU15 less.
  An AU is spotted where its residual reaches ``au_z`` times that noise and ``au_min`` IOD; onset
  and offset are where the residual falls under ``au_edge`` of the apex's; the event must last
  ``min_duration`` to ``max_duration`` and come back (the evidence just before and after it
  differs by at most ``au_return`` of the apex residual); with ``max_jump`` the detected landmarks
  of the AU's region must not jump (an occlusion); a brow event inside a blink (the lids moved
  more than the brows) is dropped. A speaking mouth raises the noise of the mouth AUs only, so the
  brows and the nose stay sensitive, and a mouth AU needs to stand out of the mouth's own motion
  in its own direction (lip-corner pull up, down, press), not in any direction.
  Within ``end_seconds`` (default: the median's half-width) of a window's ends, where the running
  median is one-sided, the residual is instead how far the evidence stands above *both* of its
  sides (:func:`two_sided`; ``au_baseline="ends"``, the default since round 6), and the bounds there
  follow the evidence over the line joining the sides (:func:`side_bounds`); ``sides`` uses the
  two-sided height everywhere, ``median`` the running median everywhere (bench/RESULTS.md, rounds
  5-6). Events merged into one longer than ``max_duration`` are dropped (``merged_max``, default
  since round 6: a chain of brief movements lasting longer than 1/2 s is not a micro-expression);
  with ``merge_regions=False`` (off by default, round 9) events of different regions merge only when
  they share a frame, so a planted brow raise next to a real lip press is not lost in their chain.
* ``method="median"``. Every frame's flow from a key frame (a new key every ``key_seconds``;
  the keys chain, so each frame costs one flow) gives the displacement trajectory of every small cell
  (``cell`` px) of the canonical crop; the baseline of a cell is its running median over
  +-``baseline_seconds`` (longer than twice the longest micro-expression, so an event does not move
  its own baseline); the residual is the cell's displacement minus its baseline. A micro-expression
  leaves a residual while it lasts; a change that stays (a smile onset, a head turn) and slow drift
  leave none, and a steady movement leaves little. In each block of the ``grid x grid`` grid the
  main direction is the one of 8 bins holding the most residual length and the block's difference is
  the mean residual length of its cells in that bin (the MDMD measure, applied to the residual).
* ``method="mdmd"``: the classic MDMD: frame i (CF) against HF = i-k and TF = i+k; in every block
  the main direction of the HF->CF flow; the block's difference is the mean HF->CF length in that bin
  minus the mean HF->TF length in the same bin (clipped at 0). It compares each frame with two others
  only, so any movement of the face between HF and TF leaks into it (measured: less separation of
  planted events from real motion than the median baseline on the tuning footage).

Then, local in time, so one strong movement (a smile onset, a blink, a burst of speech) does not
hide a weaker event seconds away:

* every block's difference is taken relative to its own running median over a ``segment`` (about
  2 s), so a block that is busy all along (the mouth of someone speaking) needs more to stand out
  than a quiet one; the frame's score is the mean of the ``top`` largest excesses;
* the threshold is computed per segment as in MDMD, T = mean + p * (max - mean) of the score in the
  segment, never below median + noise_factor * MAD of that segment nor the absolute ``min_score``;
  the frames within half the longest event of the frame are left out of its segment (an event does
  not raise its own bar);
* runs of frames above T give apex candidates (the run's maximum); onset and offset are grown from the
  apex on the moving blocks: the distance of frame apex +- s from the apex rises while the face is
  still moving and levels off once it is back; the last frame below ``edge_frac`` of that plateau
  bounds the event. Intervals last ``min_duration`` to ``max_duration``, pieces closer than
  ``merge_gap`` are merged, and an event must return: the frames just outside it must be closer to
  each other than ``max_return`` times the apex's distance from them;
* blinks: the eyes are masked out of the grid, and while the eyelids move (their vertical residual
  on the eye rings reaches ``blink_px``) the grid rows of the eyes and brows do not count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .flow import Flow, remove_global

N_BINS = 8
BROW_AUS = ("AU1+2", "AU4")  # the AUs a blink can fake


@dataclass(frozen=True)
class SpotSettings:
    """The spotting knobs (``MicroOptions`` carries the same names; :meth:`of` copies them)."""

    method: str = "au"
    baseline_seconds: float = 0.5
    key_seconds: float = 0.12
    cell: int = 3
    k_seconds: float = 0.25
    grid: int = 6
    top_blocks: int = 3
    segment_seconds: float = 2.0
    p: float = 0.0
    noise_factor: float = 4.0
    min_score: float = 0.5
    min_duration: float = 1 / 25
    max_duration: float = 0.5
    merge_gap: float = 0.1
    edge_frac: float = 0.7
    max_return: float = 0.5
    blink_px: float = 0.5
    noise_norm: bool = False
    blink_reject: bool = True
    au_z: float = 4.75
    au_min: float = 0.012
    au_floor: float = 0.003
    au_noise_q: float = 0.75
    au_edge: float = 0.3
    au_return: float = 0.5
    au_baseline: str = "ends"
    merged_max: bool = True
    merge_regions: bool = True
    side_seconds: float = 0.1
    end_seconds: float = 0.0
    max_jump: float = 0.0
    au_alone: float = 0.0
    lip_reference: str = "midline"

    def __post_init__(self):
        from .au import check_lip_reference

        check_lip_reference(self.lip_reference)

    @classmethod
    def of(cls, options) -> SpotSettings:
        return cls(**{f: getattr(options, f) for f in cls.__dataclass_fields__ if hasattr(options, f)})


def k_frames(fps: float, seconds: float) -> int:
    """A duration in frames at a frame rate (>= 1)."""
    return max(1, int(round(fps * seconds)))


# ----------------------------------------------------------------------------- grids
def _blocks(a: np.ndarray, grid: int) -> np.ndarray:
    """(..., S, S) -> (..., grid, grid, b*b) blocks of the top-left grid*b square (b = S // grid)."""
    b = a.shape[-1] // grid
    a = a[..., : grid * b, : grid * b]
    pre = a.shape[:-2]
    a = np.swapaxes(a.reshape(*pre, grid, b, grid, b), -3, -2)
    return a.reshape(*pre, grid, grid, b * b)


def _bins(vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Length and direction bin (0..7) of vectors (..., 2)."""
    mag = np.hypot(vec[..., 0], vec[..., 1])
    ang = np.arctan2(vec[..., 1], vec[..., 0])
    return mag, ((ang + np.pi) * (N_BINS / (2 * np.pi))).astype(np.int8) % N_BINS


def _main_bin(mag: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """Per group (last axis), the direction bin holding the most length, shape (..., 1)."""
    sums = np.stack([(mag * (bins == j)).sum(axis=-1) for j in range(N_BINS)], axis=-1)
    return np.argmax(sums, axis=-1)[..., None].astype(np.int8)


def block_means(flow: np.ndarray, grid: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Mean flow length per block (grid, grid) over the pixels inside ``mask``."""
    m = _blocks(np.hypot(flow[..., 0], flow[..., 1]), grid)
    if mask is None:
        return m.mean(axis=-1).astype(np.float32)
    mb = _blocks(mask, grid)
    return ((m * mb).sum(axis=-1) / np.maximum(mb.sum(axis=-1), 1)).astype(np.float32)


@dataclass(frozen=True)
class Cells:
    """The cell grid of the canonical crop: ``cell`` px cells, ``per`` x ``per`` of them in a block;
    ``face`` / ``eyes``: (G, G) cells mostly inside the analysed face / the eye rings."""

    cell: int
    grid: int
    per: int
    face: np.ndarray
    eyes: np.ndarray

    @classmethod
    def of(cls, crop: int, grid: int, cell: int, mask: np.ndarray | None, eye_mask: np.ndarray | None) -> Cells:
        per = max(1, (crop // grid) // cell)
        g = grid * per
        frac = lambda m: (np.ones((g, g)) if m is None else  # noqa: E731
                          m[: g * cell, : g * cell].reshape(g, cell, g, cell).mean(axis=(1, 3))) > 0.5
        return cls(cell, grid, per, frac(mask), frac(eye_mask) if eye_mask is not None else np.zeros((g, g), bool))

    @property
    def side(self) -> int:
        return self.grid * self.per

    def means(self, flow: np.ndarray) -> np.ndarray:
        """Mean flow vector of every cell, (G, G, 2)."""
        g, c = self.side, self.cell
        return flow[: g * c, : g * c].reshape(g, c, g, c, 2).mean(axis=(1, 3))

    def blocks(self, a: np.ndarray) -> np.ndarray:
        """(n, G, G, ...) -> (n, grid, grid, per*per, ...)."""
        n, g, p = len(a), self.grid, self.per
        rest = a.shape[3:]
        return np.swapaxes(a.reshape(n, g, p, g, p, *rest), 2, 3).reshape(n, g, g, p * p, *rest)


# ----------------------------------------------------------------------------- the median baseline
def trajectories(crops: list[np.ndarray], flow: Flow, key: int, cells: Cells) -> np.ndarray:
    """Displacement of every cell from the first frame, (n, G, G, 2): each frame's flow from the
    current key frame (global motion removed) added to the key's own displacement; a new key every
    ``key`` frames."""
    n = len(crops)
    out = np.zeros((n, cells.side, cells.side, 2), np.float32)
    k0 = 0
    for t in range(1, n):
        if t - k0 > key:
            k0 = t - 1
        out[t] = out[k0] + cells.means(remove_global(flow(crops[k0], crops[t])))
    return out


def residuals(traj: np.ndarray, half: int) -> np.ndarray:
    """Cell displacements minus their running median over +-``half`` frames."""
    from scipy.ndimage import median_filter

    return traj - median_filter(traj, size=(2 * half + 1,) + (1,) * (traj.ndim - 1), mode="nearest")


def residual_blocks(res: np.ndarray, cells: Cells) -> tuple[np.ndarray, np.ndarray]:
    """MDMD on the residual: per frame and block, the mean residual length of the face cells in the
    block's main direction (n, grid, grid); and the eyelid transient, the mean vertical residual of
    the eye cells (n,)."""
    mag, bins = _bins(res)
    mag = mag * cells.face
    m, b = cells.blocks(mag), cells.blocks(bins)
    inside = (b == _main_bin(m, b)) & cells.blocks(np.broadcast_to(cells.face, mag.shape))
    blocks = (m * inside).sum(axis=-1) / np.maximum(inside.sum(axis=-1), 1)
    eyes = np.abs(res[..., 1])[:, cells.eyes].mean(axis=1) if cells.eyes.any() else np.zeros(len(res))
    return blocks.astype(np.float32), eyes.astype(np.float32)


# ----------------------------------------------------------------------------- classic MDMD
class FlowCache:
    """Flow between crops of one window (global motion removed), computed once per pair."""

    def __init__(self, crops: list[np.ndarray], flow: Flow) -> None:
        self.crops, self.flow, self.done = crops, flow, {}

    def __call__(self, a: int, b: int) -> np.ndarray:
        key = (a, b)
        if key not in self.done:
            self.done[key] = remove_global(self.flow(self.crops[a], self.crops[b]))
        return self.done[key]


def block_difference(f_hc: np.ndarray, f_ht: np.ndarray, grid: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Classic MDMD block differences of HF->CF / HF->TF flows: (S, S, 2) -> (grid, grid), or a batch
    (m, S, S, 2) -> (m, grid, grid); only pixels inside ``mask`` count."""
    m1, b1 = (_blocks(x, grid) for x in _bins(f_hc))
    m2, b2 = (_blocks(x, grid) for x in _bins(f_ht))
    mb = _blocks(mask, grid) if mask is not None else None
    if mb is not None:
        m1, m2 = m1 * mb, m2 * mb
    main = _main_bin(m1, b1)
    in1, in2 = b1 == main, b2 == main
    if mb is not None:
        in1, in2 = in1 & mb, in2 & mb
    mean1 = (m1 * in1).sum(axis=-1) / np.maximum(in1.sum(axis=-1), 1)
    mean2 = (m2 * in2).sum(axis=-1) / np.maximum(in2.sum(axis=-1), 1)
    return np.clip(mean1 - mean2, 0, None).astype(np.float32)


def mdmd_blocks(crops: list[np.ndarray], k: int, flows: FlowCache, grid: int, mask: np.ndarray | None,
                eye_mask: np.ndarray | None, chunk: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Classic MDMD block differences (n, grid, grid) and eyelid transients (n,) of every frame."""
    n = len(crops)
    blocks = np.zeros((n, grid, grid), np.float32)
    eyes = np.zeros(n, np.float32)
    idx = list(range(k, n - k))
    for c in range(0, len(idx), chunk):
        part = idx[c: c + chunk]
        f_hc = np.stack([flows(i - k, i) for i in part])
        f_ht = np.stack([flows(i - k, i + k) for i in part])
        blocks[part] = block_difference(f_hc, f_ht, grid, mask)
        if eye_mask is not None:  # vertical lid motion that came back
            v1, v2 = f_hc[..., 1][:, eye_mask], f_ht[..., 1][:, eye_mask]
            sign = np.sign(v1.sum(axis=-1, keepdims=True))
            eyes[part] = np.clip(np.clip(v1 * sign, 0, None).mean(-1) - np.clip(v2 * sign, 0, None).mean(-1), 0, None)
        for i in part:  # HF->TF flows are not reused
            flows.done.pop((i - k, i + k), None)
    return blocks, eyes


# ----------------------------------------------------------------------------- scores and thresholds
def eye_rows(crop: int, grid: int) -> np.ndarray:
    """Rows of the block grid around the eyes and brows (block centres 0.5 IOD above to 0.2 IOD below
    the eye line of the canonical crop)."""
    from .align import CROP_ORIGIN, CROP_SPAN

    centre = ((np.arange(grid) + 0.5) * (crop // grid)) * CROP_SPAN / crop + CROP_ORIGIN
    return np.flatnonzero((centre >= -0.5) & (centre <= 0.2))


def frame_scores(blocks: np.ndarray, valid: np.ndarray, top: int, half: int,
                 noise_norm: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Block excess over the block's running median (valid frames within +-``half``) and the frame
    score, the mean of the ``top`` largest excesses. ``noise_norm``: every block's excess is divided
    by the block's robust noise level over the same frames (1.4826 MAD) and multiplied by the median
    noise level of the face's blocks, so a block that moves all along (a speaking mouth) needs more
    to stand out and a quiet one less, in px of a typical block (the noise level of a block is
    floored at half the typical one: a still block is not amplified without bound)."""
    n = len(blocks)
    idx = np.flatnonzero(valid)
    base = np.zeros_like(blocks)
    scale = np.ones_like(blocks)
    if idx.size:
        lo = np.searchsorted(idx, np.arange(n) - half, "left")
        hi = np.searchsorted(idx, np.arange(n) + half, "right")
        for i in range(n):
            seg = blocks[idx[lo[i]: max(hi[i], lo[i] + 1)]]
            base[i] = np.median(seg, axis=0)
            if noise_norm:
                mad = 1.4826 * np.median(np.abs(seg - base[i]), axis=0)
                typical = float(np.median(mad[mad > 0])) if (mad > 0).any() else 0.0
                if typical > 0:
                    scale[i] = typical / np.maximum(mad, 0.5 * typical)
    excess = np.where(valid[:, None, None], (blocks - base) * scale, 0).astype(np.float32)
    flat = np.sort(excess.reshape(n, -1), axis=1)[:, ::-1][:, : max(1, top)]
    return excess, np.where(valid, flat.mean(axis=1), 0).astype(np.float32)


def thresholds(scores: np.ndarray, valid: np.ndarray, half: int, hole: int, p: float, noise_factor: float,
               floor: float) -> np.ndarray:
    """Per-frame T = max(mean + p (max - mean), median + noise_factor * MAD, floor) over the valid
    frames within +-``half`` of it, leaving out those within +-``hole`` (an event does not raise its
    own threshold)."""
    n = len(scores)
    idx = np.flatnonzero(valid)
    out = np.full(n, math.inf)
    for i in range(n):
        d = np.abs(idx - i)
        seg = scores[idx[(d <= half) & (d > hole)]].astype(np.float64)
        if seg.size < 3:
            continue
        med = float(np.median(seg))
        mad = float(np.median(np.abs(seg - med))) * 1.4826
        mean = float(seg.mean())
        out[i] = max(mean + p * (float(seg.max()) - mean), med + noise_factor * mad, floor)
    return out


def candidates(scores: np.ndarray, thr: np.ndarray) -> list[int]:
    """Apex candidates: the highest frame of every run of frames scoring above the threshold."""
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


# ----------------------------------------------------------------------------- intervals
@dataclass
class Interval:
    onset: int
    apex: int
    offset: int
    score: float
    blocks: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    au: str = ""  # method "au": the AU whose evidence spotted it


def edge(h: np.ndarray, frac: float) -> tuple[int, float]:
    """(steps from the apex to the last moving frame, plateau) of a distance-from-apex curve:
    ``h[s-1]`` is the distance of frame apex +- s; the plateau is the upper quartile of the curve;
    the event ends before the first step where two consecutive distances reach ``frac`` of it."""
    if not len(h):
        return 0, 0.0
    plateau = float(np.percentile(h, 75))
    if plateau <= 0:
        return 0, 0.0
    reach = np.asarray(h) >= frac * plateau
    both = reach & np.append(reach[1:], True)
    first = int(np.argmax(both)) if both.any() else len(h)
    return first, plateau


def bounds(distance, n: int, apex: int, reach: int, frac: float) -> tuple[int, int, float]:
    """Onset, offset and return ratio of an event whose apex is known; ``distance(a, b)`` measures how
    far frame b is from frame a on the event's blocks. The return ratio is the distance between the
    frames just outside the event over the apex's distance from them (about 0 when the face came
    back, about 1 for a change that stays)."""

    def side(step: int) -> tuple[int, float]:
        h = [distance(apex, apex + step * s) for s in range(1, reach + 1) if 0 <= apex + step * s < n]
        return edge(np.asarray(h), frac)

    left, p_left = side(-1)
    right, p_right = side(+1)
    onset, offset = apex - left, apex + right
    a, b = max(0, onset - 1), min(n - 1, offset + 1)
    return onset, offset, distance(a, b) / max(min(p_left, p_right), 1e-6)


def merge(intervals: list[Interval], gap: int, cross_gap: int | None = None) -> list[Interval]:
    """Merge intervals closer than ``gap`` frames (the stronger apex wins); with ``cross_gap``, an
    interval of an AU of another facial region than those already merged joins only when it is at
    most that close (0: only when they share a frame)."""
    from .au import AU_GROUP

    out: list[Interval] = []
    regions: list[set] = []
    for iv in sorted(intervals, key=lambda x: x.onset):
        region = AU_GROUP.get(iv.au, "")
        limit = gap if cross_gap is None or not out or region in regions[-1] else cross_gap
        if out and iv.onset - out[-1].offset <= limit:
            last = out[-1]
            strong = iv if iv.score > last.score else last
            out[-1] = Interval(min(last.onset, iv.onset), strong.apex, max(last.offset, iv.offset), strong.score,
                               strong.blocks, strong.au)
            regions[-1].add(region)
        else:
            out.append(iv)
            regions.append({region})
    return out


def not_too_long(intervals: list[Interval], fps: float, max_duration: float) -> list[Interval]:
    """The intervals lasting at most ``max_duration`` (a chain of merged AU events that lasts
    longer than a micro-expression is not one)."""
    return [iv for iv in intervals if iv.offset - iv.onset + 1 <= max_duration * fps + 0.5]


# ----------------------------------------------------------------------------- AU evidence
def landmark_series(traj: np.ndarray, landmarks: np.ndarray, cell: int) -> np.ndarray:
    """Displacement of the window's landmarks (their median position, crop px) along the cell
    trajectories (n, G, G, 2), bilinear between cell centres: (n, 68, 2) px."""
    import cv2

    pos = ((np.median(landmarks, axis=0) - (cell - 1) / 2) / cell).astype(np.float32)
    mx, my = pos[:, 0][None], pos[:, 1][None]
    return np.stack([cv2.remap(np.ascontiguousarray(t), mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)[0]
                     for t in traj])


def robust_noise(r: np.ndarray, valid: np.ndarray, half: int, hole: int, q: float = 0.0) -> np.ndarray:
    """Per frame and column, 1.4826 MAD of ``r`` (n, m) over the valid frames within +-``half``,
    leaving out those within +-``hole`` (an event does not raise its own noise); inf where < 3 frames.
    With ``q`` in (0.5, 1), never less than the ``q`` quantile of the absolute deviations over the
    normal distribution's (for Gaussian noise both estimate the same scale; a heavy-tailed series,
    such as a speaking mouth's brief large movements between still frames, gets the larger)."""
    n = len(r)
    idx = np.flatnonzero(valid)
    out = np.full(r.shape, np.inf)
    k = 0.0
    if q > 0:
        from scipy.special import ndtri

        k = float(ndtri((1 + q) / 2))
    for i in range(n):
        d = np.abs(idx - i)
        seg = r[idx[(d <= half) & (d > hole)]]
        if len(seg) >= 3:
            dev = np.abs(seg - np.median(seg, axis=0))
            out[i] = 1.4826 * np.median(dev, axis=0)
            if k > 0:
                out[i] = np.maximum(out[i], np.quantile(dev, q, axis=0) / k)
    return out


@dataclass
class AuSignal:
    """Per frame of a window and AU (columns of :data:`.au.AU_ORDER`): the AU evidence of the
    landmarks' displacement (IOD), its residual over the running median, and that residual in
    units of its local robust noise."""

    evidence: np.ndarray  # (n, 6)
    residual: np.ndarray  # (n, 6)
    z: np.ndarray  # (n, 6)


def au_signal(traj: np.ndarray, landmarks: np.ndarray, cells: Cells, crop: int, fps: float, valid: np.ndarray,
              s: SpotSettings) -> AuSignal:
    from .align import CROP_SPAN
    from .au import evidence_matrix

    ev = evidence_matrix(landmark_series(traj, landmarks, cells.cell) / (crop / CROP_SPAN), s.lip_reference)
    res = au_residual(ev, fps, s)
    noise = robust_noise(res, valid, k_frames(fps, s.segment_seconds / 2), k_frames(fps, s.max_duration / 2), s.au_noise_q)
    return AuSignal(ev, res, res / np.maximum(noise, s.au_floor))


def au_residual(ev: np.ndarray, fps: float, s: SpotSettings) -> np.ndarray:
    """The AU evidence (n, m) minus its baseline: the running median (``median``), the height
    above both sides (``sides``), or the running median inside the window and the two-sided
    height within ``end_seconds`` of its ends, where the median's window is one-sided (``ends``)."""
    if s.au_baseline not in ("median", "sides", "ends"):
        from reelmind.core.errors import ConfigError

        raise ConfigError(f"unknown AU baseline {s.au_baseline!r}", "choose median, sides or ends")
    if s.au_baseline == "sides":
        return two_sided(ev, side_reach(fps, s), k_frames(fps, s.side_seconds))
    res = residuals(ev, k_frames(fps, s.baseline_seconds))
    if s.au_baseline == "ends":
        ends = end_zone(len(ev), fps, s)
        res[ends] = two_sided(ev, side_reach(fps, s), k_frames(fps, s.side_seconds))[ends]
    return res


def end_zone(n: int, fps: float, s: SpotSettings) -> np.ndarray:
    """(n,) bool: the frames within ``end_seconds`` of a window's first or last frame (default: the
    running median's half-width, where its window is one-sided)."""
    half = k_frames(fps, s.end_seconds or s.baseline_seconds)
    t = np.arange(n)
    return (t < half) | (t > n - 1 - half)


def side_reach(fps: float, s: SpotSettings) -> int:
    """Largest gap (frames) between an apex and its sides: past the offset of the longest event
    (its apex lies at 0.4 of it)."""
    return int(math.ceil(0.7 * s.max_duration * fps)) + 1


def two_sided(ev: np.ndarray, reach: int, side: int) -> np.ndarray:
    """Per frame and column, how far the evidence stands above both of its sides: for gaps h = 1 ..
    ``reach`` frames, min(ev - median of the ``side`` frames ending h before, ev - median of the
    ``side`` frames starting h after), the largest over h (frames whose sides leave the window get
    0). A bump that rose and came back within 2 ``reach`` frames stands above both sides; a step,
    a ramp or a slow drift stands above one side only, so it leaves nothing (a running median, by
    contrast, is pulled by a step next to an event and by the ends of the window)."""
    from scipy.ndimage import median_filter

    n = len(ev)
    c = side // 2
    med = median_filter(ev, size=(2 * c + 1,) + (1,) * (ev.ndim - 1), mode="nearest")
    out = np.full(ev.shape, -np.inf)
    t = np.arange(n)
    for h in range(1, reach + 1):
        lo, hi = t - h - c, t + h + c
        ok = ((lo - c >= 0) & (hi + c <= n - 1)).reshape((n,) + (1,) * (ev.ndim - 1))
        r = np.minimum(ev - med[np.clip(lo, 0, n - 1)], ev - med[np.clip(hi, 0, n - 1)])
        out = np.where(ok, np.maximum(out, r), out)
    return np.where(np.isfinite(out), out, 0.0)


def side_bounds(e: np.ndarray, apex: int, reach: int, side: int, frac: float) -> tuple[int, int]:
    """Onset and offset of a bump of the series ``e`` at ``apex``: the sides are those of the gap
    that made the apex stand highest above both (:func:`two_sided`); the baseline is the line
    joining the two sides' medians; the event spans the frames around the apex whose evidence over
    that line stays above ``frac`` of the apex's."""
    n = len(e)
    c = side // 2
    best = None
    for h in range(1, reach + 1):
        lo, hi = apex - h - c, apex + h + c
        if lo - c < 0 or hi + c > n - 1:
            break
        left, right = float(np.median(e[lo - c: lo + c + 1])), float(np.median(e[hi - c: hi + c + 1]))
        height = min(e[apex] - left, e[apex] - right)
        if best is None or height > best[0]:
            best = (height, lo, hi, left, right)
    if best is None or best[0] <= 0:
        return apex, apex
    height, lo, hi, left, right = best
    t = np.arange(lo, hi + 1)
    over = e[lo: hi + 1] - (left + (right - left) * (t - lo) / (hi - lo))
    k = apex - lo
    a = b = k
    while a > 0 and over[a - 1] > frac * over[k]:
        a -= 1
    while b < len(over) - 1 and over[b + 1] > frac * over[k]:
        b += 1
    return lo + a, lo + b


def landmark_jump(landmarks: np.ndarray, idx: np.ndarray, a: int, b: int, crop: int) -> float:
    """Largest frame-to-frame move (IOD, median over the landmarks ``idx``) of the detected landmarks
    between frames ``a`` and ``b``: a face does not move its features that far in one frame; an
    occlusion (a hand) or a landmark failure does."""
    from .align import CROP_SPAN

    if b <= a:
        return 0.0
    step = np.linalg.norm(np.diff(landmarks[a: b + 1][:, idx], axis=0), axis=-1)
    return float(np.median(step, axis=1).max()) / (crop / CROP_SPAN)


def au_intervals(sig: AuSignal, valid: np.ndarray, fps: float, s: SpotSettings,
                 landmarks: np.ndarray | None = None, crop: int = 128) -> list[tuple[Interval, int]]:
    """Events of every AU column: runs of frames whose residual is ``au_z`` times its local noise
    and at least ``au_min`` IOD; the apex is the run's maximum; onset and offset are where the
    residual falls under ``au_edge`` of the apex's; kept when it lasts ``min_duration`` to
    ``max_duration``, the evidence just outside it differs by at most ``au_return`` of the apex
    residual (it came back), the landmarks did not jump (``max_jump``) and, with ``au_alone``, no AU
    of another region reaches ``au_alone`` times its noise within a frame of the apex (the whole
    face moving: speech, a macro expression, a head turn). (interval, AU column)."""
    from .au import AU_GROUP, AU_LANDMARKS, AU_ORDER

    n = len(sig.residual)
    lo, hi = s.min_duration * fps - 0.5, s.max_duration * fps + 0.5
    ok = (sig.z > s.au_z) & (sig.residual > s.au_min) & valid[:, None]
    zone = end_zone(n, fps, s)
    out = []
    for j in range(sig.residual.shape[1]):
        r, e = sig.residual[:, j], sig.evidence[:, j]
        for apex in candidates(np.where(ok[:, j], r, 0), np.where(ok[:, j], 0, np.inf)):
            peak = r[apex]
            if s.au_baseline == "sides" or (s.au_baseline == "ends" and zone[apex]):  # over the line joining the sides
                a, b = side_bounds(e, apex, side_reach(fps, s), k_frames(fps, s.side_seconds), s.au_edge)
            else:
                a = apex
                while a > 0 and r[a - 1] > s.au_edge * peak:
                    a -= 1
                b = apex
                while b < n - 1 and r[b + 1] > s.au_edge * peak:
                    b += 1
            came_back = abs(e[min(n - 1, b + 1)] - e[max(0, a - 1)]) <= s.au_return * peak
            jump = (landmark_jump(landmarks, AU_LANDMARKS[AU_ORDER[j]], max(0, a - 1), min(n - 1, b + 1), crop)
                    if landmarks is not None and s.max_jump > 0 else 0.0)
            others = [k for k, au in enumerate(AU_ORDER) if AU_GROUP[au] != AU_GROUP[AU_ORDER[j]]]
            busy = s.au_alone > 0 and float(sig.z[max(0, apex - 1): apex + 2, others].max()) >= s.au_alone
            if lo <= b - a + 1 <= hi and came_back and jump <= (s.max_jump or math.inf) and not busy:
                out.append((Interval(a, apex, b, float(sig.z[apex, j])), j))
    return out


# ----------------------------------------------------------------------------- the spotter
@dataclass
class Signal:
    """Per frame of a window: block differences, their excess over the block's running median, the
    frame score, the eyelid transient, validity; ``residual`` (median method) the cells' residuals."""

    blocks: np.ndarray  # (n, grid, grid)
    excess: np.ndarray  # (n, grid, grid)
    scores: np.ndarray  # (n,)
    eyes: np.ndarray  # (n,)
    valid: np.ndarray  # (n,) bool
    residual: np.ndarray | None = None  # (n, G, G, 2)
    au: AuSignal | None = None  # method "au"


def signal(crops: list[np.ndarray], fps: float, flows: FlowCache, s: SpotSettings, mask: np.ndarray | None = None,
           eye_mask: np.ndarray | None = None, landmarks: np.ndarray | None = None) -> Signal:
    """The block signal of a window of aligned crops (method "au": and the AU evidence signal of
    the ``landmarks``, (n, 68, 2) crop px)."""
    n = len(crops)
    valid = np.zeros(n, bool)
    res = aus = None
    if s.method in ("median", "au"):
        if s.method == "au" and landmarks is None:
            from reelmind.core.errors import ConfigError

            raise ConfigError("spotting method 'au' needs the crops' landmarks", "pass landmarks= or choose median")
        cells = Cells.of(len(crops[0]), s.grid, s.cell, mask, eye_mask)
        key = k_frames(fps, s.key_seconds)
        traj = trajectories(crops, flows.flow, key, cells)
        res = residuals(traj, k_frames(fps, s.baseline_seconds))
        blocks, eyes = residual_blocks(res, cells)
        valid[key: max(key, n - key)] = True  # the ends of a track: the baseline is one-sided there
        if s.method == "au":
            aus = au_signal(traj, landmarks, cells, len(crops[0]), fps, valid, s)
    elif s.method == "mdmd":
        k = k_frames(fps, s.k_seconds)
        blocks, eyes = mdmd_blocks(crops, k, flows, s.grid, mask, eye_mask)
        valid[k: max(k, n - k)] = True
    else:
        from reelmind.core.errors import ConfigError

        raise ConfigError(f"unknown spotting method {s.method!r}", "choose au, median or mdmd")
    if eye_mask is not None:  # blinks: the eye and brow rows of the grid do not count while the lids move
        blocks[np.ix_(eyes >= s.blink_px, eye_rows(len(crops[0]), s.grid))] = 0
    excess, scores = frame_scores(blocks, valid, s.top_blocks, k_frames(fps, s.segment_seconds / 2), s.noise_norm)
    return Signal(blocks, excess, scores, eyes, valid, res, aus)


def spot(crops: list[np.ndarray], fps: float, flow: Flow, settings: SpotSettings | None = None, *,
         mask: np.ndarray | None = None, eye_mask: np.ndarray | None = None,
         flows: FlowCache | None = None, landmarks: np.ndarray | None = None) -> tuple[list[Interval], Signal, np.ndarray]:
    """Spot micro-expressions in a window of aligned crops (``landmarks``: theirs, (n, 68, 2) crop px,
    needed by method "au"): (intervals, signal, per-frame threshold)."""
    s = settings or SpotSettings()
    flows = flows or FlowCache(crops, flow)
    sig = signal(crops, fps, flows, s, mask, eye_mask, landmarks)
    n = len(crops)
    if sig.au is not None:
        from .au import AU_ORDER

        from .align import CROP_SPAN

        iod = len(crops[0]) / CROP_SPAN
        found = []
        for iv, j in au_intervals(sig.au, sig.valid, fps, s, landmarks, len(crops[0])):
            lids = sig.eyes[iv.apex]
            if (s.blink_reject and eye_mask is not None and AU_ORDER[j] in BROW_AUS and lids >= s.blink_px
                    and lids >= sig.au.residual[iv.apex, j] * iod):
                continue  # a brow event inside a blink: the lids moved more than the brows
            iv.blocks, iv.au = sig.excess[iv.apex], AU_ORDER[j]
            found.append(iv)
        thr = np.where(sig.valid, s.au_z, np.inf)
        merged = merge(found, max(0, int(round(s.merge_gap * fps))), None if s.merge_regions else 0)
        return (not_too_long(merged, fps, s.max_duration) if s.merged_max else merged), sig, thr
    thr = thresholds(sig.scores, sig.valid, k_frames(fps, s.segment_seconds / 2), k_frames(fps, s.max_duration / 2),
                     s.p, s.noise_factor, s.min_score)
    reach = k_frames(fps, s.max_duration)
    lo, hi = s.min_duration * fps - 0.5, s.max_duration * fps + 0.5
    cells = Cells.of(len(crops[0]), s.grid, s.cell, mask, None) if sig.residual is not None else None
    found = []
    for apex in candidates(np.where(sig.valid, sig.scores, 0), thr):
        top_idx = np.argsort(sig.excess[apex].ravel())[::-1][: s.top_blocks]
        if cells is not None:  # the residual of the top blocks' face cells
            sel = np.zeros((s.grid * s.grid, cells.per * cells.per), bool)
            sel[top_idx] = cells.blocks(cells.face[None])[0].reshape(s.grid * s.grid, -1)[top_idx]
            r = cells.blocks(sig.residual).reshape(n, s.grid * s.grid, -1, 2)[:, sel]  # (n, m, 2)
            dist = lambda a, b, r=r: float(np.linalg.norm(r[b] - r[a], axis=-1).mean())  # noqa: E731
        else:
            dist = lambda a, b, t=top_idx: float(block_means(flows(a, b), s.grid, mask).ravel()[t].mean())  # noqa: E731
        if s.blink_reject and eye_mask is not None and sig.eyes[apex] >= s.blink_px:
            continue  # the apex is inside a blink: not a micro-expression (the field's spotting protocols exclude blinks)
        onset, offset, ratio = bounds(dist, n, apex, reach, s.edge_frac)
        if lo <= offset - onset + 1 <= hi and ratio <= s.max_return:
            found.append(Interval(onset, apex, offset, float(sig.scores[apex] / thr[apex]), sig.excess[apex]))
    return merge(found, max(0, int(round(s.merge_gap * fps)))), sig, thr
