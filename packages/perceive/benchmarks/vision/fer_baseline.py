"""Baseline: the ``fer`` package's own per-frame ``FER(mtcnn=True).detect_emotions``.

Runs in the separate bench venv made by ``tools/perceive_vision_fer_venv.sh`` (TensorFlow,
fer, facenet-pytorch); never imported by the reelmind packages. Usage:

    /tmp/fervenv/bin/python fer_baseline.py FRAMES.npz OUT.json [--tflite|--keras]

FRAMES.npz holds ``frames`` (n, H, W, 3) RGB uint8. fer takes BGR images, so frames are
converted to BGR as fer's docs ask. Writes the wall time per frame and the faces found.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np


def main() -> None:
    src, dst = sys.argv[1], sys.argv[2]
    use_tflite = "--keras" not in sys.argv
    import cv2
    from fer.fer import FER

    frames = np.load(src)["frames"]
    fer = FER(mtcnn=True, use_tflite=use_tflite)
    bgr = [cv2.cvtColor(f, cv2.COLOR_RGB2BGR) for f in frames]
    fer.detect_emotions(bgr[0])  # warm-up (model load, first graph run), not timed
    t, c = time.perf_counter(), time.process_time()
    results = [fer.detect_emotions(im) for im in bgr]
    dt, cpu = time.perf_counter() - t, time.process_time() - c
    out = {"seconds": dt, "cpu_seconds": cpu, "frames": len(frames), "fps": len(frames) / dt, "use_tflite": use_tflite,
           "faces": [[{"box": [int(v) for v in r["box"]], "emotion": max(r["emotions"], key=r["emotions"].get)} for r in res]
                     for res in results]}
    with open(dst, "w") as fh:
        json.dump(out, fh)


if __name__ == "__main__":
    main()
