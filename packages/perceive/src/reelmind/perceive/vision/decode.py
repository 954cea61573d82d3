"""Stream video frames with PyAV: contiguous decode, one frame kept every ``interval`` seconds.

Frames are never all held in memory; corrupt packets are skipped and counted; a file that
cannot be opened, has no video stream or yields no frame raises InputMediaError.
"""

from __future__ import annotations

import heapq
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from reelmind.core.errors import InputMediaError
from reelmind.core.media import open_media

log = logging.getLogger("reelmind.perceive.vision.decode")

MIN_SIDE = 24  # smaller frames cannot hold a detectable face


@dataclass
class SampledFrame:
    time: float  # seconds from the start of the film
    index: int  # decoded frame index, counted from the first frame of the film (also after a resume)
    image: np.ndarray  # RGB uint8 (H, W, 3)
    pts: int | None = None  # presentation timestamp (stream time base): a resume point
    scale: float = 1.0  # film pixels per image pixel (> 1 when the frame was converted at a smaller size)
    corrupt: int = 0  # corrupt packets skipped by this decode up to this frame


@dataclass(frozen=True)
class Anchor:
    """Where a resumed decode starts counting: the frame with presentation timestamp ``pts`` has
    index ``index``; ``offset`` is subtracted from every frame time (films whose first frame has a
    negative timestamp)."""

    pts: int
    index: int
    offset: float = 0.0


@dataclass
class DecodeStats:
    """What the decoder saw: frames decoded/kept, corrupt packets skipped, truncation."""

    width: int = 0
    height: int = 0
    fps: float = 0.0
    duration: float = 0.0
    decoded: int = 0  # frames decoded so far, counted from the film's first frame (after a resume too)
    kept: int = 0
    corrupt_packets: int = 0
    truncated: bool = False
    errors: list[str] = field(default_factory=list)
    offset: float = 0.0  # subtracted from frame times (see :class:`Anchor`)
    end_time: float = 0.0  # time of the last decoded frame
    skipped: int = 0  # non-reference frames between samples left undecoded (``skip_unsampled``)


class PictureTooSmallError(InputMediaError):
    """The film's frames are too small to hold a face (an unusable picture, not an unreadable file)."""


def _open(path: Path):
    container = open_media(path)
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams}) or ["no streams"]
        container.close()
        raise InputMediaError(f"{path}: no video stream (found: {', '.join(kinds)})", "give a video file; audio-only files go to the audio stage")
    return container


def stream_kinds(path: str | Path) -> set[str]:
    """The kinds of stream in a media file ("video", "audio", ...); InputMediaError if it cannot be opened."""
    with open_media(Path(path)) as container:
        return {s.type for s in container.streams}


def probe(path: str | Path) -> DecodeStats:
    """Size, frame rate and duration of the first video stream (InputMediaError if unusable)."""
    container = _open(Path(path))
    with container:
        s = container.streams.video[0]
        cc = s.codec_context
        dur = float(s.duration * s.time_base) if s.duration and s.time_base else (container.duration or 0) / 1e6
        return DecodeStats(width=cc.width, height=cc.height, fps=float(s.average_rate or 0), duration=dur)


