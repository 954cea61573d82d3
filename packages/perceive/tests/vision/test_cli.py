"""``reelmind name RUN NAMES``: names recorded in the run folder (its names file + settings), merged
with earlier names; clear one-line errors. The rerun through the orchestrator is tested end to end
in tests/test_faces_persons_run.py."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from reelmind.perceive.vision.cli import app


def _run_folder(tmp_path, config=None):
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text(json.dumps({"film": str(tmp_path / "film.mp4"), "config": config or {}, "stages": {}}))
    return run


def test_names_are_recorded_and_merged(tmp_path):
    run = _run_folder(tmp_path)
    first = tmp_path / "a.json"
    first.write_text(json.dumps({"person_2": "Rhett", "1": "Scarlett"}))
    res = CliRunner().invoke(app, [str(run), str(first), "--no-run"])
    assert res.exit_code == 0, res.output
    assert "person_2 = Rhett" in res.output and "the next `reelmind run" in res.output
    second = tmp_path / "b.yaml"
    second.write_text("2: Rhett Butler\n3: Mammy\n")
    assert CliRunner().invoke(app, [str(run), str(second), "--no-run"]).exit_code == 0
    assert yaml.safe_load((run / "names.yaml").read_text()) == {1: "Scarlett", 2: "Rhett Butler", 3: "Mammy"}
    settings = yaml.safe_load((run / "settings.yaml").read_text())
    assert settings == {"stages": {"persons": {"names": str((run / "names.yaml").resolve())}}}


def test_names_of_the_run_config_are_kept(tmp_path):
    cast = tmp_path / "cast.yaml"
    cast.write_text("1: Scarlett\n")
    run = _run_folder(tmp_path, {"stages": {"persons": {"names": str(cast)}}})
    extra = tmp_path / "extra.yaml"
    extra.write_text("2: Rhett\n")
    assert CliRunner().invoke(app, [str(run), str(extra), "--no-run"]).exit_code == 0
    assert yaml.safe_load((run / "names.yaml").read_text()) == {1: "Scarlett", 2: "Rhett"}


def test_not_a_run_folder(tmp_path):
    names = tmp_path / "n.yaml"
    names.write_text("1: A\n")
    res = CliRunner().invoke(app, [str(tmp_path), str(names)])
    assert res.exit_code == 1 and "not a reelmind run folder" in res.output and "Traceback" not in res.output


def test_bad_names_file(tmp_path):
    run = _run_folder(tmp_path)
    names = tmp_path / "names.yaml"
    names.write_text("[oops")
    res = CliRunner().invoke(app, [str(run), str(names)])
    assert res.exit_code == 1
    assert "not valid YAML" in res.output and "Traceback" not in res.output
    assert not (run / "names.yaml").exists() and not (run / "settings.yaml").exists()
