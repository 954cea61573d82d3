"""Issue 7 benchmarks (not in the default test run): Dunbar kernel, jump kernel, social + scores + report at film scale.

Run: ``.venv/bin/python -m pytest packages/cognition/benchmarks/test_bench_issue7.py -q -s``
Every figure is a ratio against a baseline timed in the same process; results are printed and
written to ``bench/issue7_results.json`` for bench/RESULTS.md.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np

from reelmind.cognition import dunbar as D
from reelmind.cognition.influence import InteractionEvents
from reelmind.cognition.scoring import jumps

RESULTS: dict[str, dict] = {}
OUT = Path(__file__).resolve().parents[3] / "bench" / "issue7_results.json"


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def record(name: str, **fields) -> None:
    """Print a figure and merge it into bench/issue7_results.json (figures of other tests are kept)."""
    RESULTS[name] = fields
    print(name, fields)
    kept = json.loads(OUT.read_text()) if OUT.is_file() else {}
    OUT.write_text(json.dumps({**kept, **RESULTS}, indent=2, sort_keys=True) + "\n")


def random_events(n: int, k: int, seed: int = 0) -> InteractionEvents:
    rng = np.random.default_rng(seed)
    r = rng.integers(0, n, k)
    a = (r + rng.integers(1, n, k)) % n
    raw = rng.normal(0.06, 0.08, k)
    return InteractionEvents(tuple(f"p{i}" for i in range(n)), np.sort(rng.uniform(0, 3 * 3600, k)), r, a, raw, raw,
                             np.array([""] * k, dtype=object), np.arange(k), np.array(["x"] * k, dtype=object))


def naive_python(ev: InteractionEvents, opts: D.DunbarOptions = D.DunbarOptions()):
    """The straightforward implementation: dicts of links, decay and re-sort every row at every event."""
    n = len(ev.names)
    thr, cap = opts.thresholds, opts.capacities
    amp = opts.influence.amplification
    x = {(i, j): 0.0 for i in range(n) for j in range(n) if i != j}
    circle = {k: 4 for k in x}
    migrations = 0
    t_prev = float(ev.time[0]) if len(ev.time) else 0.0

    def assign():
        nonlocal migrations
        for i in range(n):
            order = sorted((j for j in range(n) if j != i), key=lambda j: (-x[i, j], j))
            for rank, j in enumerate(order):
                c_thr = next((c for c, t in enumerate(thr) if x[i, j] >= t), 4)
                c_cap = next((c for c, t in enumerate(cap) if rank < t), 4)
                c = max(c_thr, c_cap)
                if c != circle[i, j] and (x[i, j] > 0 or circle[i, j] != 4):
                    migrations += 1
                circle[i, j] = c

    for e in range(len(ev.time)):
        t = float(ev.time[e])
        dec = opts.decay_per_min / 60.0 * (t - t_prev)
        t_prev = t
        for k in x:
            if x[k] > 0:
                x[k] = max(0.0, x[k] - dec)
        i, j = int(ev.receiver[e]), int(ev.actor[e])
        x[i, j] = min(1.0, max(0.0, x[i, j] + ev.raw[e] * amp[circle[i, j]]))
        assign()
    return x, circle, migrations


def test_dunbar_numba_vs_numpy_vs_naive():
    D.run_dunbar(random_events(5, 10))  # compile
    ev = random_events(101, 20_000)
    t_numba = best_of(lambda: D.run_dunbar(ev))
    t_numpy = best_of(lambda: D.run_dunbar(ev, D.DunbarOptions(backend="numpy")), repeat=1)
    record("dunbar_101x20k_numba_vs_numpy", links=10100, events=20000, numba_s=round(t_numba, 3), numpy_s=round(t_numpy, 3),
           speedup=round(t_numpy / t_numba, 1))
    small = random_events(101, 300, seed=1)
    t_fast = best_of(lambda: D.run_dunbar(small))
    t_naive = best_of(lambda: naive_python(small), repeat=1)
    g = D.run_dunbar(small)
    x, circle, _ = naive_python(small)
    assert all(math.isclose(g.intimacy[i, j], v, abs_tol=1e-12) for (i, j), v in x.items())
    assert all(g.circle[i, j] == c for (i, j), c in circle.items())
    record("dunbar_101x300_numba_vs_naive_python", links=10100, events=300, numba_s=round(t_fast, 4), naive_s=round(t_naive, 3),
           speedup=round(t_naive / t_fast, 1))


def test_dunbar_scaling():
    rows = {}
    for n in (50, 101, 200, 400):
        ev = random_events(n, 20_000, seed=n)
        D.run_dunbar(random_events(5, 10))
        rows[n] = best_of(lambda: D.run_dunbar(ev), repeat=2)
    base = rows[101]
    record("dunbar_scaling_20k_events", **{f"n{n}_links{n * (n - 1)}_s": round(t, 3) for n, t in rows.items()},
           ratio_400_vs_101=round(rows[400] / base, 1), links_ratio_400_vs_101=round(400 * 399 / 10100, 1))


def test_jump_kernel_numba_vs_numpy():
    rng = np.random.default_rng(0)
    n = 1_000_000
    g = np.sort(rng.integers(0, 100, n))
    scene = np.sort(rng.integers(0, 500, n))
    v, a = rng.uniform(-1, 1, n), rng.uniform(0, 1, n)
    jumps(g[:10], scene[:10], v[:10], a[:10])
    t_nb = best_of(lambda: jumps(g, scene, v, a))
    t_np = best_of(lambda: jumps(g, scene, v, a, backend="numpy"))
    record("jumps_1M_numba_vs_numpy", rows=n, numba_s=round(t_nb, 4), numpy_s=round(t_np, 4), speedup=round(t_np / t_nb, 1))


def test_report_at_gwtw_scale():
    """social + scores + personality + report (structured and HTML) on a GWTW-sized film, Numba vs NumPy kernels."""
    from reelmind.cognition.moments import MomentsOptions, analyse_moments
    from reelmind.cognition.personality import analyse_personality
    from reelmind.cognition.report_html import render_html
    from reelmind.cognition.report_inputs import ReportInputs
    from reelmind.cognition.report_structured import ReportOptions, build_report
    from reelmind.cognition.scores import ScoresOptions, analyse_scores
    from reelmind.cognition.social import SocialOptions, analyse_social
    from reelmind.cognition.surprise_lstm import LSTMOptions
    from reelmind.core import DatasetTable

    rng = np.random.default_rng(0)
    n, c = 3874, 101
    names = [f"c{i}" for i in range(c)]
    p = 1 / np.arange(1, c + 1)
    p /= p.sum()
    emo_t = np.array(["anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"], dtype=object)
    emo_f = np.array(["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"], dtype=object)
    t = np.cumsum(rng.exponential(3.5, n))
    lis = [tuple(rng.choice(names, rng.integers(0, 3), replace=False, p=p)) for _ in range(n)]
    lemo = [tuple(rng.choice(emo_f, len(x))) for x in lis]
    ds = DatasetTable(character=rng.choice(names, n, p=p).astype(object), dialogue=np.array(["words"] * n, dtype=object),
                      start_time=t, end_time=t + 2, text_emotion=rng.choice(emo_t, n), text_confidence=rng.random(n),
                      arousal=rng.random(n), valence=rng.uniform(-1, 1, n), dominance=rng.random(n),
                      face_emotion=rng.choice(emo_f, n, p=[.05, .03, .05, .1, .05, .0, .72]), face_confidence=rng.uniform(.2, .6, n),
                      listener=lis, listener_emotion=lemo, conflict=rng.random(n) < 0.03)
    mo = analyse_moments(ds, MomentsOptions(lstm=LSTMOptions(enabled=False)))

    def run(backend: str):
        soc = analyse_social(ds, SocialOptions(backend=backend))
        sc = analyse_scores(ds, mo["transitions"], ScoresOptions(backend=backend))
        per = analyse_personality(ds, mo["transitions"], mo["trends"], soc["social"])
        inputs = ReportInputs.from_records({"dataset": ds, **mo, **soc, **sc, **per})
        return render_html(build_report(inputs, ReportOptions(film="gwtw-scale")))

    run("numba")  # warm (numba cache, imports)
    t_nb = best_of(lambda: run("numba"), repeat=2)
    t_np = best_of(lambda: run("numpy"), repeat=1)
    record("social_scores_personality_report_3874_lines_101_characters", numba_s=round(t_nb, 2), numpy_backends_s=round(t_np, 2),
           speedup=round(t_np / t_nb, 2))
