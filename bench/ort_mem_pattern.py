"""ONNX Runtime memory patterns on vs off (core.runtime.session_options turns them off): MTCNN
detection on 96 sampled frames of a film, each setting in its own child process, alternating;
prints CPU seconds and peak RSS per run and the medians' ratios (issue 18).

    .venv/bin/python bench/ort_mem_pattern.py FILM [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
import av, numpy as np
from reelmind.core import runtime
from reelmind.core.profiles import load_profile
if sys.argv[2] == "on":
    plain = runtime.session_options
    def with_patterns(*a, **k):
        opts = plain(*a, **k)
        opts.enable_mem_pattern = True
        return opts
    runtime.session_options = with_patterns
from reelmind.perceive.vision.mtcnn import MtcnnDetector
frames = []
with av.open(sys.argv[1]) as c:
    for i, f in enumerate(c.decode(video=0)):
        if i % 6 == 0:
            frames.append(f.to_ndarray(format="rgb24"))
        if len(frames) >= 96:
            break
det = MtcnnDetector(profile=load_profile("cpu-2core"), threads=1)
det.detect(frames[:8])
t = time.process_time()
found = sum(len(d.boxes) for k in range(0, len(frames), 8) for d in det.detect(frames[k:k + 8]))
print(json.dumps({"cpu": time.process_time() - t, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "faces": found}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("film")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    runs: dict[str, list[dict]] = {"on": [], "off": []}
    for _ in range(args.repeat):
        for mode in ("on", "off"):
            out = subprocess.run([sys.executable, "-c", CHILD, args.film, mode], capture_output=True, text=True, check=True)
            runs[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(mode, runs[mode][-1], flush=True)
    med = {m: {k: statistics.median(r[k] for r in rs) for k in ("cpu", "peak_mb")} for m, rs in runs.items()}
    assert {r["faces"] for rs in runs.values() for r in rs} == {runs["on"][0]["faces"]}, "detections differ"
    print(f"patterns on: {med['on']['cpu']:.2f} CPU-s, {med['on']['peak_mb']:.0f} MB; off: {med['off']['cpu']:.2f} CPU-s, "
          f"{med['off']['peak_mb']:.0f} MB; off/on CPU {med['off']['cpu'] / med['on']['cpu']:.2f}, "
          f"peak {med['off']['peak_mb'] / med['on']['peak_mb']:.2f}")


if __name__ == "__main__":
    main()
