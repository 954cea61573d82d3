"""Archive throughput vs the sequential loop of ``reelmind run``, and the driver's memory.

1. ``throughput``: the 12 films of reelmind.eval.archive_films (5 short ground-truth films, 5
   sample clips, 2 corrupt files), measured in one run: (a) a shell loop of ``reelmind run FILM``
   (one process per film, as a user would run it today), (b) one process calling the local
   driver film after film (models loaded once: the strictest baseline), (c) ``reelmind archive``
   (starts its own local Ray). Wall-clock seconds of each, ratios against (a) and (b).
2. ``memory``: ``reelmind archive`` on manifests of N and 10*N distinct 1-second films (colour
   frames + a tone, made with ffmpeg); the driver's peak resident memory, sampled from /proc.

Usage: ``python bench/archive_bench.py throughput|memory [--work DIR] [--films N]``; prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _timed(cmd: list[str], log: Path) -> tuple[float, int, int]:
    """Wall seconds, exit code and the peak RSS (KiB) of the command's own process."""
    peak = [0]
    with open(log, "ab") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=out, cwd=ROOT)

        def sample() -> None:
            status = Path(f"/proc/{proc.pid}/status")
            while proc.poll() is None:
                try:
                    for line in status.read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            peak[0] = max(peak[0], int(line.split()[1]))
                except OSError:
                    pass
                time.sleep(0.2)

        t = threading.Thread(target=sample, daemon=True)
        t.start()
        rc = proc.wait()
        t.join()
    return time.perf_counter() - t0, rc, peak[0]


SEQUENTIAL = """
import csv, sys
from pathlib import Path
from reelmind.core.config import RunConfig
from reelmind.core.errors import ReelmindError
from reelmind.pipeline.orchestrate import run_pipeline
manifest = Path(sys.argv[1])
config = RunConfig.from_yaml(sys.argv[3])
for i, row in enumerate(csv.DictReader(open(manifest))):
    p = Path(row["path"]); p = p if p.is_absolute() else manifest.parent / p
    try:
        run_pipeline(p, Path(sys.argv[2]) / str(i), config)
    except ReelmindError as exc:
        print("failed", p, exc)
"""


def _config(work: Path) -> str:
    """The same run config for every contender (the default one: the faces stage keeps no cache of
    its own outside the run folder since the faces/persons split, so no contender reuses another's
    face analysis of the same film)."""
    path = work / "run.yaml"
    path.write_text("stages: {}\n")
    return str(path)


def throughput(work: Path) -> dict:
    import csv

    from reelmind.eval.archive_films import build_archive

    manifest = build_archive(work / "films")
    films = []
    for row in csv.DictReader(open(manifest)):
        p = Path(row["path"])
        films.append(p if p.is_absolute() else manifest.parent / p)
    log = work / "bench.log"
    config = _config(work)
    out = {"films": len(films), "load_before": _load()}
    t0 = time.perf_counter()
    for i, film in enumerate(films):
        _timed([str(BIN / "reelmind"), "run", str(film), "-o", str(work / "loop" / str(i)), "-c", config], log)
    out["cli_loop_s"] = round(time.perf_counter() - t0, 1)
    script = work / "sequential.py"
    script.write_text(SEQUENTIAL)
    s, _, _ = _timed([sys.executable, str(script), str(manifest), str(work / "seq"), config], log)
    out["in_process_loop_s"] = round(s, 1)
    s, rc, rss = _timed([str(BIN / "reelmind"), "archive", str(manifest), "-o", str(work / "store"), "-c", config], log)
    out.update(archive_s=round(s, 1), archive_rc=rc, archive_driver_peak_rss_mb=round(rss / 1024, 1),
               load_after=_load())
    out["archive_vs_cli_loop"] = round(out["cli_loop_s"] / out["archive_s"], 3)
    out["archive_vs_in_process_loop"] = round(out["in_process_loop_s"] / out["archive_s"], 3)
    return out


def _short_films(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    ffmpeg = shutil.which("ffmpeg") or "ffmpeg"
    for i in range(n):
        f = folder / f"short{i:04d}.mp4"
        if f.exists():
            continue
        colour = f"0x{(i * 2654435761) % 0xFFFFFF:06x}"
        subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-f", "lavfi", "-i", f"color=c={colour}:s=160x120:d=1:r=10",
                        "-f", "lavfi", "-i", f"sine=f={200 + 3 * i}:d=1", "-shortest", "-c:v", "libx264", "-preset",
                        "ultrafast", "-c:a", "aac", str(f)], check=True)
    return folder


def memory(work: Path, n: int) -> dict:
    folder = _short_films(work / "short", 10 * n)
    names = sorted(p.name for p in folder.glob("short*.mp4"))
    out = {"load_before": _load()}
    for count in (n, 10 * n):
        manifest = folder / f"manifest-{count}.txt"
        manifest.write_text("\n".join(names[:count]) + "\n")
        s, rc, rss = _timed([str(BIN / "reelmind"), "archive", str(manifest), "-o", str(work / f"store-{count}"),
                             "-c", _config(work)], work / "memory.log")
        out[str(count)] = {"seconds": round(s, 1), "rc": rc, "driver_peak_rss_mb": round(rss / 1024, 1)}
    out["rss_ratio"] = round(out[str(10 * n)]["driver_peak_rss_mb"] / out[str(n)]["driver_peak_rss_mb"], 3)
    out["load_after"] = _load()
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("throughput", "memory"))
    ap.add_argument("--work", default=None)
    ap.add_argument("--films", type=int, default=20, help="memory: N (runs N and 10*N films)")
    args = ap.parse_args()
    work = Path(args.work or f"/tmp/reelmind-archive-bench-{args.what}")
    work.mkdir(parents=True, exist_ok=True)
    result = throughput(work) if args.what == "throughput" else memory(work, args.films)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
