"""fuse(): fallbacks with provenance, offsets, degraded inputs, the stage and its CSV."""

import csv

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmind.core.errors import RecordError
from reelmind.core.records import DATASET_COLUMNS, DatasetTable, FaceTable, SpeechEmotionFrames, UtteranceTable
from reelmind.fuse.fuse import fuse
from reelmind.fuse.options import FuseOptions
from reelmind.fuse.stage import STAGE


def _faces(spans, step=0.25, shift=0.0):
    """spans: (t0, t1, person_id, face size, emotion index) => one face row per step."""
    rows = [(t + shift, p, size, emo) for t0, t1, p, size, emo in spans for t in np.arange(t0, t1, step)]
    rows.sort(key=lambda r: r[0])
    probs = np.full((len(rows), 7), 0.01, np.float32)
    for j, r in enumerate(rows):
        probs[j, r[3]] = 0.94
    return FaceTable(time=[r[0] for r in rows], box=np.array([[0, 0, r[2], r[2]] for r in rows], np.float32),
                     det_conf=np.ones(len(rows)), person_id=[r[1] for r in rows], emotion_probs=probs)


def _utt(spans, speakers, emotions=None):
    n = len(spans)
    return UtteranceTable(start=[s for s, _ in spans], end=[e for _, e in spans], text=[f"line {i}" for i in range(n)],
                          speaker=speakers, text_emotion=emotions or ["neutral"] * n, text_conf=np.full(n, 0.9))


HAPPY, ANGRY = 3, 0


def test_fallback_windows_are_labelled():
    faces = _faces([(0, 4, 0, 200, HAPPY), (10, 12, 1, 200, ANGRY), (24, 26, 1, 200, ANGRY)])
    utt = _utt([(1, 3), (10.2, 11.5), (12.5, 13.5), (20, 21), (40, 41), (6, 7)], ["A", "B", "B", "B", "A", "A"])
    d = fuse(faces, utt)
    assert d.face_window.tolist() == ["during", "during", "before", "expanded_5s", "none", "expanded_5s"]
    assert d.face_fallback.tolist() == ["identity"] * 4 + ["speaker_offscreen", "identity"]
    assert d.face_confidence[3] == pytest.approx(0.4)  # capped in the expanded window
    assert d.face_emotion.tolist()[:4] == ["happy", "angry", "angry", "angry"]
    assert d.character.tolist()[:5] == ["person_0", "person_1", "person_1", "person_1", "person_0"]
    assert d.face_emotion[4] == "" and np.isnan(d.face_confidence[4])


def test_no_speaker_clusters_uses_largest_face_and_no_faces_at_all():
    faces = _faces([(0, 4, 0, 100, HAPPY), (0, 4, 1, 300, ANGRY)])
    utt = _utt([(1, 3)], [""])
    d = fuse(faces, utt)
    assert d.face_fallback[0] == "largest_face" and d.person_id[0] == 1 and d.listener[0] == ("person_0",)
    empty_faces = FaceTable(time=np.empty(0), box=np.empty((0, 4)), det_conf=np.empty(0))
    d = fuse(empty_faces, utt)
    assert d.face_window.tolist() == ["none"] and d.face_fallback.tolist() == ["no_faces"]
    assert d.character[0] == "unknown" and d.conflict.tolist() == [False]


def test_empty_utterances_give_an_empty_dataset():
    d = fuse(_faces([(0, 4, 0, 100, HAPPY)]), UtteranceTable(start=[], end=[], text=[]))
    assert len(d) == 0 and d.meta["report"]["counts"]["utterances"] == 0


def test_late_face_timeline_is_realigned():
    spans = [(0, 4, 0, 200, HAPPY), (5, 9, 1, 200, ANGRY), (10, 14, 0, 200, HAPPY), (15, 19, 1, 200, ANGRY)]
    utt = _utt([(0.5, 3.5), (5.5, 8.5), (10.5, 13.5), (15.5, 18.5)], ["A", "B", "A", "B"])
    d = fuse(_faces(spans, shift=7200.0), utt)
    assert d.offset_applied[0] == pytest.approx(7200.0 - 0.5)  # first face aligned with the first line
    assert d.face_window.tolist() == ["during"] * 4 and d.person_id.tolist() == [0, 1, 0, 1]
    d = fuse(_faces(spans, shift=7200.0), utt, options=FuseOptions(offset_mode="none"))
    assert set(d.face_window) == {"none"}


def test_conflict_with_voice_and_degraded_ser():
    faces = _faces([(0, 10, 0, 200, HAPPY)])
    utt = _utt([(1, 3), (5, 7)], ["A", "A"], ["anger", "joy"])
    frames = SpeechEmotionFrames(start=[1.0, 5.0], end=[3.0, 7.0], arousal=[0.9, 0.2], valence=[-0.6, 0.5],
                                 dominance=[0.5, 0.5])
    d = fuse(faces, utt, frames)
    assert d.conflict.tolist() == [True, False]
    assert d.conflict_channels[0] == ("face:+0.94", "voice:-0.60", "text:-0.90")
    assert d.ser_fallback.tolist() == ["exact_100ms", "exact_100ms"]
    flat = SpeechEmotionFrames(start=[1.0, 5.0], end=[3.0, 7.0], arousal=[0.5, 0.55], valence=[-0.6, 0.5],
                               dominance=[0.5, 0.5])
    d = fuse(faces, utt, flat)
    assert "voice:off" in d.conflict_channels[0] and d.ser_fallback[0] == "exact_100ms+disabled"
    assert d.meta["report"]["ser"]["disabled"]


