"""bench/gpu_check.sh on this CPU machine: the cpu-2core profile, one JSON table of every installed
stage's throughput, absent categories named (stages still being built elsewhere are skipped)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]


def test_gpu_check_prints_its_table_on_the_cpu_profile(tmp_path):
    from reelmind.eval.archive_films import SCRIPTS
    from reelmind.eval.groundtruth import build

    build(tmp_path / "film", script=SCRIPTS["gt-ann-bea"], lead_in=0.3, pad=0.2, gap=0.2)
    env = {**os.environ, "PYTHON": sys.executable, "REPEAT": "1", "FILM": str(tmp_path / "film" / "film.mp4"),
           "PATH": "/usr/bin:/bin"}  # no nvidia-smi: the CPU path
    out = subprocess.run(["bash", str(ROOT / "bench" / "gpu_check.sh")], capture_output=True, text=True, env=env,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    table = json.loads(out.stdout)
    assert table["profile"] == "cpu-2core" and table["providers"][-1] == "CPUExecutionProvider"
    rows = {r["stage"]: r for r in table["stages"]}
    assert {"faces", "audio", "fuse"} <= set(rows), table
    assert all(r["seconds"] > 0 and r["x_realtime"] > 0 for r in rows.values())
    assert rows["faces"]["category"] == "faces" and rows["audio"]["category"] == "asr+segmentation"
    for category in table["absent"]:
        assert f"no installed stage for {category}: skipped" in out.stderr
    assert "no GPU: cpu-2core profile" in out.stderr
