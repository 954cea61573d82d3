"""OpenCV Haar-cascade face detection: the fast fallback (no landmarks, no calibrated score)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from reelmind.core.errors import MissingDependencyError, MissingModelError

from .detection import Detections

log = logging.getLogger("reelmind.perceive.vision.haar")


class HaarDetector:
    """``haarcascade_frontalface_default`` from opencv-python-headless (<5 ships the cascades).

    The Haar cascade gives no probability: the score is the final stage margin squashed by a
    logistic (``1 / (1 + exp(-w))``), so ``conf_threshold`` applies on that scale (default 0).
    """

    name = "haar"

    def __init__(self, *, scale_factor: float = 1.1, min_neighbors: int = 5, min_face_size: int = 30,
                 conf_threshold: float = 0.0, cascade: str = "haarcascade_frontalface_default.xml", **_: object) -> None:
        try:
            import cv2
        except ImportError:
            raise MissingDependencyError("OpenCV", '"opencv-python-headless<5"') from None
        data = getattr(cv2, "data", None)
        path = f"{data.haarcascades}{cascade}" if data is not None else cascade
        self.cascade = cv2.CascadeClassifier(path)
        if self.cascade.empty():
            raise MissingModelError(f"Haar cascade {path} could not be loaded (OpenCV 5 ships none)",
                                    'pip install "opencv-python-headless<5"')
        self.scale_factor, self.min_neighbors, self.min_face_size = scale_factor, min_neighbors, min_face_size
        self.conf_threshold = conf_threshold

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        import cv2

        out = []
        for im in images:
            gray = cv2.cvtColor(im, cv2.COLOR_RGB2GRAY) if im.ndim == 3 else im
            rects, _, weights = self.cascade.detectMultiScale3(
                gray, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors,
                minSize=(self.min_face_size, self.min_face_size), outputRejectLevels=True)
            if len(rects) == 0:
                out.append(Detections())
                continue
            rects = np.asarray(rects, np.float32)
            boxes = np.column_stack([rects[:, 0], rects[:, 1], rects[:, 0] + rects[:, 2], rects[:, 1] + rects[:, 3]])
            w = np.asarray(weights, np.float32).reshape(-1)
            score = 1.0 / (1.0 + np.exp(-w))  # cascade stage margin squashed to 0-1
            keep = score >= self.conf_threshold
            out.append(Detections(boxes[keep], score[keep]))
        return out


def from_options(options, profile=None) -> HaarDetector:
    """The ``haar`` backend. The stage's ``conf_threshold`` (0.9) is a probability; the cascade has
    none, so it is not applied (see :class:`HaarDetector`)."""
    return HaarDetector(min_face_size=options.min_face_size)
