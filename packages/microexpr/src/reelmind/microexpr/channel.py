"""The micro-expression channel over one film: face tracks -> full-frame-rate aligned crops ->
MDMD spotting per window -> events with moving regions, an AU proxy and (with weights) a class.

Frames are decoded only inside the tracks' time ranges and dropped once aligned; each track keeps
at most one window of canonical crops (``window_seconds``, overlapping by enough frames that an
event on a window boundary is seen whole by one window), so memory does not grow with film length.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reelmind.core.records import FaceTable, MicroEventTable

from . import recognise
from .align import Aligner, TrackAligner, eye_mask, face_mask
from .au import AU_ORDER, au_proxy, block_regions, moving_regions, proxy_of
from .decode import DecodeInfo, frames_in
from .features import features
from .flow import make, magnitude
from .options import MicroOptions
from .spot import FlowCache, SpotSettings, k_frames, spot
from .tracks import Track, build_tracks, frame_ranges

log = logging.getLogger("reelmind.microexpr.channel")
Progress = Callable[[float, str], None]
MIN_FACE = 32  # px: smaller faces are not aligned (landmarks unreliable)


@dataclass
class Window:
    """One track's buffer of aligned frames (at most one spotting window)."""

    track: Track
    times: list[float] = field(default_factory=list)
    crops: list[np.ndarray] = field(default_factory=list)
    landmarks: list[np.ndarray] = field(default_factory=list)
    owned_from: int = 0  # apexes before this buffer position belong to the previous window
    follow: TrackAligner | None = None  # the track's aligner (options.follow)
    anchor: int = 0  # the alignment segment of the buffered frames (the follower's anchor number)

    def keep_tail(self, n: int) -> None:
        self.times, self.crops, self.landmarks = self.times[-n:], self.crops[-n:], self.landmarks[-n:]

    def restart(self, anchor: int) -> None:
        """An empty buffer for a new alignment segment of the same track."""
        self.times, self.crops, self.landmarks, self.owned_from, self.anchor = [], [], [], 0, anchor


def residual_field(cells: np.ndarray, crop: int) -> np.ndarray:
    """A (G, G, 2) cell displacement as a dense (crop, crop, 2) field (cell centres interpolated)."""
    import cv2

    side = crop // cells.shape[0] * cells.shape[0]
    field = np.zeros((crop, crop, 2), np.float32)
    field[:side, :side] = cv2.resize(cells.astype(np.float32), (side, side), interpolation=cv2.INTER_LINEAR)
    return field


def png(image: np.ndarray) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".png", image)
    return buf.tobytes() if ok else b""


def flow_png(flow: np.ndarray, crop: int) -> bytes:
    """Flow magnitude as a colour map (full scale = 0.1 inter-ocular distance)."""
    import cv2

    from .align import CROP_SPAN

    mag = magnitude(flow) / (0.1 * crop / CROP_SPAN)
    return png(cv2.applyColorMap(np.clip(mag * 255, 0, 255).astype(np.uint8), cv2.COLORMAP_INFERNO))