def sample_frames(path: str | Path, interval: float = 0.25, *, start: float = 0.0, end: float | None = None,
                  stats: DecodeStats | None = None, progress: Callable[[float, str], None] | None = None,
                  max_corrupt: int = 1000, skip_corrupt: bool = True, anchor: Anchor | None = None,
                  threads: int = 0, max_side: int = 0, skip_unsampled: bool = False) -> Iterator[SampledFrame]:
    """Yield one RGB frame per ``interval`` seconds (the first frame at or after each grid time).

    Frames between samples are decoded but never converted. ``start`` > 0 with an ``anchor`` (the
    first frame at or after ``start`` as seen by an earlier decode) seeks to the keyframe before
    ``start`` and keeps frame indices and times equal to those of a decode from the beginning; without
    an anchor the film is decoded from its start and frames before ``start`` are skipped.
    ``stats`` (optional) is filled in as decoding goes; a truncated or partly corrupt file yields
    what could be decoded and sets ``stats.truncated`` / ``stats.corrupt_packets``.
    ``skip_corrupt`` makes the decoder report bitstream errors (FFmpeg ``err_detect=explode``) so
    damaged packets are dropped and counted instead of being concealed into smeared frames.
    ``max_side`` > 0: frames with a longer side are converted straight to that size (area
    resampling in the colour conversion); ``SampledFrame.scale`` maps their pixels back.
    ``skip_unsampled``: a packet whose frame cannot be a sample, because another packet of the
    same sampling interval shows its frame earlier (looked for among the packets around it: every
    frame shown before it but decoded after it lies within the decoder's reorder window), is handed
    to the decoder with FFmpeg's ``skip_frame=nonref``: if it is a non-reference frame it is never
    decoded (no other frame is decoded from it, so every decoded frame is the same), yet it is still
    counted, so frame indices and times stay those of a full decode. Frames within 1 ms of a grid
    time are never skipped, nor any frame whose timing is in doubt (no timestamp, before the
    resume point). Should a skipped frame ever turn out to have been a sample, skipping stops for
    the rest of the film and the miss is recorded in ``stats.errors``; skipping also stops at the
    first damaged packet (on a damaged file, damaged non-reference packets skipped before it are
    counted as frames and the decoder's error handling differs, so frame indices and some frames'
    pixels there may differ from a full decode; the sample times do not).
    """
    import av

    path = Path(path)
    if interval <= 0:
        raise ValueError("interval must be > 0")
    stats = stats if stats is not None else DecodeStats()
    container = _open(path)
    with container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if threads:
            stream.thread_count = int(threads)
        if skip_corrupt:
            stream.codec_context.options = {"err_detect": "explode"}
        cc = stream.codec_context
        stats.width, stats.height, stats.fps = cc.width, cc.height, float(stream.average_rate or 0)
        if stream.duration and stream.time_base:
            stats.duration = float(stream.duration * stream.time_base)
        elif container.duration:
            stats.duration = container.duration / 1e6
        if cc.width and cc.height and min(cc.width, cc.height) < MIN_SIDE:
            raise PictureTooSmallError(f"{path}: frames are {cc.width}x{cc.height} px, too small to hold a face (min {MIN_SIDE} px)")
        next_t = start
        offset: float | None = None
        index = -1  # index of the last decoded frame
        counting = True  # False after a seek until the anchor frame is reached
        if start > 0 and anchor is not None and stream.time_base:
            try:  # jump to the keyframe before ``start``; frames before the anchor are then skipped
                container.seek(int(start / stream.time_base), stream=stream, backward=True, any_frame=False)
                offset, index, counting = anchor.offset, anchor.index - 1, False
            except Exception as exc:  # unseekable stream: decode from the beginning
                log.info("%s: seek to %.2f s failed (%s); decoding from the start", path, start, exc)
        last_report, last_t = 0.0, None
        skipping, skip_set = bool(skip_unsampled and stream.time_base), False
        marked: list[int] = []  # pts of packets handed over with skip_frame=nonref, not yet output
        tb = float(stream.time_base) if stream.time_base else 0.0
        demuxed = _demux_ahead(container.demux(stream), stats, path)
        for packet, around in demuxed:
            skip = False
            if skipping:
                skip = (counting and offset is not None and packet.size > 0
                        and _shown_later_in_its_interval(packet.pts, around, tb, offset, interval, start))
                if skip != skip_set:
                    cc.skip_frame = "NONREF" if skip else "DEFAULT"
                    skip_set = skip
                if skip:
                    heapq.heappush(marked, packet.pts)
            try:
                frames = packet.decode()
            except (av.error.FFmpegError, ValueError) as exc:
                if skip:  # a damaged packet yields no frame with or without skipping: not counted
                    marked.remove(packet.pts)
                    heapq.heapify(marked)
                if skipping:  # damaged stream: decode every frame from here on, as without skipping
                    skipping = False
                    cc.skip_frame = "DEFAULT"
                if counting or packet.pts is None or anchor is None or packet.pts >= anchor.pts:
                    stats.corrupt_packets += 1
                    if len(stats.errors) < 20:
                        stats.errors.append(f"packet at {packet.pts}: {exc}")
                if stats.corrupt_packets > max_corrupt:
                    raise InputMediaError(f"{path}: more than {max_corrupt} corrupt packets; giving up") from None
                continue
            for frame in frames:
                if not counting:
                    if frame.pts is None or frame.pts < anchor.pts:
                        continue  # before the resume point: decoded for the references only
                    if frame.pts > anchor.pts:
                        log.warning("%s: resume frame (pts %d) not found after seeking; frame indices may be off",
                                    path, anchor.pts)
                    counting = True
                while marked and frame.pts is not None and marked[0] <= frame.pts:
                    q = heapq.heappop(marked)
                    if q == frame.pts:
                        continue  # handed over with skip_frame=nonref but decoded: a reference frame
                    index += 1  # a non-reference frame left undecoded: counted all the same
                    stats.skipped += 1
                    if q * tb - (offset or 0.0) + 1e-6 >= next_t and skipping:
                        skipping = False
                        cc.skip_frame = "DEFAULT"
                        stats.errors.append(f"an undecoded frame at {q * tb - (offset or 0.0):.3f} s was due as a sample; "
                                            "frames are no longer skipped")
                        log.warning("%s: %s", path, stats.errors[-1])
                index += 1
                stats.decoded = index + 1
                t = frame.time
                if t is None:
                    t = index / (stats.fps or 25.0)
                if offset is None:
                    offset = min(float(t), 0.0)
                    stats.offset = offset
                t = float(t) - offset
                last_t = stats.end_time = t
                if end is not None and t > end:
                    return
                if t + 1e-6 < next_t:
                    continue
                longest = max(frame.width, frame.height)
                if max_side and longest > max_side:
                    k = max_side / longest
                    img = frame.to_ndarray(format="rgb24", width=2 * round(frame.width * k / 2),
                                           height=2 * round(frame.height * k / 2), interpolation="AREA")
                else:
                    img = frame.to_ndarray(format="rgb24")
                if min(img.shape[:2]) < MIN_SIDE:
                    raise PictureTooSmallError(f"{path}: frames are {img.shape[1]}x{img.shape[0]} px, too small to hold a face (min {MIN_SIDE} px)")
                stats.kept += 1
                yield SampledFrame(time=round(t, 4), index=index, image=img, pts=frame.pts,
                                   scale=frame.width / img.shape[1], corrupt=stats.corrupt_packets)
                next_t = (math.floor(t / interval + 1e-6) + 1) * interval
                if progress and stats.duration and t - last_report >= 5.0:
                    last_report = t
                    progress(min(t / stats.duration, 1.0), f"decoded {t:.1f}/{stats.duration:.1f} s")
        if marked:  # undecoded frames after the last decoded one
            index += len(marked)
            stats.skipped += len(marked)
            stats.decoded = index + 1
            last_t = stats.end_time = max(stats.end_time, max(marked) * tb - (offset or 0.0))
        if stats.duration and last_t is not None and last_t < stats.duration - max(1.0, 2 * interval):
            stats.truncated = True
            stats.errors.append(f"stream ends at {last_t:.2f} s but the container says {stats.duration:.2f} s")
            log.warning("%s: truncated? last frame at %.2f s of %.2f s", path, last_t, stats.duration)
    if stats.kept == 0 and start == 0:
        why = "; ".join(stats.errors[:3]) or "the stream holds no decodable frame"
        raise InputMediaError(f"{path}: no video frame could be decoded ({why})", "check that the file is a complete video")
    if stats.corrupt_packets:
        log.warning("%s: %d corrupt packet(s) skipped", path, stats.corrupt_packets)


