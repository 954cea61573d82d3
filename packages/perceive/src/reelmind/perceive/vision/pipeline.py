"""The faces pipeline: sampled frames -> detect (batched) -> track -> embed -> emotion -> quality.

A film is analysed in independent *segments* of ``segment_seconds`` of film: tracking, shot-cut
and embedding state start afresh in each, so a segment's faces depend only on its own frames
and on the film-level old-film decision (made once from the first sampled frames). Each finished
segment is a checkpoint (``ctx.checkpoint.put("segment-00003", table)``): a killed run resumes
at the first missing segment, seeking there with the frame index and time offset recorded by
the previous segment, and produces the same table as an uninterrupted run. Frames stream
through in chunks (``chunk_frames``); only per-face results are kept.
"""

from __future__ import annotations

import logging
import math
import time as _time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reelmind.core.records import FACE_EMOTIONS, FaceTable

from .decode import Anchor, DecodeStats, SampledFrame, sample_frames
from .detection import Detections, downscale_for_detection
from .options import FacesOptions
from .quality import clahe, face_quality, frame_signature, is_black_and_white, is_low_quality, is_shot_cut

log = logging.getLogger("reelmind.perceive.vision.pipeline")
Progress = Callable[[float, str], None]
PATCH_MARGIN = 0.5  # face patch = box widened by this fraction of its side on each side
DECIDE_FRAMES = 16  # the old-film decision looks at the film's first sampled frames
DECODE_AHEAD = 4  # sampled frames the decoder thread may hold ready (bounded memory)


def segment_name(k: int) -> str:
    return f"segment-{k:05d}"


@dataclass
class Decisions:
    """Film-level choices made once from the first sampled frames (kept across a resume)."""

    old_film: bool = False
    black_and_white: bool = False
    low_quality: bool = False
    superres: bool = False


@dataclass
class RunInfo:
    """What happened during a run (goes into the table's meta)."""

    decode: DecodeStats = field(default_factory=DecodeStats)
    decisions: Decisions | None = None
    seconds: dict = field(default_factory=lambda: {"decode": 0.0, "detect": 0.0, "embed": 0.0, "emotion": 0.0})
    enhanced: int = 0  # faces super-resolved / restored before embedding and emotion
    cuts: int = 0  # shot cuts seen (tracks never cross them)
    segments: int = 0
    resumed_segments: int = 0  # segments taken from checkpoints of a killed run
    samples: dict = field(default_factory=dict)  # samples detected / re-detected / followed, faces embedded

    @property
    def old_film(self) -> bool:
        return bool(self.decisions and self.decisions.old_film)

    @property
    def superres(self) -> bool:
        return bool(self.decisions and self.decisions.superres)


@dataclass
class _Rows:
    """Per-face columns of one segment."""

    time: list = field(default_factory=list)
    frame: list = field(default_factory=list)
    box: list = field(default_factory=list)
    conf: list = field(default_factory=list)
    lm: list = field(default_factory=list)
    track: list = field(default_factory=list)
    quality: list = field(default_factory=list)
    probs: list = field(default_factory=list)
    emb: list = field(default_factory=list)
    enhanced: list = field(default_factory=list)

    def add(self, frame: SampledFrame, box: np.ndarray, conf: float, landmarks: np.ndarray, track: int, enhanced: bool) -> int:
        """Append one face (emotion and embedding filled in later; box and landmarks in film pixels); returns its row."""
        self.time.append(frame.time)
        self.frame.append(frame.index)
        self.box.append(box * frame.scale if frame.scale != 1.0 else box)
        self.conf.append(conf)
        self.lm.append(landmarks * frame.scale if frame.scale != 1.0 else landmarks)
        self.track.append(track)
        self.enhanced.append(bool(enhanced))
        self.emb.append(None)
        self.probs.append(None)
        return len(self.time) - 1

    def table(self, dim: int, meta: dict) -> FaceTable:
        n = len(self.time)
        probs = np.full((n, 7), np.nan, np.float32)
        for i, p in enumerate(self.probs):
            if p is not None:
                probs[i] = p
        emb = None
        if dim:
            emb = np.full((n, dim), np.nan, np.float32)
            for i, e in enumerate(self.emb):
                if e is not None:
                    emb[i] = e
        classified = np.all(np.isfinite(probs), axis=1)
        arg = np.where(classified, np.nan_to_num(probs).argmax(1), 0)
        emotion = np.array([FACE_EMOTIONS[k] if c else "" for k, c in zip(arg, classified)], object)
        conf = np.where(classified, np.nan_to_num(probs).max(1), np.nan).astype(np.float32)
        return FaceTable(time=np.asarray(self.time, np.float64), frame=np.asarray(self.frame, np.int64),
                         box=np.asarray(self.box, np.float32).reshape(n, 4), det_conf=np.asarray(self.conf, np.float32),
                         landmarks=np.asarray(self.lm, np.float32).reshape(n, 5, 2), emotion_probs=probs, emotion=emotion,
                         emotion_conf=conf, quality=np.asarray(self.quality, np.float32), embedding=emb,
                         track=np.asarray(self.track, np.int64), meta={**meta, "enhanced": int(sum(self.enhanced))})


