"""Prompt generation at feature length: 2,000 film lines and a generated 1,400-scene screenplay, the
whole stage (parse, windowed matching, keyframes, six dimensions, tiers) in <= 10 s on the CPU profile.

Baselines in the same process: the same film without a screenplay (what the screenplay costs), and
the matcher with an unbounded window (every speech of the script) on the first lines, scaled to the
film (what the window saves). Run: .venv/bin/python -m pytest -q -s packages/promptgen/benchmarks
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from promptgen_bigscript import generate  # noqa: E402

from reelmind.core.records import (DatasetTable, FaceTable, MomentTable, PersonalityTable, SceneTable,  # noqa: E402
                                   SocialEdgeTable, TransitionTable)

SCENES, LINES, LIMIT_S = 1400, 2000, 10.0


def film(lines):
    rng = np.random.default_rng(1)
    n = len(lines)
    start = np.cumsum(rng.uniform(2.0, 6.0, n))
    chars = [w for _, w in lines]
    emo = np.array(["angry", "happy", "sad", "neutral", "fear", "surprise", "disgust"], dtype=object)[rng.integers(0, 7, n)]
    ds = DatasetTable(character=chars, dialogue=[t for t, _ in lines], start_time=start, end_time=start + 1.8,
                      text_emotion=["neutral"] * n, arousal=rng.uniform(0, 1, n), valence=rng.uniform(-1, 1, n),
                      dominance=rng.uniform(0, 1, n), face_emotion=emo, face_confidence=rng.uniform(0.3, 1, n),
                      listener=[(chars[(i + 1) % n],) for i in range(n)], conflict=rng.random(n) < 0.05,
                      person_id=np.full(n, -1))
    cast = sorted(set(chars))
    moments = MomentTable(character=chars, row=np.arange(n), scene=np.zeros(n, int), time=start, valence=ds.valence,
                          arousal=ds.arousal, surprise=rng.uniform(0, 0.8, n))
    sudden = np.flatnonzero(rng.random(n) < 0.1)
    trans = TransitionTable(character=[chars[i] for i in sudden], index=np.arange(len(sudden)), time=start[sudden],
                            type=["SUDDEN"] * len(sudden), row=sudden)
    cuts = start[::7]
    scenes = SceneTable(scene=np.arange(len(cuts)), start=cuts)
    pers = PersonalityTable(character=[c for c in cast for _ in "OCEAN"], trait=list("OCEAN") * len(cast),
                            value=rng.uniform(0, 1, 5 * len(cast)))
    social = SocialEdgeTable(source=cast, target=cast[1:] + cast[:1], intimacy=[0.8] * len(cast), circle=["INTIMATE"] * len(cast))
    return {"dataset": ds, "moments": moments, "transitions": trans, "scenes": scenes, "personality": pers,
            "social": social, "faces": FaceTable(time=[], box=np.zeros((0, 4), np.float32), det_conf=[])}


def test_2000_lines_and_a_1400_scene_screenplay_in_10_s(tmp_path):
    from reelmind.promptgen.screenplay.match import MatchOptions, _Speeches, fold, _grams
    from reelmind.promptgen.screenplay.parse import parse_fountain
    from reelmind.promptgen.stage import STAGE

    fountain, lines, _ = generate(SCENES, LINES, seed=0)
    script = tmp_path / "feature.fountain"
    script.write_text(fountain, encoding="utf-8")
    inputs = film(lines)

    t0 = time.perf_counter()
    base = STAGE.run(inputs, STAGE.make_options())["prompts"]
    pipeline_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    out = STAGE.run(inputs, STAGE.make_options({"screenplay": str(script)}))["prompts"]
    full_s = time.perf_counter() - t0
    sp = out.meta["screenplay"]

    # baseline matcher: every speech of the script for each of the first lines
    speeches = _Speeches(parse_fountain(fountain))
    k = 40
    t0 = time.perf_counter()
    for text, _ in lines[:k]:
        u = fold(text)
        ug = _grams(u)
        max(speeches.score(u, ug, j, 0.6, MatchOptions().gate)[0] for j in range(len(speeches.items)))
    scan_s = (time.perf_counter() - t0) * len(lines) / k

    load = os.getloadavg()
    print(f"\n{LINES} lines, {SCENES}-scene screenplay ({sp['speeches']} speeches): stage {full_s:.2f} s "
          f"(pipeline-only {pipeline_s:.2f} s), hit rate {sp['hit_rate']:.3f}, {len(set(out.keyframe))} keyframes; "
          f"full-scan matcher estimate {scan_s:.1f} s = {scan_s / max(full_s - pipeline_s, 1e-9):.0f}x the windowed "
          f"screenplay cost; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")
    assert sp["scenes"] == SCENES and sp["hit_rate"] > 0.9
    assert len(base) == len(out)
    assert full_s <= LIMIT_S, f"{full_s:.1f} s > {LIMIT_S} s"
