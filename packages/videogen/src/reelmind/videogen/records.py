"""The videogen record: one row per generated file (a clip, a reproducibility rerun or a stitched arc)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from reelmind.core.runstore import register_table_type
from reelmind.core.table import Table, column


@register_table_type
@dataclass(frozen=True, eq=False, repr=False)
class ClipTable(Table):
    """Generated clips. ``graph`` is the API-format graph that was queued (JSON), ``data`` the file."""

    RECORD: ClassVar[str] = "clips"
    kind: np.ndarray = column("str", doc="clip | repeat | arc")
    name: np.ndarray = column("str", doc="file name under videos/")
    keyframe: np.ndarray = column("i8", required=False)
    character: np.ndarray = column("str", required=False)
    start: np.ndarray = column("f8", required=False)
    emotion: np.ndarray = column("str", required=False, doc="intended emotion (prompt frame)")
    mode: np.ndarray = column("str", required=False)
    profile: np.ndarray = column("str", required=False)
    seed: np.ndarray = column("i8", required=False)
    graph_hash: np.ndarray = column("str", required=False)
    prompt_id: np.ndarray = column("str", required=False)
    width: np.ndarray = column("i8", required=False)
    height: np.ndarray = column("i8", required=False)
    frames: np.ndarray = column("i8", required=False)
    clamped: np.ndarray = column("bool", required=False)
    seconds: np.ndarray = column("f8", required=False, doc="wall time of the job")
    md5: np.ndarray = column("str", required=False, doc="MD5 of the raw decoded frames")
    dominant: np.ndarray = column("str", required=False, doc="dominant face emotion found by the faces stage")
    status: np.ndarray = column("str", required=False)
    graph: np.ndarray = column("str", required=False)
    data: np.ndarray = column("bytes", required=False)
