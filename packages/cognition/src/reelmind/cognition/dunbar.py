"""Dunbar circles: directed, continuous intimacy with capacity-limited circles and a migration log.

Link ``i -> j`` is how close ``i`` holds ``j`` (A->B differs from B->A), intimacy in 0..1.
Circle of a link = the more distant of

* its **threshold** circle: intimate >= 0.8, close >= 0.6, friends >= 0.4, acquaintance >= 0.2,
  stranger below;
* its **capacity** circle: ``i``'s links ranked by intimacy (ties by index) - ranks 0-4 may be
  intimate, < 15 close, < 50 friends, < 150 acquaintance (Dunbar's 5 / 15 / 50 / 150 layers).

Events (see :mod:`reelmind.cognition.influence`) are applied in time order. Before each event
every link decays linearly by ``decay_per_min`` per minute without interaction (clipped at 0);
then the event's impact, amplified by the receiver's current circle of the actor, is added.
Every circle change is logged with its time and trigger (the event, or ``decay``).

Decay is uniform, so it never reorders positive links; only threshold circles can change, and
those are checked for all links in O(N^2) per event. The event's row is then re-ranked in
O(N log N). The loop runs in Numba (``backend="numba"``) with a NumPy reference
(``backend="numpy"``) that gives bit-identical results (tested).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from reelmind.core.stage import runtime_option

from .influence import InfluenceOptions, InteractionEvents, PairMemory, pair_memories

log = logging.getLogger("reelmind.cognition.dunbar")

CIRCLES = ("intimate", "close", "friends", "acquaintance", "stranger")
STRANGER = 4
_MIG_COLS = 7  # time, src, dst, from, to, event (-1 = decay), intimacy


@dataclass(frozen=True)
class DunbarOptions:
    decay_per_min: float = 0.005
    thresholds: tuple[float, ...] = (0.8, 0.6, 0.4, 0.2)
    capacities: tuple[int, ...] = (5, 15, 50, 150)  # cumulative layer sizes
    backend: str = runtime_option("numba")  # numba | numpy: bit-identical results
    influence: InfluenceOptions = field(default_factory=InfluenceOptions)


@dataclass(frozen=True)
class Migration:
    time: float
    source: str
    target: str
    from_circle: str
    to_circle: str
    intimacy: float
    trigger: str  # "decay" or "row N: <event> '<line>'"

    def to_dict(self) -> dict:
        return {"time": round(self.time, 3), "source": self.source, "target": self.target,
                "from": self.from_circle, "to": self.to_circle, "intimacy": round(self.intimacy, 4),
                "trigger": self.trigger}


# ----------------------------------------------------------------------------- kernels
def _thr_circle(x: float, thresholds: np.ndarray) -> int:
    for c in range(thresholds.shape[0]):
        if x >= thresholds[c]:
            return c
    return STRANGER


def _log_migration(mig: np.ndarray, m: int, t: float, i: int, j: int, old: int, new: int, event: int,
                   intimacy: float) -> np.ndarray:
    """Write migration row ``m`` (growing the log when full); returns the log."""
    if m == mig.shape[0]:
        bigger = np.empty((2 * m, _MIG_COLS))
        bigger[:m] = mig
        mig = bigger
    mig[m, 0] = t
    mig[m, 1] = i
    mig[m, 2] = j
    mig[m, 3] = old
    mig[m, 4] = new
    mig[m, 5] = event
    mig[m, 6] = intimacy
    return mig


def _cap_circle(rank: int, capacities: np.ndarray) -> int:
    for c in range(capacities.shape[0]):
        if rank < capacities[c]:
            return c
    return STRANGER


def _initial_state(n: int, thresholds: np.ndarray, capacities: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    intimacy = np.zeros((n, n))
    rank = np.zeros((n, n), dtype=np.int64)
    circle = np.full((n, n), STRANGER, dtype=np.int64)
    for i in range(n):
        others = [j for j in range(n) if j != i]
        for r, j in enumerate(others):
            rank[i, j] = r
        circle[i, i] = -1
        rank[i, i] = -1
    return intimacy, rank, circle


def run_numpy(intimacy, rank, circle, t0, ev_time, ev_recv, ev_actor, ev_raw, amp, thresholds, capacities, decay_per_s):
    """Reference implementation (NumPy row/matrix ops). Mutates the state; returns (applied, migrations)."""
    n = intimacy.shape[0]
    offdiag = ~np.eye(n, dtype=bool)
    thr_lut = np.asarray(thresholds, dtype=np.float64)
    cap_lut = np.asarray(capacities, dtype=np.int64)

    def thr_circles(x):
        out = np.full(x.shape, STRANGER, dtype=np.int64)
        for c in range(len(thr_lut) - 1, -1, -1):
            out[x >= thr_lut[c]] = c
        return out

    def cap_circles(r):
        out = np.full(r.shape, STRANGER, dtype=np.int64)
        for c in range(len(cap_lut) - 1, -1, -1):
            out[r < cap_lut[c]] = c
        return out

    applied = np.zeros(len(ev_time))
    migs: list[tuple] = []
    t_prev = t0
    for e in range(len(ev_time)):
        t = ev_time[e]
        if t > t_prev:
            dec = decay_per_s * (t - t_prev)
            pos = (intimacy > 0) & offdiag
            intimacy[pos] = np.maximum(0.0, intimacy[pos] - dec)
            new = np.maximum(cap_circles(rank), thr_circles(intimacy))
            changed = pos & (new != circle)
            for i, j in zip(*np.nonzero(changed)):
                migs.append((t, i, j, circle[i, j], new[i, j], -1, intimacy[i, j]))
            circle[changed] = new[changed]
            t_prev = t
        i, j = ev_recv[e], ev_actor[e]
        x = intimacy[i, j]
        y = min(1.0, max(0.0, x + ev_raw[e] * amp[circle[i, j]]))
        intimacy[i, j] = y
        applied[e] = y - x
        row = -intimacy[i].copy()
        row[i] = np.inf
        order = np.argsort(row, kind="stable")[: n - 1]
        rank[i, order] = np.arange(n - 1)
        new_row = np.maximum(cap_circles(rank[i, order]), thr_circles(intimacy[i, order]))
        for p in np.nonzero(new_row != circle[i, order])[0]:
            k = order[p]
            migs.append((t, i, k, circle[i, k], new_row[p], e, intimacy[i, k]))
        circle[i, order] = new_row
    mig = np.array(migs, dtype=np.float64).reshape(-1, _MIG_COLS)
    return applied, mig


def _run_loop(intimacy, rank, circle, t0, ev_time, ev_recv, ev_actor, ev_raw, amp, thresholds, capacities, decay_per_s):
    """Plain loops: compiled by Numba (``_numba_kernel``); same results as :func:`run_numpy`."""
    n = intimacy.shape[0]
    n_ev = ev_time.shape[0]
    applied = np.zeros(n_ev)
    mig = np.empty((1024, _MIG_COLS))
    m = 0
    t_prev = t0
    for e in range(n_ev):
        t = ev_time[e]
        if t > t_prev:
            dec = decay_per_s * (t - t_prev)
            for i in range(n):
                for j in range(n):
                    if i == j or intimacy[i, j] <= 0.0:
                        continue
                    y = intimacy[i, j] - dec
                    if y < 0.0:
                        y = 0.0
                    intimacy[i, j] = y
                    c = max(_cap_circle(rank[i, j], capacities), _thr_circle(y, thresholds))
                    if c != circle[i, j]:
                        mig = _log_migration(mig, m, t, i, j, circle[i, j], c, -1, y)
                        m += 1
                        circle[i, j] = c
            t_prev = t
        i = ev_recv[e]
        j = ev_actor[e]
        x = intimacy[i, j]
        y = x + ev_raw[e] * amp[circle[i, j]]
        y = min(1.0, max(0.0, y))
        intimacy[i, j] = y
        applied[e] = y - x
        row = -intimacy[i].copy()
        row[i] = np.inf
        order = np.argsort(row, kind="mergesort")
        for p in range(n - 1):
            k = order[p]
            rank[i, k] = p
            c = max(_cap_circle(p, capacities), _thr_circle(intimacy[i, k], thresholds))
            if c != circle[i, k]:
                mig = _log_migration(mig, m, t, i, k, circle[i, k], c, e, intimacy[i, k])
                m += 1
                circle[i, k] = c
    return applied, mig[:m].copy()


_NUMBA_KERNEL: Callable | None = None


def _numba_kernel() -> Callable:
    """JIT-compile the loop (and its helpers) once per process; falls back to NumPy without Numba."""
    global _NUMBA_KERNEL, _thr_circle, _cap_circle, _log_migration
    if _NUMBA_KERNEL is None:
        try:
            import numba
        except ImportError:
            log.warning("numba is not installed (pip install numba): using the NumPy Dunbar reference")
            _NUMBA_KERNEL = run_numpy
            return _NUMBA_KERNEL
        _thr_circle = numba.njit(cache=True)(_thr_circle)
        _cap_circle = numba.njit(cache=True)(_cap_circle)
        _log_migration = numba.njit(cache=True)(_log_migration)
        _NUMBA_KERNEL = numba.njit(cache=True)(_run_loop)
    return _NUMBA_KERNEL


# ----------------------------------------------------------------------------- graph
@dataclass(frozen=True)
class DunbarGraph:
    """The state after all events: names, intimacy (N, N), circle (N, N; -1 on the diagonal)."""

    names: tuple[str, ...]
    intimacy: np.ndarray
    circle: np.ndarray
    migrations: list[Migration]
    memories: list[PairMemory]
    applied: np.ndarray  # actual intimacy change of each event

    @property
    def n_links(self) -> int:
        n = len(self.names)
        return n * (n - 1)

    def circles_of(self, name: str) -> dict[str, list[tuple[str, float]]]:
        """``name``'s circles (closest first within each), strangers at intimacy 0 left out."""
        i = self.names.index(name)
        out: dict[str, list[tuple[str, float]]] = {c: [] for c in CIRCLES}
        order = sorted((j for j in range(len(self.names)) if j != i), key=lambda j: (-self.intimacy[i, j], j))
        for j in order:
            if self.circle[i, j] == STRANGER and self.intimacy[i, j] <= 0:
                continue
            out[CIRCLES[self.circle[i, j]]].append((self.names[j], float(self.intimacy[i, j])))
        return out

    def to_dict(self) -> dict:
        links = []
        for i, a in enumerate(self.names):
            for j, b in enumerate(self.names):
                if i != j and (self.intimacy[i, j] > 0 or self.circle[i, j] != STRANGER):
                    links.append({"source": a, "target": b, "intimacy": round(float(self.intimacy[i, j]), 4),
                                  "circle": CIRCLES[self.circle[i, j]]})
        return {"nodes": list(self.names), "n_links": self.n_links, "links": links,
                "migrations": len(self.migrations)}


