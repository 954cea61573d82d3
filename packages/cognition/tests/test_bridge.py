import numpy as np
import pytest
from cognition_film import make_film

from reelmind.core import DataFileError, DatasetTable
from reelmind.core.csv_export import dataset_csv
from reelmind.core.emotion import face_label, fer_tier
from reelmind.cognition.bridge import (BridgeOptions, bridge, choose_weights, fuse_row, load_dataset, measure_quality,
                                       read_dataset_csv, scene_index)
from reelmind.cognition.scoring import score_film


def test_seed_csv_round_trip(tmp_path):
    ds = make_film(n_scenes=2, lines_per_scene=6)
    p = tmp_path / "multimodal_dataset.csv"
    dataset_csv(ds, p)  # the one seed-layout writer (list cells ';'-joined)
    back = load_dataset(p)
    assert len(back) == len(ds)
    assert list(back.character) == list(ds.character)
    np.testing.assert_allclose(back.valence, ds.valence)
    assert list(back.conflict) == list(ds.conflict)
    assert list(back.listener) == list(ds.listener) and list(back.listener_emotion) == list(ds.listener_emotion)
    assert back.listener[1] == ("Ada", "Cleo")  # list cells come back as tuples, not ';' strings
    ds.to_parquet(tmp_path / "d.parquet")
    assert len(load_dataset(tmp_path / "d.parquet")) == len(ds)


def test_seed_csv_markers(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("character,dialogue,start_time,end_time,face_emotion,listener,conflict,arousal\n"
                 'Scarlett,"Wearing, as if I waited",1.0,2.5,happy ⚠,—,True,\n', encoding="utf-8")
    ds = read_dataset_csv(p)
    assert ds.face_emotion[0] == "happy ⚠" and ds.listener[0] == () and bool(ds.conflict[0])
    assert np.isnan(ds.arousal[0]) and ds.dialogue[0] == "Wearing, as if I waited"


@pytest.mark.parametrize("content, match", [
    ("", "empty CSV"),
    ("character,dialogue,start_time\nA,hi,1\n", "lacks column"),
    ("character,dialogue,start_time,end_time\nA,hi,one,2\n", "expects a number"),
    ("character,dialogue,start_time,end_time\nA,hi,1\n", "3 fields"),
    ("character,dialogue,start_time,end_time\nA,hi,3,2\n", "end"),
    ("character,dialogue,start_time,end_time,conflict\nA,hi,1,2,maybe\n", "true/false"),
])
def test_malformed_csv_is_a_one_line_data_file_error(tmp_path, content, match):
    p = tmp_path / "bad.csv"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError, match=match) as ei:
        read_dataset_csv(p)
    assert "\n" not in str(ei.value)


