"""Speaker clustering at film length: the diarizer alone on film-length recordings of real voices,
before vs after the film-length rules (issue 11 round 10), and the linkage's own cost.

    .venv/bin/python packages/perceive/benchmarks/audio/bench_audio_films.py [MINUTES:VOICE,VOICE,... ...]

Default films: 6 min of reader + cards + digits, 10 min of the four voices, 10 min of three pairs,
20 min of reader + cards + digits (:func:`reelmind.eval.conversation.conversation_film`). Each runs
the stage's diarizer (segmentation, embeddings, clustering, aggregation, resegmentation, 10-minute
blocks) twice: "before" = ``hard_link_weight=inf`` and ``min_speaker_share=0`` (the plain soft
cannot-link rule and a 2-s minimum speaker: the clustering before round 10), "after" = the defaults.
DER: :func:`reelmind.eval.diarization.der` (0.25-s collar, overlap scored). Last, the constrained
linkage on 3,000 random unit vectors (a dense 2-hour film's rows) against scipy's average linkage.
"""

from __future__ import annotations

import functools
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

FILMS = ["6:reader,cards,digits", "10:reader,cards,digits,alsa", "10:cards,digits", "10:reader,cards",
         "10:cards,alsa", "20:reader,cards,digits"]


def diarize(wav: np.ndarray, before: bool):
    import reelmind.perceive.audio.diarize as dz
    from reelmind.perceive.audio.options import AudioOptions
    from reelmind.perceive.audio.vad import iter_blocks

    plain = dz.cluster_speakers
    if before:
        dz.cluster_speakers = functools.partial(plain, hard_link_weight=np.inf)
    try:
        dia = dz.make_diarizer(AudioOptions(device="cpu", min_speaker_share=0.0 if before else 0.01))
        for block in iter_blocks(wav, 600):
            if block.speech:
                dia.add_block(np.array(wav[block.start:block.end]), block.start, block.speech)
        return dia.finish(len(wav))
    finally:
        dz.cluster_speakers = plain


def linkage_cost(n: int = 3000) -> dict:
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import pdist, squareform

    from reelmind.perceive.audio.linkage import constrained_average_linkage

    x = np.random.default_rng(0).standard_normal((n, 256))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    condensed = pdist(x, "cosine")
    t = time.process_time()
    linkage(condensed, "average")
    scipy_s = time.process_time() - t
    t = time.process_time()
    constrained_average_linkage(squareform(condensed), overwrite=True)
    return {"rows": n, "scipy_cpu_s": round(scipy_s, 2), "constrained_cpu_s": round(time.process_time() - t, 2)}


def main() -> None:
    from reelmind.eval.conversation import conversation_film
    from reelmind.eval.diarization import der
    from reelmind.eval.synth import read_wav

    films = [a for a in sys.argv[1:] if ":" in a] or FILMS
    with tempfile.TemporaryDirectory() as tmp:
        for spec in films:
            minutes, voices = spec.split(":")
            path = Path(tmp) / "film.wav"
            turns = conversation_film(path, float(minutes), speakers=tuple(voices.split(",")))
            ref = [(t.start, t.end, t.speaker) for t in turns]
            wav = read_wav(path)[0]
            row = {}
            for name, before in (("before", True), ("after", False)):
                t = time.process_time()
                d = diarize(wav, before)
                score = der(ref, [(a, b, str(s)) for a, b, s in d.activity.turns()])
                row[name] = {"speakers": d.info["speakers"], "der": round(score.der, 4),
                             "cpu_s": round(time.process_time() - t, 1)}
            print(f"{minutes} min, {voices} ({len({s for *_, s in ref})} voices): {row}", flush=True)
    print("linkage", linkage_cost(), flush=True)


if __name__ == "__main__":
    main()
