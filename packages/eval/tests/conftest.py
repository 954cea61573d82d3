"""Shared fixtures: the ground-truth film (built once) and tables that restate its ground truth."""

import numpy as np
import pytest

from reelmind.core.records import FACE_EMOTIONS, FaceTable, UtteranceTable

TEXT_OF_POLARITY = {1: "joy", -1: "anger", 0: "surprise"}


@pytest.fixture(scope="session")
def film(gt_truth):
    """The session's ground-truth film (conftest.py at the repository root): its folder and truth."""
    from reelmind.eval.groundtruth import load

    return gt_truth.parent, load(gt_truth)


def oracle_faces(truth: dict, step: float = 0.25, drop: set | None = None) -> FaceTable:
    """Faces sampled every ``step`` s exactly where the ground truth puts them (ids by person key order)."""
    keys = sorted(truth["persons"])
    rows = []
    for t in np.arange(0.0, truth["duration"], step):
        for ln in truth["lines"]:
            if ln["shot_start"] <= t < ln["shot_end"]:
                for f in ln["faces"]:
                    if drop and (ln["index"], f["person"]) in drop:
                        continue
                    rows.append((t, keys.index(f["person"]), f["box"], f["emotion"]))
    probs = np.full((len(rows), 7), 0.02, np.float32)
    for j, r in enumerate(rows):
        probs[j, FACE_EMOTIONS.index(r[3])] = 0.88
    return FaceTable(time=[r[0] for r in rows], box=np.array([r[2] for r in rows], np.float32),
                     det_conf=np.ones(len(rows)), person_id=[r[1] for r in rows],
                     person=[keys[r[1]] for r in rows], emotion_probs=probs)


def oracle_utterances(truth: dict) -> UtteranceTable:
    lines = truth["lines"]
    return UtteranceTable(start=[ln["start"] for ln in lines], end=[ln["end"] for ln in lines],
                          text=[ln["text"] for ln in lines], speaker=[f"SPK_{ln['voice']}" for ln in lines],
                          text_emotion=[TEXT_OF_POLARITY[ln["text_polarity"]] for ln in lines],
                          text_conf=np.full(len(lines), 0.8))


class _Oracle:
    faces = staticmethod(oracle_faces)
    utterances = staticmethod(oracle_utterances)


@pytest.fixture(scope="session")
def oracle():
    """``oracle.faces(truth)`` / ``oracle.utterances(truth)`` (fixtures: tests import nothing from conftest)."""
    return _Oracle
