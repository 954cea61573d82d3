"""Spotting and recognition measures of the micro-expression field.

* Spotting: a spotted interval hits a ground-truth one when their IoU (frame sets, ends included)
  is >= 0.5 (MEGC); matching is one-to-one, best IoU first.
* Recognition: UF1 (unweighted F1: per-class F1 from TP/FP/FN pooled over all LOSO folds, averaged
  over classes) and UAR (unweighted average recall: per-class recall pooled over folds, averaged).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0]) + 1
    if inter <= 0:
        return 0.0
    return inter / ((a[1] - a[0] + 1) + (b[1] - b[0] + 1) - inter)


def match(pred: Sequence[tuple[int, int]], truth: Sequence[tuple[int, int]], threshold: float = 0.5) -> list[tuple[int, int]]:
    """One-to-one (pred index, truth index) pairs with IoU >= threshold, best first."""
    pairs = sorted(((iou(p, t), i, j) for i, p in enumerate(pred) for j, t in enumerate(truth)), reverse=True)
    used_p, used_t, out = set(), set(), []
    for v, i, j in pairs:
        if v < threshold:
            break
        if i not in used_p and j not in used_t:
            used_p.add(i)
            used_t.add(j)
            out.append((i, j))
    return out


def uf1_uar(y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str] | None = None) -> tuple[float, float, dict]:
    """(UF1, UAR, per-class {f1, recall, n}) over pooled predictions."""
    classes = list(classes) if classes is not None else sorted(set(y_true))
    t, p = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    f1s, recalls, per = [], [], {}
    for c in classes:
        tp = int(np.sum((t == c) & (p == c)))
        fp = int(np.sum((t != c) & (p == c)))
        fn = int(np.sum((t == c) & (p != c)))
        f1 = 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else 0.0
        rec = tp / (tp + fn) if (tp + fn) else 0.0
        f1s.append(f1)
        recalls.append(rec)
        per[c] = {"f1": round(f1, 4), "recall": round(rec, 4), "n": tp + fn}
    return float(np.mean(f1s)) if f1s else 0.0, float(np.mean(recalls)) if recalls else 0.0, per
