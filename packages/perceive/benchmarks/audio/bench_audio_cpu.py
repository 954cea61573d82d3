"""CPU of the whole audio stage, before vs after (issue 18 round 4), on one film, in one run.

    .venv/bin/python packages/perceive/benchmarks/audio/bench_audio_cpu.py FILM [--before 4b6ec20]
        [--rounds 2] [--json OUT.json]

"before" is the audio stage of a commit (``git archive`` of its ``packages/perceive`` put first
on PYTHONPATH over this venv; the other packages are this tree's), "after" this tree; both run the default options with the cpu-2core
profile (its BLAS threads), each round a fresh process per side, alternating, so the machine's
load hits both alike. Recorded per run: the CPU time (user + system) of the whole child process
(imports and model loads included, as for one film in ``reelmind run``) and of ``analyze_audio``,
its parts (process-time wrappers: ASR, VAD, diarization, eGeMAPS), and wall time. The output
tables of the first "before" and "after" runs are compared column by column (exact equality; NaN
equals NaN): the answers must not change.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[4]
TABLES = ("utterances", "words", "rejects", "speech_emotion", "speaker_turns")
CHILD = r"""
import functools, json, resource, sys, time
c_start = time.process_time()
from reelmind.core.profiles import load_profile
from reelmind.core.runtime import blas_threads
import reelmind.perceive.audio.pipeline as P
import reelmind.perceive.audio.vad as V
import reelmind.perceive.audio.asr as A
import reelmind.perceive.audio.speech_emotion as SE
from reelmind.perceive.audio.options import AudioOptions
parts = {}
def wrap(owner, name, key):
    f = getattr(owner, name)
    @functools.wraps(f)
    def g(*a, **k):
        t = time.process_time()
        try:
            return f(*a, **k)
        finally:
            parts[key] = parts.get(key, 0.0) + time.process_time() - t
    setattr(owner, name, g)
wrap(V, "speech_regions", "vad")
wrap(A.FasterWhisperAsr, "transcribe", "asr")
wrap(SE, "egemaps_features", "egemaps")
make = P.make_diarizer
def make_diarizer(*a, **k):
    d = make(*a, **k)
    if d is not None:
        wrap(d, "add_block", "diarization"); wrap(d, "finish", "diarization")
    return d
P.make_diarizer = make_diarizer
profile = load_profile("cpu-2core")
with blas_threads(profile):
    t, c = time.perf_counter(), time.process_time()
    res = P.analyze_audio(sys.argv[1], AudioOptions(), work_dir=sys.argv[2] + "/work", profile=profile)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
for name in %r:
    getattr(res, name).to_parquet(sys.argv[2] + "/" + name + ".parquet")
ru = resource.getrusage(resource.RUSAGE_SELF)
print("RESULT " + json.dumps({"wall": wall, "cpu_analyze": cpu, "cpu_process": ru.ru_utime + ru.ru_stime,
                              "parts": parts, "timing_s": res.meta.get("timing_s"), "asr": res.meta.get("asr"),
                              "counts": res.meta.get("counts"), "src": P.__file__}))
""" % (TABLES,)


def export(commit: str, dest: Path) -> str:
    """PYTHONPATH of ``commit``'s perceive package (exported under ``dest``)."""
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "packages/perceive"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return str(dest / "packages" / "perceive" / "src")


def run(film: str, out: Path, pythonpath: str | None) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.run([sys.executable, "-c", CHILD, film, str(out)], env=env, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"child failed:\n{proc.stderr[-3000:]}")
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def compare(a: Path, b: Path) -> dict[str, str]:
    """Per table: 'equal' or the columns that differ."""
    import pyarrow.parquet as pq

    out = {}
    for name in TABLES:
        ta, tb = pq.read_table(a / f"{name}.parquet"), pq.read_table(b / f"{name}.parquet")
        diff = [c for c in ta.column_names if c not in tb.column_names or not _same(ta[c].to_pylist(), tb[c].to_pylist())]
        out[name] = "equal" if not diff and ta.num_rows == tb.num_rows else f"differ: {diff} ({ta.num_rows} vs {tb.num_rows} rows)"
    return out


def _same(x: list, y: list) -> bool:
    if len(x) != len(y):
        return False
    for u, v in zip(x, y):
        if isinstance(u, float) and isinstance(v, float) and np.isnan(u) and np.isnan(v):
            continue
        if isinstance(u, list) and isinstance(v, list):
            if not _same(u, v):
                return False
            continue
        if u != v:
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("film")
    ap.add_argument("--before", default="4b6ec20", help="commit of the 'before' audio stage")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", default="")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-audio-cpu-") as tmp:
        tmp = Path(tmp)
        before_path = export(args.before, tmp / "before_src")
        runs: dict[str, list[dict]] = {"before": [], "after": []}
        for r in range(args.rounds):
            for side in ("before", "after"):
                res = run(args.film, tmp / f"{side}{r}", before_path if side == "before" else None)
                runs[side].append(res)
                print(f"round {r} {side}: process CPU {res['cpu_process']:.1f} s, analyze_audio CPU "
                      f"{res['cpu_analyze']:.1f} s, wall {res['wall']:.1f} s, parts "
                      + ", ".join(f"{k} {v:.1f}" for k, v in sorted(res["parts"].items())) + f" ({res['src']})", flush=True)
        same = compare(tmp / "before0", tmp / "after0")
        print("tables before vs after:", json.dumps(same))

    def mean(side: str, key: str, part: bool = False) -> float:
        vals = [x["parts"].get(key, 0.0) if part else x[key] for x in runs[side]]
        return float(np.mean(vals))

    rows = [("process CPU", "cpu_process", False), ("analyze_audio CPU", "cpu_analyze", False), ("wall", "wall", False)]
    rows += [(f"{k} CPU", k, True) for k in sorted(runs["after"][0]["parts"])]
    print("| | before | after | after / before |\n|---|---|---|---|")
    for label, key, part in rows:
        b, a = mean("before", key, part), mean("after", key, part)
        print(f"| {label} | {b:.1f} s | {a:.1f} s | {a / b:.2f} |" if b else f"| {label} | {b:.1f} | {a:.1f} | |")
    if args.json:
        Path(args.json).write_text(json.dumps({"film": args.film, "before": args.before, "runs": runs, "tables": same},
                                              indent=1))
    return 0 if all(v == "equal" for v in same.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
