"""The stage under the local driver: planned after the records it needs, published under prompts/,
cached, recomputed when the screenplay's content changes, a bad screenplay recorded as degraded."""

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

import promptgen_film as pf
from reelmind.core.config import RunConfig
from reelmind.core.stage import Stage
from reelmind.promptgen.stage import STAGE

GT = Path(__file__).parent / "data" / "groundtruth.fountain"
RECORDS = ("dataset", "moments", "transitions", "scenes", "personality", "social", "faces")


def _records_setup(options, profile):
    def runner(inputs, ctx):
        film = pf.film()
        return {name: getattr(film, name) for name in RECORDS}

    return runner


@dataclass
class NoOptions:
    pass


#: the analysis records of the constructed film, offered as one upstream stage
RECORDS_STAGE = Stage(name="constructed", inputs=("video",), outputs=RECORDS, options_type=NoOptions,
                      setup=_records_setup)


@pytest.fixture
def film(tmp_path):
    return pf.write_video(tmp_path / "film.mp4")


def _run(film, out, screenplay):
    from reelmind.pipeline.orchestrate import run_pipeline

    cfg = RunConfig(stages={"prompts": {"screenplay": str(screenplay)}})
    return {r.name: r for r in run_pipeline(film, out, cfg, stages={"constructed": RECORDS_STAGE, "prompts": STAGE})}


def test_driver_publishes_caches_and_keys_the_screenplay_by_content(film, tmp_path):
    out = tmp_path / "run"
    script = tmp_path / "script.fountain"
    script.write_text(GT.read_text(encoding="utf-8"), encoding="utf-8")
    first = _run(film, out, script)
    assert first["prompts"].status == "computed" and not first["prompts"].publish_errors, first["prompts"]
    assert (out / "prompts.parquet").is_file()
    for name in ("prompts.jsonl", "prompts.md", "keyframes.html"):
        assert (out / "prompts" / name).is_file()
    assert list((out / "prompts" / "refs").glob("*.png"))
    assert _run(film, out, script)["prompts"].status == "cached"
    script.write_text(GT.read_text(encoding="utf-8").replace("Bea kicks the fence post.", "Bea kicks the gate."), encoding="utf-8")
    again = _run(film, out, script)
    assert again["constructed"].status == "cached" and again["prompts"].status == "computed"


def test_a_bad_screenplay_is_a_degraded_result_in_the_manifest(film, tmp_path):
    out = tmp_path / "run"
    empty = tmp_path / "empty.fountain"
    empty.write_text("")
    rep = _run(film, out, empty)["prompts"]
    assert rep.status == "computed" and rep.degraded == ["screenplay empty.fountain is empty; prompts are pipeline-only"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["degraded"]["prompts"] == rep.degraded
