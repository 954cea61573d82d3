"""Speech with exact ground truth: a known script spoken by Debian flite voices.

Used by the tests and benchmarks (and handy to check an installation): every line's speaker,
text, start and end are known by construction, because the lines are synthesized one by one and
joined with known silences.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from reelmind.core.errors import MissingDependencyError

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class ScriptLine:
    """One line of ground truth: who says what, and when (seconds)."""

    voice: str
    text: str
    start: float = 0.0
    end: float = 0.0


#: A short two-voice dialogue (flite voices ``slt`` and ``rms`` are distinct speakers).
DIALOGUE: tuple[tuple[str, str], ...] = (
    ("slt", "Good morning. Did you sleep well last night?"),
    ("rms", "Not really. The storm kept me awake for hours."),
    ("slt", "I heard the thunder too. It was very loud."),
    ("rms", "The old window in my room was shaking all night."),
    ("slt", "We should ask someone to repair it this week."),
    ("rms", "Yes, I will call the carpenter after breakfast."),
    ("slt", "Please tell him to look at the door as well."),
    ("rms", "Of course. Is there any coffee left in the kitchen?"),
)


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """A PCM16 WAV as float32 in [-1, 1] (mono: channels averaged) and its sample rate."""
    with wave.open(str(path), "rb") as wf:
        sr, ch, n = wf.getframerate(), wf.getnchannels(), wf.getnframes()
        data = np.frombuffer(wf.readframes(n), dtype="<i2").astype(np.float32) / 32768.0
    if ch > 1:
        data = data.reshape(-1, ch).mean(axis=1)
    return data, sr


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Path:
    """Write mono float audio as PCM16 WAV."""
    pcm = (np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(sample_rate)
        wf.writeframes(pcm.tobytes())
    return Path(path)


def flite_say(text: str, voice: str, **setf: float) -> np.ndarray:
    """Synthesize ``text`` with a flite voice, resampled to 16 kHz mono float32.

    ``setf`` are flite voice features, e.g. ``int_f0_target_mean=170, duration_stretch=0.8``.
    """
    exe = shutil.which("flite")
    if exe is None:
        raise MissingDependencyError("the flite speech synthesizer", "flite (Debian: apt-get install flite)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "line.wav"
        feats = [a for k, v in setf.items() for a in ("--setf", f"{k}={v}")]
        subprocess.run([exe, "-voice", voice, *feats, "-t", text, "-o", str(out)], check=True, capture_output=True)
        audio, sr = read_wav(out)
    if sr != SAMPLE_RATE:
        from scipy.signal import resample_poly

        g = np.gcd(sr, SAMPLE_RATE)
        audio = resample_poly(audio, SAMPLE_RATE // g, sr // g).astype(np.float32)
    return audio


def synthesize_dialogue(
    path: str | Path,
    lines: tuple[tuple[str, str], ...] = DIALOGUE,
    gap_s: float = 0.8,
    lead_s: float = 0.5,
    gain: dict[str, float] | None = None,
) -> list[ScriptLine]:
    """Write the dialogue to ``path`` (16 kHz WAV) and return the exact per-line ground truth.

    ``gain`` scales a voice's samples (e.g. to make one speaker louder in a test).
    """
    parts: list[np.ndarray] = [np.zeros(int(lead_s * SAMPLE_RATE), np.float32)]
    truth: list[ScriptLine] = []
    t = lead_s
    for voice, text in lines:
        audio = flite_say(text, voice) * float((gain or {}).get(voice, 1.0))
        nz = np.flatnonzero(np.abs(audio) > 1e-3)  # trim flite's own leading/trailing silence
        if nz.size:
            audio = audio[nz[0]: nz[-1] + 1]
        dur = len(audio) / SAMPLE_RATE
        truth.append(ScriptLine(voice, text, round(t, 4), round(t + dur, 4)))
        parts += [audio, np.zeros(int(gap_s * SAMPLE_RATE), np.float32)]
        t += dur + int(gap_s * SAMPLE_RATE) / SAMPLE_RATE
    write_wav(path, np.concatenate(parts))
    return truth
