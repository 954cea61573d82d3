"""The renovation changed how stages are built, not what they find: the fuse stage of today, fed the
perception records the pre-renovation code (commit 9ab57ba) made of the ground-truth film, writes
the same dataset values that code wrote (list columns compared with their old ';'-joined form).
Issue 12 changed the conflict rule on purpose (text votes with its polarity mass); the old rule is
``text_vote: label, conflict_needs_text: false``, used here; the new default differs only in the
conflict columns."""

import json
from pathlib import Path

import numpy as np
import pytest

from reelmind.core.records import FaceTable, SpeechEmotionFrames, UtteranceTable
from reelmind.fuse.options import FuseOptions
from reelmind.fuse.stage import STAGE as FUSE

DATA = Path(__file__).with_name("data")


def _plain(v):
    if isinstance(v, tuple):
        return ";".join(map(str, v))
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else round(float(v), 5)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def test_fuse_writes_the_dataset_the_old_code_wrote():
    inputs = {"faces": FaceTable.read_parquet(DATA / "groundtruth_before_faces.parquet"),
              "utterances": UtteranceTable.read_parquet(DATA / "groundtruth_before_utterances.parquet"),
              "speech_emotion": SpeechEmotionFrames.read_parquet(DATA / "groundtruth_before_speech_emotion.parquet")}
    dataset = FUSE.run(inputs, FuseOptions(text_vote="label", conflict_needs_text=False))["dataset"]
    before = json.loads((DATA / "groundtruth_dataset_before.json").read_text(encoding="utf-8"))
    assert len(dataset) == len(before) == 11
    for i, row in enumerate(before):
        for col, old in row.items():
            new = _plain(getattr(dataset, col)[i])
            if isinstance(old, float):
                assert new == pytest.approx(old, abs=1e-4), (i, col)
            else:
                assert new == old, (i, col)
    assert any(dataset.conflict) and any(len(x) for x in dataset.listener)


def test_the_polarity_mass_rule_changes_only_the_conflict_columns():
    inputs = {"faces": FaceTable.read_parquet(DATA / "groundtruth_before_faces.parquet"),
              "utterances": UtteranceTable.read_parquet(DATA / "groundtruth_before_utterances.parquet"),
              "speech_emotion": SpeechEmotionFrames.read_parquet(DATA / "groundtruth_before_speech_emotion.parquet")}
    old = FUSE.run(inputs, FuseOptions(text_vote="label", conflict_needs_text=False))["dataset"]
    new = FUSE.run(inputs)["dataset"]
    before = json.loads((DATA / "groundtruth_dataset_before.json").read_text(encoding="utf-8"))
    for col in before[0]:
        if col not in ("conflict", "conflict_channels"):
            assert [_plain(v) for v in getattr(new, col)] == [_plain(v) for v in getattr(old, col)], col
    assert "polarity mass" in new.conflict_rule[0] and "polarity mass" not in old.conflict_rule[0]
