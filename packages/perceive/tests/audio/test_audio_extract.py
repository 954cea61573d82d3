"""Streamed extraction: any container to 16 kHz mono, memory flat on long files."""

from __future__ import annotations

import shutil
import subprocess
import tracemalloc

import numpy as np
import pytest
from reelmind.core.media import media_path
from reelmind.perceive.audio.extract import (
    SAMPLE_RATE,
    extract_audio,
    iter_chunks,
    probe,
)
from reelmind.perceive.audio.vad import iter_blocks


def test_compressed_stereo_video_audio_to_16k_mono(tmp_path):
    src = media_path("feat/single_face.mp4")  # mp3, 44.1 kHz stereo
    info = probe(src)
    assert info.has_audio and info.sample_rate == 44100 and info.channels == 2
    ex = extract_audio(src, tmp_path / "a.f32")
    assert ex.duration == pytest.approx(info.duration, abs=0.06)
    assert ex.samples.dtype == np.float32 and ex.samples.ndim == 1


def test_chunks_are_bounded(tmp_path):
    src = media_path("librivox/sense_and_sensibility_01_austen_64kb-0870.wav")
    sizes = [c.size for c in iter_chunks(src, chunk_seconds=1.0)]
    assert max(sizes) == SAMPLE_RATE and sum(sizes) == 113600


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_20_minute_file_streams_with_flat_memory(tmp_path):
    """20 min of 22.05 kHz stereo tone + noise: extraction + blockwise VAD never hold the film."""
    src = tmp_path / "long.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=220:sample_rate=22050:duration=1200",
                    "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.05:sample_rate=22050:duration=1200",
                    "-filter_complex", "amix=inputs=2,volume=0.5", "-ac", "2", "-c:a", "pcm_s16le",
                    str(src)], check=True)
    tracemalloc.start()
    ex = extract_audio(src, tmp_path / "long.f32", chunk_seconds=30)
    _, peak_extract = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    blocks = list(iter_blocks(ex.samples, 60.0))
    _, peak_blocks = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    full = 1200 * SAMPLE_RATE * 4  # 77 MB as one float32 array
    assert ex.duration == pytest.approx(1200, abs=0.1)
    assert peak_extract < 16e6, peak_extract  # a few 30-s chunks (1.9 MB each) + decoder frames, not the film
    block = 60 * SAMPLE_RATE * 4
    assert peak_blocks < min(4 * block, full / 5), peak_blocks  # one 1-min block + VAD buffers, not the film
    assert blocks[0].start == 0 and blocks[-1].end == len(ex.samples)
    assert all(a.end == b.start for a, b in zip(blocks, blocks[1:]))


def test_raw_audio_file_reads_slices(tmp_path):
    from reelmind.perceive.audio.extract import RawAudioFile

    data = np.arange(1000, dtype="<f4")
    data.tofile(tmp_path / "x.f32")
    raw = RawAudioFile(tmp_path / "x.f32", 1000)
    assert len(raw) == 1000
    assert np.array_equal(raw[10:20], data[10:20]) and np.array_equal(raw[990:2000], data[990:])
    assert np.array_equal(raw[::100], data[::100]) and np.array_equal(np.asarray(raw), data)
    assert raw[5:5].size == 0
