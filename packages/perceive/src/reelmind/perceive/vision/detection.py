"""The face-detector protocol, its result record, NMS and detection-size downscaling
(backends are chosen by name through :data:`.backends.DETECTORS`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

log = logging.getLogger("reelmind.perceive.vision.detection")


@dataclass
class Detections:
    """Faces found in one image: boxes (n,4) x1,y1,x2,y2; scores (n,); landmarks (n,5,2), NaN if none."""

    boxes: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.float32))
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    landmarks: np.ndarray = field(default_factory=lambda: np.zeros((0, 5, 2), np.float32))

    def __post_init__(self) -> None:
        self.boxes = np.asarray(self.boxes, np.float32).reshape(-1, 4)
        self.scores = np.asarray(self.scores, np.float32).reshape(-1)
        n = len(self.boxes)
        if self.landmarks is None or np.size(self.landmarks) == 0:
            self.landmarks = np.full((n, 5, 2), np.nan, np.float32)
        self.landmarks = np.asarray(self.landmarks, np.float32).reshape(n, 5, 2)
        if len(self.scores) != n:
            raise ValueError(f"Detections: {n} boxes but {len(self.scores)} scores")

    def __len__(self) -> int:
        return len(self.boxes)

    def take(self, idx: np.ndarray) -> "Detections":
        return Detections(self.boxes[idx], self.scores[idx], self.landmarks[idx])

    def scaled(self, factor: float) -> "Detections":
        """Coordinates multiplied by ``factor`` (map detection-resolution boxes back to full size)."""
        return Detections(self.boxes * factor, self.scores, self.landmarks * factor)


class FaceDetector(Protocol):
    """Detects faces in a batch of RGB uint8 images (H, W, 3). A detector may also offer
    ``refine(image, boxes) -> Detections`` (one row per box: the face followed from the previous
    sample, score 0 when it is gone); :func:`.track.window_refine` serves the others."""

    name: str

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]: ...


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float, method: str = "union") -> np.ndarray:
    """Greedy non-maximum suppression; indices kept, best first. ``method`` 'union' (IoU) or 'min'."""
    if len(boxes) == 0:
        return np.zeros(0, np.int64)
    x1, y1, x2, y2 = (boxes[:, i].astype(np.float64) for i in range(4))
    area = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = np.argsort(scores, kind="stable")[::-1]
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        w = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + 1)
        h = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + 1)
        inter = w * h
        denom = np.minimum(area[i], area[rest]) if method == "min" else area[i] + area[rest] - inter
        order = rest[inter / denom <= threshold]
    return np.asarray(keep, np.int64)


def downscale_for_detection(image: np.ndarray, max_side: int, short_side: int = 0) -> tuple[np.ndarray, float]:
    """``image`` shrunk so its longer side is <= ``max_side`` and its shorter side <= ``short_side``
    (0 = no limit), and the factor mapping boxes back to full resolution (>= 1)."""
    h, w = image.shape[:2]
    s = 1.0
    if max_side > 0:
        s = min(s, max_side / max(h, w))
    if short_side > 0:
        s = min(s, short_side / min(h, w))
    if s >= 1.0:
        return image, 1.0
    import cv2

    small = cv2.resize(image, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    return small, 1.0 / s
