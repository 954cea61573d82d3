"""Shared validation of record columns (finite times, end >= start, probabilities >= 0)."""

from __future__ import annotations

import numpy as np

from ..errors import RecordError
from ..table import Table


def check_times(rec: Table, start: np.ndarray, end: np.ndarray | None = None) -> None:
    name = type(rec).__name__
    if len(start) and not np.all(np.isfinite(start)):
        raise RecordError(name, "start" if end is not None else "time", "finite times", "NaN or inf")
    if end is not None and len(end):
        bad = np.flatnonzero(~(end >= start))
        if bad.size:
            i = int(bad[0])
            raise RecordError(name, "end", f"end >= start at row {i} (start={start[i]:.3f})", f"end={float(end[i])}")


def check_probs(rec: Table, name: str, probs: np.ndarray) -> None:
    if len(probs) and np.any(probs < -1e-6):
        raise RecordError(type(rec).__name__, name, "probabilities >= 0", f"min {float(np.nanmin(probs)):.3f}")


def check_vocab(rec: Table, name: str, values: np.ndarray, allowed: tuple[str, ...]) -> None:
    """Every value of a label column is one of ``allowed``."""
    if not len(values):
        return
    bad = sorted(set(values.tolist()) - set(allowed))
    if bad:
        raise RecordError(type(rec).__name__, name, f"one of {', '.join(allowed)}", repr(bad[0]))
