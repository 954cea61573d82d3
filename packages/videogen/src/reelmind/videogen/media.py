"""Clip files: MD5 of the raw decoded frames (PyAV), probing, audio spans cut from the film (ffmpeg)
and small real MP4 writing (the test server's output)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelmind.core.errors import InputMediaError, MissingDependencyError


def _av():
    try:
        import av
    except ImportError:
        raise MissingDependencyError("PyAV", "'reelmind-videogen[media]'") from None
    return av


def _ffmpeg() -> str:
    exe = shutil.which("ffmpeg")
    if not exe:
        raise InputMediaError("ffmpeg is not on PATH", "apt-get install ffmpeg")
    return exe


def frames_md5(path: str | Path) -> str:
    """MD5 over the raw RGB24 bytes of every decoded video frame (container and encoder metadata
    do not enter it, so two files with identical pictures hash the same)."""
    av = _av()
    h = hashlib.md5()
    try:
        with av.open(str(path)) as c:
            for frame in c.decode(video=0):
                h.update(frame.to_ndarray(format="rgb24").tobytes())
    except (av.error.FFmpegError, OSError) as exc:
        raise InputMediaError(f"{path}: cannot decode ({exc})".splitlines()[0]) from None
    return h.hexdigest()


@dataclass
class ClipInfo:
    width: int
    height: int
    frames: int
    fps: float
    duration: float
    has_audio: bool


def probe(path: str | Path) -> ClipInfo:
    """Size, decoded frame count, frame rate, duration (longest stream) and audio presence."""
    av = _av()
    try:
        with av.open(str(path)) as c:
            vs = c.streams.video[0]
            n = sum(1 for _ in c.decode(video=0))
            fps = float(vs.average_rate or vs.guessed_rate or 0)
            dur = float(c.duration / 1_000_000) if c.duration else (n / fps if fps else 0.0)
            return ClipInfo(vs.codec_context.width, vs.codec_context.height, n, fps, dur, bool(c.streams.audio))
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        raise InputMediaError(f"{path}: not a readable video ({exc})".splitlines()[0]) from None


def cut_audio(film: str | Path, start: float, end: float, out: str | Path, rate: int = 44100) -> Path:
    """The film's audio from ``start`` to ``end`` seconds as 16-bit WAV (mono, ``rate`` Hz)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [_ffmpeg(), "-nostdin", "-v", "error", "-y", "-ss", f"{max(0.0, start):.3f}", "-i", str(film),
           "-t", f"{max(0.05, end - start):.3f}", "-vn", "-ac", "1", "-ar", str(rate), "-c:a", "pcm_s16le", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if r.returncode or not out.is_file() or out.stat().st_size <= 44:
        raise InputMediaError(f"{film}: no audio could be cut at {start:.2f}-{end:.2f} s ({r.stderr.strip()[:200]})")
    return out


def write_clip(path: str | Path, frames: np.ndarray, fps: float, audio: np.ndarray | None = None,
               sample_rate: int = 44100) -> Path:
    """Encode ``frames`` (N×H×W×3 uint8, even H and W) as H.264 MP4, with ``audio`` (mono float32 in
    [-1, 1]) as AAC when given."""
    av = _av()
    from fractions import Fraction

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n, h, w, _ = frames.shape
    with av.open(str(path), "w", format="mp4") as c:
        vs = c.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"crf": "23", "preset": "veryfast"}
        ast = None
        if audio is not None:
            ast = c.add_stream("aac", rate=sample_rate)
            ast.layout = "mono"
        for img in frames:
            for p in vs.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")):
                c.mux(p)
        for p in vs.encode():
            c.mux(p)
        if ast is not None:
            pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
            chunk = 1024
            for i in range(0, len(pcm), chunk):
                part = pcm[i:i + chunk]
                fr = av.AudioFrame.from_ndarray(part.reshape(1, -1), format="s16", layout="mono")
                fr.sample_rate = sample_rate
                fr.pts = i
                for p in ast.encode(fr):
                    c.mux(p)
            for p in ast.encode():
                c.mux(p)
    return path


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples and rate of any audio file PyAV can decode."""
    av = _av()
    try:
        with av.open(str(path)) as c:
            rate = c.streams.audio[0].rate
            parts = [f.to_ndarray().astype(np.float32) for f in c.decode(audio=0)]
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        raise InputMediaError(f"{path}: no readable audio ({exc})".splitlines()[0]) from None
    if not parts:
        return np.zeros(0, np.float32), rate
    data = np.concatenate([p.reshape(p.shape[0], -1) if p.ndim > 1 else p[None] for p in parts], axis=1)
    mono = data.mean(axis=0)
    if np.abs(mono).max(initial=0) > 1.5:  # integer samples
        mono = mono / 32768.0
    return mono.astype(np.float32), rate