def test_unsorted_faces_and_unknown_ids():
    faces = _faces([(0, 4, 0, 200, HAPPY), (0, 4, -1, 400, ANGRY)])
    shuffled = faces.take(np.random.default_rng(0).permutation(len(faces)))
    d = fuse(shuffled, _utt([(1, 3)], ["A"]))
    assert d.person_id[0] == 0 and d.listener[0] == ()  # unknown faces are neither speaker nor listener


def test_stage_writes_dataset_and_csv(tmp_path):
    faces = _faces([(0, 4, 0, 200, HAPPY), (0, 4, 1, 80, ANGRY)])
    utt = _utt([(1, 3)], ["A"], ["joy"])
    options = STAGE.make_options({"before": 1.0})
    out = STAGE.run({"faces": faces, "utterances": utt}, options)
    assert isinstance(out["dataset"], DatasetTable)
    assert out["dataset"].meta["options"]["before"] == 1.0
    assert "reelmind-fuse" in out["dataset"].meta["versions"]
    (csv_path,) = STAGE.publish(out, options, tmp_path)
    with open(csv_path, newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == DATASET_COLUMNS and len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert row["face_emotion"] == "happy" and row["listener"] == "person_1" and row["listener_emotion"] == "angry"
    assert row["arousal"] == "" and row["conflict"] == "False"
    assert STAGE.check() == [] and STAGE.models(None) == []
    with pytest.raises(RecordError, match="fuse inputs.utterances"):
        STAGE.run({"faces": faces, "utterances": None}, FuseOptions())


def test_chunked_kernel_calls_give_the_same_dataset():
    faces = _faces([(0, 4, 0, 200, HAPPY), (10, 12, 1, 200, ANGRY), (24, 26, 1, 200, ANGRY), (0, 30, 2, 60, ANGRY)])
    utt = _utt([(1, 3), (10.2, 11.5), (12.5, 13.5), (20, 21), (40, 41), (6, 7)], ["A", "B", "B", "B", "A", "A"])
    whole, chunked = fuse(faces, utt), fuse(faces, utt, options=FuseOptions(chunk_utterances=2))
    for name, col in whole.columns().items():
        other = chunked.columns()[name]
        if col.dtype.kind == "f":
            np.testing.assert_array_equal(np.isnan(col), np.isnan(other))
            np.testing.assert_array_equal(col[~np.isnan(col)], other[~np.isnan(other)])
        else:
            assert col.tolist() == other.tolist(), name


def test_faces_without_person_ids_are_reported():
    faces = _faces([(0, 4, -1, 200, HAPPY)])
    d = fuse(faces, _utt([(1, 3)], ["A"]))
    assert d.face_fallback.tolist() == ["unidentified_faces"]


@st.composite
def films(draw):
    n_faces = draw(st.integers(0, 80))
    rows = sorted((draw(st.integers(0, 120)) * 0.25, draw(st.integers(-1, 3)), draw(st.integers(20, 300)),
                   draw(st.integers(0, 6))) for _ in range(n_faces))
    probs = np.full((n_faces, 7), 0.05, np.float32)
    for j, r in enumerate(rows):
        probs[j, r[3]] = 0.7
    faces = FaceTable(time=[r[0] for r in rows], box=np.array([[0, 0, r[2], r[2]] for r in rows], np.float32).reshape(-1, 4),
                      det_conf=np.ones(n_faces), person_id=[r[1] for r in rows], emotion_probs=probs)
    n = draw(st.integers(0, 10))
    starts = [draw(st.integers(0, 110)) * 0.25 for _ in range(n)]
    spans = [(s, s + draw(st.integers(0, 16)) * 0.25) for s in starts]
    speakers = [draw(st.sampled_from(["", "A", "B", "C"])) for _ in range(n)]
    emotions = [draw(st.sampled_from(["", "joy", "anger", "neutral"])) for _ in range(n)]
    return faces, _utt(spans, speakers, emotions)


@settings(max_examples=60, deadline=None)
@given(films())
def test_fuse_invariants_on_random_films(film):
    faces, utt = film
    d = fuse(faces, utt)
    assert len(d) == len(utt)
    assert set(d.face_window) <= {"before", "during", "after", "expanded_5s", "none"}
    assert set(d.face_fallback) <= {"identity", "largest_face", "speaker_offscreen", "no_faces", "unidentified_faces"}
    for i in range(len(d)):
        ids = list(d.listener_ids[i])
        assert d.person_id[i] not in ids and len(ids) == len(set(ids))
        assert len(ids) == len(d.listener[i]) == len(d.listener_emotion[i])
        if d.face_window[i] == "none":
            assert d.face_emotion[i] == ""
        if d.face_window[i] == "expanded_5s" and np.isfinite(d.face_confidence[i]):
            assert d.face_confidence[i] <= 0.4 + 1e-6


def test_upstream_degradations_are_carried_into_the_dataset():
    import dataclasses

    faces = _faces([(0, 4, 0, 200, HAPPY)])
    faces = dataclasses.replace(faces, meta={"degraded": ["truncated at 8.56 s of 30.12 s"]})
    utt = _utt([(1, 3)], ["A"], ["joy"])
    d = STAGE.run({"faces": faces, "utterances": utt})["dataset"]
    assert d.meta["degraded_inputs"] == ["faces: truncated at 8.56 s of 30.12 s"]
    assert "degraded_inputs" not in STAGE.run({"faces": _faces([(0, 4, 0, 200, HAPPY)]), "utterances": utt})["dataset"].meta
