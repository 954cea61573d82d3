"""Arc stitching: one character's clips joined in time order with ffmpeg crossfades (video ``xfade``,
audio ``acrossfade``), and the result's duration checked against the sum minus the overlaps."""

from __future__ import annotations

import subprocess
from pathlib import Path

from reelmind.core.errors import InputMediaError, ReelmindError

from .media import _ffmpeg, probe


def stitch(clips: list[str | Path], out: str | Path, crossfade: float = 0.5, tolerance: float = 0.15) -> dict:
    """Join ``clips`` (same size and fps, each with an audio stream) into ``out``; returns the
    expected and measured durations. Raises when the measured duration is off by more than ``tolerance`` s."""
    clips = [Path(c) for c in clips]
    if not clips:
        raise InputMediaError("no clips to stitch")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    infos = [probe(c) for c in clips]
    durs = [min(i.frames / i.fps, i.duration) if i.fps else i.duration for i in infos]
    if len(clips) == 1:
        out.write_bytes(clips[0].read_bytes())
        return {"clips": [str(c) for c in clips], "expected": round(durs[0], 3), "measured": round(probe(out).duration, 3),
                "crossfade": 0.0}
    fade = min(crossfade, *(d / 2 for d in durs))
    w, h, fps = infos[0].width, infos[0].height, infos[0].fps
    parts, v_prev, a_prev, offset = [], "v0", "a0", 0.0
    for i in range(len(clips)):
        parts.append(f"[{i}:v]scale={w}:{h},fps={fps:g},format=yuv420p,settb=AVTB[v{i}]")
        parts.append(f"[{i}:a]aresample=44100,aformat=channel_layouts=mono[a{i}]")
    for i in range(1, len(clips)):
        offset += durs[i - 1] - fade
        parts.append(f"[{v_prev}][v{i}]xfade=transition=fade:duration={fade:.3f}:offset={offset:.3f}[vx{i}]")
        parts.append(f"[{a_prev}][a{i}]acrossfade=d={fade:.3f}[ax{i}]")
        v_prev, a_prev = f"vx{i}", f"ax{i}"
    cmd = [_ffmpeg(), "-nostdin", "-v", "error", "-y"]
    for c in clips:
        cmd += ["-i", str(c)]
    cmd += ["-filter_complex", ";".join(parts), "-map", f"[{v_prev}]", "-map", f"[{a_prev}]", "-c:v", "libx264",
            "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if r.returncode:
        raise ReelmindError(f"ffmpeg could not stitch {len(clips)} clips: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}")
    expected = sum(durs) - fade * (len(clips) - 1)
    info = probe(out)
    measured = info.frames / info.fps if info.fps else info.duration
    result = {"clips": [str(c) for c in clips], "crossfade": round(fade, 3), "expected": round(expected, 3),
              "measured": round(measured, 3)}
    if abs(measured - expected) > tolerance:
        raise ReelmindError(f"stitched arc {out.name} lasts {measured:.2f} s, expected {expected:.2f} s",
                            "check the clips' frame rates and audio streams")
    return result
