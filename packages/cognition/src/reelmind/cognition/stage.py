"""The ``cognition`` stage: fused dataset -> analysis folder (deterministic files + ChromaDB memory)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from reelmind.core import DatasetTable, DataFileError
from reelmind.core.stage import ModelRef, Stage, StageContext

from .analysis import CognitionOptions, run_analysis


def _run(ctx: StageContext, inputs: dict[str, Any], options: CognitionOptions) -> dict[str, Any]:
    ds = inputs["dataset"]
    if isinstance(ds, (str, Path)):
        from .bridge import load_dataset

        ds = load_dataset(ds)
    if not isinstance(ds, DatasetTable):
        raise DataFileError(f"cognition: input 'dataset' must be a DatasetTable or a .parquet/.csv path, got {type(ds).__name__}")
    out = run_analysis(ds, Path(ctx.work_dir) / "analysis", options, ctx.progress)
    return {"analysis": out}


def check() -> list[str]:
    """Why the stage cannot run here with default options (each with its fix); empty when it can.

    Numba is optional (the short-term memory kernel falls back to its NumPy reference).
    """
    problems = []
    for mod, pip, what in (("torch", "torch==2.13.0", "LSTM surprise (or set lstm: false)"),
                           ("chromadb", "chromadb", "memory store (or set memory: false)"),
                           ("sentence_transformers", "sentence-transformers", "memory embeddings (or set memory: false)")):
        if importlib.util.find_spec(mod) is None:
            problems.append(f"{mod} is not installed, needed for {what} — fix: pip install {pip}")
    try:
        from .embeddings import packaged_model_dir

        packaged_model_dir()
    except Exception as exc:
        problems.append(str(exc))
    return problems


def models(options: CognitionOptions | None = None) -> list[ModelRef]:
    """Model files whose hashes key the cache: the MiniLM weights and loaded LSTM weights."""
    options = options or CognitionOptions()
    out = []
    if options.memory:
        from .embeddings import MODEL_NAME, model_sha256, resolve_model_dir

        d = resolve_model_dir(options.embedding_model)
        out.append(ModelRef(MODEL_NAME, d / "model.safetensors", model_sha256(d)))
    if options.lstm_weights:
        out.append(ModelRef("lstm_weights", Path(options.lstm_weights)))
    return out


STAGE = Stage(
    name="cognition",
    inputs=("dataset",),
    outputs=("analysis",),
    options_type=CognitionOptions,
    run=_run,
    check=check,
    models=models,
    description="bridge, emotion arcs, mood, transition state machine with LSTM surprise, short-term memory, "
                "ChromaDB memory tiers, consolidation and reflection (issue 6)",
)
