"""Full-frame-rate decoding of chosen time ranges with PyAV (grey frames only; seeks over gaps)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reelmind.core.errors import InputMediaError
from reelmind.core.media import open_media

log = logging.getLogger("reelmind.microexpr.decode")


@dataclass
class Frame:
    index: int  # frame number from the start (time * fps, rounded)
    time: float  # s
    gray: np.ndarray  # uint8 (H, W)


@dataclass
class DecodeInfo:
    fps: float = 0.0
    width: int = 0
    height: int = 0
    decoded: int = 0  # frames decoded (including those skipped between ranges)
    kept: int = 0  # frames yielded (inside the ranges)
    seeks: int = 0
    corrupt_packets: int = 0
    errors: list[str] = field(default_factory=list)


def video_info(path: str | Path) -> DecodeInfo:
    """Frame rate and size of the first video stream (InputMediaError without one)."""
    container = open_media(path)
    with container:
        if not container.streams.video:
            raise InputMediaError(f"{path}: no video stream", "give the video file the faces came from")
        s = container.streams.video[0]
        return DecodeInfo(fps=float(s.average_rate or s.guessed_rate or 25.0), width=s.codec_context.width,
                          height=s.codec_context.height)


def frames_in(path: str | Path, ranges: list[tuple[float, float]], info: DecodeInfo | None = None,
              seek_gap: float = 3.0) -> Iterator[Frame]:
    """Every frame whose time lies in one of ``ranges`` (sorted, disjoint), as grey images.

    Gaps longer than ``seek_gap`` seconds are skipped with a keyframe seek; shorter ones are decoded
    through without converting the frames.
    """
    import av

    info = info if info is not None else DecodeInfo()
    if not ranges:
        return
    container = open_media(path)
    with container:
        if not container.streams.video:
            raise InputMediaError(f"{path}: no video stream", "give the video file the faces came from")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        fps = float(stream.average_rate or stream.guessed_rate or 25.0)
        info.fps, info.width, info.height = fps, stream.codec_context.width, stream.codec_context.height
        tb = stream.time_base
        it: Iterator | None = None
        position = -np.inf
        for start, end in ranges:
            if it is None or start - position > seek_gap:
                if start > seek_gap and tb:  # jump to the keyframe before the range
                    container.seek(int(max(0.0, start - 1.0) / tb), stream=stream, backward=True, any_frame=False)
                    info.seeks += 1
                it = _frames(container, stream, info)
            for frame in it:
                t = float(frame.time) if frame.time is not None else info.decoded / fps
                position = t
                if t < start - 0.5 / fps:
                    continue
                if t > end + 0.5 / fps:
                    break
                info.kept += 1
                yield Frame(int(round(t * fps)), t, frame.to_ndarray(format="gray"))
    if info.corrupt_packets:
        log.warning("%s: %d corrupt packet(s) skipped", path, info.corrupt_packets)


def _frames(container, stream, info: DecodeInfo):
    import av

    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except (av.error.InvalidDataError, OSError) as exc:
            info.errors.append(f"demux: {exc}")
            return
        try:
            decoded = packet.decode()
        except (av.error.FFmpegError, ValueError) as exc:
            info.corrupt_packets += 1
            if len(info.errors) < 20:
                info.errors.append(f"packet at {packet.pts}: {exc}")
            continue
        for frame in decoded:
            info.decoded += 1
            yield frame