def test_non_utf8_and_unknown_format(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_bytes(b"character,dialogue\n\xff\xfe\x00")
    with pytest.raises(DataFileError, match="UTF-8"):
        read_dataset_csv(p)
    with pytest.raises(DataFileError, match="format"):
        load_dataset(tmp_path / "x.json")
    with pytest.raises(DataFileError):
        load_dataset(tmp_path / "missing.csv")


def test_weights_adapt_to_measured_quality():
    sharp = make_film(fer_conf=0.95, seed=1)  # HD: FER confident and agreeing with the text
    sharp = sharp.with_columns(face_emotion=np.array([face_label(x) for x in sharp.text_emotion], dtype=object))
    hd = choose_weights(measure_quality(sharp))
    assert hd.fer_tier == "reliable" and "hd profile" in hd.rule
    old = choose_weights(measure_quality(make_film(fer_conf=0.45, seed=1)))
    assert old.fer_tier == "partial" and "old_film" in old.rule
    # seed: text 40 %, FER 35 %, SER 10 % (renormalised)
    assert old.text / old.face == pytest.approx(40 / 35, rel=1e-4) and old.face / old.voice == pytest.approx(3.5, rel=1e-4)
    assert old.face < hd.face  # modern HD keeps the full FER weight
    assert old.measured["fer_mean_conf"] < 0.5


def test_flat_ser_is_disabled_and_missing_faces_drop_the_face_channel():
    ds = make_film(n_scenes=1, lines_per_scene=9)
    flat = ds.with_columns(arousal=np.full(len(ds), 0.5, np.float32), face_emotion=np.full(len(ds), "", dtype=object))
    w = choose_weights(measure_quality(flat))
    assert not w.ser_enabled and w.voice == 0.0 and "SER disabled" in w.rule
    assert w.fer_tier == "absent" and w.face == 0.0 and w.text == pytest.approx(1.0)


def test_fusion_and_bridge_output():
    w = choose_weights(measure_quality(make_film()), BridgeOptions(weights="hd"))
    v, a, emo, c, used = fuse_row("angry", 1.0, "angry", 1.0, -0.6, 0.8, w)
    assert emo == "angry" and v == pytest.approx(-0.6) and a == pytest.approx(0.8)
    assert used == pytest.approx((w.text, w.face, w.voice))  # every channel present: the film's weights
    v, a, emo, c, used = fuse_row("", float("nan"), "", float("nan"), -0.2, 0.5, w)
    assert used == (0.0, 0.0, 1.0) and v == pytest.approx(-0.2)  # voice only: renormalised onto it
    v, a, emo, c, used = fuse_row("", float("nan"), "", float("nan"), float("nan"), float("nan"), w)
    assert (emo, c, used) == ("neutral", 0.0, (0.0, 0.0, 0.0))
    ds = make_film(n_scenes=3, lines_per_scene=6)
    table, weights = bridge(ds)
    assert len(table) == len(ds) and set(table.scene) == {0, 1, 2}
    assert np.all(np.diff(table.time) >= 0)
    assert np.all((table.valence >= -1) & (table.valence <= 1))
    assert sorted(table.row) == list(range(len(ds))) and list(table.character) == [ds.character[r] for r in table.row]
    np.testing.assert_allclose(table.w_text + table.w_face + table.w_voice, 1.0, atol=1e-6)


def test_scene_index_cuts_on_gaps_longer_than_20s():
    start = np.array([0.0, 5.0, 26.0, 47.0])
    end = np.array([1.0, 6.0, 27.0, 48.0])  # gaps: 4, 20 (not > 20), 20
    assert list(scene_index(start, end, 20.0)) == [0, 0, 0, 0]
    assert list(scene_index(start, end, 19.9)) == [0, 0, 1, 2]


def test_seed_fer_csv_measures_fer_quality(tmp_path):
    from reelmind.cognition.bridge import read_fer_csv

    p = tmp_path / "final_women.csv"
    rows = ["person,emotion,file,confidence"] + [f"1_woman,{'neutral' if i % 4 else 'happy'},{374.75 + i}.jpg,0.4" for i in range(40)]
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    faces = read_fer_csv(p)
    assert len(faces) == 40 and faces.time[0] == pytest.approx(374.75) and faces.emotion[0] == "happy"
    ds = make_film(fer_conf=0.95, seed=1)
    q = measure_quality(ds, faces)
    assert q["fer_neutral_ratio"] == pytest.approx(0.75) and q["fer_mean_conf"] == pytest.approx(0.4)
    assert choose_weights(q).fer_tier == "partial"
    bad = tmp_path / "bad.csv"
    bad.write_text("person,emotion,file,confidence\n1_woman,sad,frame.jpg,0.5\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="time stem"):
        read_fer_csv(bad)


def _faces(neutral: int, conf: float, faces: int = 100, rows: int = 100) -> DatasetTable:
    """``rows`` lines; the first ``faces`` carry a face emotion, ``neutral`` of them neutral, all at ``conf``."""
    face = np.array(["neutral"] * neutral + ["happy"] * (faces - neutral) + [""] * (rows - faces), dtype=object)
    fconf = np.where(np.arange(rows) < faces, conf, np.nan)
    t = np.arange(rows, dtype=np.float64)
    return DatasetTable(character=np.array(["A"] * rows, dtype=object), dialogue=np.array(["x"] * rows, dtype=object),
                        start_time=t, end_time=t + 0.5, face_emotion=face, face_confidence=fconf,
                        text_emotion=np.array(["joy"] * rows, dtype=object))


@pytest.mark.parametrize("neutral, conf, faces, tier", [
    (72, 0.41, 100, "partial"),  # the seed's GWTW example
    (60, 0.50, 100, "reliable"),  # exactly at both partial thresholds: still reliable
    (61, 0.50, 100, "partial"),
    (85, 0.50, 100, "partial"),  # exactly at the degraded neutral threshold: not degraded
    (86, 0.50, 100, "degraded"),
    (0, 0.30, 100, "partial"),  # exactly at the degraded confidence threshold (0.30 stored as float32)
    (0, 0.29, 100, "degraded"),
    (0, 0.90, 5, "reliable"),  # coverage 5 % = the minimum
    (0, 0.90, 4, "absent"),  # coverage 4 % (the old cognition rule called this "degraded")
    (0, 0.90, 0, "absent"),
])
def test_bridge_and_scores_use_the_one_fer_tier_rule(neutral, conf, faces, tier):
    ds = _faces(neutral, conf, faces)
    assert fer_tier(ds.face_emotion, ds.face_confidence).tier == tier
    w = choose_weights(measure_quality(ds))
    assert w.fer_tier == tier
    assert ("hd profile" in w.rule) == (tier == "reliable")
    assert score_film(ds)[0].tier == tier
