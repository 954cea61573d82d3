"""Closing the loop: reelmind's own perception judges the generated clips.

For every clip the ``faces`` stage (perceive.vision: MTCNN + fer 7-class emotion, the same stage that
analysed the film) runs on the clip; the clip's **dominant face emotion** is the emotion with the largest
summed confidence over all faces found in it (``"none"`` when no face is found).

For one keyframe generated with seeds S (the seed's 42, 123, 777):

* **hit** of a clip: its dominant emotion equals the keyframe's intended emotion (the prompt frame's
  ``emotion``, mapped to the face vocabulary);
* **hit rate** of the keyframe: the share of its seeds that hit;
* **scatter** of the keyframe: ``1 - n_mode / |S|``, where ``n_mode`` is how many seeds gave the most
  common dominant emotion — the share of seeds that disagree with the keyframe's modal outcome
  (0 = every seed shows the same emotion; with 3 seeds the values are 0, 1/3, 2/3). The seed reports
  "old prompt scatter 68 %, new prompt scatter 20 %" as such a share averaged over configurations;
* the run's scatter and hit rate are the means over keyframes.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelmind.core.emotion import FACE_EMOTIONS, TEXT_TO_FACE

log = logging.getLogger("reelmind.videogen.checks")


def intended_face_emotion(label: str) -> str:
    """A prompt frame's emotion in the face vocabulary ('' when it names none of the 7)."""
    label = (label or "").strip().lower()
    if label in FACE_EMOTIONS:
        return label
    return TEXT_TO_FACE.get(label, "")


def dominant_emotion(faces) -> tuple[str, dict]:
    """The emotion with the largest summed confidence over a FaceTable's faces, and the sums."""
    sums: dict[str, float] = {}
    probs = getattr(faces, "emotion_probs", None)
    if probs is not None and len(faces) and np.isfinite(probs).all():
        total = probs.sum(axis=0)
        sums = {e: round(float(v), 4) for e, v in zip(FACE_EMOTIONS, total)}
    elif len(faces):
        for e, c in zip(faces.emotion, faces.emotion_conf):
            if e:
                sums[e] = sums.get(e, 0.0) + float(c)
    if not sums or max(sums.values()) <= 0:
        return "none", sums
    return max(sums, key=sums.get), sums


class FaceJudge:
    """Runs the faces stage on clips (its models loaded once)."""

    def __init__(self, interval: float = 0.25) -> None:
        try:
            from reelmind.perceive.vision.options import FacesOptions
            from reelmind.perceive.vision.stage import FACES, check
        except ImportError:
            from reelmind.core.errors import MissingDependencyError

            raise MissingDependencyError("reelmind's faces stage (scatter check)", "'reelmind-perceive[vision]'") from None
        problems = check()
        if problems:
            from reelmind.core.errors import ReelmindError

            raise ReelmindError("the faces stage cannot run: " + problems[0])
        self.options = FacesOptions(interval=interval, embed="none")
        self.runner = FACES.setup(self.options, None)

    def judge(self, clip: str | Path, scratch: Path) -> dict:
        from reelmind.core.stage import RunContext

        scratch.mkdir(parents=True, exist_ok=True)
        faces = self.runner({"video": Path(clip)}, RunContext(scratch=scratch))["face_tracks"]  # emotions only: no persons
        emotion, sums = dominant_emotion(faces)
        return {"dominant": emotion, "faces": int(len(faces)), "emotion_sums": sums}


@dataclass
class Scatter:
    per_keyframe: dict  # key -> {intended, dominant: {seed: label}, hit_rate, scatter}
    scatter: float
    hit_rate: float

    def as_dict(self) -> dict:
        return {"definition": "scatter = 1 - (seeds giving the most common dominant face emotion) / seeds; "
                              "hit = dominant face emotion == intended emotion",
                "scatter": self.scatter, "hit_rate": self.hit_rate, "keyframes": self.per_keyframe}


def scatter(results: dict[str, dict]) -> Scatter:
    """``results``: keyframe key -> {"intended": label, "dominant": {seed: label}}."""
    per, scatters, hits = {}, [], []
    for key, r in results.items():
        labels = list(r["dominant"].values())
        if not labels:
            continue
        n_mode = Counter(labels).most_common(1)[0][1]
        sc = round(1 - n_mode / len(labels), 4)
        intended = r.get("intended", "")
        hit = round(sum(1 for x in labels if intended and x == intended) / len(labels), 4)
        per[key] = {**r, "scatter": sc, "hit_rate": hit, "seeds": len(labels)}
        scatters.append(sc)
        hits.append(hit)
    mean = lambda xs: round(float(np.mean(xs)), 4) if xs else float("nan")  # noqa: E731
    return Scatter(per, mean(scatters), mean(hits))
