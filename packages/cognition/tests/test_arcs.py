import numpy as np
import pytest

from reelmind.cognition.arcs import ArcOptions, classify, emotion_arc, smooth, turning_points


def arc_of(values, window=1):
    v = np.asarray(values, dtype=float)
    arc, _ = emotion_arc("X", np.arange(len(v), dtype=float), v, ArcOptions(window=window))
    return arc


@pytest.mark.parametrize("values, expected", [
    ([-0.5, -0.3, -0.1, 0.1, 0.3, 0.5], "RISING"),
    ([0.6, 0.4, 0.2, 0.0, -0.2], "FALLING"),
    ([0.0, 0.3, 0.6, 0.3, 0.0], "PEAK"),
    ([0.2, -0.2, -0.6, -0.2, 0.1], "VALLEY"),
    ([0.5, -0.3, 0.5, -0.3, 0.5], "W_SHAPE"),
    ([0.1, 0.15, 0.05, 0.2, 0.1], "FLAT"),
    ([0.0, 0.6, 0.0, 0.6, 0.0, 0.6, 0.0], "VOLATILE"),
    ([0.3, 0.4], "FLAT"),
])
def test_arc_classes_on_constructed_series(values, expected):
    arc = arc_of(values)
    assert arc.arc_class == expected, arc.rule
    assert arc.rule


def test_turning_point_threshold_is_a_valence_change_of_0_3():
    up_down = [0.0, 0.3, 0.0]  # exactly 0.3 up then 0.3 down: one peak
    tps = turning_points(np.array(up_down), 0.3)
    assert tps == [(1, "peak")]
    assert turning_points(np.array([0.0, 0.29, 0.0]), 0.3) == []
    arc = arc_of([0.0, 0.5, 0.1, 0.6, 0.0])
    assert [(p.index, p.kind) for p in arc.turning_points] == [(1, "peak"), (2, "valley"), (3, "peak")]
    assert arc.turning_points[0].change == pytest.approx(0.5)


def test_smoothing_is_a_box_convolution_with_edge_padding():
    x = np.array([0.0, 3.0, 0.0, 3.0, 0.0])
    s = smooth(x, 3)
    assert s == pytest.approx([1.0, 1.0, 2.0, 1.0, 1.0])
    assert smooth(x, 4) == pytest.approx(s)  # even windows shrink to odd
    assert smooth(x, 1) == pytest.approx(x)
    assert len(smooth(np.array([]), 5)) == 0


def test_smoothing_removes_single_spikes_before_classification():
    series = [0.0, 0.0, 0.9, 0.0, 0.0, 0.0, 0.0]
    assert arc_of(series, window=1).arc_class == "PEAK"
    assert arc_of(series, window=7).arc_class == "FLAT"


def test_classify_rule_names_the_thresholds():
    cls, rule = classify(np.array([0.0, 0.2, 0.5]), [], ArcOptions())
    assert cls == "RISING" and "0.3" in rule
