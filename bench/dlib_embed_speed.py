"""dlib's face-recognition ResNet: dlib's own forward pass against the ONNX conversion, in one process.

Real faces (the sample photos, found by MTCNN) go through ``DlibEmbedder.embed_many`` — the faces
pipeline's call: dlib's 5-point shape, dlib's 150x150 chip, then the network — with
``runtime="dlib"`` and ``runtime="onnx"``, alternating for ``--rounds`` rounds; the network alone
(the same chips) is timed too. CPU = process CPU time (all threads), per face. The ONNX session
uses the profile's threads (``--threads``, default 1 = cpu-2core's cores minus the decoder's one)
and batches of ``--batch`` (cpu-2core's face_embed batch: 16).

    .venv/bin/python bench/dlib_embed_speed.py [--faces 64] [--rounds 3] [--threads 1] [--batch 16]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time

import numpy as np

PHOTOS = ("feat/multi_face.jpg", "skimage/astronaut.png", "feat/0-f15-hao-ph.jpg", "feat/0-f1-su-ph.jpg",
          "feat/15-f13-anc-ph.jpg", "feat/45-m7-di-ph.jpg", "feat/single_face.jpg")


def _clock(fn) -> tuple[float, float, object]:
    c, w = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - c, time.perf_counter() - w, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faces", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=16)
    args = ap.parse_args(argv)
    import dlib

    from reelmind.core.media import media_path
    from reelmind.perceive.vision.decode import read_image
    from reelmind.perceive.vision.embed import DlibEmbedder
    from reelmind.perceive.vision.mtcnn import MtcnnDetector

    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    detector = MtcnnDetector()
    jobs = []
    for name in PHOTOS:
        img = read_image(media_path(name))
        jobs += [(img, box, None) for box in detector.detect([img])[0].boxes]
    distinct = len(jobs)
    jobs = (jobs * (args.faces // distinct + 1))[:args.faces]
    native, onnx = DlibEmbedder("dlib"), DlibEmbedder("onnx", threads=args.threads)
    onnx.model.session  # noqa: B018 - session start-up outside the clock
    chips = np.stack([dlib.get_face_chip(im, native._shape(im, box), size=150, padding=0.25) for im, box, _ in jobs])
    onnx.model.run_batched(chips[:1], batch_size=args.batch, pad_to_bucket=False)
    rows = {k: [] for k in ("dlib", "onnx", "dlib_net", "onnx_net")}
    worst = 0.0
    for _ in range(args.rounds):
        rows["dlib"].append(_clock(lambda: native.embed_many(jobs)))
        rows["onnx"].append(_clock(lambda: onnx.embed_many(jobs)))
        rows["dlib_net"].append(_clock(lambda: np.asarray(native.net.compute_face_descriptor(list(chips)), np.float32)))
        rows["onnx_net"].append(_clock(lambda: onnx.model.run_batched(chips, batch_size=args.batch, pad_to_bucket=False)[0]))
        worst = max(worst, float(np.abs(rows["dlib"][-1][2] - rows["onnx"][-1][2]).max()),
                    float(np.abs(rows["dlib_net"][-1][2] - rows["onnx_net"][-1][2]).max()))
    n = len(jobs)
    res = {"uptime_start": uptime, "faces": n, "distinct_faces": distinct, "ort_threads": args.threads,
           "batch": args.batch, "max_abs_diff": worst, "dlib_use_blas": bool(getattr(dlib, "DLIB_USE_BLAS", False))}
    for k, v in rows.items():
        cpu, wall = np.array([x[0] for x in v]), np.array([x[1] for x in v])
        res[k] = {"cpu_ms_per_face": round(float(np.median(cpu)) / n * 1e3, 2),
                  "wall_ms_per_face": round(float(np.median(wall)) / n * 1e3, 2)}
    res["cpu_ratio_embed_many"] = res["dlib"]["cpu_ms_per_face"] / res["onnx"]["cpu_ms_per_face"]
    res["cpu_ratio_net"] = res["dlib_net"]["cpu_ms_per_face"] / res["onnx_net"]["cpu_ms_per_face"]
    res["uptime_end"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
