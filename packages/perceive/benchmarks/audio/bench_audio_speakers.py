"""The whole audio stage before vs after speaker segmentation, on the same 20-minute film, in one run.

    .venv/bin/python packages/perceive/benchmarks/audio/bench_audio_speakers.py [MINUTES] [OUT.json]

The film: real-voice conversations (reelmind.eval.conversation, 3 pocketsphinx-testdata
speakers, 0-200 ms gaps, ~10 % overlap) laid end to end with different seeds until MINUTES
(default 20) -- dense speech with exact turns. Each run is a fresh process (model loads
included, as for one film of an archive): "before" is the round-0 audio stage (commit 9ab57ba,
one utterance per VAD region, one resemblyzer vector per utterance) run by its own checkout and
venv (``$REELMIND_BASELINE``, default /work/baseline; without one, a git archive of its
packages/perceive over this venv), "previous" (only with ``$BENCH_PREVIOUS``, the
``packages/perceive/src`` folder of an earlier round put over this venv), "after" this tree with the same ASR model (tiny.en, the old
default), and "after, default" this tree with its default (multilingual base). Wall time and
the process CPU time (user + system, of the whole child process) are both recorded: on a
loaded machine wall time is set by the load, CPU time by the work. DER / word-speaker accuracy
/ WER are computed against the known turns.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
BEFORE = "9ab57ba"
BASELINE = Path(os.environ.get("REELMIND_BASELINE", "/work/baseline"))
CHILD = r"""
import json, resource, sys, time
from reelmind.perceive.audio.options import AudioOptions
from reelmind.perceive.audio.pipeline import analyze_audio
import reelmind.perceive.audio.pipeline as p
opts = json.loads(sys.argv[3])
t, c = time.perf_counter(), time.process_time()
res = analyze_audio(sys.argv[1], AudioOptions(**opts), work_dir=sys.argv[2])
el, cpu = time.perf_counter() - t, time.process_time() - c
st = getattr(res, "speaker_turns", None)
w = res.words
print(json.dumps({"elapsed": el, "cpu": cpu, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "code": p.__file__,
  "text": " ".join(res.utterances.text), "utterances": len(res.utterances), "timing": res.meta.get("timing_s"),
  "turns": [[float(a), float(b), s] for a, b, s in zip(st.start, st.end, st.speaker)] if st is not None else None,
  "utt": [[float(a), float(b), s] for a, b, s in zip(res.utterances.start, res.utterances.end, res.utterances.speaker)],
  "words": [list(w.word), [float(x) for x in w.start], list(w.speaker) if hasattr(w, "speaker") and any(w.speaker) else None],
  "speakers": len(set(res.utterances.speaker)), "duration": res.meta["audio"]["duration_s"]}))
"""


def build_film(path: Path, minutes: float) -> list[dict]:
    from reelmind.eval.conversation import conversation_film

    return [dict(speaker=x.speaker, start=x.start, end=x.end, text=x.text) for x in conversation_film(path, minutes)]


def score(turns: list[dict], r: dict) -> dict:
    from reelmind.eval.diarization import der, word_speaker_accuracy
    from reelmind.eval.text import wer

    ref = [(x["start"], x["end"], x["speaker"]) for x in turns]
    hyp = r["turns"] if r["turns"] is not None else r["utt"]
    out = {"der": round(der(ref, hyp).der, 4), "der_from": "speaker_turns" if r["turns"] is not None else "utterances",
           "wer": round(wer(" ".join(x["text"] for x in turns), r["text"]), 4),
           "utterances_per_turn": round(r["utterances"] / len(turns), 3), "speakers": r["speakers"]}
    words, starts, spk = r["words"]
    if spk is None:  # the old stage: a word's speaker is its utterance's
        spk = [next((s for a, b, s in r["utt"] if a - 1e-6 <= st <= b + 1e-6), "") for st in starts]
    out["word_speaker_accuracy"] = round(word_speaker_accuracy(turns, words, spk, starts).accuracy, 4)
    return out


def run(code_path: str | None, film: Path, opts: dict, work: Path, python: str = sys.executable) -> dict:
    import resource

    env = dict(os.environ)
    if code_path:
        env["PYTHONPATH"] = code_path + os.pathsep + env.get("PYTHONPATH", "")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([python, "-c", CHILD, str(film), str(work), json.dumps(opts)], capture_output=True,
                          text=True, env=env, cwd=str(work))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out


def baseline(tmp: Path) -> tuple[str | None, str]:
    """(PYTHONPATH, python) of the round-0 stage: its own checkout + venv, else a git archive over this venv."""
    py = BASELINE / ".venv" / "bin" / "python"
    if py.exists() and (BASELINE / "packages/perceive/src/reelmind/perceive/audio/pipeline.py").exists():
        return None, str(py)
    old = tmp / "old"
    old.mkdir()
    subprocess.run(f"git -C {ROOT} archive {BEFORE} packages/perceive/src | tar -x -C {old}", shell=True, check=True)
    return str(old / "packages/perceive/src"), sys.executable


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    out_json = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    load, up0 = os.getloadavg(), _uptime()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        film = tmp / "film.wav"
        turns = build_film(film, minutes)
        code, python = baseline(tmp)
        base = dict(text_emotion="ensemble", speech_emotion="egemaps")
        runs = {f"before ({BEFORE}, tiny.en)": (code, {**base, "asr_model": "tiny.en"}, python)}
        previous = os.environ.get("BENCH_PREVIOUS")  # packages/perceive/src of an earlier round, over this venv
        if previous:
            runs["previous (tiny.en)"] = (previous, {**base, "asr_model": "tiny.en"}, sys.executable)
        runs |= {"after (tiny.en)": (None, {**base, "asr_model": "tiny.en"}, sys.executable),
                "after (default: base, multilingual)": (None, {**base}, sys.executable)}
        only = os.environ.get("BENCH_ONLY")  # e.g. "before,after (tiny.en)" to skip a run
        results = {}
        for name, (code_path, opts, py) in runs.items():
            if only and not any(name.startswith(o) for o in only.split(",")):
                continue
            work = tmp / name.split()[0]
            work.mkdir(exist_ok=True)
            r = run(code_path, film, opts, work, py)
            results[name] = {"elapsed_s": round(r["elapsed"], 1), "cpu_s": round(r["cpu"], 1),
                             "process_cpu_s": round(r["process_cpu"], 1), "rtf": round(r["elapsed"] / r["duration"], 4),
                             "rtf_cpu": round(r["cpu"] / r["duration"], 4), "peak_rss_mb": round(r["rss_mb"]),
                             "code": r["code"], "timing_s": r["timing"], "load": [round(x, 2) for x in os.getloadavg()],
                             **score(turns, r)}
            print(name, results[name], flush=True)
    first = next(iter(results.values()))
    for r in results.values():
        r["vs_before_wall"] = round(r["elapsed_s"] / first["elapsed_s"], 3)
        r["vs_before_cpu"] = round(r["cpu_s"] / first["cpu_s"], 3)
    summary = {"minutes": minutes, "turns": len(turns), "uptime_before": up0, "load_before": [round(x, 2) for x in load],
               "load_after": [round(x, 2) for x in os.getloadavg()], "uptime_after": _uptime(), "results": results}
    print(json.dumps(summary, indent=1))
    if out_json:
        out_json.write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
