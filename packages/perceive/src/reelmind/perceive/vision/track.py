"""Following faces between samples: IoU linking of boxes in consecutive samples."""

from __future__ import annotations

import numpy as np


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) IoU of x1,y1,x2,y2 boxes."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), np.float32)
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return (inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)).astype(np.float32)


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
