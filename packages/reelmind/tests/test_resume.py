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
    import sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[5])
    from toy_cli import STAGES
    from reelmind.core.config import RunConfig
    from reelmind.pipeline.orchestrate import run_pipeline

    names = Path(sys.argv[2]).parent / f"names-{sys.argv[3]}.txt"
    names.write_text(sys.argv[3])
    cfg = RunConfig(stages={"b": {"names": str(names), "slow": float(sys.argv[4])}})
    reports = run_pipeline(sys.argv[1], sys.argv[2], cfg, stages=dict(STAGES))
    print(" ".join(f"{r.name}={r.status}" for r in reports))
''')


def _run(tmp_path, film, out, label, slow, env, wait=True):
    script = tmp_path / "pipeline.py"
    script.write_text(SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), str(film), str(out), label, str(slow), str(Path(__file__).parent)], env=env,
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
