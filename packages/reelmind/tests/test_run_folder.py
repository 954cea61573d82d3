"""Run-folder robustness through the real CLI: bad output folders, failed publishes, Ctrl-C, two runs
on one folder, --force, file options keyed by content, and an API key that never reaches a file."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TOY = Path(__file__).with_name("toy_cli.py")


def _sigint_default():
    """In the child before exec: Ctrl-C back to its default. A test run started in the background of a
    non-interactive shell ignores SIGINT, children inherit that, and Python then never raises
    KeyboardInterrupt, so the Ctrl-C under test would be lost."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def env(tmp_path):
    film = tmp_path / "film.bin"
    film.write_bytes(os.urandom(8192))
    return film, {**os.environ, "RM_LOG": str(tmp_path / "calls.log")}


def _cli(args, env, user=None, **kw):
    cmd = [sys.executable, str(TOY), *map(str, args)]
    if user is not None:  # run as an unprivileged user, so permissions apply even when tests run as root
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, **kw)


def _one_line_error(res) -> str:
    assert "Traceback" not in res.stderr + res.stdout, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("reelmind: error:")]
    assert len(lines) == 1, res.stderr
    return lines[0]


def test_output_folder_is_a_file(tmp_path, env):
    film, e = env
    (tmp_path / "out").write_text("x")
    res = _cli(["run", film, "-o", tmp_path / "out"], e)
    assert res.returncode == 2 and "is a file" in _one_line_error(res)


NOBODY = 65534


def test_output_folder_not_writable_and_parent_not_writable(env):
    import shutil
    import tempfile

    film, e = env
    user = NOBODY if os.geteuid() == 0 else None  # root ignores permissions: run the CLI as nobody
    base = Path(tempfile.mkdtemp(prefix="reelmind-perm-", dir="/tmp"))
    try:
        base.chmod(0o755)
        shutil.copy(film, base / "film.bin")
        (base / "film.bin").chmod(0o644)
        log = base / "calls.log"
        log.touch()
        log.chmod(0o666)
        ro = base / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        e = {**e, "RM_LOG": str(log)}
        res = _cli(["run", base / "film.bin", "-o", ro], e, user=user)
        assert res.returncode == 2 and "not writable" in _one_line_error(res) and "fix:" in res.stderr
        res = _cli(["run", base / "film.bin", "-o", ro / "child"], e, user=user)
        assert res.returncode == 2 and "not writable" in _one_line_error(res)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_failed_publish_keeps_cache_and_complete_manifest(tmp_path, env):
    film, e = env
    out = tmp_path / "out"
    (out / "summary.txt").mkdir(parents=True)  # a folder where b publishes a file: the replace fails
    res = _cli(["run", film, "-o", out], e)
    assert res.returncode == 1 and "Traceback" not in res.stderr + res.stdout
    assert "publish failed" in res.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["stages"]["b"]["status"] == "computed" and manifest["stages"]["b"]["publish_errors"]
    assert "finished" in manifest and (out / "faces.parquet").exists()
    assert len(list((out / "cache" / "b").glob("*/done.json"))) == 1
    (out / "summary.txt").rmdir()
    res = _cli(["run", film, "-o", out], e)
    assert res.returncode == 0 and (out / "summary.txt").read_text() == "unnamed rows=64\n"
    assert Path(e["RM_LOG"]).read_text().split() == ["A", "B"]  # nothing recomputed


def _start_slow(film, out, e, slow=60):
    e = {**e, "PYTHONUNBUFFERED": "1"}
    cfg = out.parent / f"slow-{out.name}.yaml"
    cfg.write_text(f"stages:\n  b: {{slow: {slow}}}\n")
    proc = subprocess.Popen([sys.executable, str(TOY), "run", str(film), "-o", str(out), "-c", str(cfg)], env=e,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_sigint_default)
    marker = Path(e["RM_LOG"] + ".b-started")
    deadline = time.time() + 60
    while not marker.exists():
        assert time.time() < deadline and proc.poll() is None, "stage b never started"
        time.sleep(0.05)
    return proc


def test_ctrl_c_says_where_and_keeps_finished_stages(tmp_path, env):
    film, e = env
    out = tmp_path / "out"
    proc = _start_slow(film, out, e)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted during b; finished stages are kept; rerun the same command to resume" in stderr
    assert "Traceback" not in stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["stages"]["a"]["status"] == "computed" and manifest["interrupted"] == "b"


