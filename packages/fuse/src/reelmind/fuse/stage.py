"""The ``fuse`` pipeline stage (entry point ``reelmind.stages: fuse``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from reelmind.core.errors import RecordError
from reelmind.core.records import DatasetTable, FaceTable, MicroEventTable, SpeechEmotionFrames, UtteranceTable
from reelmind.core.stage import RunContext, Stage

from .fuse import fuse
from .options import FuseOptions

log = logging.getLogger("reelmind.fuse.stage")


def _expect(inputs: dict[str, Any], name: str, kind: type, optional: bool = False):
    value = inputs.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, kind):
        raise RecordError("fuse inputs", name, kind.__name__, type(value).__name__)
    return value


def setup(options: FuseOptions, profile: Any):
    """Fusion has no models: the runner fuses one film's faces and utterances. The libraries it
    calls are imported here, once per process (a driver waiting for a worker sets runners up ahead)."""
    import scipy.optimize  # noqa: F401 - speaker <-> identity assignment
    import scipy.signal  # noqa: F401 - offset detection

    from .kernels import pick_backend

    pick_backend(options.kernel_backend)  # loads the native kernel (or imports Numba)

    def runner(inputs: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
        faces = _expect(inputs, "faces", FaceTable)
        utterances = _expect(inputs, "utterances", UtteranceTable)
        speech = _expect(inputs, "speech_emotion", SpeechEmotionFrames, optional=True)
        micro = _expect(inputs, "micro_events", MicroEventTable, optional=True)
        dataset: DatasetTable = fuse(faces, utterances, speech, options, ctx.progress, micro_events=micro)
        upstream = [f"{name}: {d}" for name, t in (("faces", faces), ("audio", utterances), ("microexpr", micro))
                    if t is not None for d in _degraded(t.meta)]
        if upstream:  # carried into the dataset, so the report can say it at the top
            dataset = dataset.with_columns(meta={**dataset.meta, "degraded_inputs": upstream})
        log.info("fuse: %d rows", len(dataset))
        return {"dataset": dataset}

    return runner


def publish(outputs: dict[str, Any], options: FuseOptions, out: Path) -> list[Path]:
    """dataset.csv in the seed's 14-column layout."""
    from reelmind.core.csv_export import dataset_csv

    return [dataset_csv(outputs["dataset"], out / "dataset.csv")]


def check() -> list[str]:
    """Reasons the stage cannot run here (the kernel falls back to Numba / NumPy, so only SciPy is required)."""
    from reelmind.core.stage import missing_modules

    return missing_modules((("scipy", "scipy"),))


STAGE = Stage(
    name="fuse",
    inputs=("faces", "utterances"),
    optional_inputs=("speech_emotion", "micro_events"),
    outputs=("dataset",),
    options_type=FuseOptions,
    setup=setup,
    publish=publish,
    code=("reelmind.native", "reelmind._native"),
    check=check,
    models=lambda options: [],
    description="offset detection, before/during/after window matching (native kernel), speaking face from "
                "identity<->voice co-occurrence, listeners, conflicts -> multimodal dataset (Parquet + CSV)",
)


def _degraded(meta: dict) -> list[str]:
    """What an input says is degraded, with what the faces stage said before persons (kept in ``faces_stage``)."""
    return [*(meta.get("degraded") or []), *((meta.get("faces_stage") or {}).get("degraded") or [])]
