"""RTTM / STM readers and the conversation ground truth built from them (hand-made files, and
pyannote.audio's real phone-call sample when fetched)."""

from __future__ import annotations

import pytest
from reelmind.core.errors import DataFileError
from reelmind.core.media import media_dir
from reelmind.eval.nist import read_conversation, read_rttm, read_stm

RTTM = """;; a comment
SPEAKER call 1 0.50 2.00 <NA> <NA> alice <NA> <NA>
SPEAKER call 1 2.40 1.10 <NA> <NA> bob <NA> <NA>
SPKR-INFO call 1 <NA> <NA> <NA> unknown alice <NA> <NA>
SPEAKER other 1 0.00 1.00 <NA> <NA> carol <NA> <NA>
SPEAKER call 1 2.20 0.40 <NA> <NA> alice <NA> <NA>
"""
STM = """;; speaker names differ from the RTTM's
call 1 A 0.52 1.40 Hello there.
call 1 A 1.45 2.48 <o,f0,female> How are you?
call 1 B 2.45 3.48 Fine thanks.
other 1 C 0.0 1.0 Not this file.
"""


def test_rttm_and_stm_are_read_by_file(tmp_path):
    (tmp_path / "x.rttm").write_text(RTTM)
    (tmp_path / "x.stm").write_text(STM)
    turns = read_rttm(tmp_path / "x.rttm", "call")
    assert [(t["speaker"], t["start"], t["end"]) for t in turns] == [("alice", 0.5, 2.5), ("alice", 2.2, 2.6),
                                                                      ("bob", 2.4, 3.5)]
    assert len(read_rttm(tmp_path / "x.rttm")) == 4  # every file; SPKR-INFO lines skipped
    segs = read_stm(tmp_path / "x.stm", "call")
    assert [s["text"] for s in segs] == ["Hello there.", "How are you?", "Fine thanks."]  # label field dropped
    conv = read_conversation(tmp_path / "x.rttm", tmp_path / "x.stm", "call")
    assert [(t["speaker"], t["text"]) for t in conv] == [("alice", "Hello there. How are you?"), ("alice", ""),
                                                         ("bob", "Fine thanks.")]


def test_a_broken_line_is_a_one_line_error(tmp_path):
    (tmp_path / "bad.rttm").write_text("SPEAKER call 1 zero 2.0 <NA> <NA> alice\n")
    with pytest.raises(DataFileError, match=r"bad.rttm:1: not an RTTM SPEAKER line"):
        read_rttm(tmp_path / "bad.rttm")
    with pytest.raises(DataFileError, match="cannot read"):
        read_stm(tmp_path / "missing.stm")


@pytest.mark.skipif(not (media_dir() / "pyannote" / "sample.rttm").exists(), reason="run tools/fetch_media.sh")
def test_pyannote_phone_call_ground_truth():
    conv = read_conversation(media_dir() / "pyannote/sample.rttm", media_dir() / "pyannote/sample.stm")
    assert len(conv) == 10 and {t["speaker"] for t in conv} == {"speaker90", "speaker91"}
    words = " ".join(t["text"] for t in conv).split()
    assert len(words) == 81 and conv[0]["text"] == "Hello?"
