"""The bad inputs of the reliability suite, made from the real sample media with ffmpeg, sox and
espeak-ng (Debian), so every case is a real file of the kind users hand to ``reelmind run``."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from reelmind.core.media import media_path


def _ff(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=120)


def _speech(path: Path, text: str, voice: str, rate: int = 16000) -> Path:
    wav = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True, timeout=60)
    _ff("-i", str(wav), "-ar", str(rate), "-ac", "1", str(path))
    wav.unlink()
    return path


def _talking(out: Path, audio: Path, seconds: float, size: str = "640x360", pix: str = "yuv420p") -> Path:
    """The sample face (looped) with ``audio`` as its sound track."""
    _ff("-stream_loop", "-1", "-i", str(media_path("feat/single_face.mp4")), "-i", str(audio), "-map", "0:v", "-map", "1:a",
        "-t", f"{seconds}", "-vf", f"scale={size}", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", pix,
        "-c:a", "aac", str(out))
    return out


def build(folder: Path) -> dict[str, Path]:
    """Every case, by name. Expensive cases share intermediates; the whole set takes a few seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    face = media_path("feat/single_face.mp4")
    cases: dict[str, Path] = {}
    en = _speech(folder / "en.wav", "Good morning. I waited all night for you, and you never came.", "en-us")
    clip = _talking(folder / "clip.mp4", en, 4.0)
    cases["good"] = clip
    (folder / "zero.mp4").write_bytes(b"")
    cases["zero_byte"] = folder / "zero.mp4"
    data = clip.read_bytes()
    # an MP4 whose index (moov) is at the end, cut in half: nothing can be decoded
    (folder / "trunc_index_end.mp4").write_bytes(data[: len(data) // 2])
    cases["truncated_index_at_end"] = folder / "trunc_index_end.mp4"
    # index at the start (faststart), cut at 60 %: the first part decodes
    fast = folder / "faststart.mp4"
    _ff("-i", str(clip), "-c", "copy", "-movflags", "+faststart", str(fast))
    fdata = fast.read_bytes()
    (folder / "trunc_index_start.mp4").write_bytes(fdata[: int(len(fdata) * 0.6)])
    cases["truncated_index_at_start"] = folder / "trunc_index_start.mp4"
    (folder / "random.mp4").write_bytes(os.urandom(200_000))
    cases["random_bytes"] = folder / "random.mp4"
    (folder / "notes.mp4").write_text("This is a text file with a video extension.\n" * 200)
    cases["text_file"] = folder / "notes.mp4"
    _ff("-i", str(en), "-c:a", "aac", str(folder / "speech.m4a"))
    cases["audio_only_m4a"] = folder / "speech.m4a"
    cases["audio_only_wav"] = en
    _ff("-i", str(face), "-an", "-c", "copy", str(folder / "no_audio.mp4"))
    cases["no_audio"] = folder / "no_audio.mp4"
    _ff("-i", str(media_path("feat/no_face.mp4")), "-i", str(en), "-map", "0:v", "-map", "1:a", "-t", "4", "-c:v", "copy",
        "-c:a", "aac", str(folder / "no_faces.mp4"))
    cases["no_faces"] = folder / "no_faces.mp4"
    _ff("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "4", str(folder / "silence.wav"))
    cases["silence"] = _talking(folder / "silence.mp4", folder / "silence.wav", 4.0)
    cases["speech_8khz"] = _talking(folder / "8k.mp4", _speech(folder / "en8k.wav", "Good morning. I waited all night for you.",
                                                               "en-us", 8000), 4.0)
    vfr = folder / "vfr.mp4"  # frames dropped unevenly, timestamps kept: variable frame rate
    _ff("-i", str(clip), "-vf", "select='not(mod(n\\,3))+gt(random(0)\\,0.6)',setpts=PTS", "-fps_mode", "vfr",
        "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "copy", str(vfr))
    cases["vfr"] = vfr
    cases["one_pixel"] = _talking(folder / "1x1.mp4", en, 2.0, size="1x1", pix="yuv444p")
    cases["4k"] = _talking(folder / "4k.mp4", en, 2.0, size="3840x2160")
    uni = folder / "影片 été — 1.mp4"
    shutil.copy(clip, uni)
    cases["unicode_path"] = uni
    cases["chinese_speech"] = _talking(folder / "zh.mp4", _speech(folder / "zh.wav", "早上好。我等了你一整夜，你却没有来。", "cmn"), 5.0)
    cases["french_speech"] = _talking(folder / "fr.mp4", _speech(folder / "fr.wav", "Bonjour. Je t'ai attendu toute la nuit, et tu n'es jamais venu.", "fr"), 5.0)
    # corrupt audio packets: bytes overwritten inside the file's second half (mostly audio and video packets)
    bad = bytearray(data)
    for k in range(20):
        at = len(bad) // 2 + k * 997
        bad[at:at + 64] = os.urandom(64)
    (folder / "corrupt_packets.mp4").write_bytes(bytes(bad))
    cases["corrupt_packets"] = folder / "corrupt_packets.mp4"
    ts = folder / "clip.ts"  # a cut in the middle: an MPEG-TS with a slice of bytes removed
    _ff("-i", str(clip), "-c", "copy", "-f", "mpegts", str(ts))
    tdata = ts.read_bytes()
    (folder / "cut_middle.ts").write_bytes(tdata[: len(tdata) * 2 // 5] + tdata[len(tdata) * 3 // 5:])
    cases["cut_in_the_middle"] = folder / "cut_middle.ts"
    _ff("-i", str(clip), "-c", "copy", str(folder / "clip.mkv"))
    cases["mkv"] = folder / "clip.mkv"
    _ff("-i", str(clip), "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-c:a", "libopus",
        str(folder / "clip.webm"))
    cases["webm"] = folder / "clip.webm"
    cases["nonexistent"] = folder / "does-not-exist.mp4"
    return cases