def run_dunbar(events: InteractionEvents, options: DunbarOptions = DunbarOptions(),
               progress: Callable[[float, str], None] | None = None) -> DunbarGraph:
    """Apply all interaction events; returns the final graph and its migration log."""
    n = len(events.names)
    thr = np.asarray(options.thresholds, dtype=np.float64)
    cap = np.asarray(options.capacities, dtype=np.int64)
    amp = np.asarray(options.influence.amplification, dtype=np.float64)
    if len(thr) != 4 or len(cap) != 4 or len(amp) != 5:
        raise ValueError("Dunbar needs 4 thresholds, 4 capacities and 5 amplifications (one per circle)")
    _validate(events, n)
    intimacy, rank, circle = _initial_state(n, thr, cap)
    if progress:
        progress(0.0, f"Dunbar: {len(events)} events over {n * (n - 1)} links")
    kernel = run_numpy if options.backend == "numpy" else _numba_kernel()
    t0 = float(events.time[0]) if len(events) else 0.0
    if n:
        applied, mig = kernel(intimacy, rank, circle, t0, events.time, events.receiver, events.actor,
                              events.raw, amp, thr, cap, options.decay_per_min / 60.0)
    else:
        applied, mig = np.zeros(0), np.zeros((0, _MIG_COLS))
    migrations = []
    for row in mig:
        e = int(row[5])
        if e < 0:
            trigger = "decay"
        else:
            kind = f"{events.event[e]} " if events.event[e] else ""
            trigger = f"row {int(events.row[e])}: {kind}'{_clip(str(events.text[e]))}'"
        migrations.append(Migration(float(row[0]), events.names[int(row[1])], events.names[int(row[2])],
                                    CIRCLES[int(row[3])], CIRCLES[int(row[4])], float(row[6]), trigger))
    if progress:
        progress(1.0, f"Dunbar: {len(migrations)} migrations")
    return DunbarGraph(events.names, intimacy, circle, migrations,
                       pair_memories(events, applied, options.influence.polarity_band), applied)


def _validate(ev: InteractionEvents, n: int) -> None:
    """The kernels trust their input: check it here, naming the field and the first bad event."""
    k = len(ev.time)
    for name in ("receiver", "actor", "raw"):
        if len(getattr(ev, name)) != k:
            raise ValueError(f"InteractionEvents.{name}: expected {k} values (as time), got {len(getattr(ev, name))}")
    checks = (
        ("time", ~np.isfinite(ev.time), "finite times"),
        ("time", np.r_[False, np.diff(ev.time) < 0] if k else np.zeros(0, bool), "non-decreasing times"),
        ("raw", ~np.isfinite(ev.raw), "finite impacts"),
        ("receiver", (ev.receiver < 0) | (ev.receiver >= n), f"indices in 0..{n - 1}"),
        ("actor", (ev.actor < 0) | (ev.actor >= n), f"indices in 0..{n - 1}"),
        ("actor", ev.actor == ev.receiver, "actor != receiver"),
    )
    for name, bad, want in checks:
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"InteractionEvents.{name}: expected {want}, got {getattr(ev, name)[i]!r} at event {i}")


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