def test_second_run_on_the_same_folder_is_refused(tmp_path, env):
    film, e = env
    out = tmp_path / "out"
    proc = _start_slow(film, out, e, slow=30)
    try:
        res = _cli(["run", film, "-o", out], e)
        line = _one_line_error(res)
        assert res.returncode == 2 and "in use by pid" in line and str(proc.pid) in line
    finally:
        proc.kill()
        proc.communicate()


def test_force_replaces_and_file_options_key_by_content(tmp_path, env):
    film, e = env
    out = tmp_path / "out"
    names = tmp_path / "names.txt"
    names.write_text("Ada")
    cfg = tmp_path / "run.yaml"
    cfg.write_text(f"stages:\n  b: {{names: {names}}}\n")
    assert _cli(["run", film, "-o", out, "-c", cfg], e).returncode == 0
    assert (out / "summary.txt").read_text() == "Ada rows=64\n"
    names.write_text("Grace")  # same path, new content: b recomputes
    assert _cli(["run", film, "-o", out, "-c", cfg], e).returncode == 0
    assert (out / "summary.txt").read_text() == "Grace rows=64\n"
    entries = sorted((out / "cache" / "b").glob("*/done.json"))
    assert len(entries) == 2
    before = {p: p.stat().st_mtime_ns for p in entries}
    assert _cli(["run", film, "-o", out, "-c", cfg, "--force", "b"], e).returncode == 0
    after = sorted((out / "cache" / "b").glob("*/done.json"))
    assert len(after) == 2 and any(p.stat().st_mtime_ns != before[p] for p in after)  # the entry was replaced
    assert Path(e["RM_LOG"]).read_text().split() == ["A", "B", "B", "B"]


def test_runtime_options_are_not_in_the_cache_key(tmp_path, env):
    film, e = env
    out = tmp_path / "out"
    assert _cli(["run", film, "-o", out], e).returncode == 0
    cfg = tmp_path / "threads.yaml"
    cfg.write_text("stages:\n  a: {threads: 4}\n")
    res = _cli(["run", film, "-o", out, "-c", cfg], e)
    assert res.returncode == 0 and Path(e["RM_LOG"]).read_text().split() == ["A", "B"]


def test_api_key_never_reaches_a_file(tmp_path, env):
    film, e = env
    out = tmp_path / "out"
    secret = "sk-test-" + os.urandom(8).hex()
    cfg = tmp_path / "llm.yaml"
    cfg.write_text("llm: {base_url: 'http://127.0.0.1:9/v1', model: m, api_key_env: REELMIND_TEST_KEY}\n")
    res = _cli(["run", film, "-o", out, "-c", cfg], {**e, "REELMIND_TEST_KEY": secret})
    assert res.returncode == 0, res.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["llm"]["api_key_env"] == "REELMIND_TEST_KEY"
    for p in out.rglob("*"):
        if p.is_file():
            assert secret.encode() not in p.read_bytes(), p
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"llm: {{base_url: 'http://127.0.0.1:9/v1', api_key: {secret}}}\n")
    res = _cli(["run", film, "-o", tmp_path / "out2", "-c", bad], e)
    line = _one_line_error(res)
    assert res.returncode == 2 and "api_key_env" in line and secret not in res.stderr


def test_a_computed_stage_releases_its_models_unless_kept(tmp_path, monkeypatch):
    """After a stage computed, the driver drops the process's runners and loaded models (peak memory
    is one stage's), unless ``keep_models``; each report carries the stage's CPU seconds."""
    import importlib.util

    from reelmind.core import models
    from reelmind.core.config import RunConfig
    from reelmind.pipeline import orchestrate

    monkeypatch.setenv("RM_LOG", str(tmp_path / "calls.log"))
    spec = importlib.util.spec_from_file_location("toy_cli_stages", TOY)
    toy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(toy)
    film = tmp_path / "film.bin"
    film.write_bytes(os.urandom(4096))
    released = []
    monkeypatch.setattr(models, "clear_loaded", lambda: released.append(1))
    reports = orchestrate.run_pipeline(film, tmp_path / "a", RunConfig(), stages=dict(toy.STAGES))
    computed = [r for r in reports if r.status == "computed"]
    assert len(computed) == 2 and len(released) == 2
    assert all(r.cpu_seconds >= 0 for r in reports)
    assert json.loads((tmp_path / "a" / "manifest.json").read_text())["stages"]["a"]["cpu_seconds"] >= 0
    released.clear()
    orchestrate.run_pipeline(film, tmp_path / "b", RunConfig(keep_models=True), stages=dict(toy.STAGES))
    assert not released and (tmp_path / "calls.log").read_text().split() == ["A", "B", "A", "B"]
