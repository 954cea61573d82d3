"""The ``voices`` stage: one voice profile per speaker of a film (video + utterances -> voices).

Each utterance of a speaker is embedded with the audio stage's own speaker embedder (the same
backend the film was diarized with) and the unit embeddings are averaged: the profile the
archive matches across films (identities.py).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reelmind.core.records import UtteranceTable, VoiceTable
from reelmind.core.stage import RunContext, Stage


@dataclass
class VoicesOptions:
    speaker_embedding: str = "resemblyzer"  # the audio stage's speaker embedder: resemblyzer | wespeaker
    speaker_embedding_model: str = ""  # wespeaker: the user's exported .onnx
    speaker_embed_runtime: str = "onnx"  # resemblyzer: onnx | torch, as the audio stage's option
    min_seconds: float = 0.3  # shorter utterances are not embedded


def check() -> list[str]:
    if importlib.util.find_spec("reelmind.perceive.audio") is None:
        return ["voices: reelmind-perceive (audio) is not installed — fix: pip install 'reelmind-perceive[audio]'"]
    if importlib.util.find_spec("resemblyzer") is None:
        return ["voices: python module resemblyzer is missing — fix: pip install --no-deps resemblyzer"]
    return []


def profiles(utterances: UtteranceTable, samples: Any, embed_batch, sample_rate: int, min_seconds: float,
             batch: int = 64) -> VoiceTable:
    """Mean unit embedding per speaker over its utterances' audio (``samples`` sliceable);
    ``embed_batch(clips) -> (n, dim)`` embeds ``batch`` utterances a call."""
    speakers = utterances.speaker if utterances.speaker is not None else np.full(len(utterances), "", dtype=object)
    keys: list[str] = []
    clips: list[np.ndarray] = []
    secs: dict[str, float] = {}
    for spk, start, end in zip(speakers, utterances.start, utterances.end):
        if not spk or end - start < min_seconds:
            continue
        clip = np.asarray(samples[int(start * sample_rate): int(end * sample_rate)], np.float32)
        if not len(clip):
            continue
        keys.append(str(spk))
        clips.append(clip)
        secs[str(spk)] = secs.get(str(spk), 0.0) + float(end - start)
    by: dict[str, list[np.ndarray]] = {}
    for a in range(0, len(clips), batch):
        for spk, e in zip(keys[a:a + batch], np.asarray(embed_batch(clips[a:a + batch]), np.float32)):
            by.setdefault(spk, []).append(e / (np.linalg.norm(e) + 1e-9))
    names = sorted(by)
    means = [np.mean(by[s], axis=0) for s in names]
    emb = np.stack([m / (np.linalg.norm(m) + 1e-9) for m in means]).astype(np.float32) if names else np.zeros((0, 1), np.float32)
    return VoiceTable(speaker=np.array(names, dtype=object), embedding=emb,
                      utterances=np.array([len(by[s]) for s in names], np.int64),
                      seconds=np.array([secs[s] for s in names], np.float64))


def setup(options: VoicesOptions, profile: Any):
    from types import SimpleNamespace

    from reelmind.perceive.audio.diarize import make_embedder
    from reelmind.perceive.audio.extract import SAMPLE_RATE, extract_audio

    embedder = make_embedder(SimpleNamespace(speaker_embedding=options.speaker_embedding,
                                             speaker_embedding_model=options.speaker_embedding_model,
                                             speaker_embed_runtime=options.speaker_embed_runtime))

    def runner(inputs: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
        utt: UtteranceTable = inputs["utterances"]
        meta = {"stage": "voices", "embedder": options.speaker_embedding, "min_seconds": options.min_seconds}
        if embedder is None or not len(utt):
            empty = VoiceTable(speaker=np.array([], dtype=object), embedding=np.zeros((0, 1), np.float32),
                               utterances=np.zeros(0, np.int64), meta=meta)
            return {"voices": empty}
        work = Path(ctx.scratch)
        work.mkdir(parents=True, exist_ok=True)
        audio = extract_audio(inputs["video"], work / "audio.f32")
        table = profiles(utt, audio.samples, embedder.embed_batch, SAMPLE_RATE, options.min_seconds)
        ctx.progress(1.0, f"{len(table)} voices")
        return {"voices": table.with_columns(meta=meta)}

    return runner


STAGE = Stage(
    name="voices",
    inputs=("video", "utterances"),
    outputs=("voices",),
    options_type=VoicesOptions,
    setup=setup,
    check=check,
    description="one voice profile per speaker (mean speaker embedding), matched across the films of an archive",
)
