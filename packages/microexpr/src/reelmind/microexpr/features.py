"""The recogniser's input (Mimicking-Annotation style): apex grey crop + onset->apex and
offset->apex flow magnitudes, one 3 x SIZE x SIZE float32 array per event. Shared by the stage and
the trainer so both see exactly the same numbers."""

from __future__ import annotations

import numpy as np

from .align import CROP_SPAN
from .flow import Flow, magnitude, remove_global

SIZE = 64  # side of the recogniser input
FLOW_UNIT = 0.1  # inter-ocular distances of motion that map to 1.0


def features(onset: np.ndarray, apex: np.ndarray, offset: np.ndarray, flow: Flow) -> np.ndarray:
    """(3, SIZE, SIZE) float32 from three aligned grey crops of equal size."""
    import cv2

    crop = apex.shape[0]
    unit = FLOW_UNIT * crop / CROP_SPAN
    chans = [apex.astype(np.float32) / 255.0,
             magnitude(remove_global(flow(onset, apex))) / unit,
             magnitude(remove_global(flow(offset, apex))) / unit]
    return np.stack([cv2.resize(c, (SIZE, SIZE), interpolation=cv2.INTER_AREA) for c in chans]).astype(np.float32)
