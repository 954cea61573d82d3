"""Box IoU: hand-computed cases, the one implementation every package uses."""

import numpy as np
import pytest
from reelmind.core.boxes import box_iou, iou_matrix


def test_hand_computed_overlaps():
    a = np.array([0, 0, 10, 10])
    assert box_iou(a, a) == 1.0
    assert box_iou(a, [5, 0, 15, 10]) == pytest.approx(50 / 150)  # half of each: 50 / (100 + 100 - 50)
    assert box_iou(a, [10, 0, 20, 10]) == 0.0  # touching edges
    assert box_iou(a, [2, 2, 4, 4]) == pytest.approx(4 / 100)  # inside
    assert box_iou([3, 3, 3, 3], [3, 3, 3, 3]) == 0.0  # empty union: 0, not nan


def test_matrix_shape_and_empty_sides():
    boxes = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [100, 100, 110, 120]])
    m = iou_matrix(boxes, boxes[:2])
    assert m.shape == (3, 2) and np.allclose(np.diag(m[:2]), 1.0) and m[2].max() == 0.0
    assert m[0, 1] == m[1, 0] == pytest.approx(1 / 3)
    assert iou_matrix(np.zeros((0, 4)), boxes).shape == (0, 3)
    assert iou_matrix(boxes, np.zeros((0, 4))).shape == (3, 0)
