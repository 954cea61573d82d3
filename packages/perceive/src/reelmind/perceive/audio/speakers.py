"""From segmentation windows to film speakers: embeddings, constrained clustering, aggregation.

1. **Turns and embeddings per (window, local speaker).** A local speaker's *turns* in a window
   are the runs of its active frames (gaps under ``bridge_s`` bridged). The local speaker is
   embedded on the samples where it is active *alone*, taken from the window's central ``step``
   (so each second of audio is embedded about once) when that holds at least ``good_embed_s``,
   else from the whole window (short stretches make poor embeddings); under ``min_embed_s`` in
   the whole window there is no embedding. Each turn with ``min_embed_s`` alone is embedded too
   (but not a local speaker's only turn of ``split_s`` or more: it cannot split it, 2).
2. **A local speaker that holds two voices is split.** segmentation-3.0 has three local speakers
   per 10-s window; with four voices in a window (or two it cannot tell apart) it gives two
   voices to one local speaker. When turns of at least ``split_s`` of one local speaker sound
   like different voices (average linkage at ``split_distance``, the clustering's one-voice
   distance), the local speaker becomes one row per voice, embedded as the weighted mean of its
   turns (shorter turns join the voice they sound nearest to); otherwise it stays one row.
3. **Clustering** of the rows into film speakers (:func:`.diarize.cluster_speakers` with
   ``groups`` = window, ``locals_`` = local speaker): average linkage on cosine distance where
   rows of *different* local speakers of the same window cannot link.
4. **Labels per turn** (:func:`turn_labels`): a turn takes its row's film speaker; a short turn
   (under ``split_s``) that sounds nearest to another film speaker and is farther than
   ``split_distance`` from its own abstains, leaving its frames to the overlapping windows.
5. **Aggregation** of the overlapping windows on the film-wide frame grid (Hann-weighted mean
   of each film speaker's activity, speaker count per frame = rounded weighted mean of the
   windows' counts, the most active speakers win), giving :class:`SpeakerActivity`.
6. **Words** take the speaker most active over their span (:func:`word_speakers`); a change of
   speaker for under ``min_turn_s`` and at most two words glued to one speaker's speech, with
   no overlap, is flicker, not a turn (:func:`smooth_word_speakers`); a speaker change inside a
   sentence moves to the nearest sentence boundary within half a voice window
   (:func:`snap_speaker_changes`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from .extract import SAMPLE_RATE
from .segmentation import FRAME_RF, FRAME_STEP, LOCAL_SPEAKERS, N_FRAMES, WINDOW, WindowActivity, frame_time

log = logging.getLogger("reelmind.perceive.audio.speakers")

SPLIT_DISTANCE = 0.35  # = diarize.cluster_speakers' single_speaker_distance: farther apart is two voices


@dataclass
class LocalTurns:
    """One row per turn of a local speaker inside a window: a run of its active frames (``first``
    to ``stop`` of the window, gaps under ``bridge_s`` bridged); ``row`` the :class:`LocalEmbeddings`
    row it belongs to (-1: its local speaker has none), ``weight`` the seconds heard alone,
    ``vectors`` its own embedding (zeros where ``embedded`` is False: under ``min_embed_s``,
    or the only turn of ``split_s`` of its local speaker, which cannot split it and is not embedded)."""

    window: np.ndarray
    local: np.ndarray
    first: np.ndarray
    stop: np.ndarray
    row: np.ndarray
    weight: np.ndarray
    embedded: np.ndarray
    vectors: np.ndarray

    @classmethod
    def empty(cls, dim: int = 0) -> "LocalTurns":
        z = np.zeros(0, np.int64)
        return cls(z, z, z, z, z, np.zeros(0), np.zeros(0, bool), np.zeros((0, dim), np.float32))

    def __len__(self) -> int:
        return len(self.window)


@dataclass
class LocalEmbeddings:
    """One row per embedded (window, local speaker), or per voice of a split one: window index,
    local index, weight (s of audio used), vector; ``turns`` the :class:`LocalTurns` of the windows."""

    window: np.ndarray
    local: np.ndarray
    weight: np.ndarray
    vectors: np.ndarray
    turns: LocalTurns = field(default_factory=LocalTurns.empty)

    @classmethod
    def empty(cls, dim: int = 0) -> "LocalEmbeddings":
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros((0, dim), np.float32),
                   LocalTurns.empty(dim))

    def __len__(self) -> int:
        return len(self.window)

    @property
    def split(self) -> int:
        """Local speakers split into more than one voice."""
        if not len(self):
            return 0
        _, counts = np.unique(self.window * LOCAL_SPEAKERS + self.local, return_counts=True)
        return int(np.sum(counts > 1))

    @staticmethod
    def concat(parts: list["LocalEmbeddings"], window_offsets: list[int]) -> "LocalEmbeddings":
        parts_ = [(p, o) for p, o in zip(parts, window_offsets) if len(p) or len(p.turns)]
        if not parts_:
            return LocalEmbeddings.empty()
        row_offsets = np.cumsum([0] + [len(p) for p, _ in parts_])[:-1]
        ts = [(p.turns, o, r) for (p, o), r in zip(parts_, row_offsets)]
        dim = max(p.vectors.shape[1] for p, _ in parts_)
        turns = LocalTurns(np.concatenate([t.window + o for t, o, _ in ts]), np.concatenate([t.local for t, _, _ in ts]),
                           np.concatenate([t.first for t, _, _ in ts]), np.concatenate([t.stop for t, _, _ in ts]),
                           np.concatenate([np.where(t.row >= 0, t.row + r, -1) for t, _, r in ts]),
                           np.concatenate([t.weight for t, _, _ in ts]), np.concatenate([t.embedded for t, _, _ in ts]),
                           np.concatenate([t.vectors.reshape(len(t), -1) if t.vectors.size else np.zeros((len(t), dim), np.float32)
                                           for t, _, _ in ts]))
        return LocalEmbeddings(np.concatenate([p.window + o for p, o in parts_]),
                               np.concatenate([p.local for p, _ in parts_]),
                               np.concatenate([p.weight for p, _ in parts_]),
                               np.concatenate([p.vectors.reshape(len(p), -1) if p.vectors.size else np.zeros((len(p), dim), np.float32)
                                               for p, _ in parts_]), turns)


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


def runs(on: np.ndarray, bridge: int = 0) -> list[tuple[int, int]]:
    """(first, stop) of the runs of True in ``on``, gaps of at most ``bridge`` frames bridged."""
    idx = np.flatnonzero(on)
    if idx.size == 0:
        return []
    cut = np.flatnonzero(np.diff(idx) > bridge + 1)
    return list(zip(np.concatenate([[idx[0]], idx[cut + 1]]).tolist(), (np.concatenate([idx[cut], [idx[-1]]]) + 1).tolist()))


def embed_windows(embedder, audio: np.ndarray, block_start: int, win: WindowActivity, step_s: float,
                  min_embed_s: float = 0.4, good_embed_s: float = 2.0, bridge_s: float = 0.2, split_s: float = 1.0,
                  split_distance: float = SPLIT_DISTANCE, batch_s: float = 120.0) -> LocalEmbeddings:
    """Embeddings of every (window, local speaker) and of its turns, split by voice (module docstring,
    1-2); clips go to the embedder in batches of about ``batch_s`` seconds (memory stays flat)."""
    clips, lengths, vecs = [], [], []  # clips wait in batches of about batch_s seconds
    rows, turns = [], []  # rows: (w, k, s, clip index); turns: (w, k, first, stop, s, clip index)
    half = min(WINDOW, int(step_s * SAMPLE_RATE)) // 2
    centre = np.arange(N_FRAMES) * FRAME_STEP + FRAME_RF // 2
    core = np.abs(centre - WINDOW // 2) <= half
    bridge = int(round(bridge_s * SAMPLE_RATE / FRAME_STEP))
    need = min_embed_s * SAMPLE_RATE

    def flush() -> None:
        if clips:
            vecs.append(np.asarray(embedder.embed_batch(clips), np.float32))
            clips.clear()

    def clip_of(piece: np.ndarray, frames: np.ndarray) -> int:
        clip = piece[_sample_mask(frames, len(piece))]
        if len(clip) < need:
            return -1
        clips.append(clip)
        lengths.append(len(clip))
        if sum(len(c) for c in clips) > batch_s * SAMPLE_RATE:
            flush()
        return len(lengths) - 1

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
            c = clip_of(piece, frames) if frames.sum() * FRAME_STEP >= need else -1
            if c >= 0:
                rows.append((w, k, lengths[c] / SAMPLE_RATE, c))
            spans = runs(act[:, k], bridge)
            heard = [int(alone[a:b, k].sum()) * FRAME_STEP for a, b in spans]  # >= the clip's samples
            long_ = [h >= split_s * SAMPLE_RATE for h in heard]
            for (a, b), h, is_long in zip(spans, heard, long_):
                # one long turn cannot split its local speaker: its own vector would go unused
                if h < need or (is_long and sum(long_) < 2):
                    turns.append((w, k, a, b, 0.0, -1))
                    continue
                mask = np.zeros(N_FRAMES, bool)
                mask[a:b] = alone[a:b, k]
                t = clip_of(piece, mask)
                turns.append((w, k, a, b, lengths[t] / SAMPLE_RATE if t >= 0 else 0.0, t))
    flush()
    dim = getattr(embedder, "dim", 0)
    if not vecs:
        out = LocalEmbeddings.empty(dim)
        if turns:
            t = np.array([x[:4] for x in turns], np.int64)
            out.turns = LocalTurns(t[:, 0], t[:, 1], t[:, 2], t[:, 3], np.full(len(t), -1, np.int64),
                                   np.zeros(len(t)), np.zeros(len(t), bool), np.zeros((len(t), dim), np.float32))
        return out
    return _split_by_voice(rows, turns, np.concatenate(vecs), split_s, split_distance)


def _split_by_voice(rows: list, turns: list, vecs: np.ndarray, split_s: float, split_distance: float) -> LocalEmbeddings:
    """Rows per (window, local speaker), split where its long turns sound like different voices."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    dim = vecs.shape[1]
    t_arr = np.array([x[:4] for x in turns], np.int64).reshape(-1, 4)
    t_w = np.array([x[4] for x in turns], np.float64)
    t_clip = np.array([x[5] for x in turns], np.int64)
    t_vec = np.where((t_clip >= 0)[:, None], vecs[np.maximum(t_clip, 0)], 0).astype(np.float32).reshape(-1, dim)
    t_row = np.full(len(turns), -1, np.int64)
    r_win, r_loc, r_wt, r_vec = [], [], [], []
    local_row = {(w, k): (s, c) for w, k, s, c in rows}
    for key in sorted({(int(w), int(k)) for w, k in t_arr[:, :2]} | set(local_row)):
        mine = np.flatnonzero((t_arr[:, 0] == key[0]) & (t_arr[:, 1] == key[1]))
        emb = mine[t_clip[mine] >= 0]
        big = emb[t_w[emb] >= split_s]
        group = np.zeros(len(emb), np.int64)
        if len(big) >= 2:
            big_group = fcluster(linkage(np.clip(pdist(t_vec[big], "cosine"), 0, 2), "average"), split_distance,
                                 criterion="distance") - 1
            if big_group.max() > 0:
                means = np.stack([unit_mean(t_vec[big][big_group == g], t_w[big][big_group == g])
                                  for g in range(big_group.max() + 1)])
                group = np.argmax(t_vec[emb] @ means.T, axis=1)
                group[np.searchsorted(emb, big)] = big_group
        if group.max(initial=0) == 0:  # one voice: the local speaker's own embedding
            if key not in local_row:
                continue
            s, c = local_row[key]
            t_row[mine] = len(r_win)
            r_win.append(key[0]), r_loc.append(key[1]), r_wt.append(s), r_vec.append(vecs[c])
            continue
        row_of_group = {}
        for g in np.unique(group):
            row_of_group[int(g)] = len(r_win)
            m = emb[group == g]
            r_win.append(key[0]), r_loc.append(key[1]), r_wt.append(float(t_w[m].sum())), r_vec.append(unit_mean(t_vec[m], t_w[m]))
        t_row[emb] = [row_of_group[int(g)] for g in group]
        for i in np.setdiff1d(mine, emb):  # too short to embed: the voice of the nearest embedded turn
            gap = np.maximum(t_arr[emb, 2] - t_arr[i, 3], t_arr[i, 2] - t_arr[emb, 3])
            t_row[i] = t_row[emb[int(np.argmin(gap))]]
    turns_out = LocalTurns(t_arr[:, 0], t_arr[:, 1], t_arr[:, 2], t_arr[:, 3], t_row, t_w, t_clip >= 0, t_vec)
    if not r_win:
        out = LocalEmbeddings.empty(dim)
        out.turns = turns_out
        return out
    return LocalEmbeddings(np.array(r_win, np.int64), np.array(r_loc, np.int64), np.array(r_wt, np.float64),
                           np.stack(r_vec).astype(np.float32), turns_out)


