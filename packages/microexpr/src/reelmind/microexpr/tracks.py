"""Face tracks from a FaceTable: boxes of one face linked in time, interpolated to any frame time.

The faces stage samples every 0.25 s and links its boxes into tracks (``face_tracks``, column
``track``); a track here is a run of one such track's boxes (or, in a table with person ids and no
track ids, of one person's boxes) with no gap longer than ``gap`` seconds; rows with neither are
linked to the previous box of largest overlap. Between
samples the box is interpolated linearly; a track covers half a sampling step beyond its first and
last sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reelmind.core.boxes import box_iou
from reelmind.core.records import FaceTable


@dataclass
class Track:
    id: int
    person_id: int
    person: str
    times: np.ndarray  # (K,) sample times, increasing
    boxes: np.ndarray  # (K, 4)
    pad: float = 0.125
    source_id: int = -1  # the faces stage's track id (-1: none)

    @property
    def start(self) -> float:
        return float(self.times[0]) - self.pad

    @property
    def end(self) -> float:
        return float(self.times[-1]) + self.pad

    def box_at(self, t: float) -> np.ndarray | None:
        """The (interpolated) box at time ``t``; None outside the track."""
        if t < self.start or t > self.end:
            return None
        return np.array([np.interp(t, self.times, self.boxes[:, c]) for c in range(4)])


def sample_step(faces: FaceTable) -> float:
    """The faces stage's sampling interval (median step between distinct sample times; 0.25 s default)."""
    t = np.unique(np.asarray(faces.time))
    return float(np.median(np.diff(t))) if len(t) > 1 else 0.25


def build_tracks(faces: FaceTable, gap: float = 0.6, min_seconds: float = 0.3) -> list[Track]:
    """Link a FaceTable's boxes into tracks (see the module docstring), longest first ordering by start."""
    if not len(faces):
        return []
    step = sample_step(faces)
    pid = np.asarray(faces.person_id) if faces.person_id is not None else np.full(len(faces), -1)
    src = np.asarray(faces.track) if faces.track is not None else np.full(len(faces), -1)
    by_track = faces.track is not None and (pid < 0).all()  # face_tracks: no person ids yet
    key = src if by_track else pid
    labels = np.asarray(faces.person, dtype=object)
    times = np.asarray(faces.time, dtype=np.float64)
    boxes = np.asarray(faces.box, dtype=np.float64)
    runs: list[list[int]] = []
    for p in sorted(set(key.tolist()) - {-1}):
        rows = np.flatnonzero(key == p)
        rows = rows[np.argsort(times[rows], kind="stable")]
        cur: list[int] = []
        for r in rows:
            if cur and times[r] == times[cur[-1]]:  # two boxes of one person at one time: keep the one
                ref = boxes[cur[-2]] if len(cur) > 1 else None  # that overlaps the previous box more
                if ref is not None and box_iou(boxes[r], ref) > box_iou(boxes[cur[-1]], ref):
                    cur[-1] = r
                continue
            if cur and times[r] - times[cur[-1]] > gap:
                runs.append(cur)
                cur = []
            cur.append(r)
        if cur:
            runs.append(cur)
    # rows with no person id: greedy IoU linking in time
    open_runs: list[list[int]] = []
    for r in np.flatnonzero(key == -1)[np.argsort(times[key == -1], kind="stable")]:
        best, best_iou = None, 0.3
        for run in open_runs:
            last = run[-1]
            if 0 < times[r] - times[last] <= gap:
                iou = box_iou(boxes[r], boxes[last])
                if iou > best_iou:
                    best, best_iou = run, iou
        if best is None:
            open_runs.append([r])
        else:
            best.append(r)
    runs += open_runs
    tracks = []
    for rows in sorted(runs, key=lambda rr: times[rr[0]]):
        t = times[rows]
        if t[-1] - t[0] + step < min_seconds:
            continue
        p = int(pid[rows[0]])
        named = [x for x in labels[rows] if x] if faces.person is not None else []
        label = max(set(named), key=named.count) if named else (f"person_{p}" if p >= 0 else f"face_{len(tracks)}")
        tracks.append(Track(len(tracks), p, label, t, boxes[rows], pad=step / 2, source_id=int(src[rows[0]])))
    return tracks


def frame_ranges(tracks: list[Track], join: float = 1.0) -> list[tuple[float, float]]:
    """Time ranges holding at least one track (ranges closer than ``join`` seconds are joined)."""
    spans = sorted((tr.start, tr.end) for tr in tracks)
    out: list[list[float]] = []
    for a, b in spans:
        if out and a <= out[-1][1] + join:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([max(0.0, a), b])
    return [(a, b) for a, b in out]
