"""Time per utterance of the text-emotion channel (cpu-2core profile), new default vs the old ensemble.

    .venv/bin/python -m pytest packages/perceive/benchmarks/audio/bench_text_emotion.py -s -q

The English lines (795) of reelmind-eval's text_en.tsv (film-style dialogue, 1-25 words), batched as
the audio stage batches them (profile cpu-2core: text_emotion batch 32). Both backends run in the
same process, models loaded before timing, three repeats each (the best is kept). Reported per
utterance: wall time and process CPU time. The machine is shared, so wall time is inflated by
other jobs; process CPU time is what the channel itself costs, and on an otherwise idle machine
its wall time is at most that (the work never waits on I/O). The gate is CPU time < 5 ms with
the profile's 2 threads.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from reelmind.eval.channels import data_path, read_text_set

OUT = Path(os.environ.get("REELMIND_BENCH_OUT", "bench")) / "text_emotion_bench.json"


class _Profile:
    name, threads = "cpu-2core", 2

    @staticmethod
    def batch_size(task: str, default: int) -> int:
        return {"text_emotion": 32}.get(task, default)


def _time(backend, texts, repeats: int = 3) -> dict:
    backend.predict(texts[:8])
    best = None
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        backend.predict(texts)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        if best is None or cpu < best[1]:
            best = (wall, cpu)
    n = len(texts)
    return {"wall_ms_per_utt": round(1000 * best[0] / n, 3), "cpu_ms_per_utt": round(1000 * best[1] / n, 3)}


def test_text_channel_under_5ms_per_utterance():
    from reelmind.perceive.audio.options import AudioOptions
    from reelmind.perceive.audio.text_emotion import make_text_emotion

    texts = [r["text"] for r in read_text_set(data_path("text_en.tsv"))]
    new = make_text_emotion(AudioOptions(text_emotion="minilm-head", cpu_threads=2), _Profile())
    old = make_text_emotion(AudioOptions(text_emotion="ensemble"))
    res = {"lines": len(texts), "load": os.getloadavg(), "minilm-head": _time(new, texts), "ensemble": _time(old, texts)}
    res["cpu_ratio_old_over_new"] = round(res["ensemble"]["cpu_ms_per_utt"] / res["minilm-head"]["cpu_ms_per_utt"], 2)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(res, indent=1))
    print(json.dumps(res))
    assert res["minilm-head"]["cpu_ms_per_utt"] < 5.0, res


if __name__ == "__main__":
    pytest.main([__file__, "-s", "-q"])
