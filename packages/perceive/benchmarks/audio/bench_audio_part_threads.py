"""``analyze_audio`` with ``part_threads`` 1 and 2 alternating in one process (models loaded once, a
warm-up run first), the cpu-2core profile: wall and CPU of each run (issue 18 round 5).

    .venv/bin/python packages/perceive/benchmarks/audio/bench_audio_part_threads.py FILM [ROUNDS]
    taskset -c 1 .venv/bin/python packages/perceive/benchmarks/audio/bench_audio_part_threads.py FILM [ROUNDS]

The second form pins the process to one core: what the threads cost when no core is free.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time


def main(argv: list[str]) -> int:
    from reelmind.core.profiles import load_profile
    from reelmind.core.runtime import blas_threads
    from reelmind.perceive.audio.options import AudioOptions
    from reelmind.perceive.audio.pipeline import analyze_audio

    film, rounds = argv[0], int(argv[1]) if len(argv) > 1 else 2
    work = tempfile.mkdtemp(prefix="bench-part-threads-")
    prof = load_profile("cpu-2core")
    runs: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    with blas_threads(prof):
        analyze_audio(film, AudioOptions(part_threads=1), work_dir=work, profile=prof)  # warm-up: models, caches
        for r in range(rounds):
            for threads in (1, 2):
                load = os.getloadavg()[0]
                w, c = time.perf_counter(), time.process_time()
                out = analyze_audio(film, AudioOptions(part_threads=threads), work_dir=work, profile=prof)
                w, c = time.perf_counter() - w, time.process_time() - c
                runs[threads].append((w, c))
                print(f"round {r} part_threads {threads}: wall {w:.2f} s, CPU {c:.2f} s, walls of the parts "
                      f"{out.meta['timing_s']}, load {load:.2f}", flush=True)
    for threads, vals in runs.items():
        print(f"part_threads {threads}: median wall {statistics.median(v[0] for v in vals):.2f} s, "
              f"median CPU {statistics.median(v[1] for v in vals):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