def prefetch(items: Iterable[Any], depth: int) -> Iterable[Any]:
    """``items`` produced by a background thread, at most ``depth`` ahead (PyAV decodes with the
    GIL released, so decoding overlaps the models). Order is kept; the producer's exceptions are
    raised here; stopping early stops the producer."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                q.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            put(("error", exc))

    thread = threading.Thread(target=work, name="reelmind-decode", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = q.get()
            if kind == "item":
                yield item
            elif kind == "end":
                return
            else:
                raise item
    finally:
        stop.set()
        thread.join(timeout=5)


def _save_crop(path: Path, rgb: np.ndarray) -> None:
    import cv2

    from reelmind.core.atomic import write_bytes

    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if ok:
        write_bytes(path, buf.tobytes())


class FacePipeline:
    """Holds the models (created once per process) and runs them over frames or a video."""

    def __init__(self, options: FacesOptions | None = None, profile: Any = None) -> None:
        from .backends import DETECTORS, EMBEDDERS, EMOTIONS, RESTORERS

        self.options = o = options or FacesOptions()
        self.profile = profile
        self.detector = DETECTORS.create(o.detector, o, profile)
        self.embedder = EMBEDDERS.create(o.embed, o, profile) if o.embed != "none" else None
        self.emotion = EMOTIONS.create(o.emotion, o, profile) if o.emotion != "none" else None
        self.restorer = RESTORERS.create("onnx", o, profile) if o.restore_model is not None else None
        self._sr = None

    @property
    def dim(self) -> int:
        return int(getattr(self.embedder, "dim", 0))

    def embedder_info(self) -> dict:
        """Name, dimension, metric and same-person threshold of the embedder (the persons stage reads it)."""
        e = self.embedder
        return {"name": getattr(e, "name", "none"), "dim": self.dim, "metric": getattr(e, "metric", "euclidean"),
                "threshold": float(getattr(e, "threshold", 0.5))}

    def superres_model(self):
        if self._sr is None:
            from .backends import RESTORERS

            self._sr = RESTORERS.create("realesrgan", self.options, self.profile)
        return self._sr

    # ------------------------------------------------------------------ pieces
    def detect(self, images: list[np.ndarray]) -> list[Detections]:
        """Faces in full-resolution RGB frames (large frames downscaled for detection, boxes mapped back)."""
        if not images:
            return []
        small, factors = [], []
        for im in images:
            s, f = downscale_for_detection(im, self.options.detect_max_side, self.options.detect_short_side)
            small.append(s)
            factors.append(f)
        dets = self.detector.detect(small)
        return [d.scaled(f) if f != 1.0 else d for d, f in zip(dets, factors)]

    def refine(self, image: np.ndarray, boxes: np.ndarray) -> Detections:
        """The faces followed from the previous sample, re-found near ``boxes`` (full resolution)."""
        if hasattr(self.detector, "refine"):
            return self.detector.refine(image, boxes, passes=max(1, int(self.options.follow_passes)))
        from .track import window_refine

        return window_refine(self.detector, image, boxes)

    def decide(self, frames: list[SampledFrame]) -> Decisions:
        """Old-film mode from the first frames: CLAHE when black-and-white (``old_film=auto``);
        super-resolution of small faces (``superres=auto``) for old or low-quality footage (shorter side
        < 360 px, or soft: median frame sharpness < 0.25)."""
        o = self.options
        images = [f.image for f in frames[:DECIDE_FRAMES]]
        d = Decisions(black_and_white=is_black_and_white(images, o.bw_threshold), low_quality=is_low_quality(images))
        d.old_film = o.old_film == "on" or (o.old_film == "auto" and d.black_and_white)
        d.superres = o.superres == "on" or (o.superres == "auto" and (d.old_film or d.low_quality))
        if d.old_film:
            log.info("old-film mode on (black-and-white: %s): CLAHE before detection", d.black_and_white)
        if d.superres:
            log.info("super-resolution of faces under %d px on (%s)", o.superres_below, o.superres_model)
        return d

    def _patch(self, image: np.ndarray, box: np.ndarray, enhance: bool, superres: bool) -> tuple[np.ndarray, np.ndarray, float]:
        """Face patch around ``box``, the box in patch coordinates and the patch scale (SR/restore applied)."""
        h, w = image.shape[:2]
        side = max(box[2] - box[0], box[3] - box[1], 1.0)
        m = PATCH_MARGIN * side + 10
        x0, y0 = int(max(0, np.floor(box[0] - m))), int(max(0, np.floor(box[1] - m)))
        x1, y1 = int(min(w, np.ceil(box[2] + m))), int(min(h, np.ceil(box[3] + m)))
        patch = image[y0:y1, x0:x1]
        local = np.array([box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0], np.float32)
        scale = 1.0
        if enhance and side < self.options.superres_below and superres:
            sr = self.superres_model()
            patch, scale = sr.upscale(np.ascontiguousarray(patch)), float(sr.scale)
            local = local * scale
        if enhance and self.restorer is not None:
            patch = self.restorer.restore(np.ascontiguousarray(patch))
        return np.ascontiguousarray(patch), local, scale

    # ------------------------------------------------------------------ run
    def analyse(self, frames: Iterable[SampledFrame], info: RunInfo | None = None, progress: Progress | None = None,
                crops_dir: Path | None = None) -> tuple[FaceTable, RunInfo]:
        """Faces of a stream of sampled frames as one segment (stills, tests, library use)."""
        info = info or RunInfo()
        seg = _Segment(self, info, crops_dir)
        for frame in frames:
            seg.add(frame)
        table = seg.finish({"segment": 0, "final": True})
        return self._combine([table], info), info

    def run_images(self, images: list[np.ndarray], times: list[float] | None = None) -> tuple[FaceTable, RunInfo]:
        """Faces of still images (each its own 'frame'; tracking then links nothing across them)."""
        times = times if times is not None else [float(i) * 10.0 for i in range(len(images))]
        return self.analyse(SampledFrame(time=t, index=i, image=im) for i, (t, im) in enumerate(zip(times, images)))

    def run_video(self, path: str | Path, progress: Progress | None = None, checkpoint: Any = None,
                  crops_dir: Path | None = None) -> tuple[FaceTable, RunInfo]:
        """Faces of a video file, segment by segment; with ``checkpoint`` (``get``/``put`` of
        tables by chunk name) finished segments are saved and a killed run resumes after them."""
        o = self.options
        length = o.segment_seconds if o.segment_seconds > 0 else math.inf
        info = RunInfo()
        done: list[FaceTable] = []
        last: dict | None = None
        while checkpoint is not None and (last is None or not last.get("final")):
            seg = checkpoint.get(segment_name(len(done)), FaceTable)
            if seg is None:
                break
            done.append(seg)
            last = seg.meta
        info.resumed_segments = len(done)
        if last is not None:
            info.decisions = Decisions(**last["decisions"])
            log.info("%s: resuming after %d finished segment(s)", path, len(done))
        if last is None or not last.get("final"):
            start, anchor = 0.0, None
            if last is not None:
                start = len(done) * length
                nxt = last.get("next_anchor")
                anchor = Anchor(**nxt) if nxt and nxt.get("pts") is not None else None
                info.decode.offset = float((nxt or {}).get("offset", 0.0))
            done += self._segments(path, info, start, anchor, len(done), length, progress, checkpoint, crops_dir)
        return self._combine(done, info), info

    def _segments(self, path, info: RunInfo, start: float, anchor: Anchor | None, k: int, length: float,
                  progress, checkpoint, crops_dir) -> list[FaceTable]:
        out: list[FaceTable] = []
        stats = info.decode
        threads = int(getattr(self.profile, "threads", 0) or 0)
        frames = prefetch(sample_frames(path, self.options.interval, start=start, anchor=anchor, stats=stats,
                                        threads=threads, max_side=self.options.max_frame_side,
                                        skip_unsampled=self.options.skip_unsampled), DECODE_AHEAD)
        seg = _Segment(self, info, crops_dir)
        corrupt0 = 0  # the decoder runs ahead in its own thread: count corrupt packets by the frames' snapshots

        def close(next_anchor: Anchor | None, final: bool, corrupt: int) -> None:
            nonlocal seg, corrupt0
            meta = {"segment": k + len(out), "next_anchor": asdict(next_anchor) if next_anchor else None, "final": final,
                    "corrupt_packets": corrupt - corrupt0}
            if final:
                meta["decode"] = {**asdict(stats), "errors": stats.errors[:10]}
            table = seg.finish(meta)
            if checkpoint is not None:
                checkpoint.put(segment_name(k + len(out)), table)
            out.append(table)
            corrupt0 = corrupt
            seg = _Segment(self, info, crops_dir)

        t_dec = _time.perf_counter()
        for frame in frames:
            info.seconds["decode"] += _time.perf_counter() - t_dec
            while math.floor(frame.time / length + 1e-9) > k + len(out):
                close(Anchor(frame.pts, frame.index, stats.offset) if frame.pts is not None else None, False, frame.corrupt)
            seg.add(frame)
            if progress is not None and stats.duration and stats.kept % 16 == 0:
                progress(min(frame.time / stats.duration, 0.999), f"faces up to {frame.time:.1f} s")
            t_dec = _time.perf_counter()
        close(None, True, stats.corrupt_packets)
        return out

    def _combine(self, segments: list[FaceTable], info: RunInfo) -> FaceTable:
        """The film's table: segments concatenated, track ids made unique across segments."""
        offset, parts = 0, []
        for seg in segments:
            if len(seg):
                parts.append(seg.with_columns(track=seg.track + offset))
                offset += int(seg.track.max()) + 1
        final = segments[-1].meta if segments else {}
        if "decode" in final:
            info.decode = DecodeStats(**{**final["decode"], "kept": sum(int(s.meta.get("kept", 0)) for s in segments),
                                         "corrupt_packets": sum(int(s.meta.get("corrupt_packets", 0)) for s in segments)})
        info.cuts = sum(int(s.meta.get("cuts", 0)) for s in segments)
        info.enhanced = sum(int(s.meta.get("enhanced", 0)) for s in segments)
        info.samples = {}
        for s in segments:
            for key, n in (s.meta.get("samples") or {}).items():
                info.samples[key] = info.samples.get(key, 0) + int(n)
        info.segments = len(segments)
        table = FaceTable.concat(parts, meta={})
        if not len(table) and self.dim:
            table = table.with_columns(embedding=np.zeros((0, self.dim), np.float32), track=np.zeros(0, np.int64))
        return table


