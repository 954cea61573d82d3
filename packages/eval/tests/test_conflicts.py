"""Planted-conflict films: built like the ground-truth film; the real text channel and the real fuse
rule find every planted conflict (faces restated from the ground truth, so only text + rule are tested
here; the whole-pipeline figure is `reelmind eval-conflicts`, in bench/RESULTS.md)."""

import numpy as np
import pytest

from reelmind.eval.conflicts import FILMS, build_films
from reelmind.eval.film import evaluate
from reelmind.fuse.fuse import fuse


@pytest.fixture(scope="module")
def films(tmp_path_factory, gt_truth):
    from reelmind.eval.groundtruth import load

    planted = build_films(tmp_path_factory.mktemp("planted"), with_groundtruth=False)
    return {"groundtruth": load(gt_truth), **{name: load(p) for name, p in planted.items()}}


def test_films_plant_conflicts_and_controls(films):
    for name in FILMS:
        lines = films[name]["lines"]
        assert sum(ln["conflict"] for ln in lines) == 4 and sum(not ln["conflict"] for ln in lines) >= 7
        for ln in lines:  # a conflict is always a smiling speaker on screen over a negative line
            if ln["conflict"]:
                assert ln["speaker_on_screen"] and ln["face_polarity"] == 1 and ln["text_polarity"] == -1


def test_real_text_channel_and_rule_find_every_planted_conflict(films, oracle):
    from reelmind.perceive.audio.options import AudioOptions
    from reelmind.perceive.audio.text_emotion import annotate

    tp = fp = fn = 0
    for truth in films.values():
        utt = oracle.utterances(truth)
        te = annotate(list(utt.text), AudioOptions())
        utt = utt.with_columns(text_emotion=np.array(te["labels"], dtype=object), text_conf=te["conf"],
                               text_probs=te["probs"], text_model=np.array(te["models"], dtype=object))
        faces = oracle.faces(truth)
        ds = fuse(faces, utt)
        assert set(ds.text_model) == set(te["models"]) and all(m.startswith("minilm-head") for m in ds.text_model)
        assert "polarity mass" in ds.conflict_rule[0]
        m = evaluate(faces, utt, ds, truth).metrics
        tp += m["conflicts_found"]
        fn += m["conflicts_planted"] - m["conflicts_found"]
        fp += int(ds.conflict.sum()) - m["conflicts_found"]
    assert fn == 0 and tp / (tp + fp) >= 0.8, (tp, fp, fn)
