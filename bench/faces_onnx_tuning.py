"""ONNX Runtime threads and batch sizes of the faces models on this machine (pick per profile).

For intra-op threads 1 and 2 and several batch sizes: CPU seconds and wall seconds per frame of
MTCNN detection (sampled frames of the ground-truth film at 960x540) and per face of fer's
emotion model. Each configuration runs in its own child process (fresh sessions), alternating.

Usage: ``.venv/bin/python bench/faces_onnx_tuning.py GT_FILM.mp4 [--frames 32]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time


def child(film: str, threads: int, batch: int, frames: int) -> None:
    import dataclasses

    import numpy as np

    from reelmind.core.profiles import load_profile
    from reelmind.perceive.vision.decode import sample_frames
    from reelmind.perceive.vision.emotion import fer_classifier
    from reelmind.perceive.vision.mtcnn import MtcnnDetector

    profile = dataclasses.replace(load_profile("cpu-2core"), threads=threads)
    images = [f.image for f, _ in zip(sample_frames(film, 0.25), range(frames))]
    det = MtcnnDetector(profile=profile, batch_size=batch, threads=threads)
    det.detect(images[:batch])  # sessions made, shapes seen
    cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])  # noqa: E731
    c0, w0 = cpu(), time.perf_counter()
    found = []
    for i in range(0, len(images), batch):
        found += det.detect(images[i:i + batch])
    c1, w1 = cpu(), time.perf_counter()
    import cv2

    crops = []
    fer = fer_classifier(None, profile)
    fer.batch_size = batch * 8
    for im, d in zip(images, found):
        crops.append(fer.prepare(cv2.cvtColor(im, cv2.COLOR_RGB2GRAY), d.boxes))
    crops = np.concatenate(crops)
    crops = np.concatenate([crops] * max(1, 512 // max(1, len(crops))))
    fer.predict(crops[:8])
    c2, w2 = cpu(), time.perf_counter()
    fer.predict(crops)
    c3, w3 = cpu(), time.perf_counter()
    print(json.dumps({"threads": threads, "batch": batch, "frames": len(images), "faces": int(sum(len(d) for d in found)),
                      "detect_cpu_per_frame": (c1 - c0) / len(images), "detect_wall_per_frame": (w1 - w0) / len(images),
                      "emotion_batch": batch * 8, "emotion_cpu_per_face": (c3 - c2) / len(crops),
                      "emotion_wall_per_face": (w3 - w2) / len(crops), "load": os.getloadavg()[0]}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("film")
    ap.add_argument("--frames", type=int, default=32)
    args = ap.parse_args()
    rows = []
    for batch in (1, 4, 8, 16):
        for threads in (1, 2):
            res = subprocess.run([sys.executable, __file__, "--child", args.film, str(threads), str(batch), str(args.frames)],
                                 capture_output=True, text=True, check=True)
            rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]), flush=True)
    print("| ORT threads | detect batch | detect CPU ms/frame | detect wall ms/frame | emotion batch | emotion CPU ms/face | load |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['threads']} | {r['batch']} | {1000 * r['detect_cpu_per_frame']:.0f} | {1000 * r['detect_wall_per_frame']:.0f} | "
              f"{r['emotion_batch']} | {1000 * r['emotion_cpu_per_face']:.2f} | {r['load']:.1f} |")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit(main())
