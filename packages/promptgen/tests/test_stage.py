"""The stage as the driver runs it, its published files, and `reelmind prompts RUN_DIR`."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import promptgen_film as pf
from reelmind.core.stage import discover_stages
from reelmind.promptgen.cli import app
from reelmind.promptgen.stage import STAGE

GT = Path(__file__).parent / "data" / "groundtruth.fountain"
NAMES = ("dataset", "moments", "transitions", "scenes", "personality", "social", "faces")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("run")
    film = pf.film(pf.write_video(d / "film.mp4"))
    for name in NAMES:
        getattr(film, name).to_parquet(d / f"{name}.parquet")
    (d / "manifest.json").write_text(json.dumps({"film": str(film.video), "config": {"stages": {"prompts": {"tier": "pipeline"}}}}))
    return d


def test_the_stage_is_installed_with_its_inputs():
    st = discover_stages()["prompts"]
    assert st.inputs == NAMES and set(st.optional_inputs) == {"persons", "utterances", "video"}
    assert st.outputs == ("prompts",) and st.check() == []


def test_cli_writes_the_records_and_the_human_files(run_dir):
    res = CliRunner().invoke(app, [str(run_dir), "--screenplay", str(GT), "--tier", "full"])
    assert res.exit_code == 0, res.output
    assert "screenplay groundtruth.fountain: 10/11 lines matched (hit rate 90.9 %), 1 rejected" in res.output
    from reelmind.core.records import PromptFrameTable

    t = PromptFrameTable.read_parquet(run_dir / "prompts.parquet")
    assert set(t.tier) == {"full", "pipeline", "minimal"} and t.meta["tier"] == "full"
    lines = (run_dir / "prompts" / "prompts.jsonl").read_text(encoding="utf-8").splitlines()
    rec = [json.loads(x) for x in lines]
    assert len(rec) == len(set(t.keyframe)) and all(r["tier"] == "full" for r in rec)
    assert all(set(r["dimensions"]) == {"anchor", "expression", "body", "atmosphere", "composition", "camera",
                                        "dialogue_action"} for r in rec)
    assert rec[0]["tiers"]["full"]["length"] > rec[0]["tiers"]["pipeline"]["length"] > rec[0]["tiers"]["minimal"]["length"]
    md = (run_dir / "prompts" / "prompts.md").read_text(encoding="utf-8")
    assert md.count("\n## Keyframe ") == len(rec) and "| phrase | dimension | rule | source |" in md
    assert "| full |" in md and "| pipeline |" in md and "| minimal |" in md
    html = (run_dir / "prompts" / "keyframes.html").read_text(encoding="utf-8")
    assert html.count('<section class="kf"') == len(rec) and '<img src="refs/' in html
    for r in rec:
        png = run_dir / r["i2v"]["image"]
        assert png.read_bytes().startswith(b"\x89PNG")


def test_cli_uses_the_runs_options_and_says_what_is_missing(run_dir, tmp_path):
    res = CliRunner().invoke(app, [str(run_dir)])
    assert res.exit_code == 0, res.output
    first = json.loads((run_dir / "prompts" / "prompts.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["tier"] == "pipeline"  # stages.prompts.tier of the run's config
    res = CliRunner().invoke(app, [str(tmp_path)])
    assert res.exit_code == 2 and "has no dataset.parquet" in res.output
    res = CliRunner().invoke(app, [str(run_dir), "--tier", "best"])
    assert res.exit_code == 2 and "tier must be one of full, pipeline, minimal" in res.output


def test_html_escapes_what_it_shows(run_dir):
    from reelmind.promptgen.publish import keyframes_html

    film = pf.film()
    ds = film.dataset.with_columns(dialogue=["<script>alert(1)</script> How dare you!"] * len(film.dataset))
    t = STAGE.run({**{n: getattr(film, n) for n in NAMES}, "dataset": ds}, STAGE.make_options())["prompts"]
    html = keyframes_html(t, "full")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_one_tier_is_what_a_consumer_renders(run_dir):
    from reelmind.core.records import PromptFrameTable

    CliRunner().invoke(app, [str(run_dir), "--tier", "pipeline"])
    t = PromptFrameTable.read_parquet(run_dir / "prompts.parquet")
    one = t.one_tier()
    assert set(one.tier) == {"pipeline"} and len(one) == len(set(t.keyframe)) == len(t) // 3
    assert list(one.keyframe) == sorted(set(t.keyframe))
    assert set(t.one_tier("minimal").tier) == {"minimal"}
