"""The run store resumes after SIGKILL, never reads partial results, and re-runs only what changed."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent('''
    import os, sys, time
    from dataclasses import dataclass
    from pathlib import Path
    import numpy as np
    from reelmind.core.records import DocumentTable, FaceTable
    from reelmind.core.atomic import write_bytes
    from reelmind.core.stage import Stage
    from reelmind.core.config import RunConfig
    from reelmind.pipeline.orchestrate import run_pipeline

    log = Path(os.environ["RM_LOG"])

    @dataclass
    class AOpts:
        step: float = 0.25

    @dataclass
    class BOpts:
        label: str = "x"
        slow: float = 0.0

    def a_setup(o, profile):
        def run(inputs, ctx):
            with log.open("a") as fh: fh.write("A\\n")
            data = np.frombuffer(Path(inputs["video"]).read_bytes()[:4096], dtype=np.uint8).astype(float)
            t = np.arange(len(data) // 64) * o.step
            return {"faces": FaceTable(time=t, box=np.zeros((len(t), 4)), det_conf=data[: len(t)] / 255)}
        return run

    def b_setup(o, profile):
        def run(inputs, ctx):
            with log.open("a") as fh: fh.write("B\\n")
            text = f"{o.label} rows={len(inputs['faces'])}\\n"
            Path(os.environ["RM_LOG"] + ".b-started").touch()
            time.sleep(o.slow)
            return {"summary": DocumentTable(name=["summary.txt"], data=[text.encode()])}
        return run

    def b_publish(outputs, o, out):
        doc = outputs["summary"]
        return [write_bytes(out / doc.name[0], doc.data[0])]

    stages = {"a": Stage("a", ("video",), ("faces",), AOpts, a_setup),
              "b": Stage("b", ("faces",), ("summary",), BOpts, b_setup, publish=b_publish)}
    cfg = RunConfig(stages={"b": {"label": sys.argv[3], "slow": float(sys.argv[4])}})
    reports = run_pipeline(sys.argv[1], sys.argv[2], cfg, stages=stages)
    print(" ".join(f"{r.name}={r.status}" for r in reports))
''')


def _run(tmp_path, film, out, label, slow, env, wait=True):
    script = tmp_path / "pipeline.py"
    script.write_text(SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), str(film), str(out), label, str(slow)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if not wait:
        return proc
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    return stdout.strip()


@pytest.fixture
def setup(tmp_path):
    film = tmp_path / "film.bin"
    film.write_bytes(os.urandom(8192))
    env = {**os.environ, "RM_LOG": str(tmp_path / "calls.log")}
    return film, tmp_path / "run", env


def test_sigkill_midway_then_resume(tmp_path, setup):
    film, out, env = setup
    proc = _run(tmp_path, film, out, "x", 60, env, wait=False)
    marker = Path(env["RM_LOG"] + ".b-started")
    deadline = time.time() + 60
    while not marker.exists():
        assert time.time() < deadline and proc.poll() is None, proc.stderr.read() if proc.poll() is not None else "timeout"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # stage a finished and is cached; stage b left only a partial folder, never a result
    assert len(list((out / "cache" / "a").glob("*/done.json"))) == 1
    assert not list((out / "cache" / "b").glob("*/done.json"))
    assert list((out / "cache" / "b").glob(".partial-*"))
    assert (out / "faces.parquet").exists() and not (out / "summary.txt").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["stages"]["a"]["status"] == "computed"

    assert _run(tmp_path, film, out, "x", 0, env) == "a=cached b=computed"
    assert Path(env["RM_LOG"]).read_text().split() == ["A", "B", "B"]  # a was not recomputed
    assert (out / "summary.txt").read_text() == "x rows=64\n"
    assert not list((out / "cache" / "b").glob(".partial-*"))  # stale partial cleaned


def test_changed_option_recomputes_only_downstream(tmp_path, setup):
    film, out, env = setup
    assert _run(tmp_path, film, out, "x", 0, env) == "a=computed b=computed"
    assert _run(tmp_path, film, out, "x", 0, env) == "a=cached b=cached"
    assert _run(tmp_path, film, out, "y", 0, env) == "a=cached b=computed"
    assert (out / "summary.txt").read_text() == "y rows=64\n"
    film.write_bytes(os.urandom(8192))  # a different film: everything recomputes
    assert _run(tmp_path, film, out, "y", 0, env) == "a=computed b=computed"


def test_corrupt_cache_entry_is_recomputed(tmp_path, setup):
    film, out, env = setup
    _run(tmp_path, film, out, "x", 0, env)
    (next((out / "cache" / "a").glob("*/faces.parquet"))).write_bytes(b"not parquet")
    assert _run(tmp_path, film, out, "x", 0, env) == "a=computed b=cached"
