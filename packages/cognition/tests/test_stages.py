"""The cognition stages as the orchestrator sees them: discovery, options from the run YAML, and a
run through ``reelmind.pipeline.orchestrate.run_pipeline`` from a small constructed upstream."""

from __future__ import annotations

import json
import logging
import socket
from dataclasses import dataclass

import pytest
from cognition_film import make_film

from reelmind.core import ConfigError
from reelmind.core.config import RunConfig
from reelmind.core.stage import Stage, discover_stages, key_options

from cognition_stages import COGNITION

IO = {
    "moments": (("dataset",), (), ("moments", "transitions", "arcs", "moods", "trends")),
    "memory": (("dataset", "moments", "transitions", "arcs", "trends"), (),
               ("memories", "hotspots", "consolidation", "scenes", "character_scenes", "reflections")),
    "social": (("dataset",), (), ("social", "migrations", "influence")),
    "personality": (("dataset", "transitions", "trends", "social"), ("hotspots",), ("personality",)),
    "scores": (("dataset",), ("transitions",), ("scores",)),
}


def test_stages_are_published_and_runnable_here():
    stages = discover_stages()
    assert "cognition" not in stages  # the old one-piece stage is gone
    for name, (ins, opt, outs) in IO.items():
        st = stages[name]
        assert (st.inputs, st.optional_inputs, st.outputs) == (ins, opt, outs), name
        assert st.check() == [], name
    refs = stages["memory"].models(stages["memory"].make_options({}))
    assert refs[0].name == "all-MiniLM-L6-v2-st" and len(refs[0].sha256) == 64 and refs[0].path.is_dir()
    assert stages["moments"].models(stages["moments"].make_options({})) == []


def test_nested_options_from_the_run_yaml_and_unknown_keys_named(tmp_path):
    cfg = tmp_path / "run.yaml"
    cfg.write_text("stages:\n  memory:\n    promote_refs: 3\n    consolidation: {hotspot_min: 4}\n"
                   "  moments:\n    lstm: {epochs: 7, enabled: true}\n    mood: {tau_s: 60}\n"
                   "llm: {base_url: 'http://127.0.0.1:9/v1', model: m, api_key_env: SOME_KEY}\n", encoding="utf-8")
    from reelmind.pipeline.orchestrate import stage_options

    run = RunConfig.from_yaml(cfg)
    stages = discover_stages()
    mem = stage_options(stages["memory"], run)
    assert mem.promote_refs == 3 and mem.consolidation.hotspot_min == 4
    assert mem.llm.base_url == "http://127.0.0.1:9/v1" and mem.llm.api_key_env == "SOME_KEY"  # the one LLM config
    assert stage_options(stages["report"], run).llm.model == "m"
    mo = stage_options(stages["moments"], run)
    assert mo.lstm.epochs == 7 and mo.mood.tau_s == 60.0
    with pytest.raises(ConfigError, match=r"stages.memory: unknown option\(s\) promote_ref"):
        stages["memory"].make_options({"promote_ref": 2})
    with pytest.raises(ConfigError, match=r"stages.moments.lstm: unknown option\(s\) epoch"):
        stages["moments"].make_options({"lstm": {"epoch": 2}})
    # device, threads, sink locations and kernel backends stay out of the cache key
    assert "device" not in key_options(mem) and "url" not in key_options(mem)
    assert "backend" not in key_options(stages["scores"].make_options({}))
    assert "backend" not in key_options(stages["social"].make_options({}))
    assert "backend" not in key_options(mo)["short_term"]


# ----------------------------------------------------------------------------- through the real driver
@dataclass(frozen=True)
class ConstructedOptions:
    scenes: int = 2


def _constructed(options: ConstructedOptions, profile):
    def runner(inputs, ctx):
        return {"dataset": make_film(n_scenes=options.scenes, lines_per_scene=9)}

    return runner


#: A small upstream standing in for faces + audio + fuse: "video" -> a constructed dataset.
CONSTRUCTED = Stage(name="constructed", inputs=("video",), outputs=("dataset",), options_type=ConstructedOptions,
                    setup=_constructed, description="test upstream: a constructed fused dataset")


def test_run_pipeline_from_a_dataset_with_an_llm_that_is_down(tmp_path, monkeypatch, caplog):
    from reelmind.pipeline.orchestrate import run_pipeline

    secret = "sk-test-0123456789abcdef"
    monkeypatch.setenv("REELMIND_TEST_LLM_KEY", secret)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = RunConfig.from_dict({
        "stages": {"moments": {"lstm": {"epochs": 5}}, "report": {"film": "constructed"}},
        "llm": {"base_url": f"http://127.0.0.1:{port}/v1", "api_key_env": "REELMIND_TEST_LLM_KEY", "timeout_s": 5},
    })
    film = tmp_path / "film.bin"
    film.write_bytes(b"not a real film: the constructed stage ignores it")
    stages = {"constructed": CONSTRUCTED, **{k: v for k, v in discover_stages().items() if k in COGNITION}}
    out = tmp_path / "run"
    with caplog.at_level(logging.WARNING):
        reports = {r.name: r for r in run_pipeline(film, out, config, stages=stages)}
    assert {k: r.status for k, r in reports.items()} == {k: "computed" for k in stages}, {k: r.message for k, r in reports.items()}
    assert not any(r.publish_errors for r in reports.values())
    # the records of every stage are published as Parquet, with the human-facing files beside them
    records = [o for k in COGNITION for o in stages[k].outputs]
    assert len(records) == 17  # 16 cognition records + the report documents
    for name in records:
        assert (out / f"{name}.parquet").is_file(), name
    for f in ("report/report.md", "report/report.html", "report/report.json", "report/report.zh.md", "lstm.safetensors",
              "social.csv"):
        assert (out / f).is_file(), f
    assert (out / "memory" / "chroma.sqlite3").is_file()
    # the LLM that is down: said in the manifest (and on the console by the driver), the run still succeeds
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "unreachable" in manifest["degraded"]["memory"][0] and f"127.0.0.1:{port}" in manifest["degraded"]["memory"][0]
    assert any("LLM failed" in r.getMessage() for r in caplog.records)
    rep = json.loads((out / "report/report.json").read_text(encoding="utf-8"))
    assert rep["missing"] == {} and rep["sections"]["memory"]["stats"]["total"] > 18
    # the key is read from the environment and written nowhere
    for f in out.rglob("*"):
        if f.is_file():
            assert secret.encode() not in f.read_bytes(), f
    # a rerun serves every stage from the cache and keeps saying what was degraded
    again = {r.name: r for r in run_pipeline(film, out, config, stages=stages)}
    assert {k: r.status for k, r in again.items()} == {k: "cached" for k in stages}
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["degraded"]["memory"] == manifest["degraded"]["memory"]


def test_plan_orders_the_cognition_stages():
    from reelmind.pipeline.orchestrate import plan

    stages = {"constructed": CONSTRUCTED, **{k: v for k, v in discover_stages().items() if k in COGNITION}}
    order = [s.name for s in plan(stages, {"video"}).order]
    assert order[0] == "constructed" and order[-1] == "report"
    pos = {n: i for i, n in enumerate(order)}
    assert pos["moments"] < pos["memory"] < pos["personality"] and pos["social"] < pos["personality"]
    assert pos["moments"] < pos["scores"]  # an optional input that a runnable stage makes is waited for
    skipped = [s.name for s in plan(stages, {"video"}, skip=("memory",)).order]
    assert "memory" not in skipped and skipped[-1] == "report" and "personality" in skipped
