"""CSV export of the dataset in the seed's 14-column layout (written at the edge, atomically)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from reelmind.core.atomic import write_text
from reelmind.core.records import DATASET_COLUMNS, DatasetTable


def _cell(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (float, np.floating)):
        return "" if not np.isfinite(value) else f"{float(value):.4f}".rstrip("0").rstrip(".")
    return str(value)


def dataset_csv(dataset: DatasetTable, columns: tuple[str, ...] = DATASET_COLUMNS) -> str:
    """The dataset as CSV text (NaN -> empty cell)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    cols = [getattr(dataset, c) for c in columns]
    for i in range(len(dataset)):
        writer.writerow([_cell(col[i]) for col in cols])
    return buf.getvalue()


def write_dataset_csv(dataset: DatasetTable, path: str | Path, columns: tuple[str, ...] = DATASET_COLUMNS) -> Path:
    """Write the seed's ``multimodal_dataset.csv`` layout atomically."""
    return write_text(path, dataset_csv(dataset, columns))
