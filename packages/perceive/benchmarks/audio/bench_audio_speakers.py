"""The whole audio stage before vs after speaker segmentation, on the same 20-minute film, in one run.

    .venv/bin/python packages/perceive/benchmarks/audio/bench_audio_speakers.py [MINUTES] [OUT.json]

The film: real-voice conversations (reelmind.eval.conversation, 3 pocketsphinx-testdata
speakers, 0-200 ms gaps, ~10 % overlap) laid end to end with different seeds until MINUTES
(default 20) -- dense speech with exact turns. Each run is a fresh process (model loads
included, as for one film of an archive): "before" is the audio stage of commit b2c5521 (git
archive of packages/perceive, the same core), "after" this tree with the same ASR model
(tiny.en, the old default), and "after, default" this tree with its default (multilingual base).
DER / word-speaker accuracy / WER are computed against the known turns.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[4]
BEFORE = "b2c5521"
CHILD = r"""
import json, resource, sys, time
from reelmind.perceive.audio.options import AudioOptions
from reelmind.perceive.audio.pipeline import analyze_audio
import reelmind.perceive.audio.pipeline as p
opts = json.loads(sys.argv[3])
t = time.perf_counter()
res = analyze_audio(sys.argv[1], AudioOptions(**opts), work_dir=sys.argv[2])
el = time.perf_counter() - t
st = getattr(res, "speaker_turns", None)
w = res.words
print(json.dumps({"elapsed": el, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "code": p.__file__,
  "text": " ".join(res.utterances.text), "utterances": len(res.utterances), "timing": res.meta.get("timing_s"),
  "turns": [[float(a), float(b), s] for a, b, s in zip(st.start, st.end, st.speaker)] if st is not None else None,
  "utt": [[float(a), float(b), s] for a, b, s in zip(res.utterances.start, res.utterances.end, res.utterances.speaker)],
  "words": [list(w.word), [float(x) for x in w.start], list(w.speaker) if any(w.speaker) else None],
  "speakers": len(set(res.utterances.speaker)), "duration": res.meta["audio"]["duration_s"]}))
"""


def build_film(path: Path, minutes: float) -> list[dict]:
    from reelmind.eval.conversation import real_conversation
    from reelmind.eval.synth import read_wav, write_wav

    parts, turns, t, seed = [], [], 0.0, 0
    with tempfile.TemporaryDirectory() as tmp:
        while t < minutes * 60:
            tt = real_conversation(Path(tmp) / "c.wav", rounds=2, seed=seed)
            a, _ = read_wav(Path(tmp) / "c.wav")
            turns += [dict(speaker=x.speaker, start=x.start + t, end=x.end + t, text=x.text) for x in tt]
            parts.append(a)
            t += len(a) / 16000
            seed += 1
    write_wav(path, np.concatenate(parts))
    return turns


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


def run(code_path: str | None, film: Path, opts: dict, work: Path) -> dict:
    env = dict(os.environ)
    if code_path:
        env["PYTHONPATH"] = code_path + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", CHILD, str(film), str(work), json.dumps(opts)], capture_output=True,
                          text=True, env=env)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    out_json = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        film = tmp / "film.wav"
        turns = build_film(film, minutes)
        old = tmp / "old"
        old.mkdir()
        subprocess.run(f"git -C {ROOT} archive {BEFORE} packages/perceive/src | tar -x -C {old}", shell=True, check=True)
        base = dict(text_emotion="ensemble", speech_emotion="egemaps")
        runs = {"before (b2c5521, tiny.en)": (str(old / "packages/perceive/src"), {**base, "asr_model": "tiny.en"}),
                "after (tiny.en)": (None, {**base, "asr_model": "tiny.en"}),
                "after (default: base, multilingual)": (None, {**base})}
        results = {}
        for name, (code, opts) in runs.items():
            r = run(code, film, opts, tmp / name.split()[0])
            results[name] = {"elapsed_s": round(r["elapsed"], 1), "rtf": round(r["elapsed"] / r["duration"], 4),
                             "peak_rss_mb": round(r["rss_mb"]), "timing_s": r["timing"], **score(turns, r)}
            print(name, results[name], flush=True)
    first = next(iter(results.values()))["elapsed_s"]
    for r in results.values():
        r["vs_before"] = round(r["elapsed_s"] / first, 3)
    summary = {"minutes": minutes, "turns": len(turns), "load_before": [round(x, 2) for x in load],
               "load_after": [round(x, 2) for x in os.getloadavg()], "results": results}
    print(json.dumps(summary, indent=1))
    if out_json:
        out_json.write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
