"""Which person id is which voice: speaker-cluster <-> face-identity co-occurrence across the film."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger("reelmind.fuse.identity")


@dataclass(frozen=True)
class IdentityMap:
    """``person_of[s]`` = person code linked to speaker code ``s`` (-1 = none); ``lift[s, p]`` evidence."""

    person_of: np.ndarray  # int64 [S]
    lift: np.ndarray  # float64 [S, P]
    prominence: np.ndarray  # float64 [S, P] mean prominence of p while s speaks


def prominence(count: np.ndarray, max_area: np.ndarray) -> np.ndarray:
    """Per utterance and person, in 0..1: (rows / most rows) * (area / largest area) in the window.

    1 for the face that is both on screen longest and largest while the line is spoken.
    """
    c = count.astype(np.float64)
    cmax = c.max(axis=1, keepdims=True) if c.shape[1] else np.zeros((c.shape[0], 1))
    amax = max_area.max(axis=1, keepdims=True) if c.shape[1] else np.zeros((c.shape[0], 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        pres = np.where(cmax > 0, c / cmax, 0.0)
        size = np.where(amax > 0, max_area / amax, 0.0)
    return np.where(c > 0, pres * np.where(amax > 0, size, 1.0), 0.0)


def link_speakers(speaker_codes: np.ndarray, n_speakers: int, prom: np.ndarray, min_lift: float) -> IdentityMap:
    """One-to-one speaker -> person assignment (Hungarian) maximising co-occurrence lift.

    lift[s, p] = mean prominence of p during s's lines - mean prominence of p during other lines,
    so a person who is on screen whatever is said (a wide shot, an ever-present listener) gains
    nothing. Pairs with lift below ``min_lift`` stay unlinked.
    """
    from scipy.optimize import linear_sum_assignment

    P = prom.shape[1]
    mean_in = np.zeros((n_speakers, P))
    lift = np.zeros((n_speakers, P))
    valid = speaker_codes >= 0
    for s in range(n_speakers):
        mine = speaker_codes == s
        if not mine.any():
            continue
        mean_in[s] = prom[mine].mean(axis=0)
        others = valid & ~mine
        lift[s] = mean_in[s] - (prom[others].mean(axis=0) if others.any() else 0.0)
    person_of = np.full(n_speakers, -1, dtype=np.int64)
    if n_speakers and P:
        rows, cols = linear_sum_assignment(-lift)
        for s, p in zip(rows, cols):
            if lift[s, p] >= min_lift:
                person_of[s] = p
    log.info("speaker -> person links: %s", {int(s): int(p) for s, p in enumerate(person_of) if p >= 0})
    return IdentityMap(person_of, lift, mean_in)
