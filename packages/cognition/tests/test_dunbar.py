"""Dunbar circles: thresholds, capacities, direction, decay, amplification, migrations, kernel agreement, scale."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmind.cognition.dunbar import CIRCLES, DunbarOptions, run_dunbar
from reelmind.cognition.influence import InteractionEvents


def events(n: int, rows: list[tuple[float, int, int, float]], kinds: list[str] | None = None) -> InteractionEvents:
    k = len(rows)
    return InteractionEvents(
        names=tuple(f"p{i}" for i in range(n)),
        time=np.array([r[0] for r in rows], dtype=np.float64), receiver=np.array([r[1] for r in rows], dtype=np.int64),
        actor=np.array([r[2] for r in rows], dtype=np.int64), raw=np.array([r[3] for r in rows], dtype=np.float64),
        valence=np.array([r[3] for r in rows], dtype=np.float64),
        event=np.array(kinds or [""] * k, dtype=object), row=np.arange(k, dtype=np.int64),
        text=np.array([f"line {i}" for i in range(k)], dtype=object))


@pytest.fixture(params=["numba", "numpy"])
def backend(request):
    return request.param


def test_threshold_circle_direction_and_migration_trigger(backend):
    g = run_dunbar(events(3, [(0.0, 0, 1, 0.5)], ["confession"]), DunbarOptions(backend=backend))
    assert g.intimacy[0, 1] == 0.5 and g.intimacy[1, 0] == 0.0  # directed
    assert CIRCLES[g.circle[0, 1]] == "friends"  # 0.4 <= 0.5 < 0.6
    assert CIRCLES[g.circle[1, 0]] == "stranger"
    assert len(g.migrations) == 1
    m = g.migrations[0]
    assert (m.source, m.target, m.from_circle, m.to_circle) == ("p0", "p1", "stranger", "friends")
    assert m.trigger == "row 0: confession 'line 0'"


def test_decay_per_minute_and_decay_migration(backend):
    # 0.41 (friends) decays 0.005/min: after 3 min 0.395 -> acquaintance, logged as decay
    g = run_dunbar(events(3, [(0.0, 0, 1, 0.41), (180.0, 2, 0, 0.01)]), DunbarOptions(backend=backend))
    assert g.intimacy[0, 1] == pytest.approx(0.41 - 0.015, abs=1e-12)
    assert g.intimacy[2, 0] == pytest.approx(0.01)
    decay = [m for m in g.migrations if m.trigger == "decay"]
    assert [(m.source, m.target, m.from_circle, m.to_circle) for m in decay] == [("p0", "p1", "friends", "acquaintance")]
    assert decay[0].time == 180.0
    # never below 0
    g = run_dunbar(events(2, [(0.0, 0, 1, 0.01), (3600.0, 1, 0, 0.01)]), DunbarOptions(backend=backend))
    assert g.intimacy[0, 1] == 0.0


def test_closeness_amplification(backend):
    # first event makes the link intimate (1.0); a second one at the same time is amplified 3x
    g = run_dunbar(events(2, [(0.0, 0, 1, 1.0), (0.0, 0, 1, -0.05)]), DunbarOptions(backend=backend))
    assert g.applied[1] == pytest.approx(-0.15)
    # close (0.6..0.8) amplifies 2x, friends 1.3x, acquaintance 1x
    for start, amp in ((0.7, 2.0), (0.5, 1.3), (0.3, 1.0)):
        g = run_dunbar(events(2, [(0.0, 0, 1, start), (0.0, 0, 1, 0.01)]), DunbarOptions(backend=backend))
        assert g.applied[1] == pytest.approx(0.01 * amp)


def test_capacity_limits_the_inner_circles(backend):
    # ego 0 holds 20 people at >= 0.8: only 5 fit the intimate circle, 10 more the close one
    rows = [(0.0, 0, j, 0.8 + 0.005 * j) for j in range(1, 21)]
    g = run_dunbar(events(21, rows), DunbarOptions(backend=backend))
    circles = [CIRCLES[g.circle[0, j]] for j in range(1, 21)]
    order = sorted(range(1, 21), key=lambda j: -g.intimacy[0, j])
    assert [CIRCLES[g.circle[0, j]] for j in order] == ["intimate"] * 5 + ["close"] * 10 + ["friends"] * 5
    assert circles.count("intimate") == 5
    assert set(g.circles_of("p0")["intimate"]) == {(f"p{j}", g.intimacy[0, j]) for j in order[:5]}


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 9), st.lists(st.tuples(st.integers(0, 40), st.integers(0, 8), st.integers(1, 8),
                                             st.floats(-0.6, 0.9, allow_nan=False)), max_size=120))
def test_numba_kernel_equals_numpy_reference(n, raw):
    rows = sorted(((float(t) * 15.0, r % n, (r + a) % n, x) for t, r, a, x in raw if (r + a) % n != r % n), key=lambda e: e[0])
    ev = events(n, rows)
    a = run_dunbar(ev, DunbarOptions(backend="numpy"))
    b = run_dunbar(ev, DunbarOptions(backend="numba"))
    np.testing.assert_array_equal(a.intimacy, b.intimacy)
    np.testing.assert_array_equal(a.circle, b.circle)
    np.testing.assert_array_equal(a.applied, b.applied)
    assert a.migrations == b.migrations


def test_scales_to_101_people_and_10100_links():
    rng = np.random.default_rng(3)
    n, k = 101, 20000
    r = rng.integers(0, n, k)
    a = (r + rng.integers(1, n, k)) % n
    rows = list(zip(np.sort(rng.uniform(0, 3 * 3600, k)), r, a, rng.normal(0.06, 0.08, k)))
    ev = events(n, rows)
    run_dunbar(events(3, [(0.0, 0, 1, 0.1)]))  # compile outside the timing
    t = time.perf_counter()
    g = run_dunbar(ev)
    dt = time.perf_counter() - t
    assert g.n_links == 10100
    assert len(g.migrations) > 1000
    assert dt < 20.0
    # capacity invariants hold for every ego
    for i in range(n):
        row = np.delete(g.circle[i], i)
        assert np.sum(row == 0) <= 5 and np.sum(row <= 1) <= 15 and np.sum(row <= 2) <= 50 and np.sum(row <= 3) <= 150


@pytest.mark.parametrize("rows, msg", [
    ([(0.0, 0, 1, float("nan"))], "raw: expected finite impacts"),
    ([(5.0, 0, 1, 0.1), (1.0, 1, 0, 0.1)], "time: expected non-decreasing times"),
    ([(0.0, 0, 3, 0.1)], "actor: expected indices in 0..2"),
    ([(0.0, 1, 1, 0.1)], "actor: expected actor != receiver"),
])
def test_bad_events_are_rejected_before_the_kernel(rows, msg):
    with pytest.raises(ValueError, match=msg):
        run_dunbar(events(3, rows))
