"""``reelmind audio-eval`` on a LibriVox clip with its transcript."""

from __future__ import annotations

import shutil

from reelmind.core.media import media_path
from reelmind.eval.cli import app
from typer.testing import CliRunner

CLIP = "sense_and_sensibility_01_austen_64kb-0880"


def test_audio_eval_prints_corpus_wer(tmp_path):
    shutil.copy(media_path(f"librivox/{CLIP}.wav"), tmp_path)
    (tmp_path / "transcription").write_text(f"<s> he was not an ill disposed young man </s> ({CLIP})\n")
    res = CliRunner().invoke(app, ["audio-eval", str(tmp_path)])
    assert res.exit_code == 0, res.output
    wer = float(res.output.split("corpus WER ")[1].split()[0])
    assert wer <= 0.25


def test_audio_eval_malformed_transcription_is_one_clear_line(tmp_path):
    (tmp_path / "transcription").write_text("this line has no clip id\n")
    res = CliRunner().invoke(app, ["audio-eval", str(tmp_path)])
    assert res.exit_code == 1
    assert "malformed line" in res.output
