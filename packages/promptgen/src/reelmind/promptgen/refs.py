"""I2V reference crops: each character's best-quality face from the film's own faces, cut out of the
frame at that face's time (PyAV) and encoded as PNG (deterministic bytes)."""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelmind.core.records import FaceTable, PersonTable

log = logging.getLogger("reelmind.promptgen.refs")


@dataclass(frozen=True)
class RefFace:
    """The face a character's reference crop is cut from (``face_row`` -1 when the persons table chose it)."""

    person_id: int
    time: float
    box: tuple[float, float, float, float]
    quality: float
    face_row: int = -1


def best_faces(faces: FaceTable | None, persons: PersonTable | None = None) -> dict[int, RefFace]:
    """Person id -> its best face: the persons table's choice, else the face with the highest quality
    (detector confidence when quality is missing), larger box and earlier time breaking ties."""
    out: dict[int, RefFace] = {}
    if persons is not None and len(persons):
        for i in range(len(persons)):
            t, box = float(persons.best_time[i]), np.asarray(persons.best_box[i], dtype=np.float64)
            if math.isfinite(t) and np.all(np.isfinite(box)) and box[2] > box[0] and box[3] > box[1]:
                out[int(persons.person_id[i])] = RefFace(int(persons.person_id[i]), t, tuple(float(v) for v in box), math.nan)
    if faces is None or not len(faces):
        return out
    pid = np.asarray(faces.person_id, dtype=np.int64)
    quality = np.asarray(faces.quality, dtype=np.float64)
    quality = np.where(np.isfinite(quality), quality, np.asarray(faces.det_conf, dtype=np.float64))
    box = np.asarray(faces.box, dtype=np.float64)
    area = np.clip(box[:, 2] - box[:, 0], 0, None) * np.clip(box[:, 3] - box[:, 1], 0, None)
    times = np.asarray(faces.time, dtype=np.float64)
    for p in np.unique(pid[pid >= 0]):
        if int(p) in out:
            continue
        idx = np.flatnonzero((pid == p) & (area > 0))
        if not idx.size:
            continue
        order = np.lexsort((idx, times[idx], -area[idx], -np.nan_to_num(quality[idx], nan=-1.0)))
        j = int(idx[order[0]])
        out[int(p)] = RefFace(int(p), float(times[j]), tuple(float(v) for v in box[j]), float(quality[j]), j)
    return out


def _frame_at(container, stream, t: float) -> np.ndarray | None:
    """The RGB frame closest to ``t`` s (frame times as the vision stage reads them)."""
    if t > 1.0 and stream.time_base:
        container.seek(int((t - 1.0) / stream.time_base), stream=stream, backward=True, any_frame=False)
    else:
        container.seek(0, stream=stream, backward=True, any_frame=False)
    fps = float(stream.average_rate or 25.0)
    best, best_d = None, math.inf
    for frame in container.decode(stream):
        ft = frame.time
        if ft is None:
            continue
        d = abs(float(ft) - t)
        if d < best_d:
            best, best_d = frame.to_ndarray(format="rgb24"), d
        if float(ft) > t + 0.5 / fps:
            break
    return best


def crop(image: np.ndarray, box: tuple[float, float, float, float], margin: float, max_side: int) -> np.ndarray:
    """The face box widened by ``margin`` of its size on every side, clipped to the frame, at most
    ``max_side`` pixels on its longer side."""
    h, w = image.shape[:2]
    x1, y1, x2, y2 = box
    mx, my = (x2 - x1) * margin, (y2 - y1) * margin
    a, b = int(max(0, math.floor(x1 - mx))), int(max(0, math.floor(y1 - my)))
    c, d = int(min(w, math.ceil(x2 + mx))), int(min(h, math.ceil(y2 + my)))
    out = image[b:d, a:c]
    side = max(out.shape[:2]) if out.size else 0
    if side > max_side > 0:
        from PIL import Image

        scale = max_side / side
        size = (max(1, round(out.shape[1] * scale)), max(1, round(out.shape[0] * scale)))
        out = np.asarray(Image.fromarray(out).resize(size, Image.LANCZOS))
    return out


def png_bytes(image: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buf, format="PNG", optimize=False, compress_level=6)
    return buf.getvalue()


def crop_pngs(video: str | Path, refs: list[RefFace], margin: float = 0.35, max_side: int = 512) -> dict[int, bytes]:
    """Person id -> PNG crop of its reference face, cut from ``video``; persons whose frame cannot be
    decoded are left out (and logged)."""
    from reelmind.core.media import open_media

    out: dict[int, bytes] = {}
    if not refs:
        return out
    with open_media(video) as container:
        if not container.streams.video:
            return out
        stream = container.streams.video[0]
        for ref in sorted(refs, key=lambda r: (r.time, r.person_id)):
            try:
                frame = _frame_at(container, stream, ref.time)
            except Exception as exc:  # noqa: BLE001 - av.error.*: a damaged stretch loses one crop, not the run
                log.warning("no reference crop for person %d at %.2f s: %s", ref.person_id, ref.time, exc)
                continue
            if frame is None:
                log.warning("no frame near %.2f s for person %d's reference crop", ref.time, ref.person_id)
                continue
            image = crop(frame, ref.box, margin, max_side)
            if image.size:
                out[ref.person_id] = png_bytes(image)
    return out
