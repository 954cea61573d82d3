"""The record / replay tool of the planted evaluation (packages/microexpr/benchmarks/spotting_replay.py) on
SYNTHETIC events planted in a real still: a replay with the recorded settings gives the recorded figures
exactly, a replay with other settings spots again, and the real flow is restored afterwards."""

import dataclasses
import importlib.util
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

TOOL = Path(__file__).resolve().parents[1] / "benchmarks" / "spotting_replay.py"


def _tool():
    spec = importlib.util.spec_from_file_location("spotting_replay", TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_replay_of_a_recording_gives_its_figures_and_other_settings_spot_again(tmp_path):
    from reelmind.microexpr import spot as spot_mod
    from reelmind.microexpr.planted import AMOUNT, sources
    from reelmind.microexpr.synth import Plant

    tool = _tool()
    real = spot_mod.trajectories
    src = dataclasses.replace(sources("report", "still_hao")[0], plain_seconds=0.0)
    plants = [Plant(14, 3, "AU12", AMOUNT), Plant(50, 10, "AU1+2", AMOUNT)]
    recorded = tool.record(tmp_path, [src], "{}", plants)
    assert recorded["hits"] == 2 and spot_mod.trajectories is real
    assert sorted(p.name.split("-")[-2] for p in tmp_path.glob("*.npz")) == ["000", "001", "002"]  # plain + 2 trials
    again, results = tool.replay(tmp_path, "{}", verbose=False)
    assert again == recorded and spot_mod.trajectories is real
    index = json.loads((tmp_path / "index.json").read_text())["sources"][0]
    assert [[list(iv) for iv in t.spotted] for t in results[0].trials] == index["spotted"]  # interval by interval
    blind, _ = tool.replay(tmp_path, '{"au_z": 1000.0}', verbose=False)
    assert blind["hits"] == 0 and blind["trials"] == 2