class MicroChannel:
    """Models and settings loaded once (the stage's runner holds one)."""

    def __init__(self, options: MicroOptions, profile=None) -> None:
        if options.threads:
            import cv2

            cv2.setNumThreads(int(options.threads))
        self.options = options
        self.aligner = Aligner(options.crop)
        self.flow = make(options.flow)
        self.settings = SpotSettings.of(options)
        self.mask = face_mask(options.crop)
        self.eye_mask = eye_mask(options.crop)
        self.regions = block_regions(options.crop, options.grid)
        self.recogniser, self.why_unclassified = recognise.load(options.recogniser, profile)
        self.rflow = self.flow
        if self.recogniser is not None and self.recogniser.flow != options.flow:
            self.rflow = make(self.recogniser.flow)  # features as the recogniser was trained on

    # ------------------------------------------------------------------ film
    def analyse(self, video: str | Path, faces: FaceTable, progress: Progress | None = None) -> MicroEventTable:
        o = self.options
        progress = progress or (lambda f, m: None)
        t_start = time.perf_counter()
        tracks = build_tracks(faces, o.track_gap, o.min_track_seconds)
        small = [tr for tr in tracks if np.median(tr.boxes[:, 3] - tr.boxes[:, 1]) < MIN_FACE]
        tracks = [tr for tr in tracks if tr not in small]
        ranges = frame_ranges(tracks)
        dinfo = DecodeInfo()
        rows: list[dict] = []
        feats: list[np.ndarray] = []
        active: dict[int, Window] = {}
        pending = sorted(tracks, key=lambda tr: tr.start)
        fps = k = win = overlap = 0
        windows = reanchors = 0
        total = sum(b - a for a, b in ranges) or 1.0
        done, last_report = 0.0, 0.0
        for frame in frames_in(video, ranges, dinfo):
            if not fps:
                fps = dinfo.fps
                k = k_frames(fps, o.k_seconds if o.method == "mdmd" else o.baseline_seconds)
                reach = k_frames(fps, o.max_duration)
                overlap = 2 * k + 2 * reach + 2 + k_frames(fps, o.segment_seconds)
                win = max(int(o.window_seconds * fps), 3 * overlap)
            t = frame.time
            for tid, w in list(active.items()):
                if t > w.track.end + 0.5 / fps:
                    windows += self._finish(w, fps, win, overlap, rows, feats)
                    reanchors += w.follow.anchors - 1 if w.follow is not None else 0
                    del active[tid]
            while pending and pending[0].start <= t + 0.5 / fps:
                tr = pending.pop(0)
                active[tr.id] = Window(tr, follow=TrackAligner(
                    self.aligner, k_frames(fps, o.align_smooth) if o.align_smooth > 0 else 0,
                    min_ecc=o.min_ecc) if o.follow else None, anchor=1 if o.follow else 0)
            for tid, w in active.items():
                box = w.track.box_at(t)
                if box is None:
                    continue
                ready = w.follow.push(t, frame.gray, box) if w.follow else [(t, self.aligner.align(frame.gray, box), 0)]
                windows += self._take(w, ready, fps, win, overlap, rows, feats)
            done = sum(min(t, b) - a for a, b in ranges if a <= t)
            if done - last_report >= 2.0:
                last_report = done
                progress(min(0.95, done / total), f"{t:.1f} s, {len(rows)} events")
        for w in active.values():
            windows += self._finish(w, fps or 25.0, win, overlap, rows, feats)
            reanchors += w.follow.anchors - 1 if w.follow is not None else 0
        emotions, confs = self._classify(feats, rows)
        table = self._table(rows, emotions, confs)
        meta = {
            "tracks": len(tracks), "tracks_too_small": len(small), "ranges_s": round(sum(b - a for a, b in ranges), 3),
            "fps": fps, "method": o.method, "flow": o.flow,
            "reference_frames": k,  # median: baseline half-width; mdmd: head/tail distance
            "windows": windows,
            "reanchors": reanchors,  # follow: times a track's alignment was anchored again (a new segment each)
            "decode": {"decoded": dinfo.decoded, "analysed": dinfo.kept, "seeks": dinfo.seeks,
                       "corrupt_packets": dinfo.corrupt_packets, "errors": dinfo.errors[:5]},
            "recogniser": ({"loaded": True, "path": self.recogniser.path, "sha256": self.recogniser.sha256,
                            "classes": self.recogniser.classes, "flow": self.recogniser.flow,
                            "synthetic": bool(self.recogniser.meta.get("synthetic", False))}
                           if self.recogniser is not None else {"loaded": False, "why": self.why_unclassified}),
            "seconds": round(time.perf_counter() - t_start, 3),
        }
        if small:
            meta["note"] = f"{len(small)} track(s) with faces under {MIN_FACE} px were not analysed"
        degraded = []
        if dinfo.corrupt_packets:
            degraded.append(f"{dinfo.corrupt_packets} corrupt video packet(s) skipped inside face tracks")
        if degraded:
            meta["degraded"] = degraded
        progress(1.0, f"{len(table)} micro events on {len(tracks)} tracks")
        return table.with_columns(meta=meta)

    # ------------------------------------------------------------------ one window
    def _take(self, w: Window, ready: list, fps: float, win: int, overlap: int, rows: list, feats: list) -> int:
        """Buffer aligned frames (time, aligned, anchor) of a track, spotting each full window, and
        the buffer as a finished segment where the alignment was anchored again (the crop jumped
        there: no event is read across it); appends to ``rows``, returns the windows spotted."""
        windows = 0
        for tt, aligned, anchor in ready:
            if anchor != w.anchor:
                if w.crops:
                    rows += self._process(w, fps, final=True, feats=feats)
                    windows += 1
                w.restart(anchor)
            w.times.append(tt)
            w.crops.append(aligned.crop)
            w.landmarks.append(aligned.landmarks)
            if len(w.crops) >= win:
                rows += self._process(w, fps, final=False, feats=feats, overlap=overlap)
                windows += 1
                w.keep_tail(overlap)
                w.owned_from = overlap - overlap // 2
        return windows

    def _finish(self, w: Window, fps: float, win: int, overlap: int, rows: list, feats: list) -> int:
        """The track ended: its frames still waiting for their smoothed alignment, then its last window."""
        windows = self._take(w, w.follow.flush(), fps, win, overlap, rows, feats) if w.follow is not None else 0
        rows += self._process(w, fps, final=True, feats=feats)
        return windows + 1

    def _process(self, w: Window, fps: float, final: bool, feats: list, overlap: int = 0) -> list[dict]:
        end = len(w.crops) if final else len(w.crops) - overlap // 2
        return self.events(w.track, w.times, w.crops, w.landmarks, fps, w.owned_from, end, feats)

    def events(self, track: Track, times: list[float], crops: list[np.ndarray], landmarks: list[np.ndarray],
               fps: float, first: int = 0, end: int | None = None, feats: list | None = None) -> list[dict]:
        """Event rows of one window of a track's aligned frames (apexes in ``[first, end)`` only);
        appends the recogniser's features of every row to ``feats`` when a recogniser is loaded."""
        o = self.options
        n = len(crops)
        if n < 3:
            return []
        end = n if end is None else end
        flows = FlowCache(crops, self.flow)
        intervals, sig, _ = spot(crops, fps, self.flow, self.settings, mask=self.mask, eye_mask=self.eye_mask, flows=flows,
                                 landmarks=np.stack(landmarks))
        out = []
        for iv in intervals:
            if not (first <= iv.apex < end):
                continue
            on_ref, off_ref = max(0, iv.onset - 1), min(n - 1, iv.offset + 1)
            f_oa = flows(on_ref, iv.apex)
            # the AU proxy reads the movement against the baseline (background motion removed) when there is one
            moved = f_oa if sig.residual is None else residual_field(sig.residual[iv.apex] - sig.residual[on_ref], o.crop)
            if iv.au:  # the AU whose residual evidence spotted it (its value at the apex)
                au = proxy_of({a: float(v) for a, v in zip(AU_ORDER, sig.au.residual[iv.apex])}, best=iv.au,
                              lips=o.lip_reference)
            else:
                au = au_proxy(landmarks[on_ref], moved, o.crop, lips=o.lip_reference)
            row = {
                "person_id": track.person_id, "person": track.person, "track": track.source_id,
                "box": track.box_at(times[iv.apex]),
                "onset": times[iv.onset], "apex": times[iv.apex], "offset": times[iv.offset],
                "score": iv.score, "regions": tuple(moving_regions(iv.blocks, self.regions)),
                "au": au.au, "au_rule": au.rule, "au_polarity": au.polarity,
                "blocks": tuple(float(x) for x in iv.blocks.ravel()),
                "apex_png": png(crops[iv.apex]) if o.visualise else b"",
                "flow_png": flow_png(f_oa, o.crop) if o.visualise else b"",
            }
            if self.recogniser is not None and feats is not None:
                feats.append(features(crops[on_ref], crops[iv.apex], crops[off_ref], self.rflow))
            out.append(row)
        return out

    def _classify(self, feats: list, rows: list[dict]) -> tuple[list[str], np.ndarray]:
        if self.recogniser is None or not rows:
            return [""] * len(rows), np.full(len(rows), np.nan, np.float32)
        return self.recogniser.predict(np.stack(feats))

    def _table(self, rows: list[dict], emotions: list[str], confs: np.ndarray) -> MicroEventTable:
        from reelmind.core.emotion import polarity

        if not rows:
            return MicroEventTable()
        col = lambda k: [r[k] for r in rows]  # noqa: E731
        pol = [polarity(e) if e else r["au_polarity"] for e, r in zip(emotions, rows)]
        return MicroEventTable(
            person_id=col("person_id"), onset=col("onset"), apex=col("apex"), offset=col("offset"), person=col("person"),
            track=col("track"), box=np.array(col("box"), np.float32).reshape(-1, 4), score=col("score"), regions=col("regions"), au=col("au"), au_rule=col("au_rule"),
            emotion=emotions, confidence=confs, polarity=pol, blocks=col("blocks"), apex_png=col("apex_png"),
            flow_png=col("flow_png"))
