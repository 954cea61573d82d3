"""Voice activity detection (silero VAD v6, bundled with faster-whisper) and silence-cut blocks."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .extract import SAMPLE_RATE

log = logging.getLogger("reelmind.perceive.audio.vad")


@dataclass(frozen=True)
class Block:
    """A stretch of the film (samples ``start:end``) and the speech regions inside it (s, film time)."""

    start: int
    end: int
    speech: list[tuple[float, float]]


def speech_regions(
    audio: np.ndarray,
    threshold: float = 0.5,
    min_silence_ms: int = 300,
    speech_pad_ms: int = 100,
    max_speech_s: float = 30.0,
) -> list[tuple[float, float]]:
    """Speech regions of a 16 kHz waveform as (start, end) seconds, each at most ``max_speech_s``."""
    if audio.size < SAMPLE_RATE // 10:
        return []
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    opts = VadOptions(threshold=threshold, min_silence_duration_ms=min_silence_ms,
                      speech_pad_ms=speech_pad_ms, max_speech_duration_s=max_speech_s,
                      min_speech_duration_ms=150)
    stamps = get_speech_timestamps(np.ascontiguousarray(audio, dtype=np.float32), opts)
    return [(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in stamps]


def iter_blocks(samples: np.ndarray, block_s: float, **vad_kwargs) -> Iterator[Block]:
    """Walk a long waveform in blocks of about ``block_s`` that end in silence, with their speech.

    A speech region that runs into the end of a block moves to the next block, so no utterance
    is cut in two; only one block is held in memory at a time.
    """
    n = len(samples)
    size = max(int(block_s * SAMPLE_RATE), 60 * SAMPLE_RATE)
    pos = 0
    while pos < n:
        end = min(n, pos + size)
        audio = np.asarray(samples[pos:end], dtype=np.float32)
        regions = speech_regions(audio, **vad_kwargs)
        if end < n and regions and regions[-1][1] * SAMPLE_RATE > len(audio) - SAMPLE_RATE and regions[-1][0] > 1.0:
            cut = int(regions[-1][0] * SAMPLE_RATE)
            regions = regions[:-1]
            end = pos + cut
        off = pos / SAMPLE_RATE
        yield Block(pos, end, [(a + off, b + off) for a, b in regions])
        pos = end
