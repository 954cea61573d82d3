"""faces + persons through the real orchestrator on a short ground-truth film:

* SIGKILL during the faces stage, rerun: face_tracks and faces equal an uninterrupted run's
  (every value), and the rerun analysed only the segments the killed run had not saved;
* ``reelmind name RUN NAMES``: only persons and what depends on it recompute (faces and audio
  come from the cache), and the next ``reelmind run`` shows the names in faces.parquet,
  persons.parquet, dataset.parquet, dataset.csv and the report.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

DRIVER = textwrap.dedent('''
    import sys
    from reelmind.core.config import RunConfig
    from reelmind.core.stage import discover_stages
    from reelmind.pipeline.orchestrate import run_pipeline

    found = discover_stages()
    stages = {k: found[k] for k in sys.argv[3].split(",")}
    cfg = RunConfig(stages={"faces": {"segment_seconds": 2.0}})
    reports = run_pipeline(sys.argv[1], sys.argv[2], cfg, stages=stages)
    print(" ".join(f"{r.name}={r.status}" for r in reports))
''')


@pytest.fixture(scope="module")
def film(gt_short_film):
    """Three lines of the ground-truth film (~8 s), keyframes every second (root conftest.py)."""
    return gt_short_film


def _driver(tmp_path: Path) -> Path:
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    return script


def _pipeline(tmp_path, film, out, stages):
    """The driver's run, in this process (runners, and so models, are made once per process)."""
    from reelmind.core.config import RunConfig
    from reelmind.core.stage import discover_stages
    from reelmind.pipeline.orchestrate import run_pipeline

    found = discover_stages()
    cfg = RunConfig(stages={"faces": {"segment_seconds": 2.0}})
    return {r.name: r.status for r in run_pipeline(film, out, cfg, stages={k: found[k] for k in stages.split(",")})}


def _equal(a, b):
    assert len(a) == len(b) and set(a.columns()) == set(b.columns())
    for name, col in a.columns().items():
        np.testing.assert_array_equal(col, b.columns()[name], err_msg=name)


def test_sigkill_during_faces_resumes_to_the_same_tables(film, tmp_path):
    from reelmind.core.records import FaceTable

    whole = _pipeline(tmp_path, film, tmp_path / "whole", "faces,persons")
    assert whole == {"faces": "computed", "persons": "computed"}

    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(_driver(tmp_path)), str(film), str(out), "faces,persons"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while not list((out / "cache" / "faces").glob(".chunks-*/segment-00001.parquet")):
        assert proc.poll() is None and time.time() < deadline, "faces finished or hung before two segments were saved"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not list((out / "cache" / "faces").glob("*/done.json"))  # killed mid-stage: no result yet

    assert _pipeline(tmp_path, film, out, "faces,persons") == {"faces": "computed", "persons": "computed"}
    resumed = FaceTable.read_parquet(out / "face_tracks.parquet")
    reference = FaceTable.read_parquet(tmp_path / "whole" / "face_tracks.parquet")
    assert resumed.meta["resumed_segments"] >= 2 and resumed.meta["segments"] == reference.meta["segments"] >= 4
    _equal(resumed, reference)
    _equal(FaceTable.read_parquet(out / "faces.parquet"), FaceTable.read_parquet(tmp_path / "whole" / "faces.parquet"))
    assert not list((out / "cache" / "faces").glob(".chunks-*"))  # checkpoints go once the stage commits


def test_name_recomputes_persons_and_downstream_only(film, tmp_path):
    from typer.testing import CliRunner

    from reelmind.core.records import DatasetTable, FaceTable, PersonTable
    from reelmind.perceive.vision.cli import app

    out = tmp_path / "run"
    stages = "faces,persons,audio,fuse,report"
    first = _pipeline(tmp_path, film, out, stages)
    assert set(first.values()) == {"computed"}
    before = DatasetTable.read_parquet(out / "dataset.parquet")
    persons = PersonTable.read_parquet(out / "persons.parquet")
    assert len(before) >= 2 and len(persons) >= 2
    assert set(before.character) <= set(persons.person) | {""} and "Anna Karenina" not in set(before.character)

    names = tmp_path / "names.yaml"
    names.write_text("1: Anna Karenina\n2: Bea Bennet\n")
    res = CliRunner().invoke(app, [str(out), str(names), "--no-run"])
    assert res.exit_code == 0, res.output
    # the next `reelmind run` (same command, no config change) applies the names
    assert _pipeline(tmp_path, film, out, stages) == {"faces": "cached", "audio": "cached", "persons": "computed",
                                                       "fuse": "computed", "report": "computed"}
    named = DatasetTable.read_parquet(out / "dataset.parquet")
    assert {"Anna Karenina", "Bea Bennet"} <= set(named.character)
    np.testing.assert_array_equal(named.person_id, before.person_id)  # same people, new labels
    rows = list(csv.DictReader((out / "dataset.csv").open(encoding="utf-8")))
    assert {"Anna Karenina", "Bea Bennet"} <= {r["character"] for r in rows}
    assert set(PersonTable.read_parquet(out / "persons.parquet").person[:2]) == {"Anna Karenina", "Bea Bennet"}
    assert "Anna Karenina" in set(FaceTable.read_parquet(out / "faces.parquet").person)
    report = (out / "report" / "report.md").read_text(encoding="utf-8")
    assert "Anna Karenina" in report and "Bea Bennet" in report

    # naming again applies at once (persons and fuse rerun from the CLI), and sticks for later runs
    again = tmp_path / "again.yaml"
    again.write_text("person_2: Beatrice\n")
    res = CliRunner().invoke(app, [str(out), str(again)])
    assert res.exit_code == 0, res.output
    for line in ("persons: computed", "fuse: computed", "report: computed", "faces: cached", "audio: cached"):
        assert line in res.output
    assert {"Anna Karenina", "Beatrice"} <= set(DatasetTable.read_parquet(out / "dataset.parquet").character)
    assert set(_pipeline(tmp_path, film, out, stages).values()) == {"cached"}
    assert "Beatrice" in {r["character"] for r in csv.DictReader((out / "dataset.csv").open(encoding="utf-8"))}
    assert "Beatrice" in (out / "report" / "report.md").read_text(encoding="utf-8")
