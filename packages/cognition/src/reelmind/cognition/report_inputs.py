"""Read what the report needs: the fused dataset and whatever the analysis folder holds.

Every analysis piece is optional: a missing or unreadable file is recorded in
``ReportInputs.missing`` (piece -> one-line reason) and the report says so in its section.
Readers accept the shapes the analysis writes (a list of records, ``{"<piece>": [...]}``, or a
mapping keyed by character).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelmind.core import DataFileError, DatasetTable

from .types import (
    Arc,
    ChannelWeights,
    CharacterConsolidation,
    Evolution,
    Insight,
    MemoryStats,
    SceneBoundary,
    Transition,
    TrendPoint,
)

log = logging.getLogger("reelmind.cognition.report_inputs")

#: piece -> file name inside the analysis folder
PIECES = {
    "transitions": "transitions.parquet",
    "stm": "stm.parquet",
    "arcs": "arcs.json",
    "memory_stats": "memory_stats.json",
    "consolidation": "consolidation.json",
    "scenes": "scenes.json",
    "reflection": "reflection.json",
    "channel_weights": "channel_weights.json",
}


@dataclass
class ReportInputs:
    dataset: DatasetTable
    film: str = ""
    transitions: list[Transition] | None = None
    stm: list[TrendPoint] | None = None
    arcs: list[Arc] | None = None
    memory_stats: MemoryStats | None = None
    consolidation: list[CharacterConsolidation] | None = None
    scenes: list[SceneBoundary] | None = None
    insights: list[Insight] | None = None
    evolutions: list[Evolution] | None = None
    channel_weights: ChannelWeights | None = None
    missing: dict[str, str] = field(default_factory=dict)


def _records(obj: Any, key: str) -> list[dict]:
    """A list of record dicts from the shapes the analysis may write."""
    if isinstance(obj, dict) and key in obj:
        obj = obj[key]
    if isinstance(obj, list):
        return [x for x in obj if isinstance(x, dict)]
    if isinstance(obj, dict):
        out = []
        for k in sorted(obj):
            v = obj[k]
            if isinstance(v, dict):
                out.append({"character": k, **v} if "character" not in v else v)
            elif isinstance(v, list):
                out += [x for x in v if isinstance(x, dict)]
        return out
    raise DataFileError(f"{key}: expected a list or mapping of records, got {type(obj).__name__}")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataFileError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: not UTF-8 text") from None


def _read_parquet_rows(path: Path) -> list[dict]:
    import pyarrow.parquet as pq

    try:
        rows = pq.read_table(path).to_pylist()
    except Exception as exc:  # ArrowInvalid / OSError on corrupt files
        raise DataFileError(f"{path}: not a readable Parquet file ({exc.__class__.__name__})") from None
    for r in rows:  # Parquet stores NaN as null in some writers
        for k, v in r.items():
            if v is None and k in ("surprise", "surprise_rank", "distance", "stability", "volatility"):
                r[k] = math.nan
    return rows


def load_analysis_pieces(folder: str | Path | None, inputs: ReportInputs) -> ReportInputs:
    """Fill ``inputs`` from an analysis folder; each missing/corrupt piece goes to ``missing``."""
    if folder is None or not Path(folder).is_dir():
        why = "no analysis folder" if folder is None else f"analysis folder {folder} does not exist"
        for piece in PIECES:
            inputs.missing[piece] = why
        return inputs
    folder = Path(folder)
    readers = {
        "transitions": lambda p: [Transition.from_dict(r) for r in _read_parquet_rows(p)],
        "stm": lambda p: [TrendPoint.from_dict(r) for r in _read_parquet_rows(p)],
        "arcs": lambda p: [Arc.from_dict(r) for r in _records(_read_json(p), "arcs")],
        "memory_stats": lambda p: MemoryStats.from_dict(_read_json(p)),
        "consolidation": lambda p: [CharacterConsolidation.from_dict(r) for r in _records(_read_json(p), "consolidation")],
        "scenes": lambda p: [SceneBoundary.from_dict(r) for r in _records(_read_json(p), "scenes")],
        "channel_weights": lambda p: ChannelWeights.from_dict(_read_json(p)),
    }
    for piece, name in PIECES.items():
        path = folder / name
        if not path.exists():
            inputs.missing[piece] = f"{name} not in the analysis folder"
            continue
        try:
            if piece == "reflection":
                data = _read_json(path)
                inputs.insights = [Insight.from_dict(r) for r in _records(data, "insights")] if isinstance(data, dict) and "insights" in data else []
                inputs.evolutions = [Evolution.from_dict(r) for r in _records(data, "evolutions")] if isinstance(data, dict) and "evolutions" in data else []
            else:
                setattr(inputs, piece, readers[piece](path))
        except (DataFileError, TypeError, KeyError, ValueError) as exc:
            msg = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
            inputs.missing[piece] = f"{name} unreadable: {msg}"
            log.warning("report: %s", inputs.missing[piece])
    return inputs


def load_run(run: str | Path) -> ReportInputs:
    """``<RUN>/dataset.parquet`` + ``<RUN>/analysis/`` (the layout of ``reelmind run``)."""
    run = Path(run)
    ds_path = run / "dataset.parquet"
    if not ds_path.exists():
        raise DataFileError(f"{ds_path}: no such file (is {run} a reelmind run folder?)")
    dataset = DatasetTable.read_parquet(ds_path)
    inputs = ReportInputs(dataset=dataset, film=str(dataset.meta.get("film", "")) or run.name)
    return load_analysis_pieces(run / "analysis", inputs)
