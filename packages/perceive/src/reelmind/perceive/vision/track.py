"""Following faces between samples: IoU linking of detections in consecutive samples, and a
refinement step that re-finds each followed face near its previous box (between full detections)."""

from __future__ import annotations

import numpy as np
from reelmind.core.boxes import iou_matrix

__all__ = ["IouTracker", "iou_matrix", "window_refine"]


class IouTracker:
    """Links faces of consecutive samples whose boxes overlap (IoU >= ``min_iou``, within ``max_gap`` s)."""

    def __init__(self, min_iou: float = 0.3, max_gap: float = 0.6) -> None:
        self.min_iou, self.max_gap = min_iou, max_gap
        self._boxes = np.zeros((0, 4), np.float32)
        self._ids = np.zeros(0, np.int64)
        self._time = -1e9
        self._next = 0

    def reset(self) -> None:
        """Forget the previous boxes (after a shot cut): every next face starts a new track."""
        self._boxes = np.zeros((0, 4), np.float32)
        self._ids = np.zeros(0, np.int64)

    def update(self, time: float, boxes: np.ndarray) -> np.ndarray:
        """Track ids of ``boxes`` at ``time`` (new ids for unmatched boxes)."""
        ids = np.full(len(boxes), -1, np.int64)
        if len(self._boxes) and time - self._time <= self.max_gap and len(boxes):
            iou = iou_matrix(boxes, self._boxes)
            while True:
                i, j = np.unravel_index(np.argmax(iou), iou.shape)
                if iou[i, j] < self.min_iou:
                    break
                ids[i] = self._ids[j]
                iou[i, :] = -1
                iou[:, j] = -1
        for k in np.flatnonzero(ids < 0):
            ids[k] = self._next
            self._next += 1
        self._boxes, self._ids, self._time = np.asarray(boxes, np.float32).reshape(-1, 4), ids, time
        return ids

    def active(self, time: float) -> tuple[np.ndarray, np.ndarray]:
        """(boxes, ids) of the faces still followed at ``time`` (seen within ``max_gap``)."""
        if time - self._time > self.max_gap:
            return np.zeros((0, 4), np.float32), np.zeros(0, np.int64)
        return self._boxes, self._ids

    def follow(self, time: float, boxes: np.ndarray, ids: np.ndarray) -> None:
        """The followed faces ``ids`` are at ``boxes`` at ``time`` (refined, not re-detected)."""
        self._boxes, self._ids, self._time = np.asarray(boxes, np.float32).reshape(-1, 4), np.asarray(ids, np.int64), time


def window_refine(detector, image: np.ndarray, boxes: np.ndarray, context: float = 2.2, side: int = 96):
    """Re-find each face near its previous box with any detector: the detector runs on a window of
    ``context`` times the face's size around it (scaled to ``side`` px), and the detection that
    overlaps the previous box most is kept. One row per box; score 0 where none overlaps."""
    import cv2

    from .detection import Detections

    h, w = image.shape[:2]
    windows, frames = [], []
    for x1, y1, x2, y2 in np.asarray(boxes, np.float64):
        s = max(x2 - x1, y2 - y1, 1.0) * context
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        x0, y0 = int(max(0, np.floor(cx - s / 2))), int(max(0, np.floor(cy - s / 2)))
        xe, ye = int(min(w, np.ceil(cx + s / 2))), int(min(h, np.ceil(cy + s / 2)))
        crop = image[y0:max(ye, y0 + 1), x0:max(xe, x0 + 1)]
        k = min(1.0, side / max(crop.shape[:2]))
        windows.append(cv2.resize(crop, (max(1, round(crop.shape[1] * k)), max(1, round(crop.shape[0] * k))),
                                  interpolation=cv2.INTER_AREA) if k < 1 else np.ascontiguousarray(crop))
        frames.append((x0, y0, k))
    n = len(windows)
    out = Detections(np.asarray(boxes, np.float32).reshape(-1, 4), np.zeros(n, np.float32))
    for i, (det, (x0, y0, k)) in enumerate(zip(detector.detect(windows) if n else [], frames)):
        if not len(det):
            continue
        found = det.boxes / k + np.array([x0, y0, x0, y0], np.float32)
        iou = iou_matrix(found, out.boxes[i:i + 1])[:, 0]
        j = int(np.argmax(iou))
        if iou[j] >= 0.3:
            out.boxes[i], out.scores[i] = found[j], det.scores[j]
            out.landmarks[i] = det.landmarks[j] / k + np.array([x0, y0], np.float32)
    return out
