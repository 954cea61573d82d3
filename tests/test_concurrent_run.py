"""`reelmind run` computes independent stages (faces, audio) at once in worker processes: the results
equal a one-by-one run value for value, and Ctrl-C during the concurrent part stops cleanly and resumes."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from reelmind.core.media import media_path

pytestmark = pytest.mark.slow
REELMIND = [sys.executable, "-c", "from reelmind.pipeline.cli import main; main()"]


def _sigint_default():
    """In the child before exec: Ctrl-C back to its default. A test run started in the background of a
    non-interactive shell ignores SIGINT, children inherit that, and Python then never raises
    KeyboardInterrupt, so the Ctrl-C under test would be lost."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _run(film: Path, out: Path, parallel: int, *extra: str, **kw):
    cfg = out.parent / f"parallel-{parallel}.yaml"
    cfg.write_text(f"parallel: {parallel}\n")
    return subprocess.run([*REELMIND, "run", str(film), "-o", str(out), "-c", str(cfg), "--only", "fuse", *extra],
                          capture_output=True, text=True, timeout=900, **kw)


def _same_values(a: Path, b: Path) -> None:
    for f in sorted(a.glob("*.parquet")):
        x, y = pq.read_table(f), pq.read_table(b / f.name)
        assert x.column_names == y.column_names, f.name
        for c in x.column_names:
            u, v = x.column(c).combine_chunks(), y.column(c).combine_chunks()
            if "float" in str(u.type) or "list<item: float" in str(u.type) or "fixed_size_list" in str(u.type):
                u = np.asarray((u.flatten() if hasattr(u, "flatten") else u).to_numpy(zero_copy_only=False), float)
                v = np.asarray((v.flatten() if hasattr(v, "flatten") else v).to_numpy(zero_copy_only=False), float)
                assert np.array_equal(u, v, equal_nan=True), (f.name, c)
            else:
                assert u.equals(v), (f.name, c)


def test_concurrent_run_equals_one_by_one(tmp_path):
    film = media_path("feat/single_face.mp4")
    one = _run(film, tmp_path / "one", 1)
    both = _run(film, tmp_path / "both", 2)
    assert one.returncode == 0 and both.returncode == 0, both.stderr[-2000:]
    _same_values(tmp_path / "one", tmp_path / "both")
    m = json.loads((tmp_path / "both" / "manifest.json").read_text())
    assert {m["stages"][s]["status"] for s in ("faces", "persons", "audio", "fuse")} == {"computed"}
    again = _run(film, tmp_path / "both", 2)
    assert again.returncode == 0
    m = json.loads((tmp_path / "both" / "manifest.json").read_text())
    assert {m["stages"][s]["status"] for s in ("faces", "persons", "audio", "fuse")} == {"cached"}


def test_ctrl_c_while_stages_run_concurrently(tmp_path, gt_truth):
    film = gt_truth.parent / "film.mp4"  # 30 s: faces and audio each take seconds, so Ctrl-C finds both running
    out = tmp_path / "run"
    cfg = tmp_path / "p.yaml"
    cfg.write_text("parallel: 2\n")
    proc = subprocess.Popen([*REELMIND, "run", str(film), "-o", str(out), "-c", str(cfg), "--only", "fuse"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            preexec_fn=_sigint_default)
    deadline = time.time() + 300
    while not list((out / "cache").glob("*/.partial-*")) or len(list((out / "cache").glob("*/.partial-*"))) < 2:
        assert time.time() < deadline and proc.poll() is None, "the two stages never ran at once"
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)  # both stages started
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "interrupted during" in err and "Traceback" not in err, err[-2000:]
    manifest = json.loads((out / "manifest.json").read_text())
    assert "interrupted" in manifest
    res = subprocess.run([*REELMIND, "run", str(film), "-o", str(out), "-c", str(cfg), "--only", "fuse"],
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
    assert not list((out / "cache").glob("*/.partial-*"))


def test_parallel_follows_config_then_the_profile_within_idle_cores_and_free_memory(monkeypatch):
    from reelmind.core import runtime
    from reelmind.core.config import RunConfig
    from reelmind.core.profiles import Profile
    from reelmind.pipeline.orchestrate import GB_PER_WORKER, MIN_PARALLEL_FILM_S, parallel_workers

    two = Profile(name="two", parallel=2)
    assert parallel_workers(RunConfig.from_dict({"parallel": 3}), two) == (3, "config parallel")
    assert parallel_workers(RunConfig(), Profile(name="one"))[0] == 1
    monkeypatch.setattr(runtime, "available_memory_gb", lambda: 16.0)
    for idle, want in ((2.0, 2), (1.6, 2), (1.2, 1), (0.1, 1)):
        monkeypatch.setattr(runtime, "idle_cores", lambda idle=idle: idle)
        n, why = parallel_workers(RunConfig(), two)
        assert n == want and f"{idle:.1f} cores idle" in why
    n, why = parallel_workers(RunConfig(), two, media_path("feat/single_face.mp4"))
    assert n == 1 and "2-s film" in why  # short films: a worker's start-up costs more than it saves
    assert MIN_PARALLEL_FILM_S == 60.0
    monkeypatch.setattr(runtime, "available_memory_gb", lambda: GB_PER_WORKER * 1.5)
    assert parallel_workers(RunConfig(), two)[0] == 1  # memory for one stage only


def test_idle_cores_and_free_memory_are_read_from_the_machine():
    from reelmind.core.runtime import available_memory_gb, idle_cores

    assert 0.0 <= idle_cores(0.05) <= len(os.sched_getaffinity(0))
    assert 0.0 < available_memory_gb() < 1e6
