"""The seed's faces CSV (person, emotion, file = ``<time>.jpg``, confidence), written at the edge."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from reelmind.core.atomic import write_text
from reelmind.core.records import FaceTable

SEED_COLUMNS = ("person", "emotion", "file", "confidence")


def frame_file(time: float) -> str:
    """Seed-style frame file name of a sample time, e.g. ``12.25.jpg``."""
    return f"{time:.2f}.jpg"


def seed_csv_text(faces: FaceTable) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(SEED_COLUMNS)
    for i in range(len(faces)):
        if not faces.emotion[i]:
            continue
        w.writerow([faces.person[i], faces.emotion[i], frame_file(float(faces.time[i])), f"{float(faces.emotion_conf[i]):.4f}"])
    return buf.getvalue()


def write_seed_csv(faces: FaceTable, path: str | Path) -> Path:
    """Write the seed CSV atomically (faces without an emotion are left out)."""
    return write_text(path, seed_csv_text(faces))