class _Segment:
    """One segment's analysis: its own tracker, shot-cut signature, detection plan and embedding
    schedule.

    Full detection runs on planned samples: the segment's first, every shot cut, and every
    ``detect_every``-th sample after the last planned one (a plan made from the frames alone, so
    it does not depend on the chunk size). In between, each followed face is re-found near its
    previous box (``detector.refine``); when one is lost (the refined face is no longer a face,
    or two followed faces merge) that sample gets a full detection too. Embeddings are made when
    a track starts, then again after ``reembed_interval`` seconds or when the face's appearance
    changes (``reembed_on_change``).
    """

    def __init__(self, pipe: FacePipeline, info: RunInfo, crops_dir: Path | None) -> None:
        from .track import IouTracker

        self.pipe, self.info, self.crops_dir = pipe, info, crops_dir
        o = pipe.options
        self.tracker = IouTracker(max_gap=max(0.6, 2.5 * o.interval))
        self.last_sig = None
        self.since_plan: int | None = None  # samples since the last planned full detection
        self.embedded: dict[int, float] = {}  # track -> time of its last embedding
        self.thumbs: dict[int, np.ndarray] = {}  # track -> appearance thumbnail at its last embedding
        self.rows = _Rows()
        self.pending: list[SampledFrame] = []
        self.kept = 0
        self.cuts = 0
        self.counts = {"detected": 0, "redetected": 0, "followed": 0, "embedded": 0}

    def add(self, frame: SampledFrame) -> None:
        self.pending.append(frame)
        self.kept += 1
        if self.info.decisions is None and len(self.pending) < DECIDE_FRAMES:
            return  # the film-level decision waits for its frames, whatever the chunk size
        if len(self.pending) >= self.pipe.options.chunk_frames:
            self._flush()

    def finish(self, meta: dict) -> FaceTable:
        self._flush()
        decisions = self.info.decisions or Decisions()
        return self.rows.table(self.pipe.dim, {**meta, "decisions": asdict(decisions), "kept": self.kept, "cuts": self.cuts,
                                               "samples": dict(self.counts)})

    def _flush(self) -> None:
        if not self.pending:
            return
        info = self.info
        if info.decisions is None:
            info.decisions = self.pipe.decide(self.pending)
        size = self.pipe.options.chunk_frames
        while self.pending:
            chunk, self.pending = self.pending[:size], self.pending[size:]
            images = [clahe(f.image) if info.decisions.old_film else f.image for f in chunk]
            cuts, planned = self._plan(images)
            t = _time.perf_counter()
            found = self.pipe.detect([images[i] for i in planned])
            info.seconds["detect"] += _time.perf_counter() - t
            self._process(chunk, images, cuts, dict(zip(planned, found)))

    def _plan(self, images: list[np.ndarray]) -> tuple[list[bool], list[int]]:
        """Shot cuts, and the samples of the chunk that get a planned full detection."""
        every = max(1, int(self.pipe.options.detect_every))
        cuts, planned = [], []
        for i, image in enumerate(images):
            sig = frame_signature(image)
            cuts.append(is_shot_cut(self.last_sig, sig))
            self.last_sig = sig
            if self.since_plan is None or cuts[-1] or self.since_plan + 1 >= every:
                planned.append(i)
                self.since_plan = 0
            else:
                self.since_plan += 1
        return cuts, planned

    def _faces(self, frame: SampledFrame, image: np.ndarray, cut: bool, full: Detections | None) -> tuple[Detections, np.ndarray]:
        """The faces of one sample and their track ids (planned detection, or followed faces)."""
        pipe, tracker = self.pipe, self.tracker
        if cut:
            tracker.reset()
            self.cuts += 1
        if full is None:
            boxes, ids = tracker.active(frame.time)
            if not len(boxes):
                return Detections(), np.zeros(0, np.int64)
            t = _time.perf_counter()
            det = pipe.refine(image, boxes)
            self.info.seconds["detect"] += _time.perf_counter() - t
            if _kept_all(det, pipe.options.conf_threshold):
                tracker.follow(frame.time, det.boxes, ids)
                self.counts["followed"] += 1
                return det, ids
            t = _time.perf_counter()
            full = pipe.detect([image])[0]  # a followed face was lost: look again at the whole frame
            self.info.seconds["detect"] += _time.perf_counter() - t
            self.counts["redetected"] += 1
        else:
            self.counts["detected"] += 1
        ids = tracker.update(frame.time, full.boxes) if len(full) else np.zeros(0, np.int64)
        return full, ids

    def _wants_embedding(self, tid: int, time: float, crop: np.ndarray) -> bool:
        """A track's first face, then after ``reembed_interval`` s, or sooner when the face no longer
        looks like it did at the track's last embedding (pose, light, or another person in its place),
        so consecutive embeddings of a track stay comparable."""
        o = self.pipe.options
        last = self.embedded.get(tid)
        thumb = appearance(crop) if o.reembed_on_change > 0 else None
        if last is None or o.reembed_interval <= 0 or time - last >= o.reembed_interval - 1e-6 or (
                thumb is not None and _correlation(thumb, self.thumbs[tid]) < o.reembed_on_change):
            if thumb is not None:
                self.thumbs[tid] = thumb
            return True
        return False

    def _process(self, chunk: list[SampledFrame], images: list[np.ndarray], cuts: list[bool],
                 full: dict[int, Detections]) -> None:
        """Per face: patch (SR/restored when asked), emotion input, quality crop, embedding job; then
        the chunk's emotions in one batch and its embeddings in one batch."""
        import cv2

        from .emotion import gray_crops

        pipe, o, info, rows = self.pipe, self.pipe.options, self.info, self.rows
        superres = info.decisions.superres
        enhance_all = superres or pipe.restorer is not None
        emo_inputs, emb_jobs, qual_crops = [], [], []
        for i, (frame, image) in enumerate(zip(chunk, images)):
            det, tracks = self._faces(frame, image, cuts[i], full.get(i))
            for k in range(len(det)):
                box, tid = det.boxes[k], int(tracks[k])
                side = float(max(box[2] - box[0], box[3] - box[1]))
                enhance = enhance_all and (side < o.superres_below or pipe.restorer is not None)
                patch, local, scale = pipe._patch(image, box, enhance, superres)
                gray = cv2.cvtColor(patch, cv2.COLOR_RGB2GRAY)
                row = rows.add(frame, box, float(det.scores[k]), det.landmarks[k], tid,
                               enhanced=enhance and (scale != 1.0 or pipe.restorer is not None))
                if pipe.emotion is not None:
                    emo_inputs.append((row, pipe.emotion.prepare(gray, local[None])))
                crop = gray_crops(gray, local[None], 64)[0]
                qual_crops.append((crop, side, float(det.scores[k])))
                if pipe.embedder is not None:
                    if self._wants_embedding(tid, frame.time, crop):
                        self.embedded[tid] = frame.time
                        x0, y0 = box[0] - local[0] / scale, box[1] - local[1] / scale  # patch origin in the frame
                        lm = (det.landmarks[k:k + 1] - np.array([x0, y0], np.float32)) * scale
                        emb_jobs.append((row, patch, local, lm[0]))
                if self.crops_dir is not None:
                    _save_crop(self.crops_dir / f"{frame.time:.2f}_{k}.jpg", patch)
        if qual_crops:
            crops, sides, confs = zip(*qual_crops)
            rows.quality.extend(face_quality(np.stack(crops), np.asarray(sides), np.asarray(confs)).tolist())
        if emo_inputs:
            t = _time.perf_counter()
            probs = pipe.emotion.predict(np.concatenate([x for _, x in emo_inputs]))
            for (row, _), p in zip(emo_inputs, probs):
                rows.probs[row] = p
            info.seconds["emotion"] += _time.perf_counter() - t
        if emb_jobs:
            t = _time.perf_counter()
            vectors = pipe.embedder.embed_many([(patch, local, lm) for _, patch, local, lm in emb_jobs])
            for (row, *_), v in zip(emb_jobs, vectors):
                rows.emb[row] = v
            self.counts["embedded"] += len(emb_jobs)
            info.seconds["embed"] += _time.perf_counter() - t


def _kept_all(det: Detections, threshold: float) -> bool:
    """Every followed face is still a face, and no two of them have merged into one."""
    from .track import iou_matrix

    if not np.all(det.scores >= threshold):
        return False
    iou = iou_matrix(det.boxes, det.boxes)
    np.fill_diagonal(iou, 0.0)
    return not np.any(iou > 0.5)


def appearance(crop: np.ndarray) -> np.ndarray:
    """A face's appearance thumbnail: its 64 px gray crop blurred and shrunk to 16 x 16 (steady
    under expression and small motion, unlike another person's face)."""
    import cv2

    return cv2.resize(cv2.GaussianBlur(crop, (0, 0), 2), (16, 16), interpolation=cv2.INTER_AREA)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised correlation of two gray thumbnails (1 = same appearance)."""
    x = a.astype(np.float32).ravel() - a.mean()
    y = b.astype(np.float32).ravel() - b.mean()
    d = float(np.sqrt((x * x).sum() * (y * y).sum()))
    return float((x * y).sum() / d) if d > 0 else 1.0