REORDER_WINDOW = 16  # packets: a frame shown before another is decoded at most this many packets after it (H.264/HEVC DPB)
GRID_DOUBT = 1e-3  # s: frames this close to a sampling grid time are never skipped


def _demux_ahead(packets, stats: DecodeStats, path: Path):
    """Yield ``(packet, around)``: each demuxed packet with the presentation timestamps (None where
    missing) of the non-empty packets up to ``REORDER_WINDOW`` before and after it. A demuxing
    error ends the stream (``stats.truncated``) after the packets already read."""
    from collections import deque

    import av

    ahead: deque = deque()
    before: deque = deque(maxlen=REORDER_WINDOW)
    done = False
    while True:
        while not done and len(ahead) <= REORDER_WINDOW:
            try:
                ahead.append(next(packets))
            except StopIteration:
                done = True
            except (av.error.InvalidDataError, av.error.EOFError, OSError) as exc:
                stats.truncated = True
                stats.errors.append(f"demux: {exc}")
                log.warning("%s: demuxing stopped early: %s", path, exc)
                done = True
        if not ahead:
            return
        packet = ahead.popleft()
        yield packet, [*before, *(p.pts for p in ahead if p.size)]
        if packet.size:
            before.append(packet.pts)


def _shown_later_in_its_interval(pts: int | None, around: list, tb: float, offset: float, interval: float,
                                 start: float) -> bool:
    """True when the frame with timestamp ``pts`` cannot be a sample: a packet ``around`` it shows
    its frame earlier within the same sampling interval (and at or after ``start``), so the first
    frame at or after the interval's grid time is another one. In doubt (a timestamp missing, a
    frame within ``GRID_DOUBT`` of a grid time or of ``start``): False."""
    if pts is None or None in around:
        return False

    def cell(p: int) -> int | None:
        t = p * tb - offset
        if abs(t - round(t / interval) * interval) <= GRID_DOUBT or (start > 0 and abs(t - start) <= GRID_DOUBT):
            return None
        return math.floor(t / interval)

    own = cell(pts)
    if own is None:
        return False
    return any(q < pts and cell(q) == own and q * tb - offset > start for q in around)


def read_image(path: str | Path) -> np.ndarray:
    """An image file as RGB uint8 (InputMediaError if unreadable)."""
    import cv2

    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise InputMediaError(f"{path}: missing or empty image file")
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise InputMediaError(f"{path}: not a readable image")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
