"""NIST ground-truth files: RTTM speaker turns and STM transcripts.

* RTTM: one ``SPEAKER <file> <channel> <onset> <duration> <NA> <NA> <speaker> <NA> <NA>`` line per
  speaker turn (other record types are skipped; ``;;`` lines are comments).
* STM: one ``<file> <channel> <speaker> <start> <end> [<label>] <text...>`` line per transcript
  segment (``;;`` comments; an optional ``<...>`` label field after the times is dropped).

:func:`read_conversation` joins the two: the RTTM's turns with the STM's text, each STM segment
given to the RTTM speaker it overlaps most in time (their speaker names need not agree),
as the ``turns`` of a ground-truth JSON (:func:`reelmind.eval.diarization.truth_turns`).
"""

from __future__ import annotations

from pathlib import Path

from reelmind.core.errors import DataFileError


def _lines(path: Path):
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: cannot read ({type(exc).__name__})") from None
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith(";;"):
            yield n, line.split()


def read_rttm(path: str | Path, file_id: str | None = None) -> list[dict]:
    """The SPEAKER turns of an RTTM file (of ``file_id`` if given), sorted by start:
    dicts with ``speaker``, ``start``, ``end`` (s) and ``file``."""
    out = []
    for n, f in _lines(Path(path)):
        if f[0] != "SPEAKER":
            continue
        try:
            start, dur, spk = float(f[3]), float(f[4]), f[7]
        except (IndexError, ValueError):
            raise DataFileError(f"{path}:{n}: not an RTTM SPEAKER line: {' '.join(f)[:80]!r}") from None
        if file_id is None or f[1] == file_id:
            out.append({"speaker": spk, "start": start, "end": round(start + dur, 6), "file": f[1]})
    return sorted(out, key=lambda t: (t["start"], t["end"]))


def read_stm(path: str | Path, file_id: str | None = None) -> list[dict]:
    """The segments of an STM file (of ``file_id`` if given), sorted by start: dicts with
    ``speaker``, ``start``, ``end``, ``text`` and ``file``."""
    out = []
    for n, f in _lines(Path(path)):
        try:
            start, end, spk = float(f[3]), float(f[4]), f[2]
        except (IndexError, ValueError):
            raise DataFileError(f"{path}:{n}: not an STM line: {' '.join(f)[:80]!r}") from None
        words = f[5:]
        if words and words[0].startswith("<") and words[0].endswith(">"):
            words = words[1:]
        if file_id is None or f[0] == file_id:
            out.append({"speaker": spk, "start": start, "end": end, "text": " ".join(words), "file": f[0]})
    return sorted(out, key=lambda t: (t["start"], t["end"]))


def read_conversation(rttm: str | Path, stm: str | Path | None = None, file_id: str | None = None) -> list[dict]:
    """Ground-truth ``turns`` (speaker, start, end, text) from an RTTM and, if given, an STM.

    Each STM segment's text goes to the RTTM turn of the speaker it shares most time with (the
    speaker names of the two files are matched by overlap, since they may differ); a turn gets
    the texts of its segments in time order.
    """
    turns = [{k: t[k] for k in ("speaker", "start", "end")} | {"text": ""} for t in read_rttm(rttm, file_id)]
    if stm is None or not turns:
        return turns
    for seg in read_stm(stm, file_id):
        best, best_ov = None, 0.0
        for t in turns:
            ov = min(seg["end"], t["end"]) - max(seg["start"], t["start"])
            if ov > best_ov:
                best, best_ov = t, ov
        if best is not None and seg["text"]:
            best["text"] = f"{best['text']} {seg['text']}".strip()
    return turns
