"""The reliability suite: 23 bad inputs (tests/bad_media.py) through the real `reelmind run` command
(perception and fusion: faces, persons, audio, fuse), in one process so the models load once.

For every case: no traceback anywhere, and the outcome the issue asks for — a result, a degraded
result whose reason is in the manifest and on the console, or a one-line error naming the file.
The four output-folder problems are in packages/reelmind/tests/test_run_folder.py.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

sys.path.insert(0, str(Path(__file__).parent))

RESULT, DEGRADED, ERROR, FAILED = "result", "degraded", "error", "failed"
#: case -> (outcome, words that must appear: in the degraded reasons, the error line or the failed stage)
EXPECT = {
    "good": (RESULT, ""),
    "zero_byte": (ERROR, "empty (0 bytes)"),
    "truncated_index_at_end": (FAILED, "not a readable media file"),
    "truncated_index_at_start": (DEGRADED, "video truncated at"),
    "random_bytes": (FAILED, "not a readable media file"),
    "text_file": (FAILED, "not a readable media file"),
    "audio_only_m4a": (DEGRADED, "no video stream"),
    "audio_only_wav": (DEGRADED, "no video stream"),
    "no_audio": (DEGRADED, "no audio stream"),
    "no_faces": (RESULT, ""),
    "silence": (RESULT, ""),
    "speech_8khz": (RESULT, ""),
    "vfr": (RESULT, ""),
    "one_pixel": (DEGRADED, "picture unusable"),
    "4k": (RESULT, ""),
    "unicode_path": (RESULT, ""),
    "chinese_speech": (RESULT, ""),  # or degraded: "most speech was rejected", see the test
    "french_speech": (RESULT, ""),
    "corrupt_packets": (DEGRADED, "corrupt"),
    "cut_in_the_middle": (DEGRADED, "corrupt video packet"),
    "mkv": (RESULT, ""),
    "webm": (RESULT, ""),
    "nonexistent": (ERROR, "no such file"),
}
SPEECH = {"good", "audio_only_m4a", "audio_only_wav", "no_faces", "speech_8khz", "vfr", "one_pixel", "4k",
          "unicode_path", "mkv", "webm", "french_speech"}


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    from bad_media import build

    for tool in ("ffmpeg", "espeak-ng"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} (Debian package) is not installed")
    return build(tmp_path_factory.mktemp("bad-media"))


def _reelmind(*args: str) -> tuple[int, str]:
    """`reelmind ARGS` in this process: exit code and everything it printed. An exception that
    escapes the command fails the test (that would be a traceback on a user's terminal)."""
    from reelmind.pipeline.cli import main

    out = io.StringIO()
    argv, sys.argv = sys.argv, ["reelmind", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = argv
    return code, out.getvalue()


def test_every_case_is_covered(cases):
    assert set(cases) == set(EXPECT) and len(EXPECT) == 23


@pytest.mark.parametrize("name", list(EXPECT))
def test_bad_input(name, cases, tmp_path):
    from reelmind.core.records import DatasetTable, FaceTable

    want, words = EXPECT[name]
    out = tmp_path / "run"
    code, printed = _reelmind("run", str(cases[name]), "-o", str(out), "--only", "fuse")
    assert "Traceback" not in printed, printed
    if want == ERROR:
        errors = [ln for ln in printed.splitlines() if ln.startswith("reelmind: error:")]
        assert code == 2 and len(errors) == 1 and words in errors[0] and str(cases[name].name) in errors[0], printed
        return
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    stages = manifest["stages"]
    if want == FAILED:  # unreadable: each decoding stage fails with the same one-line reason, nothing is faked
        assert code == 1
        for stage in ("faces", "audio"):
            assert stages[stage]["status"] == "failed" and words in stages[stage]["message"], stages[stage]
            assert "\n" not in stages[stage]["message"]
        assert not (out / "dataset.parquet").exists()
        return
    assert code == 0, printed
    assert all(stages[s]["status"] == "computed" for s in ("faces", "persons", "audio", "fuse")), stages
    reasons = [d for s in stages.values() for d in s.get("degraded") or []]
    dataset = DatasetTable.read_parquet(out / "dataset.parquet")
    if want == DEGRADED:
        assert any(words in r for r in reasons), reasons
        assert "warning: degraded result" in printed and words in printed  # said on the console too
        assert any(words in d for d in dataset.meta.get("degraded_inputs", [])) or name == "no_audio"
    elif name != "chinese_speech":
        assert not reasons, reasons
    faces = FaceTable.read_parquet(out / "faces.parquet")
    if name in SPEECH:
        assert len(dataset) >= 1 and all(t.strip() for t in dataset.dialogue)
    if name in ("audio_only_m4a", "audio_only_wav", "one_pixel"):  # the text + voice dataset: no face columns
        assert len(faces) == 0 and not any(dataset.face_emotion) and set(dataset.face_window) <= {"", "none"}
    if name in ("good", "4k", "vfr", "mkv", "webm", "unicode_path", "no_audio"):
        assert len(faces) > 0
    if name == "no_audio":
        assert len(dataset) == 0
    if name == "no_faces":
        assert len(faces) == 0
    if name == "silence":
        assert len(dataset) == 0
    if name == "chinese_speech":  # transcribed by the multilingual default, or loudly rejected
        zh = any("\u4e00" <= c <= "\u9fff" for t in dataset.dialogue for c in t)
        assert zh or any("rejected" in r for r in reasons), (list(dataset.dialogue), reasons)


def test_audio_only_film_gets_the_analysis_and_a_report_that_says_why(cases, tmp_path):
    """Issue 17.7 in full: the text + voice dataset goes through every analysis stage and the report
    says at the top that the face columns are empty and why."""
    from reelmind.core.records import DatasetTable

    out = tmp_path / "run"
    code, printed = _reelmind("run", str(cases["audio_only_wav"]), "-o", str(out))
    assert code == 0 and "Traceback" not in printed, printed
    stages = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["stages"]
    for name in ("fuse", "moments", "memory", "social", "personality", "scores", "report"):
        assert stages[name]["status"] == "computed", (name, stages[name])
    assert len(DatasetTable.read_parquet(out / "dataset.parquet")) >= 1
    top = (out / "report" / "report.md").read_text(encoding="utf-8").split("## 1.")[0]
    assert "no video stream (audio-only input): face columns are empty" in top


def test_strict_makes_a_degraded_result_a_failure(cases, tmp_path):
    code, printed = _reelmind("run", str(cases["truncated_index_at_start"]), "-o", str(tmp_path / "run"), "--only", "faces",
                              "--strict")
    assert code == 3 and "--strict: degraded results count as a failure" in printed and "video truncated at" in printed
    code, printed = _reelmind("run", str(cases["good"]), "-o", str(tmp_path / "good"), "--only", "faces", "--strict")
    assert code == 0, printed