def unit_mean(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The unit-norm weighted mean of the rows of ``v`` (a voice's centre)."""
    m = (v * w[:, None]).sum(axis=0)
    return m / (np.linalg.norm(m) + 1e-9)


def turn_labels(local: LocalEmbeddings, labels: np.ndarray, centroids: np.ndarray, split_s: float = 1.0,
                split_distance: float = SPLIT_DISTANCE) -> np.ndarray:
    """Film speaker of every turn (-1: none): its row's, but a short turn (under ``split_s``) that
    sounds nearest to another film speaker and farther than ``split_distance`` from its own abstains."""
    t = local.turns
    out = np.where(t.row >= 0, labels[np.maximum(t.row, 0)] if len(labels) else -1, -1).astype(np.int64)
    if len(centroids) < 2:
        return out
    check = np.flatnonzero(t.embedded & (t.weight < split_s) & (out >= 0))
    if check.size:
        d = 1.0 - t.vectors[check] @ centroids.T
        own = d[np.arange(len(check)), out[check]]
        out[check[(np.argmin(d, axis=1) != out[check]) & (own > split_distance)]] = -1
    return out


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


def aggregate(win: WindowActivity, turns: LocalTurns, labels: np.ndarray, n_speakers: int,
              n_samples: int) -> SpeakerActivity:
    """Film speaker activity from the windows (``labels``: film speaker of each turn, -1 none)."""
    n_frames = n_samples // FRAME_STEP + 1
    if len(win) == 0 or n_speakers == 0:
        return SpeakerActivity(0, np.zeros((n_frames, max(n_speakers, 0)), bool), np.zeros((n_frames, max(n_speakers, 0)), np.float32))
    acc = np.zeros((n_frames, n_speakers), np.float32)
    cover = np.zeros(n_frames, np.float32)
    count = np.zeros(n_frames, np.float32)
    hann = (np.hanning(N_FRAMES + 2)[1:-1]).astype(np.float32)
    weight = np.zeros((len(win), N_FRAMES), np.float32)
    for w in range(len(win)):
        g0 = int(win.start[w] // FRAME_STEP)
        n = min(N_FRAMES, n_frames - g0)
        if n <= 0:
            continue
        weight[w, :n] = hann[:n] * win.valid[w, :n]
        cover[g0:g0 + n] += weight[w, :n]
        count[g0:g0 + n] += weight[w, :n] * win.active[w, :n].sum(axis=1)
    for i in np.flatnonzero(labels >= 0):
        w, k, a, b = int(turns.window[i]), int(turns.local[i]), int(turns.first[i]), int(turns.stop[i])
        g0 = int(win.start[w] // FRAME_STEP)
        b = min(b, n_frames - g0)
        if b > a:
            acc[g0 + a:g0 + b, labels[i]] += weight[w, a:b] * win.active[w, a:b, k]
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


def smooth_word_speakers(spk: np.ndarray, starts: np.ndarray, ends: np.ndarray, overlap: np.ndarray,
                         texts: list[str], min_turn_s: float = 0.5, max_words: int = 2,
                         pause_s: float = 0.5) -> np.ndarray:
    """Film speaker per word with speaker flicker removed: a run of at most ``max_words`` words on
    one speaker, shorter than ``min_turn_s``, none overlapped, that is glued to its neighbours (no
    pause of ``pause_s`` and no sentence end between) is not a turn: it takes the speaker of the
    neighbours it is glued to (both sides glued: only when they agree). Words in time order."""
    from .utterances import ends_sentence

    spk = np.asarray(spk, np.int64).copy()
    n = len(spk)
    if n < 2 or min_turn_s <= 0:
        return spk
    glued = (starts[1:] - ends[:-1] < pause_s) & ~np.array([ends_sentence(t) for t in texts[:-1]], bool)
    for _ in range(5):  # a pass relabels runs left to right; a few passes settle nested flicker
        cut = np.flatnonzero(spk[1:] != spk[:-1]) + 1
        changed = False
        for a, b in zip(np.concatenate([[0], cut]), np.concatenate([cut, [n]])):
            if b - a > max_words or ends[b - 1] - starts[a] >= min_turn_s or overlap[a:b].any() or spk[a] < 0:
                continue
            left = spk[a - 1] if a > 0 and glued[a - 1] else None
            right = spk[b] if b < n and glued[b - 1] else None
            to = left if right is None else right if left is None else left if left == right else None
            if to is not None and to >= 0 and to != spk[a]:
                spk[a:b] = to
                changed = True
        if not changed:
            break
    return spk


def snap_speaker_changes(spk: np.ndarray, starts: np.ndarray, ends: np.ndarray, texts: list[str],
                         reach_s: float = 0.8, pause_s: float = 0.5) -> np.ndarray:
    """Film speaker per word with every speaker change that falls inside a sentence (no sentence end
    and no ``pause_s`` pause between the two words) moved to the nearest sentence boundary (a sentence
    end, or such a pause) within ``reach_s``, when the words it passes all belong to one speaker.

    The speaker change is known to about half a voice window (resegmentation's 1.6-s windows:
    ``reach_s`` 0.8) and Whisper's word times are not exact, while a new speaker almost always
    starts a new sentence: "Four queen of clubs. Had he married | a more amiable woman" becomes
    "Four queen of clubs. | Had he married a more amiable woman". A change with no boundary within
    reach stays where it is, and so does a change right after a comma: Whisper writes lists (card
    names, loudspeaker positions) as comma-separated items, and there a new speaker starts at the
    comma. Words in time order; -1 (no speaker) is never moved across.
    """
    from .utterances import ends_sentence, ends_with_comma

    spk = np.asarray(spk, np.int64).copy()
    n = len(spk)
    if n < 2 or reach_s <= 0:
        return spk
    cut = np.ones(n + 1, bool)  # cut[i]: a sentence boundary between word i-1 and word i
    cut[1:n] = (starts[1:] - ends[:-1] >= pause_s) | np.array([ends_sentence(t) for t in texts[:-1]], bool)
    gap = np.concatenate([[starts[0]], (ends[:-1] + starts[1:]) / 2, [ends[-1]]])  # time of each cut position
    for i in range(1, n):
        a, b = spk[i - 1], spk[i]
        if a == b or cut[i] or a < 0 or b < 0 or ends_with_comma(texts[i - 1]):
            continue
        best, best_d = None, reach_s
        j = i - 1  # back: words j..i-1 (all a) would take b
        while j >= 0 and spk[j] == a and gap[i] - gap[j] <= reach_s:
            if cut[j]:
                best, best_d = ("back", j), gap[i] - gap[j]
                break
            j -= 1
        j = i + 1  # forward: words i..j-1 (all b) would take a
        while j <= n and spk[j - 1] == b and gap[j] - gap[i] <= best_d:
            if cut[j]:
                if gap[j] - gap[i] < best_d:
                    best = ("forward", j)
                break
            j += 1
        if best is None:
            continue
        if best[0] == "back":
            spk[best[1]:i] = b
        else:
            spk[i:best[1]] = a
    return spk
