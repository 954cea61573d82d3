"""Cognition on the fused output of the ground-truth film (issue 6 "Done when").

Builds the film (reelmind.eval.groundtruth), runs the installed perception + fuse stages as the
orchestrator would, then the moments and memory stages twice on the fused dataset: the state
machine and the memory run on real pipeline output, and the two runs' records are byte-identical.
Not in the default test run (perception takes minutes on 2 cores):

    .venv/bin/python -m pytest packages/cognition/benchmarks/test_groundtruth_cognition.py -q -s
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

COGNITION = ("moments", "memory")


def test_cognition_on_the_fused_ground_truth_film(tmp_path):
    from reelmind.core.stage import discover_stages
    from reelmind.eval.groundtruth import build, load
    from reelmind.pipeline.orchestrate import plan

    found = discover_stages()
    reasons = [f"{n}: {r}" for n in ("faces", "audio", "fuse", *COGNITION) for r in (found[n].check() if n in found else ["not installed"])]
    if reasons:
        pytest.skip("; ".join(reasons))
    truth_path = build(tmp_path / "film")
    truth = load(truth_path)
    artefacts: dict = {"video": truth_path.parent / "film.mp4"}
    timings = {}
    upstream = [s for s in plan({k: v for k, v in found.items()}, {"video"}, only=("fuse",)).order]
    for stage in upstream:  # faces (+ persons when split), audio, fuse
        t0 = time.perf_counter()
        inputs = {k: artefacts[k] for k in (*stage.inputs, *stage.optional_inputs) if k in artefacts}
        artefacts.update(stage.run(inputs, stage.make_options({})))
        timings[stage.name] = round(time.perf_counter() - t0, 1)
    ds = artefacts["dataset"]
    assert len(ds) >= len(truth["lines"]) - 1
    runs = []
    for k in range(2):
        arts = {"dataset": ds}
        for name in COGNITION:
            st = found[name]
            t0 = time.perf_counter()
            arts.update(st.run({i: arts[i] for i in (*st.inputs, *st.optional_inputs) if i in arts}, st.make_options({})))
            timings[f"{name}_{k}"] = round(time.perf_counter() - t0, 1)
        runs.append(arts)
    for name in (o for n in COGNITION for o in found[n].outputs):
        runs[0][name].to_parquet(tmp_path / f"a_{name}.parquet")
        runs[1][name].to_parquet(tmp_path / f"b_{name}.parquet")
        assert (tmp_path / f"a_{name}.parquet").read_bytes() == (tmp_path / f"b_{name}.parquet").read_bytes(), name
    a = runs[0]
    speakers = sorted(set(ds.character))
    per_char = {c: int(np.count_nonzero(ds.character == c)) for c in speakers}
    tr = a["transitions"]
    assert len(tr) == sum(n - 1 for n in per_char.values())
    assert set(tr.type) <= {"NATURAL", "GRADUAL", "TRIGGERED", "SUDDEN"}
    mem = a["memories"]
    assert int(np.count_nonzero(mem.kind == "moment")) == len(ds)
    summary = {"rows": len(ds), "characters": per_char, "arcs": dict(zip(a["arcs"].character, a["arcs"].arc_class)),
               "transition_types": {k: int(np.count_nonzero(tr.type == k)) for k in ("NATURAL", "GRADUAL", "TRIGGERED", "SUDDEN")},
               "memory": {"total": len(mem), "by_tier": {t: int(np.count_nonzero(mem.tier == t)) for t in sorted(set(mem.tier))}},
               "weights": a["moments"].meta["channel_weights"]["rule"], "seconds": timings}
    print("\nGROUNDTRUTH " + json.dumps(summary, sort_keys=True))
