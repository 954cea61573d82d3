"""Constrained average linkage (issue 11, film length): the same merges as scipy's average linkage
without constraints; cannot-links that hold however many rows a film has."""

from __future__ import annotations

import numpy as np
import pytest
from reelmind.perceive.audio.diarize import cluster_speakers, min_speaker_weight
from reelmind.perceive.audio.linkage import constrained_average_linkage, cut


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


@pytest.mark.parametrize("n", [2, 7, 60])
def test_without_constraints_it_is_scipys_average_linkage(n):
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist, squareform

    x = _unit(np.random.default_rng(n).standard_normal((n, 8)))
    condensed = pdist(x, "cosine")
    merges = constrained_average_linkage(squareform(condensed))
    tree = linkage(condensed, "average")
    assert np.allclose([m.height for m in merges], tree[:, 2])
    for k in range(1, n + 1):
        ours, theirs = cut(merges, n, -1.0, k, k), fcluster(tree, k, "maxclust")
        # the same partition: a one-to-one map between the labels
        assert len(set(zip(ours, theirs))) == len(set(ours)) == len(set(theirs)) == k
    d = float(np.median(tree[:, 2]))
    assert len(set(cut(merges, n, d))) == len(set(fcluster(tree, d, "distance")))


def test_a_cannot_link_share_blocks_a_merge_and_light_clusters_are_not_blocked():
    # rows 0-3 one tight group, 4-7 another 0.1 away; two of their 16 pairs cannot link
    d = np.full((8, 8), 0.1)
    d[:4, :4] = d[4:, 4:] = 0.01
    links = np.zeros((8, 8), bool)
    links[0, 4] = links[4, 0] = links[1, 5] = links[5, 1] = True
    assert len(set(cut(constrained_average_linkage(d, links, 0.5), 8, 1.0))) == 1  # 2 links <= 0.5 * 4 rows
    merges = constrained_average_linkage(d, links, 0.25)
    assert len(set(cut(merges, 8, 1.0))) == 2 and not merges[5].forced and merges[6].forced
    assert len(set(cut(merges, 8, 1.0, hi=1))) == 1  # a demanded count may force it
    # the same groups weighing under min_weight: nothing holds the merge off
    light = constrained_average_linkage(d, links, 0.25, weights=np.ones(8), min_weight=5.0)
    assert len(set(cut(light, 8, 1.0))) == 1 and not any(m.forced for m in light)


def test_few_cannot_links_among_many_shared_window_pairs_do_not_block():
    """A cluster of turns that mix two voices shares many windows with the voice it mostly holds and
    has a few cannot-links with it: with ``pairs`` it may merge unless half the pairs are links."""
    d = np.full((8, 8), 0.1)
    d[:4, :4] = d[4:, 4:] = 0.01
    links = np.zeros((8, 8), bool)
    links[0, 4] = links[4, 0] = links[1, 5] = links[5, 1] = True
    every = np.ones((8, 8), bool)
    every[:4, :4] = every[4:, 4:] = False
    assert len(set(cut(constrained_average_linkage(d, links, 0.25, pairs=every, min_link_ratio=0.5), 8, 1.0))) == 1
    assert len(set(cut(constrained_average_linkage(d, links, 0.25, pairs=links, min_link_ratio=0.5), 8, 1.0))) == 2


def test_cannot_links_do_not_fade_over_a_film():
    """Two close voices (rows 0.25-0.29 apart on average, one voice's own 0.18) that the
    segmentation keeps hearing in the same windows: over 160 windows the raised distance of their 80
    cannot-link pairs is averaged away among 19 200 and plain average linkage makes one speaker of
    them; with the share rule they stay two."""
    r = np.random.default_rng(0)
    a = _unit(r.standard_normal(32))
    p = r.standard_normal(32)
    b = _unit(a + 0.5 * _unit(p - (p @ a) * a))
    rows, groups, locs, truth = [], [], [], []
    for win in range(160):  # A in every window, B in every other one
        for k, v in enumerate((a, b) if win % 2 else (a,)):
            rows.append(v + 0.083 * r.standard_normal(32))
            groups.append(win), locs.append(k), truth.append(k)
    emb, truth, w = _unit(np.array(rows)), np.array(truth), np.full(len(rows), 4.0)
    kw = dict(weights=w, groups=np.array(groups), locals_=np.array(locs), conflict_weight=2.0,
              min_cluster_weight=min_speaker_weight(w))
    assert len(set(cluster_speakers(emb, 1, 5, hard_link_weight=np.inf, **kw))) == 1  # the soft rule alone
    labels = cluster_speakers(emb, 1, 5, **kw)
    assert len(set(labels)) == 2
    assert max(np.mean(labels == truth), np.mean(labels != truth)) >= 0.95
    # in a one-minute conversation (every cluster under a minute of voice) the soft rule is unchanged
    short = dict(kw, weights=np.full(len(rows), 0.3), min_cluster_weight=0.0, conflict_weight=0.2)
    assert np.array_equal(cluster_speakers(emb, 1, 5, **short), cluster_speakers(emb, 1, 5, hard_link_weight=np.inf, **short))


def test_a_speaker_needs_a_share_of_the_films_voice():
    assert min_speaker_weight(np.full(10, 3.0)) == 2.0  # 30 s of voice: the 2-s floor
    assert min_speaker_weight(np.full(200, 3.0)) == pytest.approx(6.0)  # 600 s: 1 %
