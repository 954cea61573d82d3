"""A finished stage's files are written on a background thread while the next stage computes; the
manifest and the reports list them once the run returns."""

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelmind.core.atomic import write_bytes
from reelmind.core.config import RunConfig
from reelmind.core.records import DocumentTable, FaceTable
from reelmind.core.stage import Stage
from reelmind.pipeline.orchestrate import run_pipeline


@dataclass
class Opts:
    pass


def test_publishing_overlaps_the_next_stage_and_the_manifest_lists_the_files(tmp_path):
    events: dict[str, float] = {}

    def a_setup(o, profile):
        def run(inputs, ctx):
            return {"faces": FaceTable(time=np.arange(3) * 0.25, box=np.zeros((3, 4)), det_conf=np.ones(3))}
        return run

    def a_publish(outputs, o, out):
        events["a publish thread"] = threading.current_thread() is not threading.main_thread()
        time.sleep(1.0)
        events["a published"] = time.perf_counter()
        return [write_bytes(out / "a.txt", b"a\n")]

    def b_setup(o, profile):
        def run(inputs, ctx):
            events["b starts"] = time.perf_counter()
            return {"summary": DocumentTable(name=["b.txt"], data=[f"rows={len(inputs['faces'])}\n".encode()])}
        return run

    def b_publish(outputs, o, out):
        events["b publish after a"] = "a published" in events  # one thread, in the order stages finished
        return [write_bytes(out / "b.txt", outputs["summary"].data[0])]

    stages = {"a": Stage("a", ("video",), ("faces",), Opts, a_setup, publish=a_publish),
              "b": Stage("b", ("faces",), ("summary",), Opts, b_setup, publish=b_publish)}
    film = tmp_path / "film.bin"
    film.write_bytes(b"\0" * 4096)
    reports = {r.name: r for r in run_pipeline(film, tmp_path / "out", RunConfig(parallel=1), stages=stages)}

    assert events["a publish thread"] and events["b publish after a"]
    assert events["b starts"] < events["a published"]  # b computed while a's files were written
    assert Path(reports["a"].outputs["a.txt"]).read_text() == "a\n"
    assert (tmp_path / "out" / "b.txt").read_text() == "rows=3\n"
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert "a.txt" in manifest["stages"]["a"]["outputs"] and "b.txt" in manifest["stages"]["b"]["outputs"]
    assert manifest["finished"]


def test_downstream_counts_and_warm_runners_survive_a_release():
    """The concurrent driver keeps in its own process the ready stage with the most dependants, and
    the runners it made ahead of time stay through another stage's release."""
    from reelmind.pipeline import orchestrate
    from reelmind.pipeline.concurrent import downstream

    made = []

    def setup(o, profile):
        made.append(1)
        return lambda inputs, ctx: {}

    st = {n: Stage(n, i, o, Opts, setup) for n, i, o in (
        ("a", ("video",), ("x",)), ("b", ("video",), ("y",)), ("c", ("x", "y"), ("z",)), ("d", ("z",), ("w",)),
        ("e", ("y",), ("v",)))}
    order = orchestrate.plan(st, {"video"}).order
    after = downstream(order)
    assert after == {"a": {"c", "d"}, "b": {"c", "d", "e"}, "c": {"d"}, "d": set(), "e": set()}

    cfg, warm = RunConfig(), [st["c"], st["d"]]
    assert orchestrate.warm_runners(warm, cfg, None) == ["c", "d"] and len(made) == 2
    orchestrate.get_runner(st["a"], orchestrate.stage_options(st["a"], cfg), None)
    orchestrate.release_models(keep=("c", "d"))
    names = {k[0] for k in orchestrate._runners}
    assert names == {"c", "d"}
    orchestrate.get_runner(st["c"], orchestrate.stage_options(st["c"], cfg), None)
    assert len(made) == 3  # c's warm runner was reused; only a's was made besides
    orchestrate.release_models()
    assert not orchestrate._runners
