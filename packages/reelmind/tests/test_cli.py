"""The reelmind command: doctor reports, bad films give one-line errors, never tracebacks."""

import subprocess
import sys
from pathlib import Path

import pytest

REELMIND = [sys.executable, "-m", "reelmind.pipeline.cli"]


def _cli(*args, timeout=300):
    return subprocess.run([*REELMIND, *args], capture_output=True, text=True, timeout=timeout)


def test_doctor_lists_providers_models_and_stages():
    res = _cli("doctor")
    assert res.returncode == 0, res.stderr
    for word in ("CPUExecutionProvider", "mtcnn-pnet", "whisper-tiny.en-ct2", "reelmind._native", "profile"):
        assert word in res.stdout
    assert any(line.split("│")[2].strip() == "CPU" for line in res.stdout.splitlines() if line.count("│") >= 4)


@pytest.mark.parametrize("content, message", [(None, "no such file"), (b"", "empty (0 bytes)")])
def test_bad_film_is_one_line(tmp_path, content, message):
    film = tmp_path / "film.mp4"
    if content is not None:
        film.write_bytes(content)
    res = _cli("run", str(film), "-o", str(tmp_path / "out"))
    assert res.returncode == 2
    errors = [line for line in res.stderr.splitlines() if line.startswith("reelmind: error:")]
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in res.stderr


def test_unknown_profile_and_bad_config(tmp_path):
    film = tmp_path / "film.mp4"
    film.write_bytes(b"x" * 100)
    res = _cli("run", str(film), "-o", str(tmp_path / "out"), "--profile", "gtx-nope")
    assert res.returncode == 2 and "unknown profile" in res.stderr and "Traceback" not in res.stderr
    cfg = tmp_path / "c.yaml"
    cfg.write_text("stages: [oops")
    res = _cli("run", str(film), "-o", str(tmp_path / "out"), "-c", str(cfg))
    assert res.returncode == 2 and "not valid YAML" in res.stderr
