"""Records validate on construction (naming field/expected/actual) and round-trip through Parquet."""

import numpy as np
import pytest

from reelmind.core import DataFileError, DatasetTable, FaceTable, RecordError, UtteranceTable, WordTable


def _faces(n=3):
    rng = np.random.default_rng(0)
    probs = rng.random((n, 7)).astype(np.float32)
    return FaceTable(time=np.arange(n) * 0.25, box=np.tile([10, 20, 60, 90], (n, 1)), det_conf=np.full(n, 0.99),
                     person_id=np.arange(n) % 2, person=[f"{i % 2}_person" for i in range(n)],
                     emotion_probs=probs / probs.sum(1, keepdims=True), emotion=["happy"] * n,
                     embedding=rng.random((n, 128)), meta={"options": {"step": 0.25}})


def test_parquet_roundtrip(tmp_path):
    faces = _faces()
    back = FaceTable.read_parquet(faces.to_parquet(tmp_path / "f.parquet"))
    for name, col in faces.columns().items():
        got = getattr(back, name)
        if col.dtype == object:
            assert list(got) == list(col)
        else:
            np.testing.assert_array_equal(got, col)
    assert back.meta == {"options": {"step": 0.25}}
    assert back.embedding.shape == (3, 128)


def test_defaults_fill_optional_columns():
    f = FaceTable(time=[0.0], box=[[0, 0, 1, 1]], det_conf=[0.9])
    assert f.person_id[0] == -1 and np.isnan(f.emotion_conf[0]) and f.emotion[0] == "" and f.embedding is None


@pytest.mark.parametrize("kwargs, field, expected", [
    (dict(time=[0.0, 1.0], box=[[0, 0, 1, 1]], det_conf=[0.9, 0.9]), "box", "length 2"),
    (dict(time=[0.0], box=[[0, 0, 1]], det_conf=[0.9]), "box", "shape (n, 4)"),
    (dict(time=[np.nan], box=[[0, 0, 1, 1]], det_conf=[0.9]), "time", "finite"),
    (dict(time=[0.0], box=[[5, 0, 1, 1]], det_conf=[0.9]), "box", "x2 >= x1"),
    (dict(time=[0.0], box=[[0, 0, 1, 1]], det_conf=[0.9], person=[3]), "person", "str values"),
    (dict(time=[0.0], box=[[0, 0, 1, 1]], det_conf=[0.9], person_id=[1.5]), "person_id", "integer"),
    (dict(time=["a"], box=[[0, 0, 1, 1]], det_conf=[0.9]), "time", "numeric"),
])
def test_bad_fields_are_named(kwargs, field, expected):
    with pytest.raises(RecordError) as err:
        FaceTable(**kwargs)
    assert err.value.field == field and expected in str(err.value)
    assert str(err.value).startswith(f"FaceTable.{field}: expected")


def test_missing_required_column():
    with pytest.raises(RecordError, match="UtteranceTable.text: expected str column of length 1, got nothing"):
        UtteranceTable(start=[0.0], end=[1.0])


def test_end_before_start():
    with pytest.raises(RecordError, match="end >= start at row 1"):
        WordTable(utterance=[0, 0], start=[0.0, 2.0], end=[1.0, 1.5], word=["a", "b"])


def test_take_concat_empty():
    f = _faces(4)
    assert len(f.take(f.person_id == 1)) == 2
    both = FaceTable.concat([f, f.take([0])])
    assert len(both) == 5 and both.embedding.shape == (5, 128)
    assert len(FaceTable.concat([])) == 0
    empty = DatasetTable(meta={"note": "no utterances"})
    assert len(empty) == 0 and empty.character.shape == (0,)


def test_corrupt_parquet_is_a_one_line_error(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 garbage")
    with pytest.raises(DataFileError) as err:
        FaceTable.read_parquet(bad)
    assert "\n" not in str(err.value) and "bad.parquet" in str(err.value)
    with pytest.raises(DataFileError, match="no such file"):
        FaceTable.read_parquet(tmp_path / "absent.parquet")


def test_records_are_read_only():
    f = _faces()
    with pytest.raises(ValueError):
        f.time[0] = 5.0
