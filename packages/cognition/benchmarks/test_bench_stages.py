"""Issue 10 figures for the cognition stages (not in the default test run).

Run: ``.venv/bin/python -m pytest packages/cognition/benchmarks/test_bench_stages.py -q -s``
Prints ``RESULT {...}`` lines; every figure is a ratio against a baseline timed in the same process:

* MiniLM per run, model overhead only (no encoding): what the old analysis paid on every run (sha256
  of the 90 MB weights, then its own model construction) vs what a stage pays now once the process
  holds the model (``models.resolve`` memoised by path + size + mtime, ``models.sentence_transformer``
  kept per process);
* each cognition stage's wall time on the constructed 144-line film, against the moments stage.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def _best(fn, repeat: int = 3) -> float:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return min(out)


def test_minilm_once_per_process():
    from reelmind.cognition.embeddings import Embedder
    from reelmind.core import models

    models.clear_loaded()
    models._file_digest.cache_clear()
    t0 = time.perf_counter()
    Embedder(device="cpu").encode(["first line of the film"])  # resolve + hash + load + encode
    first = time.perf_counter() - t0
    path = models.resolve(models.MINILM).path

    def old_per_run():  # the old code, every run: re-hash the 90 MB weights, build its own SentenceTransformer
        from sentence_transformers import SentenceTransformer

        models.sha256_file(path / "model.safetensors")
        SentenceTransformer(str(path), device="cpu", local_files_only=True)

    def new_per_run():  # a later run in this process, or a second stage: memoised digest, the same model object
        models.resolve(models.MINILM)
        models.sentence_transformer()

    t_old = _best(old_per_run, 3)
    t_new = _best(new_per_run, 5)
    res = {"first_use_s": round(first, 3), "old_per_run_s": round(t_old, 3), "new_per_run_s": round(t_new, 4),
           "speedup": round(t_old / t_new, 1), "load": os.getloadavg()[0]}
    print("\nRESULT minilm " + json.dumps(res, sort_keys=True))
    assert t_new < t_old


def test_stage_times_on_the_constructed_film():
    from cognition_film import make_film

    from reelmind.core.stage import discover_stages

    stages = discover_stages()
    ds = make_film()
    arts = {"dataset": ds}
    times = {}
    for name in ("moments", "memory", "social", "personality", "scores", "report"):
        st = stages[name]
        ins = {k: arts[k] for k in (*st.inputs, *st.optional_inputs) if k in arts}
        st.run(ins, st.make_options({}))  # warm: model loads, numba compiles
        t0 = time.perf_counter()
        arts.update(st.run(ins, st.make_options({})))
        times[name] = round(time.perf_counter() - t0, 3)
    res = {"lines": len(ds), "seconds": times, "vs_moments": {k: round(v / times["moments"], 3) for k, v in times.items()},
           "load": os.getloadavg()[0]}
    print("\nRESULT stages " + json.dumps(res, sort_keys=True))
