"""Audio extraction: any media file -> 16 kHz mono float32, decoded and resampled in chunks.

:func:`extract_audio` streams the decoded samples to a raw float32 file that later steps read
block by block (:func:`reelmind.perceive.audio.vad.iter_blocks`), so a 2-hour film never has
its whole waveform in process memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from reelmind.core.errors import InputMediaError
from reelmind.core.media import open_media

log = logging.getLogger("reelmind.perceive.audio.extract")

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class AudioInfo:
    """What the container says about its first audio stream."""

    path: Path
    has_audio: bool
    duration: float  # seconds (container or stream estimate; 0 if unknown)
    sample_rate: int = 0
    channels: int = 0
    codec: str = ""


class RawAudioFile:
    """A raw little-endian float32 file read by slices (``len``, ``x[a:b]``, ``np.asarray(x)``).

    Plain reads instead of a memory map: the pages of a 2-hour film never count towards the
    process's resident memory, only the block being worked on does.
    """

    dtype = np.dtype(np.float32)
    ndim = 1

    def __init__(self, path: Path, n: int) -> None:
        self.path, self.n = Path(path), int(n)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, key: slice) -> np.ndarray:
        if not isinstance(key, slice):
            raise TypeError("RawAudioFile supports slices only")
        start, stop, step = key.indices(self.n)
        count = max(0, stop - start)
        with open(self.path, "rb") as fh:
            fh.seek(start * 4)
            out = np.fromfile(fh, dtype="<f4", count=count).astype(np.float32, copy=False)
        return out[::step] if step != 1 else out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        arr = self[:]
        return arr.astype(dtype) if dtype is not None else arr


@dataclass(frozen=True)
class ExtractedAudio:
    """The film's audio at 16 kHz mono; ``samples`` reads the decoded file slice by slice."""

    info: AudioInfo
    samples: RawAudioFile | np.ndarray
    decode_errors: int = 0

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def probe(path: str | Path) -> AudioInfo:
    """Open ``path`` and describe its first audio stream (``has_audio=False`` if there is none)."""
    path = Path(path)
    with open_media(path) as container:
        duration = float(container.duration / 1_000_000) if container.duration else 0.0
        if not container.streams.audio:
            return AudioInfo(path, False, duration)
        s = container.streams.audio[0]
        if s.duration and s.time_base:
            duration = float(s.duration * s.time_base)
        return AudioInfo(path, True, duration, int(s.rate or 0), int(s.channels or 0), s.codec_context.name or "")


def iter_chunks(path: str | Path, chunk_seconds: float = 30.0, errors: list | None = None) -> Iterator[np.ndarray]:
    """Yield the first audio stream as 16 kHz mono float32 chunks of about ``chunk_seconds``.

    A corrupt packet is skipped (and counted in ``errors``) instead of ending the film; a file
    that cannot be demuxed at all raises :class:`InputMediaError`.
    """
    import av

    path = Path(path)
    want = max(1, int(chunk_seconds * SAMPLE_RATE))
    with open_media(path) as container:
        if not container.streams.audio:
            return
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        pending: list[np.ndarray] = []
        have = 0

        def frames() -> Iterator:
            demux = container.demux(stream)
            while True:
                try:
                    packet = next(demux)
                except StopIteration:
                    break
                except av.error.FFmpegError as exc:  # unreadable container data: end of usable stream
                    if errors is not None:
                        errors.append(str(exc))
                    log.warning("%s: demuxing stopped early: %s", path.name, exc)
                    break
                try:
                    yield from packet.decode()
                except (av.error.FFmpegError, ValueError) as exc:
                    if errors is not None:
                        errors.append(str(exc))
                    log.debug("%s: skipped a corrupt packet: %s", path.name, exc)
            yield None  # flush the resampler

        for frame in frames():
            if frame is not None:
                frame.pts = None  # let the resampler ignore gaps in timestamps
            for out in resampler.resample(frame):
                pending.append(out.to_ndarray().reshape(-1))
                have += pending[-1].size
            while have >= want:
                buf = np.concatenate(pending)
                yield buf[:want]
                pending, have = [buf[want:]], buf.size - want
        if have:
            yield np.concatenate(pending)


def extract_audio(
    path: str | Path,
    dest: str | Path,
    chunk_seconds: float = 30.0,
    progress: Callable[[float, str], None] | None = None,
) -> ExtractedAudio:
    """Decode ``path`` to ``dest`` (raw float32, 16 kHz mono) in chunks; return a slice reader on it.

    A file without an audio track gives an empty waveform with ``info.has_audio`` False.
    """
    from reelmind.core.atomic import atomic_path

    info = probe(path)
    dest = Path(dest)
    errors: list[str] = []
    n = 0
    with atomic_path(dest) as tmp:
        with open(tmp, "wb") as out:
            for chunk in iter_chunks(path, chunk_seconds, errors):
                out.write(np.ascontiguousarray(chunk, dtype="<f4").tobytes())
                n += chunk.size
                if progress and info.duration:
                    progress(min(1.0, n / SAMPLE_RATE / info.duration), "extracting audio")
    if info.has_audio and n == 0 and errors:
        raise InputMediaError(f"{path}: the audio track could not be decoded ({errors[0]})")
    samples = RawAudioFile(dest, n) if n else np.zeros(0, np.float32)
    if errors:
        log.warning("%s: %d decode error(s); the readable audio was kept", Path(path).name, len(errors))
    return ExtractedAudio(info, samples, len(errors))


def load_audio(path: str | Path) -> np.ndarray:
    """The whole audio track of a (short) file as one 16 kHz mono float32 array."""
    chunks = list(iter_chunks(path))
    return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
