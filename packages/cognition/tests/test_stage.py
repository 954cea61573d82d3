import csv

import pytest
from cognition_film import make_film

from reelmind.core import DATASET_COLUMNS, ConfigError, DataFileError
from reelmind.core.stage import StageContext, discover_stages
from reelmind.cognition.stage import STAGE


def test_stage_is_published_and_runnable_here():
    stages = discover_stages()
    assert stages["cognition"].inputs == ("dataset",) and stages["cognition"].outputs == ("analysis",)
    assert STAGE.check() == []
    refs = STAGE.models(STAGE.make_options({}))
    assert refs[0].name == "all-MiniLM-L6-v2" and len(refs[0].sha256) == 64


def test_stage_runs_on_a_table_and_on_the_seed_csv(tmp_path):
    ds = make_film(n_scenes=2, lines_per_scene=9)
    opts = STAGE.make_options({"memory": False, "lstm_epochs": 5})
    seen = []
    out = STAGE.run(StageContext(work_dir=tmp_path / "w1", progress=lambda f, m: seen.append(f)), {"dataset": ds}, opts)
    assert (out["analysis"] / "transitions.parquet").is_file() and seen[-1] == 1.0
    p = tmp_path / "multimodal_dataset.csv"
    with open(p, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(DATASET_COLUMNS)
        for i in range(len(ds)):
            w.writerow([ds.columns()[c][i] for c in DATASET_COLUMNS])
    out2 = STAGE.run(StageContext(work_dir=tmp_path / "w2"), {"dataset": p}, opts)
    assert (out2["analysis"] / "arcs.json").read_bytes() == (out["analysis"] / "arcs.json").read_bytes()


def test_stage_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("character,dialogue,start_time,end_time\nAda,hi,x,2\n")
    with pytest.raises(DataFileError, match="expects a number"):
        STAGE.run(StageContext(work_dir=tmp_path), {"dataset": bad}, STAGE.make_options({}))
    with pytest.raises(ConfigError, match="unknown option"):
        STAGE.make_options({"memroy": True})
