"""``reelmind faces name``: naming person clusters rewrites labels only."""

from __future__ import annotations

import csv
import json

import numpy as np
from typer.testing import CliRunner

from reelmind.core.records import FaceTable


def _table(tmp_path):
    faces = FaceTable(time=[0.0, 0.25, 0.5], box=np.tile([[0, 0, 10, 10]], (3, 1)), det_conf=[0.99, 0.98, 0.97],
                      person_id=[0, 1, 0], person=["person_1", "person_2", "person_1"],
                      emotion=["happy", "sad", "neutral"], emotion_conf=[0.9, 0.8, 0.7],
                      meta={"options": {"label_template": "person_{n}"}})
    return faces.to_parquet(tmp_path / "faces.parquet")


def test_name_command(tmp_path):
    from reelmind.perceive.vision.cli import app

    path = _table(tmp_path)
    names = tmp_path / "names.json"
    names.write_text(json.dumps({"person_2": "Rhett"}))
    res = CliRunner().invoke(app, [str(path), str(names), "--csv", str(tmp_path / "faces.csv")])
    assert res.exit_code == 0, res.output
    assert "Rhett" in res.output
    back = FaceTable.read_parquet(path)
    assert back.person.tolist() == ["person_1", "Rhett", "person_1"]
    assert back.person_id.tolist() == [0, 1, 0] and back.meta["named"] == {"1": "Rhett"}
    rows = list(csv.DictReader((tmp_path / "faces.csv").open()))
    assert [r["person"] for r in rows] == ["person_1", "Rhett", "person_1"] and rows[1]["file"] == "0.25.jpg"


def test_name_command_bad_mapping(tmp_path):
    from reelmind.perceive.vision.cli import app

    path = _table(tmp_path)
    names = tmp_path / "names.yaml"
    names.write_text("[oops")
    res = CliRunner().invoke(app, [str(path), str(names)])
    assert res.exit_code == 1
    assert "not valid YAML" in res.output and "Traceback" not in res.output
