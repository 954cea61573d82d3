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
        """Append one face (emotion and embedding filled in later); returns its row."""
        self.time.append(frame.time)
        self.frame.append(frame.index)
        self.box.append(box)
        self.conf.append(conf)
        self.lm.append(landmarks)
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
        """Faces in full-resolution RGB frames (large frames downscaled for detection)."""
        small, factors = [], []
        for im in images:
            s, f = downscale_for_detection(im, self.options.detect_max_side)
            small.append(s)
            factors.append(f)
        dets = self.detector.detect(small)
        return [d.scaled(f) if f != 1.0 else d for d, f in zip(dets, factors)]

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
        table = seg.finish({"segment": 0, "final": True, "cuts": seg.cuts})
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
        frames = sample_frames(path, self.options.interval, start=start, anchor=anchor, stats=stats, threads=threads)
        seg = _Segment(self, info, crops_dir)
        corrupt0, kept0 = stats.corrupt_packets, 0

        def close(next_anchor: Anchor | None, final: bool) -> None:
            nonlocal seg, corrupt0, kept0
            meta = {"segment": k + len(out), "next_anchor": asdict(next_anchor) if next_anchor else None, "final": final,
                    "kept": seg.kept, "corrupt_packets": stats.corrupt_packets - corrupt0, "cuts": seg.cuts}
            if final:
                meta["decode"] = {**asdict(stats), "errors": stats.errors[:10]}
            table = seg.finish(meta)
            if checkpoint is not None:
                checkpoint.put(segment_name(k + len(out)), table)
            out.append(table)
            corrupt0 = stats.corrupt_packets
            seg = _Segment(self, info, crops_dir)

        t_dec = _time.perf_counter()
        for frame in frames:
            info.seconds["decode"] += _time.perf_counter() - t_dec
            while math.floor(frame.time / length + 1e-9) > k + len(out):
                close(Anchor(frame.pts, frame.index, stats.offset) if frame.pts is not None else None, False)
            seg.add(frame)
            if progress is not None and stats.duration and stats.kept % 16 == 0:
                progress(min(frame.time / stats.duration, 0.999), f"faces up to {frame.time:.1f} s")
            t_dec = _time.perf_counter()
        close(None, True)
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
        info.segments = len(segments)
        table = FaceTable.concat(parts, meta={})
        if not len(table) and self.dim:
            table = table.with_columns(embedding=np.zeros((0, self.dim), np.float32), track=np.zeros(0, np.int64))
        return table


class _Segment:
    """One segment's analysis: its own tracker, shot-cut signature and embedding schedule."""

    def __init__(self, pipe: FacePipeline, info: RunInfo, crops_dir: Path | None) -> None:
        from .track import IouTracker

        self.pipe, self.info, self.crops_dir = pipe, info, crops_dir
        o = pipe.options
        self.tracker = IouTracker(max_gap=max(0.6, 2.5 * o.interval))
        self.last_sig = None
        self.last_embed: dict[int, float] = {}
        self.rows = _Rows()
        self.pending: list[SampledFrame] = []
        self.kept = 0
        self.cuts = 0

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
        return self.rows.table(self.pipe.dim, {**meta, "decisions": asdict(decisions)})

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
            t = _time.perf_counter()
            dets = self.pipe.detect(images)
            info.seconds["detect"] += _time.perf_counter() - t
            self._process(chunk, images, dets)

    def _process(self, chunk: list[SampledFrame], images: list[np.ndarray], dets: list[Detections]) -> None:
        """Per face: patch (SR/restored when asked), emotion input, quality crop, embedding job; then
        the chunk's emotions in one batch and its embeddings."""
        import cv2

        from .emotion import gray_crops

        pipe, o, info, rows = self.pipe, self.pipe.options, self.info, self.rows
        superres = info.decisions.superres
        enhance_all = superres or pipe.restorer is not None
        emo_inputs, emb_jobs, qual_crops = [], [], []
        for frame, image, det in zip(chunk, images, dets):
            sig = frame_signature(image)
            if is_shot_cut(self.last_sig, sig):
                self.tracker.reset()
                self.cuts += 1
            self.last_sig = sig
            if not len(det):
                continue
            tracks = self.tracker.update(frame.time, det.boxes)
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
                qual_crops.append((gray_crops(gray, local[None], 64)[0], side, float(det.scores[k])))
                if pipe.embedder is not None and (o.reembed_interval <= 0 or
                                                  frame.time - self.last_embed.get(tid, -1e9) >= o.reembed_interval - 1e-6):
                    self.last_embed[tid] = frame.time
                    x0, y0 = box[0] - local[0] / scale, box[1] - local[1] / scale  # patch origin in the frame
                    lm = (det.landmarks[k:k + 1] - np.array([x0, y0], np.float32)) * scale
                    emb_jobs.append((row, patch, local[None], lm))
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
            for row, patch, local, lm in emb_jobs:
                rows.emb[row] = pipe.embedder.embed(patch, local, lm)[0]
            info.seconds["embed"] += _time.perf_counter() - t
