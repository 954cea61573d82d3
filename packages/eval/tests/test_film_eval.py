"""Ground-truth film + fuse + eval: a run that restates the truth scores perfectly, errors are caught."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from reelmind.core.errors import DataFileError
from reelmind.core.records import DatasetTable
from reelmind.eval.cli import app
from reelmind.eval.film import evaluate, evaluate_run, map_speakers
from reelmind.eval.text import edit_distance, wer
from reelmind.fuse.fuse import fuse


def test_film_is_real_and_about_30s(film, oracle):
    folder, truth = film
    import av

    with av.open(str(folder / truth["film"])) as c:
        assert c.streams.video and c.streams.audio
        seconds = float(c.duration) / 1e6
    assert 25 <= seconds <= 40 and abs(seconds - truth["duration"]) < 0.3
    voices = {ln["voice"] for ln in truth["lines"]}
    assert voices == {"slt", "awb", "kal", "rms"}
    assert sum(ln["conflict"] for ln in truth["lines"]) >= 1
    assert any(not ln["speaker_on_screen"] for ln in truth["lines"])  # a reaction shot
    # every speaker face box is inside the frame
    w, h = truth["size"]
    for ln in truth["lines"]:
        for f in ln["faces"]:
            x1, y1, x2, y2 = f["box"]
            assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h


def test_oracle_run_scores_perfectly(film, oracle):
    _, truth = film
    faces, utt = oracle.faces(truth), oracle.utterances(truth)
    dataset = fuse(faces, utt)
    result = evaluate(faces, utt, dataset, truth)
    m = result.metrics
    assert m["wer"] == 0.0
    assert m["speaker_attribution_accuracy"] == 1.0
    assert m["speaking_face_accuracy"] == 1.0, result.lines
    assert m["listener_precision"] == 1.0 and m["listener_recall"] == 1.0
    assert m["conflicts_found"] == m["conflicts_planted"] >= 1 and m["conflict_precision"] == 1.0
    # the off-screen line is attributed by identity, not to the large listener on screen
    off = [d for d in result.lines if not truth["lines"][d["line"]]["speaker_on_screen"]]
    assert off and all(d["pred_person"] == d["speaker"] for d in off)


def test_largest_face_alone_fails_the_reaction_shot(film, oracle):
    """Without speaker clusters the fallback picks the biggest face: the reaction shot goes wrong."""
    _, truth = film
    faces = oracle.faces(truth)
    utt = oracle.utterances(truth)
    utt = utt.with_columns(speaker=np.array([""] * len(utt), dtype=object))
    dataset = fuse(faces, utt)
    m = evaluate(faces, utt, dataset, truth).metrics
    assert m["speaking_face_accuracy"] < 1.0
    assert set(dataset.face_fallback) == {"largest_face"}


def test_wer_and_edit_distance():
    assert edit_distance("a b c".split(), "a c".split()) == 1
    assert edit_distance([], ["x"]) == 1
    assert edit_distance("kitten sat".split(), "sitting sat on".split()) == 2
    assert wer("Hello, world!", "hello world") == 0.0
    assert wer("one two three four", "one too three") == 0.5


def test_speaker_mapping_is_one_to_one():
    from reelmind.core.records import UtteranceTable

    utt = UtteranceTable(start=[0, 2, 4], end=[1, 3, 5], text=["a", "b", "c"], speaker=["x", "y", "y"])
    lines = [{"voice": "v1", "start": 0, "end": 1}, {"voice": "v2", "start": 2, "end": 3},
             {"voice": "v2", "start": 4, "end": 5}]
    assert map_speakers(utt, lines) == {"x": "v1", "y": "v2"}


def _write_run(folder, faces, utt, dataset):
    folder.mkdir(parents=True, exist_ok=True)
    faces.to_parquet(folder / "faces.parquet")
    utt.to_parquet(folder / "utterances.parquet")
    dataset.to_parquet(folder / "dataset.parquet")


def test_cli_eval(film, tmp_path, oracle):
    folder, truth = film
    faces, utt = oracle.faces(truth), oracle.utterances(truth)
    _write_run(tmp_path / "run", faces, utt, fuse(faces, utt))
    out = tmp_path / "metrics.json"
    res = CliRunner().invoke(app, ["eval", str(tmp_path / "run"), str(folder / "ground_truth.json"), "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "speaking_face_accuracy" in res.output
    assert json.loads(out.read_text())["metrics"]["speaking_face_accuracy"] == 1.0


def test_cli_eval_bad_inputs(film, tmp_path, oracle):
    folder, truth = film
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    res = CliRunner().invoke(app, ["eval", str(tmp_path), str(bad)])
    assert res.exit_code == 1 and "not valid JSON" in res.output
    res = CliRunner().invoke(app, ["eval", str(tmp_path / "missing"), str(folder / "ground_truth.json")])
    assert res.exit_code == 1 and "not a run folder" in res.output
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "faces.parquet").write_bytes(b"")
    with pytest.raises(DataFileError, match="faces.parquet"):
        evaluate_run(tmp_path / "run", folder / "ground_truth.json")
    (tmp_path / "lines.json").write_text(json.dumps({"lines": [{"speaker": "a"}]}))
    with pytest.raises(DataFileError, match="lacks"):
        evaluate_run(tmp_path / "run", tmp_path / "lines.json")


def test_dataset_round_trips_parquet(film, tmp_path, oracle):
    _, truth = film
    d = fuse(oracle.faces(truth), oracle.utterances(truth))
    back = DatasetTable.read_parquet(d.to_parquet(tmp_path / "d.parquet"))
    assert back.listener_ids.tolist() == d.listener_ids.tolist()
    assert back.meta["report"]["identity"]
