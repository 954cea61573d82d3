"""Seed-compatible CSV exports (written at the edge; stages exchange typed records, not CSV)."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from .atomic import write_text
from .records import DATASET_COLUMNS, DatasetTable, FaceTable

FACES_CSV_COLUMNS = ("person", "emotion", "file", "confidence")


def _fmt(value) -> str:
    if isinstance(value, float) or hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "f":
        v = float(value)
        return "" if math.isnan(v) else f"{v:.4g}" if abs(v) < 1e4 else f"{v:.1f}"
    if hasattr(value, "dtype") and value.dtype.kind == "b":
        return "True" if bool(value) else "False"
    return str(value)


def faces_csv(faces: FaceTable, path: str | Path) -> Path:
    """The seed's faces CSV: person, emotion, file (``<time>.jpg``), confidence; classified faces only."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(FACES_CSV_COLUMNS)
    for person, pid, emo, t, conf in zip(faces.person, faces.person_id, faces.emotion, faces.time, faces.emotion_conf):
        if not emo:
            continue
        w.writerow([person or (str(pid) if pid >= 0 else "unknown"), emo, f"{t:.2f}.jpg", f"{float(conf):.2f}"])
    return write_text(path, buf.getvalue())


def dataset_csv(dataset: DatasetTable, path: str | Path, extra: tuple[str, ...] = ()) -> Path:
    """The seed's 14-column multimodal dataset CSV (plus ``extra`` provenance columns if asked)."""
    cols = (*DATASET_COLUMNS, *extra)
    data = [getattr(dataset, c) for c in cols]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for i in range(len(dataset)):
        w.writerow([_fmt(col[i]) for col in data])
    return write_text(path, buf.getvalue())
