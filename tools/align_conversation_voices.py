"""Where the speech lies in each real-voice clip of the conversation generator, by forced alignment.

    pip install pocketsphinx==5.1.1   # not part of the default stack; its wheel carries the en-us model
    .venv/bin/python tools/align_conversation_voices.py  # writes packages/eval/.../data/voice_extents.tsv

Every clip of ``reelmind.eval.conversation`` (pocketsphinx-testdata's read speech and alsa-utils'
loudspeaker names) is aligned with its known text by PocketSphinx's en-us HMM (an annotator that
shares nothing with the stage under test: no Whisper, no VAD of ours). The first word's start and
the last word's end (10-ms frames) are the clip's speech extent; the generator cuts each clip
there, so a reference turn holds the speech and not the room noise before or after it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "packages/eval/src/reelmind/eval/data/voice_extents.tsv"


def align(audio: np.ndarray, text: str) -> tuple[float, float, str]:
    from pocketsphinx import Decoder

    d = Decoder(samprate=16000, lm=None)
    d.set_align_text(text.lower())
    d.start_utt()
    d.process_raw((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes(), full_utt=True)
    d.end_utt()
    words = [(s.word, s.start_frame / 100, (s.end_frame + 1) / 100) for s in d.seg()
             if not s.word.startswith(("<", "[", "("))]
    if not words:
        raise SystemExit(f"pocketsphinx aligned no word of {text!r}")
    return words[0][1], min(words[-1][2], len(audio) / 16000), " ".join(w for w, _, _ in words)


def main() -> None:
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        sys.exit("needs pocketsphinx: pip install pocketsphinx==5.1.1")
    from reelmind.eval.conversation import voice_clips

    rows = ["clip\tsamples\tspeech_start_s\tspeech_end_s\taligned_words"]
    for speaker, key, audio, text in voice_clips():
        a, b, words = align(audio, text)
        rows.append(f"{key}\t{len(audio)}\t{a:.2f}\t{b:.2f}\t{words}")
        print(f"{speaker:7s} {key:50s} {len(audio) / 16000:6.2f} s  speech {a:.2f}-{b:.2f}  {words}")
    OUT.write_text("\n".join(rows) + "\n", encoding="utf-8")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
