"""`reelmind run` of two installations on the same film, interleaved in one run (A B A B ...):
wall time, CPU time of the run's processes, peak memory (GNU time: the largest process; and the peak of
the whole process tree's summed RSS, sampled every 0.1 s, which counts worker processes of
``parallel`` runs together), and the wall and CPU seconds of every stage.

    python bench/run_before_after.py FILM --before /path/to/old/.venv --after .venv --repeat 2 [--md out.md]

One installation against itself with settings (``--before-env OPENBLAS_NUM_THREADS=2 --before-args
"-c old.yaml"``) measures a setting's effect the same way.

Each run writes into a fresh folder (nothing cached); the models' own one-time set-up (~/.cache) is
shared, and a warm-up run of each side goes first and is not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def tree_rss_mb(pid: int) -> float:
    """Summed resident memory (MB) of ``pid`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(d))
            rss[int(d)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total / 2**20


def watch_tree(proc: subprocess.Popen, peak: list[float]) -> None:
    while proc.poll() is None:
        peak[0] = max(peak[0], tree_rss_mb(proc.pid))
        time.sleep(0.1)


def one_run(venv: Path, film: Path, out: Path, extra: list[str], env: dict[str, str] | None = None) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = out.parent / f"{out.name}.peak"
    t0 = time.perf_counter()  # GNU time reports this run's own peak resident memory (KB)
    proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", str(peak), str(venv / "bin" / "reelmind"), "run", str(film),
                             "-o", str(out), *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    tree = [0.0]
    watcher = threading.Thread(target=watch_tree, args=(proc, tree), daemon=True)
    watcher.start()
    stdout, stderr = proc.communicate()
    res = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    wall = time.perf_counter() - t0
    watcher.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode not in (0, 1):
        sys.exit(f"{venv}: reelmind run failed ({res.returncode}): {res.stderr[-500:]}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    done = {name: s for name, s in manifest.get("stages", {}).items() if s.get("status") == "computed"}
    return {"wall": wall, "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "peak_mb": float(peak.read_text().split()[-1]) / 1024, "tree_peak_mb": tree[0],
            "stages": {n: float(s.get("seconds") or 0.0) for n, s in done.items()},
            "stage_cpu": {n: float(s.get("cpu_seconds") or 0.0) for n, s in done.items()}}


def film_seconds(film: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(film)],
                         capture_output=True, text=True, check=True).stdout
    return float(out.strip())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("film", type=Path)
    ap.add_argument("--before", type=Path, required=True, help="venv of the old installation")
    ap.add_argument("--after", type=Path, required=True, help="venv of the new installation")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--after-args", default="", help="extra arguments for the new side's `reelmind run`")
    ap.add_argument("--before-args", default="", help="extra arguments for the old side's `reelmind run`")
    ap.add_argument("--before-env", action="append", default=[], metavar="KEY=VALUE",
                    help="environment variable of the old side's runs (repeatable)")
    ap.add_argument("--md", type=Path, help="append the table to this Markdown file")
    ap.add_argument("--no-warmup", action="store_true", help="count every run (model caches already warm)")
    ap.add_argument("--keep", type=Path, help="write the run folders here (kept, e.g. to compare their tables)")
    args = ap.parse_args(argv)
    seconds = film_seconds(args.film)
    sides = {"before": (args.before, args.before_args.split()), "after": (args.after, args.after_args.split())}
    envs = {"before": dict(kv.split("=", 1) for kv in args.before_env), "after": {}}
    runs: dict[str, list[dict]] = {k: [] for k in sides}
    first = 1 if args.no_warmup else 0
    with tempfile.TemporaryDirectory(prefix="reelmind-ba-") as tmp:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            tmp = str(args.keep)
        for i in range(first, args.repeat + 1):  # round 0 warms the model caches and is not counted
            for side, (venv, extra) in sides.items():
                r = one_run(venv, args.film, Path(tmp) / f"{side}-{i}", extra, envs[side])
                print(f"{side} #{i}: wall {r['wall']:.1f} s, cpu {r['cpu']:.1f} s", file=sys.stderr, flush=True)
                if i:
                    runs[side].append(r)
    med = {side: {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu", "peak_mb", "tree_peak_mb")}
           for side, rs in runs.items()}
    names = sorted({n for rs in runs.values() for r in rs for n in r["stages"]})
    lines = [f"film: {args.film.name} ({seconds:.1f} s); {args.repeat} interleaved runs per side, medians; "
             f"load before: {os.getloadavg()[0]:.1f}", "",
             "| | before | after | after / before |", "|---|---|---|---|"]
    for k, unit in (("wall", "s"), ("cpu", "s"), ("peak_mb", "MB"), ("tree_peak_mb", "MB")):
        lines.append(f"| {k} | {med['before'][k]:.1f} {unit} | {med['after'][k]:.1f} {unit} | "
                     f"{med['after'][k] / med['before'][k]:.2f} |")
    lines.append(f"| real-time factor (film s / wall s) | {seconds / med['before']['wall']:.2f}× | "
                 f"{seconds / med['after']['wall']:.2f}× | |")
    lines.append(f"| real-time factor if both cores were the run's (film s / (CPU s / 2)) | "
                 f"{2 * seconds / med['before']['cpu']:.2f}× | {2 * seconds / med['after']['cpu']:.2f}× | |")
    for n in names:
        vals = [statistics.median(r["stages"].get(n, 0.0) for r in runs[side]) for side in ("before", "after")]
        cpu = [statistics.median(r["stage_cpu"].get(n, 0.0) for r in runs[side]) for side in ("before", "after")]
        lines.append(f"| stage `{n}` wall / CPU | {vals[0]:.1f} / {cpu[0]:.1f} s | {vals[1]:.1f} / {cpu[1]:.1f} s | |")
    text = "\n".join(lines)
    print(text)
    if args.md:
        with open(args.md, "a", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
