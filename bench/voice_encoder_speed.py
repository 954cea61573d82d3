"""resemblyzer's voice encoder: its torch module on librosa's mel vs our ONNX conversion, in one
process on the same audio, alternating: CPU seconds and the largest difference of the embeddings
(issue 18). The audio: the first ``--seconds`` of a film's or a WAV's track, 1.6-s voice windows every
0.25 s (the resegmentation's spans) plus one embedding per 3-s clip (the clustering's batches).

    .venv/bin/python bench/voice_encoder_speed.py FILM [--seconds 120] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("film")
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import soundfile as sf
    from reelmind.perceive.audio.diarize import ResemblyzerEmbedder

    with tempfile.TemporaryDirectory() as tmp:
        wav_path = Path(tmp) / "a.wav"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", args.film, "-t", str(args.seconds), "-ac", "1",
                        "-ar", "16000", str(wav_path)], check=True)
        wav, _ = sf.read(str(wav_path), dtype="float32")
    starts = np.arange(0, len(wav) - 25600, 4000) // 160 * 160
    clips = [wav[i:i + 48000] for i in range(0, len(wav) - 48000, 48000)]
    encoders = {"torch": ResemblyzerEmbedder(runtime="torch"), "onnx": ResemblyzerEmbedder(runtime="onnx")}
    for enc in encoders.values():  # load (and convert once) outside the timing
        enc.embed_batch(clips[:1])
    cpu: dict[str, list[float]] = {k: [] for k in encoders}
    out: dict[str, tuple] = {}
    for _ in range(args.repeat):
        for name, enc in encoders.items():
            t = time.process_time()
            out[name] = (enc.embed_spans(wav, starts, 25600), enc.embed_batch(clips))
            cpu[name].append(time.process_time() - t)
    diff = max(float(np.abs(a - b).max()) for a, b in zip(out["torch"], out["onnx"]))
    t, o = statistics.median(cpu["torch"]), statistics.median(cpu["onnx"])
    print(f"{len(starts)} voice windows + {len(clips)} clips of {len(wav) / 16000:.0f} s: torch {t:.2f} CPU-s, "
          f"onnx {o:.2f} CPU-s (onnx/torch {o / t:.2f}); largest difference {diff:.1e}")


if __name__ == "__main__":
    main()
