"""A 2-hour film through the whole default audio stage: streamed, with flat memory.

    .venv/bin/python -m pytest packages/perceive/benchmarks/audio/bench_audio_long.py -s -q

Two synthetic films with the same density of speech (the 30-s flite dialogue every 10
minutes over pink noise), 20 and 120 minutes long, AAC 48 kHz stereo. Each runs in its own
process; peak RSS of the two must be close (the 2-hour waveform alone would be 460 MB as
float32).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave

import numpy as np
import pytest
from reelmind.eval.audio import wer
from reelmind.eval.synth import read_wav, synthesize_dialogue

CHILD = r"""
import json, resource, sys, time
from reelmind.perceive.audio.pipeline import analyze_audio
t = time.perf_counter()
res = analyze_audio(sys.argv[1], work_dir=sys.argv[2])
print(json.dumps({"elapsed": time.perf_counter() - t, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "text": " ".join(res.utterances.text), "n": len(res.utterances), "rejects": len(res.rejects),
                  "speakers": sorted(set(res.utterances.speaker)), "flags": res.meta["flags"],
                  "duration": res.meta["audio"]["duration_s"]}))
"""


def _film(tmp_path, minutes: int):
    truth = synthesize_dialogue(tmp_path / "dlg.wav")
    dlg, _ = read_wav(tmp_path / "dlg.wav")
    rng = np.random.default_rng(0)
    raw = tmp_path / f"film{minutes}.wav"
    with wave.open(str(raw), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(16000)
        for _ in range(minutes // 10):  # 10-minute scenes: dialogue, then noise
            n = 600 * 16000
            pink = np.cumsum(rng.standard_normal(n)).astype(np.float32)
            pink = (pink - np.convolve(pink, np.ones(801) / 801, mode="same")) * 0.002
            pink[: len(dlg)] += dlg
            wf.writeframes((np.clip(pink, -1, 1) * 32767).astype("<i2").tobytes())
    out = tmp_path / f"film{minutes}.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(raw), "-ar", "48000", "-ac", "2", "-c:a", "aac",
                    "-b:a", "64k", str(out)], check=True)
    raw.unlink()
    return out, " ".join(line.text for line in truth) * 1


_PEAK: dict[int, float] = {}
_MINUTES = [int(m) for m in os.environ.get("BENCH_LONG_MINUTES", "20,120").split(",")]  # e.g. 20,60 on a loaded machine


@pytest.mark.parametrize("minutes", _MINUTES)
def test_long_film_memory_is_flat(minutes, tmp_path):
    path, script = _film(tmp_path, minutes)
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path), str(tmp_path / "work")], capture_output=True,
                          text=True, check=True)
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    scenes = minutes // 10
    w = wer(" ".join([script] * scenes), r["text"])
    print(f"\n{minutes} min film: {r['elapsed']:.1f} s wall, RTF {r['elapsed'] / r['duration']:.4f}, "
          f"peak RSS {r['rss_mb']:.0f} MB, {r['n']} utterances, {r['rejects']} rejects, "
          f"speakers {r['speakers']}, WER {w:.3f}, flags {r['flags']}")
    assert r["duration"] == pytest.approx(minutes * 60, abs=1.0)
    assert w < 0.15
    assert len(r["speakers"]) == 2
    _PEAK[minutes] = r["rss_mb"]
    if len(_PEAK) > 1:  # the longest film's peak RSS within 10 % of the shortest's
        short, long_ = _PEAK[min(_PEAK)], _PEAK[max(_PEAK)]
        print(f"peak RSS {max(_PEAK)} min / {min(_PEAK)} min: {long_ / short:.3f} (uptime: "
              f"{subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()})")
        assert long_ <= 1.10 * short
