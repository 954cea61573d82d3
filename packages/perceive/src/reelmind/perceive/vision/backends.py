"""The interchangeable backends of the faces stage, one :class:`reelmind.core.models.Backends`
registry per kind. Every factory is ``factory(options: FacesOptions, profile) -> backend``;
modules are imported only when their backend is chosen (no import circles)."""

from __future__ import annotations

from typing import Any

from reelmind.core.models import Backends

_PKG = "reelmind.perceive.vision"

#: face detectors: ``detect(images) -> [Detections]``
DETECTORS = Backends("face detector", {
    "mtcnn": f"{_PKG}.mtcnn:from_options",
    "haar": f"{_PKG}.haar:from_options",
    "retinaface": f"{_PKG}.retinaface:from_options",
})
#: identity embedders: ``embed(image, boxes, landmarks) -> (n, dim)``; ``embed_many`` batches faces
EMBEDDERS = Backends("face embedding", {
    "dlib": f"{_PKG}.embed:dlib_embedder",
    "onnx": f"{_PKG}.embed:onnx_embedder",
})
#: 7-class emotion classifiers: ``prepare(gray, boxes)`` then ``predict(crops)``
EMOTIONS = Backends("face emotion", {
    "fer": f"{_PKG}.emotion:fer_classifier",
    "onnx": f"{_PKG}.emotion:onnx_classifier",
    "facex": f"{_PKG}.emotion:facex_classifier",
})
#: face restorers applied before embedding and emotion: ``restore(rgb) -> rgb`` (maybe larger)
RESTORERS = Backends("face restorer", {
    "realesrgan": f"{_PKG}.superres:realesrgan",
    "onnx": f"{_PKG}.superres:onnx_restorer",
})


def batch_size(profile: Any, task: str, default: int) -> int:
    """The profile's batch size for ``task`` (``default`` without a profile)."""
    return profile.batch_size(task, default) if profile is not None and hasattr(profile, "batch_size") else default


def ort_threads(options: Any, profile: Any) -> int | None:
    """ONNX Runtime threads per session: ``options.threads``, else one core fewer than the profile
    has (the decoder runs beside the models in its own thread), else ONNX Runtime's default."""
    if getattr(options, "threads", 0):
        return int(options.threads)
    cores = int(getattr(profile, "threads", 0) or 0)
    return max(1, cores - 1) if cores else None
