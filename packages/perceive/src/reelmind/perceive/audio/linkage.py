"""Average linkage whose cannot-link constraints do not fade as a film gets longer.

Raising the distance of a cannot-link pair (the usual soft constraint) works on a one-minute
conversation, where constrained pairs are a good share of all pairs between two voices. Over a
film they are a few dozen pairs among tens of thousands, and average linkage averages them away:
on a 20-minute film of three real readers, two of them (centroids 0.16 apart, 49 cannot-link
pairs between them) became one speaker. Here two clusters may not merge while the cannot-link
pairs between them exceed ``max_link_share`` of the smaller cluster's rows: that share, unlike
a count, means the same at any film length, and it tolerates the few false constraints a
segmentation model puts inside one voice (8 among the same film's 279 rows of one reader). The
rule holds only between clusters that both weigh enough, and only while the cannot-links are a
good part of the row pairs the two clusters could have had them in (a cluster of turns mixing two
voices has a few with the voice it mostly holds, among many such pairs).

The merge order is exact average linkage among the allowed pairs, found with a nearest-allowed-
neighbour array (each step scans only the rows whose neighbour changed: O(n²) overall).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Merge:
    """Clusters ``a`` and ``b`` (row indices of their first rows' clusters) merged at ``height``;
    ``forced``: a merge past the constraints (only to reach a speaker count the caller demands)."""

    a: int
    b: int
    height: float
    forced: bool = False


def constrained_average_linkage(dist: np.ndarray, links: np.ndarray | None = None, max_link_share: float = 0.15,
                                weights: np.ndarray | None = None, min_weight: float = 0.0,
                                overwrite: bool = False, pairs: np.ndarray | None = None,
                                min_link_ratio: float = 0.0) -> list[Merge]:
    """Every merge of average linkage on the square distance matrix ``dist``, the allowed ones first.

    ``links`` (n, n) bool marks the cannot-link pairs of rows; clusters A and B may merge only while
    ``links[A, B].sum() <= max_link_share * min(|A|, |B|)``, or (given ``pairs``, the pairs of rows
    that could have been constrained) while ``links[A, B].sum() < min_link_ratio * pairs[A, B].sum()``
    (a cluster of turns that mix two voices has a few cannot-links with the voice it mostly holds,
    among many pairs: no reason to hold it apart), or while one of them weighs under
    ``min_weight`` (sum of the rows' ``weights``): a few seconds of voice is too little to hold a
    merge off (its vector is unsteady; ``dist`` may still carry a soft penalty for it). When no
    allowed pair is left the remaining clusters merge closest first, marked ``forced``. With
    ``overwrite`` a float64 ``dist`` is worked on in place (a film's matrix is not copied)."""
    n = len(dist)
    d = np.asarray(dist, np.float64) if overwrite else np.array(dist, np.float64)
    np.fill_diagonal(d, np.inf)
    c = np.zeros((n, n), np.float32) if links is None else np.array(links, np.float32)
    q = None if pairs is None else np.array(pairs, np.float32)
    size = np.ones(n)
    wt = np.ones(n) if weights is None else np.asarray(weights, np.float64).copy()
    alive = np.ones(n, bool)
    merges: list[Merge] = []

    def allowed_row(i: int) -> np.ndarray:
        held = c[i] > max_link_share * np.minimum(size[i], size)
        if q is not None:
            held &= c[i] >= min_link_ratio * q[i]
        return alive & (~held | (np.minimum(wt[i], wt) < min_weight))

    def nearest(i: int, ok: np.ndarray) -> tuple[int, float]:
        row = np.where(ok, d[i], np.inf)
        j = int(np.argmin(row))
        return j, float(row[j])

    nn = np.zeros(n, np.int64)
    nd = np.full(n, np.inf)
    for i in range(n):
        nn[i], nd[i] = nearest(i, allowed_row(i))
    forced = False
    for _ in range(n - 1):
        i = int(np.argmin(np.where(alive, nd, np.inf)))
        if not np.isfinite(nd[i]):  # only forbidden pairs left: merge them closest first
            forced = True
            for k in np.flatnonzero(alive):
                nn[k], nd[k] = nearest(int(k), alive)
            i = int(np.argmin(np.where(alive, nd, np.inf)))
        a, b = min(i, int(nn[i])), max(i, int(nn[i]))
        merges.append(Merge(a, b, float(d[a, b]), forced))
        sa, sb = size[a], size[b]
        row = (sa * d[a] + sb * d[b]) / (sa + sb)
        d[a], d[:, a] = row, row
        d[a, a] = np.inf
        c[a] += c[b]
        c[:, a] = c[a]
        if q is not None:
            q[a] += q[b]
            q[:, a] = q[a]
        size[a] += sb
        wt[a] += wt[b]
        alive[b] = False
        d[b], d[:, b] = np.inf, np.inf
        nd[b] = np.inf
        ok_of = (lambda k: alive) if forced else allowed_row
        ok = ok_of(a)
        nn[a], nd[a] = nearest(a, ok)
        stale = np.flatnonzero(alive & ((nn == a) | (nn == b)))
        for k in stale:
            if k != a:
                nn[k], nd[k] = nearest(int(k), ok_of(int(k)))
        # a grew: it may now be someone's nearest allowed cluster
        better = ok & (d[a] < nd)
        better[a] = False
        nn[better], nd[better] = a, d[a][better]
    return merges


def cut(merges: list[Merge], n: int, distance: float, lo: int = 1, hi: int | None = None) -> np.ndarray:
    """Labels 0..k-1 from the merges: every unforced merge up to the first above ``distance``, then
    the count held inside ``[lo, hi]`` (more merges in order, or fewer)."""
    k = n
    for m in merges:
        if m.forced or m.height > distance:
            break
        k -= 1
    hi = n if hi is None else hi
    k = min(max(k, lo, 1), max(hi, 1), n)
    parent = np.arange(n)
    for m in merges[:n - k]:
        parent[parent == m.b] = m.a
    return np.unique(parent, return_inverse=True)[1].astype(np.int64)
