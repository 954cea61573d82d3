"""Conversations with exact turns, built from REAL voices (and flite voices, for contrast).

The real voices are the read-speech recordings of Debian's ``pocketsphinx-testdata`` (16 kHz):

* ``reader`` — the LibriVox reader of *Sense and Sensibility* (5 clips, 71 words; all five clips
  are one reader: resemblyzer similarity 0.80-0.92 between them),
* ``cards`` — the speaker of the ``cards`` test (5 clips of playing-card names),
* ``digits`` — the speaker of ``goforward.raw``, ``something.raw`` and tidigits' ``dhd.2934z.raw``
  (their texts: the goforward grammar, the tidigits file name, and "go somewhere and do something").
* ``alsa`` — the woman who names the loudspeakers in Debian's ``alsa-utils`` test sounds
  (/usr/share/sounds/alsa: "front left", "rear center", ...; 48 kHz, resampled), when installed.

:func:`real_voices` cuts each clip to its speech as a forced aligner placed it (PocketSphinx's
en-us model with the clip's known text, ``data/voice_extents.tsv``: the recordings hold up to
0.7 s of room noise before and after the words, 27-46 dB under the speech, which an energy rule
relative to the peak keeps and a reference turn would count as speech). :func:`interleave` trims
each clip's silence, evens out levels and lays the clips one after
the other with gaps of 0-200 ms, pulling about ``overlap_share`` of the speech time into
overlaps with the previous turn; every turn's speaker, text, start and end is known exactly.
A turn is one clip, and consecutive turns are always by different speakers (a strict
interleave: two clips of one speaker 0-200 ms apart would be one speaker's continuous speech with
a turn boundary no listener can hear). :func:`real_conversation` orders the clips so; a clip a
speaker has left when no other speaker can take the turn is not played. A recording of one speaker
alone has no turns to take: there each clip (a read sentence or two) stays a unit of its own.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from reelmind.core.errors import MissingDependencyError

from .synth import SAMPLE_RATE, flite_say, read_wav, write_wav

TESTDATA = Path("/usr/share/pocketsphinx/test/data")
ALSA_SOUNDS = Path("/usr/share/sounds/alsa")
_RAW_TEXTS = {"goforward.raw": "go forward ten meters", "something.raw": "go somewhere and do something",
              "tidigits/dhd.2934z.raw": "two nine three four zero"}


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    start: float
    end: float


def _testdata() -> Path:
    if not (TESTDATA / "librivox" / "transcription").exists():
        raise MissingDependencyError("Debian's pocketsphinx-testdata (real read-speech clips)",
                                     "pocketsphinx-testdata (Debian: apt-get install pocketsphinx-testdata)")
    return TESTDATA


def _transcripts(path: Path) -> dict[str, str]:
    import re

    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\s*(?:<s>)?(.*?)(?:</s>)?\s*\(([^)]+)\)\s*$", line)
        if m:
            out[m.group(2)] = m.group(1).strip()
    return out


def voice_clips() -> list[tuple[str, str, np.ndarray, str]]:
    """Every real-voice clip, uncut: (speaker, clip key, 16 kHz audio, its text)."""
    root = _testdata()
    clips = []
    for key, text in sorted(_transcripts(root / "librivox" / "transcription").items()):
        clips.append(("reader", f"librivox/{key}", read_wav(root / "librivox" / f"{key}.wav")[0], text))
    for key, text in sorted(_transcripts(root / "cards" / "cards.transcription").items()):
        clips.append(("cards", f"cards/{key}", read_wav(root / "cards" / f"{key}.wav")[0], text))
    for name, text in _RAW_TEXTS.items():
        clips.append(("digits", name, np.fromfile(root / name, dtype="<i2").astype(np.float32) / 32768.0, text))
    if ALSA_SOUNDS.is_dir():
        from math import gcd

        from scipy.signal import resample_poly

        for wav in sorted(ALSA_SOUNDS.glob("*_*.wav")):  # Front_Left.wav ... (not Noise.wav)
            audio, sr = read_wav(wav)
            g = gcd(SAMPLE_RATE, sr)
            clips.append(("alsa", f"alsa/{wav.stem}", resample_poly(audio, SAMPLE_RATE // g, sr // g).astype(np.float32),
                          wav.stem.replace("_", " ").lower()))
    return clips


def speech_extents() -> dict[str, tuple[int, float, float]]:
    """Clip key -> (samples, speech start s, speech end s), by forced alignment
    (``data/voice_extents.tsv``, made by ``tools/align_conversation_voices.py``)."""
    path = Path(__file__).parent / "data" / "voice_extents.tsv"
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        key, n, a, b, _ = line.split("\t")
        out[key] = (int(n), float(a), float(b))
    return out


def cut_to_speech(key: str, audio: np.ndarray, extents: dict, pad_s: float = 0.03) -> np.ndarray:
    """The clip from its first aligned word's start to its last word's end (+ ``pad_s``); a clip the
    alignment table does not know (another pocketsphinx-testdata release) falls back to :func:`trim`."""
    known = extents.get(key)
    if known is None or known[0] != len(audio):
        return trim(audio)
    _, a, b = known
    return audio[max(0, int((a - pad_s) * SAMPLE_RATE)):min(len(audio), int(np.ceil((b + pad_s) * SAMPLE_RATE)))]


def real_voices(cut: bool = True) -> dict[str, list[tuple[np.ndarray, str]]]:
    """Speaker -> [(16 kHz clip cut to its speech, its text)] (see the module docstring); ``cut=False``:
    the clips as recorded (the generator before 2026-12-02, which only the energy rule trimmed)."""
    extents = speech_extents() if cut else {}
    voices: dict[str, list[tuple[np.ndarray, str]]] = {}
    for speaker, key, audio, text in voice_clips():
        voices.setdefault(speaker, []).append((cut_to_speech(key, audio, extents) if cut else audio, text))
    return voices


def trim(audio: np.ndarray, rel_db: float = -35.0, pad_s: float = 0.03) -> np.ndarray:
    """Cut leading/trailing silence: keep from the first to the last 10-ms frame within ``rel_db``
    of the loudest frame (plus ``pad_s``)."""
    hop = SAMPLE_RATE // 100
    n = len(audio) // hop
    if n == 0:
        return audio
    rms = np.sqrt(np.mean(audio[:n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)
    on = np.flatnonzero(20 * np.log10(rms / rms.max()) > rel_db)
    pad = int(pad_s * SAMPLE_RATE)
    return audio[max(0, on[0] * hop - pad):min(len(audio), (on[-1] + 1) * hop + pad)]


def interleave(pieces: list[tuple[str, np.ndarray, str]], *, seed: int = 0, max_gap_s: float = 0.2,
               overlap_share: float = 0.10, lead_s: float = 0.5) -> tuple[np.ndarray, list[Turn]]:
    """Lay (speaker, clip, text) pieces one after the other, one turn each (see the module docstring).

    Raises ``ValueError`` when two consecutive pieces of a conversation (two or more speakers) are
    by one speaker: their boundary would be a turn nobody takes."""
    who = [spk for spk, _, _ in pieces]
    if len(set(who)) > 1 and any(a == b for a, b in zip(who, who[1:])):
        raise ValueError("interleave: consecutive pieces by one speaker; order the pieces so the speaker "
                         "changes at every piece (one speaker alone: any order)")
    rng = np.random.default_rng(seed)
    clips = []
    for spk, audio, text in pieces:
        a = trim(np.asarray(audio, np.float32))
        a = a / (np.sqrt(np.mean(a ** 2)) + 1e-9) * 0.08  # even levels (RMS -22 dBFS)
        clips.append((spk, np.clip(a, -1, 1), text))
    speech = sum(len(a) for _, a, _ in clips) / SAMPLE_RATE
    budget = overlap_share * speech
    laid: list[Turn] = []  # one per clip
    t = lead_s
    for i, (spk, a, text) in enumerate(clips):
        dur = len(a) / SAMPLE_RATE
        start = t + rng.uniform(0.0, max_gap_s)
        if laid and laid[-1].speaker != spk and budget > 0 and rng.random() < 0.5:
            prev = laid[-1]
            floor = laid[-2].end if len(laid) > 1 else 0.0  # never three voices at once
            ov = min(budget, rng.uniform(0.4, 1.2), 0.45 * dur, 0.45 * (prev.end - prev.start), prev.end - floor)
            if ov > 0.2:
                start = prev.end - ov
                budget -= ov
        start = round(start * SAMPLE_RATE) / SAMPLE_RATE
        laid.append(Turn(spk, text, round(start, 4), round(start + dur, 4)))
        t = max(t, start + dur)
    out = np.zeros(int((t + lead_s) * SAMPLE_RATE) + 1, np.float32)
    for (spk, a, _), turn in zip(clips, laid):
        i = int(round(turn.start * SAMPLE_RATE))
        out[i:i + len(a)] += a
    return np.clip(out, -1, 1), laid


def real_conversation(path: str | Path, rounds: int = 2, seed: int = 0, overlap_share: float = 0.10,
                      speakers: tuple[str, ...] = ("reader", "cards", "digits"), cut: bool = True) -> list[Turn]:
    """Write a conversation of the real voices to ``path`` (16 kHz WAV) and return its turns.

    Each round shuffles every clip of the chosen speakers (the seed's generator) and plays them so
    that no speaker talks twice in a row: the next clip is the first of the shuffled pool by a
    speaker other than the previous clip's; when only that speaker has clips left, the round ends
    and those clips are not played (reader 5 + digits 3 clips: 3 + 3 per round). A turn is one clip.
    One speaker alone: every clip, one unit each. ``cut=False`` rebuilds the audio of the generator
    before 2026-12-02 (clips with their room noise; regression tests pinned to that audio).
    """
    voices = real_voices(cut)
    rng = np.random.default_rng(seed)
    pieces = []
    for _ in range(rounds):
        pool = [(s, a, txt) for s in speakers for a, txt in voices[s]]
        rng.shuffle(pool)
        last = pieces[-1][0] if pieces else None
        while pool:
            pick = next((k for k, p in enumerate(pool) if p[0] != last), 0 if len(set(speakers)) == 1 else None)
            if pick is None:  # only the previous speaker has clips left: the round ends
                break
            pieces.append(pool.pop(pick))
            last = pieces[-1][0]
    audio, turns = interleave(pieces, seed=seed, overlap_share=overlap_share)
    write_wav(path, audio)
    return turns


def conversation_film(path: str | Path, minutes: float, speakers: tuple[str, ...] = ("reader", "cards", "digits"),
                      cut: bool = True) -> list[Turn]:
    """A film-length recording of the real voices: :func:`real_conversation` of two rounds, seeds
    0, 1, 2, ... laid end to end until ``minutes``; its turns on the film's clock."""
    import tempfile

    parts, turns, t, seed = [], [], 0.0, 0
    with tempfile.TemporaryDirectory() as tmp:
        while t < minutes * 60:
            piece = Path(tmp) / "c.wav"
            turns += [Turn(speaker=x.speaker, text=x.text, start=x.start + t, end=x.end + t)
                      for x in real_conversation(piece, rounds=2, seed=seed, speakers=speakers, cut=cut)]
            audio = read_wav(piece)[0]
            parts.append(audio)
            t += len(audio) / SAMPLE_RATE
            seed += 1
    write_wav(path, np.concatenate(parts))
    return turns


def flite_conversation(path: str | Path, lines: tuple[tuple[str, str], ...] | None = None, seed: int = 0,
                       overlap_share: float = 0.0) -> list[Turn]:
    """A flite dialogue with no pauses between turns (gaps 0-200 ms, optional overlaps)."""
    from .synth import DIALOGUE

    if shutil.which("flite") is None:
        raise MissingDependencyError("the flite speech synthesizer", "flite (Debian: apt-get install flite)")
    pieces = [(v, flite_say(text, v), text) for v, text in (lines or DIALOGUE)]
    audio, turns = interleave(pieces, seed=seed, overlap_share=overlap_share)
    write_wav(path, audio)
    return turns


def write_truth(turns: list[Turn], path: str | Path, **extra) -> Path:
    """A ground-truth JSON with ``turns`` (what ``reelmind eval`` scores DER and words against)."""
    path = Path(path)
    path.write_text(json.dumps({"turns": [asdict(t) for t in turns], **extra}, indent=1), encoding="utf-8")
    return path


def overlap_seconds(turns: list[Turn]) -> float:
    """Seconds where two or more turns are active."""
    edges = sorted({t.start for t in turns} | {t.end for t in turns})
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        m = (a + b) / 2
        if sum(t.start < m < t.end for t in turns) >= 2:
            total += b - a
    return total
