"""Wall time of the audio stage with its parts one after the other vs side by side (issue 18 round 5).

    .venv/bin/python packages/perceive/benchmarks/audio/bench_audio_wall.py FILM [--rounds 2]
        [--beside-cpu 30] [--json OUT.json]

Each round runs ``reelmind run FILM -o FRESH --only audio`` twice, alternating: ``part_threads: 1``
(a block's ASR, then its speaker analysis; eGeMAPS in one thread: the code before) and the default
(``part_threads: 0`` -> 2 on the cpu-2core profile). With ``--beside-cpu S`` a second process starts
with each run and burns one core for a fixed amount of work (what S CPU-seconds do on an idle core,
calibrated once at the start), standing in for the faces stage that ``parallel: 2`` runs beside audio:
the figure that matters is when both have ended. Recorded: wall and CPU (user + system of the run's
processes) of the audio run, the stage's own wall and its parts' (ASR, diarization: ``meta.timing_s``),
the companion's wall, the 1-minute load before each run. The five
output tables of the first two runs are compared value for value (the tables must not change).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_audio_cpu import TABLES, compare  # noqa: E402

BURN = "import sys\nn = int(sys.argv[1])\nx = 0\nfor i in range(n):\n    x += i * i\n"


def loops_per_cpu_second() -> float:
    """Iterations of :data:`BURN`'s loop per CPU-second in this process (the best of 3 short tries)."""
    best = 0.0
    for _ in range(3):
        n, c = 3_000_000, time.process_time()
        x = 0
        for i in range(n):
            x += i * i
        best = max(best, n / max(time.process_time() - c, 1e-9))
    return best


def one_run(film: str, out: Path, config: Path, burn: int) -> dict:
    """One ``reelmind run --only audio`` (and the companion): when each ended, and the run's CPU."""
    exe = Path(sys.executable).with_name("reelmind")
    load = os.getloadavg()[0]
    t = time.perf_counter()
    names = {}
    if burn:
        names[subprocess.Popen([sys.executable, "-c", BURN, str(burn)]).pid] = "beside"
    with open(f"{out}.log", "w") as log:
        names[subprocess.Popen([str(exe), "run", film, "-o", str(out), "--only", "audio", "-c", str(config)],
                               stdout=log, stderr=subprocess.STDOUT).pid] = "audio"
    ended = {}
    while len(ended) < len(names):
        pid, status, usage = os.wait4(-1, 0)  # the process and the children it waited for
        if pid in names:
            ended[names[pid]] = (time.perf_counter() - t, usage.ru_utime + usage.ru_stime,
                                 os.waitstatus_to_exitcode(status))
    if ended["audio"][2]:
        raise SystemExit(f"reelmind run failed: see {out}.log")
    beside = ended["beside"][0] if burn else None
    from reelmind.core.records import UtteranceTable

    meta = UtteranceTable.read_parquet(sorted(out.rglob("utterances.parquet"))[0]).meta
    return {"wall": ended["audio"][0], "cpu": ended["audio"][1], "beside_wall": beside, "load": load,
            "both_ended": max(ended["audio"][0], beside or 0.0), "stage_s": meta.get("elapsed_s"),
            "parts_s": meta.get("timing_s"), "part_threads": meta.get("part_threads")}


def tables_of(run_dir: Path, dest: Path) -> Path:
    """The audio stage's tables of a run folder, as ``NAME.parquet`` under ``dest``."""
    import shutil

    dest.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        found = sorted(run_dir.rglob(f"{name}.parquet"))
        if not found:
            raise SystemExit(f"no {name}.parquet under {run_dir}")
        shutil.copy(found[0], dest / f"{name}.parquet")
    return dest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("film")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--beside-cpu", type=float, default=0.0,
                    help="CPU-seconds of work for a companion process started with each run (0: none)")
    ap.add_argument("--json", default="")
    args = ap.parse_args(argv)
    burn = int(args.beside_cpu * loops_per_cpu_second()) if args.beside_cpu else 0
    sides = {"one after the other": "stages:\n  audio:\n    part_threads: 1\n", "side by side": ""}
    runs: dict[str, list[dict]] = {s: [] for s in sides}
    with tempfile.TemporaryDirectory(prefix="bench-audio-wall-") as tmp:
        tmp = Path(tmp)
        configs = {}
        for i, (side, text) in enumerate(sides.items()):
            configs[side] = tmp / f"side{i}.yaml"
            configs[side].write_text(text or "{}\n")
        for r in range(args.rounds):
            for i, side in enumerate(sides):
                res = one_run(args.film, tmp / f"run{r}_{i}", configs[side], burn)
                runs[side].append(res)
                print(f"round {r} {side}: audio wall {res['wall']:.1f} s (the stage {res['stage_s']} s, "
                      f"walls of its parts {res['parts_s']}), CPU {res['cpu']:.1f} s"
                      + (f", companion ended at {res['beside_wall']:.1f} s" if burn else "")
                      + f" (load {res['load']:.2f})", flush=True)
        same = compare(tables_of(tmp / "run0_0", tmp / "t0"), tables_of(tmp / "run0_1", tmp / "t1"))
    print("tables one after the other vs side by side:", json.dumps(same))
    print("| | one after the other | side by side | ratio |\n|---|---|---|---|")
    keys = [("audio wall", "wall"), ("audio CPU", "cpu")] + ([("both ended", "both_ended")] if burn else [])
    a, b = list(sides)
    for label, key in keys:
        x = sum(v[key] for v in runs[a]) / len(runs[a])
        y = sum(v[key] for v in runs[b]) / len(runs[b])
        print(f"| {label} | {x:.1f} s | {y:.1f} s | {y / x:.2f} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"film": args.film, "beside_cpu": args.beside_cpu, "runs": runs,
                                               "tables": same}, indent=1))
    return 0 if all(v == "equal" for v in same.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
