"""The real voices of the conversation bench, measured alone (issue 11): how far apart the speakers
are (resemblyzer cosine between their clips, cut to their aligned speech and trimmed) and how much of each clip is quiet
at its ends (the clip's noise floor against its peak, and the clip's length after the generator's
trim vs from the first to the last 10-ms frame over 25 dB under the peak).

    .venv/bin/python packages/perceive/benchmarks/audio/conversation_voices.py
"""

from __future__ import annotations

import numpy as np

from reelmind.eval.conversation import SAMPLE_RATE, real_voices, trim
from reelmind.perceive.audio.diarize import ResemblyzerEmbedder

HOP = SAMPLE_RATE // 100  # 10-ms frames, as trim()


def frame_db(audio: np.ndarray) -> np.ndarray:
    """Each 10-ms frame's RMS in dB under the clip's loudest frame."""
    n = len(audio) // HOP
    rms = np.sqrt(np.mean(audio[:n * HOP].reshape(n, HOP) ** 2, axis=1) + 1e-12)
    return 20 * np.log10(rms / rms.max())


def main() -> None:
    voices = real_voices()
    emb = ResemblyzerEmbedder()
    vecs = {spk: emb.embed_batch([trim(c) for c, _ in clips]) for spk, clips in voices.items()}
    print("cosine between clips: min-mean-max (within a speaker: distinct pairs)")
    for a in vecs:
        cells = []
        for b in vecs:
            s = vecs[a] @ vecs[b].T
            s = s[np.triu_indices(len(s), 1)] if a == b else s.ravel()
            cells.append(f"{b} {s.min():.2f}-{s.mean():.2f}-{s.max():.2f}")
        print(f"  {a:7s}", " | ".join(cells))
    print("\nclip ends: noise floor (10th percentile frame, dB under peak); length raw / trimmed / loud span"
          " (first to last frame within 25 dB of the peak); quiet lead and tail of the trimmed clip")
    for spk, clips in voices.items():
        for clip, text in clips:
            t = trim(clip)
            db = frame_db(t)
            loud = np.flatnonzero(db > -25)
            print(f"  {spk:7s} floor {np.percentile(frame_db(clip), 10):6.1f} dB  {len(clip) / SAMPLE_RATE:5.2f}"
                  f" / {len(t) / SAMPLE_RATE:5.2f} / {(loud[-1] - loud[0] + 1) / 100:5.2f} s  quiet lead"
                  f" {loud[0] / 100:4.2f} s, tail {(len(db) - 1 - loud[-1]) / 100:4.2f} s  {text[:30]!r}")


if __name__ == "__main__":
    main()
