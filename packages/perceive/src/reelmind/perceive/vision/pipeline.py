"""The faces pipeline: sampled frames -> detect (batched) -> track -> embed -> emotion -> identity.

Frames stream through in chunks (``options.chunk_frames``); only per-face results are kept.
"""

from __future__ import annotations

import logging
import time as _time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reelmind.core.records import FACE_EMOTIONS, FaceTable

from .checkpoint import Checkpoint
from .decode import DecodeStats, SampledFrame, sample_frames
from .detection import Detections, downscale_for_detection, make_detector
from .options import FacesOptions
from .quality import clahe, face_quality, frame_signature, is_black_and_white, is_low_quality, is_shot_cut

log = logging.getLogger("reelmind.perceive.vision.pipeline")
Progress = Callable[[float, str], None]
PATCH_MARGIN = 0.5  # face patch = box widened by this fraction of its side on each side


@dataclass
class _Acc:
    """Per-face columns accumulated over chunks."""

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

    def arrays(self, dim: int) -> dict[str, np.ndarray]:
        """The accumulated columns as arrays (NaN for faces without embedding / emotion)."""
        n = len(self.time)
        emb = np.full((n, dim), np.nan, np.float32)
        probs = np.full((n, 7), np.nan, np.float32)
        for i in range(n):
            if self.emb[i] is not None and dim:
                emb[i] = self.emb[i]
            if self.probs[i] is not None:
                probs[i] = self.probs[i]
        return {"time": np.asarray(self.time, np.float64), "frame": np.asarray(self.frame, np.int64),
                "box": np.asarray(self.box, np.float32).reshape(n, 4), "conf": np.asarray(self.conf, np.float32),
                "lm": np.asarray(self.lm, np.float32).reshape(n, 5, 2), "track": np.asarray(self.track, np.int64),
                "quality": np.asarray(self.quality, np.float32), "probs": probs, "emb": emb,
                "enhanced": np.asarray(self.enhanced, bool)}

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> "_Acc":
        acc = cls()
        for key in ("time", "frame", "conf", "track", "quality", "enhanced"):
            setattr(acc, key, a[key].tolist())
        acc.box, acc.lm = list(a["box"]), list(a["lm"])
        acc.probs = [p if np.all(np.isfinite(p)) else None for p in a["probs"]]
        acc.emb = [e if e.size and np.all(np.isfinite(e)) else None for e in a["emb"]]
        return acc


@dataclass
class RunInfo:
    """What happened during a run (goes into the table's meta)."""

    decode: DecodeStats = field(default_factory=DecodeStats)
    old_film: bool = False
    black_and_white: bool = False
    low_quality: bool = False
    superres: bool = False
    median_quality: float = float("nan")
    seconds: dict = field(default_factory=lambda: {"decode": 0.0, "detect": 0.0, "embed": 0.0, "emotion": 0.0})
    persons: int = 0
    enhanced: int = 0  # faces super-resolved / restored before embedding and emotion
    cuts: int = 0  # shot cuts seen (tracks never cross them)
    reused: bool = False  # the analysis came from a finished checkpoint (names/DB/labels changed only)
    named: dict = field(default_factory=dict)


def _save_crop(path: Path, rgb: np.ndarray) -> None:
    import cv2

    from reelmind.core.atomic import write_bytes

    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if ok:
        write_bytes(path, buf.tobytes())


class FacePipeline:
    """Holds the models (created once) and runs them over frames or a video."""

    def __init__(self, options: FacesOptions | None = None) -> None:
        self.options = o = options or FacesOptions()
        self.detector = make_detector(o.detector, providers=o.providers, conf_threshold=o.conf_threshold,
                                      min_face_size=o.min_face_size, model_path=o.detector_model)
        self.embedder = None
        if o.embed != "none":
            from .embed import make_embedder

            self.embedder = make_embedder(o.embed, o.embed_model, providers=o.providers)
        self.emotion = None
        if o.emotion != "none":
            from .emotion import make_emotion

            self.emotion = make_emotion(o.emotion, o.emotion_model, providers=o.providers)
        self.restorer = None
        if o.restore_model is not None:
            from .superres import OnnxFaceRestorer

            self.restorer = OnnxFaceRestorer(o.restore_model, providers=o.providers)
        self._sr = None
        self._superres_on = False
        self._last_arrays: dict = {}
        self._last_sig = None

    # ------------------------------------------------------------------ pieces
    @property
    def identity_threshold(self) -> float:
        if self.options.identity_threshold is not None:
            return self.options.identity_threshold
        return getattr(self.embedder, "threshold", 0.5)

    def superres_model(self):
        if self._sr is None:
            from .superres import RealEsrganNcnn

            self._sr = RealEsrganNcnn(self.options.superres_model)
        return self._sr

    def detect(self, images: list[np.ndarray]) -> list[Detections]:
        """Faces in full-resolution RGB frames (large frames downscaled for detection)."""
        small, factors = [], []
        for im in images:
            s, f = downscale_for_detection(im, self.options.detect_max_side)
            small.append(s)
            factors.append(f)
        dets = self.detector.detect(small)
        return [d.scaled(f) if f != 1.0 else d for d, f in zip(dets, factors)]

    def _patch(self, image: np.ndarray, box: np.ndarray, enhance: bool) -> tuple[np.ndarray, np.ndarray, float]:
        """Face patch around ``box``, the box in patch coordinates and the patch scale (SR/restore applied)."""
        h, w = image.shape[:2]
        side = max(box[2] - box[0], box[3] - box[1], 1.0)
        m = PATCH_MARGIN * side + 10
        x0, y0 = int(max(0, np.floor(box[0] - m))), int(max(0, np.floor(box[1] - m)))
        x1, y1 = int(min(w, np.ceil(box[2] + m))), int(min(h, np.ceil(box[3] + m)))
        patch = image[y0:y1, x0:x1]
        local = np.array([box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0], np.float32)
        scale = 1.0
        if enhance and side < self.options.superres_below and self._superres_on:
            sr = self.superres_model()
            patch, scale = sr.upscale(np.ascontiguousarray(patch)), float(sr.scale)
            local = local * scale
        if enhance and self.restorer is not None:
            patch = self.restorer.restore(np.ascontiguousarray(patch))
        return np.ascontiguousarray(patch), local, scale

    # ------------------------------------------------------------------ run
    def run_frames(self, frames: Iterable[SampledFrame], info: RunInfo | None = None,
                   progress: Progress | None = None, crops_dir: Path | None = None,
                   checkpoint: Checkpoint | None = None, resumed: _Acc | None = None) -> tuple[FaceTable, RunInfo]:
        """Faces of a stream of sampled frames (see :func:`sample_frames`).

        With ``checkpoint`` the faces found so far are saved every ``checkpoint.every`` seconds of
        film; ``resumed`` continues from such a save (old-film decisions restored from ``info``).
        """
        from .identity import IouTracker

        o = self.options
        info = info or RunInfo()
        acc = resumed or _Acc()
        tracker = IouTracker(max_gap=max(0.6, 2.5 * o.interval))
        self._last_sig = None
        tracker._next = max(acc.track, default=-1) + 1
        last_embed: dict[int, float] = {}
        decided = resumed is not None
        last_save = acc.time[-1] if acc.time else -1e9
        chunk: list[SampledFrame] = []
        it = iter(frames)
        t_dec = _time.perf_counter()
        while True:
            frame = next(it, None)
            if frame is not None:
                chunk.append(frame)
                if len(chunk) < o.chunk_frames:
                    continue
            info.seconds["decode"] += _time.perf_counter() - t_dec
            if not chunk:
                break
            if not decided:
                self._decide_old_film(chunk, info)
                decided = True
            images = [clahe(f.image) if info.old_film else f.image for f in chunk]
            t = _time.perf_counter()
            dets = self.detect(images)
            info.seconds["detect"] += _time.perf_counter() - t
            self._process_chunk(chunk, images, dets, acc, tracker, last_embed, info, crops_dir)
            if progress is not None and info.decode.duration:
                progress(min(chunk[-1].time / info.decode.duration, 1.0), f"faces up to {chunk[-1].time:.1f} s: {len(acc.time)}")
            if checkpoint is not None and chunk[-1].time - last_save >= checkpoint.every:
                checkpoint.save(acc.arrays(getattr(self.embedder, "dim", 0)), info, chunk[-1].time)
                last_save = chunk[-1].time
            chunk = []
            if frame is None:
                break
            t_dec = _time.perf_counter()
        return self._finish(acc, info), info

    def _decide_old_film(self, chunk: list[SampledFrame], info: RunInfo) -> None:
        """Old-film mode from the first frames: CLAHE when black-and-white (``old_film=auto``);
        super-resolution of small faces (``superres=auto``) for old or low-quality footage (shorter side
        < 360 px, or soft: median frame sharpness < 0.25)."""
        o = self.options
        images = [f.image for f in chunk]
        info.black_and_white = is_black_and_white(images, o.bw_threshold)
        info.low_quality = is_low_quality(images)
        info.old_film = o.old_film == "on" or (o.old_film == "auto" and info.black_and_white)
        info.superres = o.superres == "on" or (o.superres == "auto" and (info.old_film or info.low_quality))
        if info.old_film:
            log.info("old-film mode on (black-and-white: %s): CLAHE before detection", info.black_and_white)
        if info.superres:
            log.info("super-resolution of faces under %d px on (%s)", o.superres_below, self.options.superres_model)

    def _process_chunk(self, chunk, images, dets, acc: _Acc, tracker, last_embed, info: RunInfo, crops_dir) -> None:
        """Per face: patch (SR/restored when asked), emotion input, quality crop, embedding job; then
        the chunk's emotions in one batch and its embeddings."""
        import cv2

        from .emotion import gray_crops

        o = self.options
        self._superres_on = info.superres
        enhance_all = info.superres or self.restorer is not None
        emo_inputs, emb_jobs, qual_crops = [], [], []
        for frame, image, det in zip(chunk, images, dets):
            sig = frame_signature(image)
            if is_shot_cut(self._last_sig, sig):
                tracker.reset()
                info.cuts += 1
            self._last_sig = sig
            if not len(det):
                continue
            tracks = tracker.update(frame.time, det.boxes)
            for k in range(len(det)):
                box, tid = det.boxes[k], int(tracks[k])
                side = float(max(box[2] - box[0], box[3] - box[1]))
                enhance = enhance_all and (side < o.superres_below or self.restorer is not None)
                patch, local, scale = self._patch(image, box, enhance)
                gray = cv2.cvtColor(patch, cv2.COLOR_RGB2GRAY)
                row = acc.add(frame, box, float(det.scores[k]), det.landmarks[k], tid,
                              enhanced=enhance and (scale != 1.0 or self.restorer is not None))
                if self.emotion is not None:
                    emo_inputs.append((row, self.emotion.prepare(gray, local[None])))
                qual_crops.append((gray_crops(gray, local[None], 64)[0], side, float(det.scores[k])))
                if self.embedder is not None and (o.reembed_interval <= 0 or
                                                  frame.time - last_embed.get(tid, -1e9) >= o.reembed_interval - 1e-6):
                    last_embed[tid] = frame.time
                    x0, y0 = box[0] - local[0] / scale, box[1] - local[1] / scale  # patch origin in the frame
                    lm = (det.landmarks[k:k + 1] - np.array([x0, y0], np.float32)) * scale
                    emb_jobs.append((row, patch, local[None], lm))
                if crops_dir is not None:
                    _save_crop(crops_dir / f"{frame.time:.2f}_{k}.jpg", patch)
        if qual_crops:
            crops, sides, confs = zip(*qual_crops)
            acc.quality.extend(face_quality(np.stack(crops), np.asarray(sides), np.asarray(confs)).tolist())
        if emo_inputs:
            t = _time.perf_counter()
            probs = self.emotion.predict(np.concatenate([x for _, x in emo_inputs]))
            for (row, _), p in zip(emo_inputs, probs):
                acc.probs[row] = p
            info.seconds["emotion"] += _time.perf_counter() - t
        if emb_jobs:
            t = _time.perf_counter()
            for row, patch, local, lm in emb_jobs:
                acc.emb[row] = self.embedder.embed(patch, local, lm)[0]
            info.seconds["embed"] += _time.perf_counter() - t

    def _finish(self, acc: _Acc, info: RunInfo) -> FaceTable:
        from .identity import ReferenceDB, assign_person_ids, centroids, label_persons, load_names, split_tracks

        o = self.options
        n = len(acc.time)
        dim = getattr(self.embedder, "dim", 0)
        a = self._last_arrays = acc.arrays(dim)
        emb, probs = a["emb"], a["probs"]
        metric = getattr(self.embedder, "metric", "euclidean")
        track = split_tracks(a["track"], a["time"], emb, self.identity_threshold, metric) if dim else a["track"]
        pid = assign_person_ids(track, emb, self.identity_threshold, metric) if dim else np.full(n, -1, np.int64)
        names: dict[int, str] = {}
        if o.reference_db is not None and dim:
            db = (ReferenceDB.from_folder(o.reference_db, self.detector, self.embedder) if Path(o.reference_db).is_dir()
                  else ReferenceDB.load(o.reference_db))
            ids, cents = centroids(pid, emb)
            matched, dist = db.match(cents, self.identity_threshold, metric)
            names.update({int(i): str(m) for i, m in zip(ids, matched) if m})
        if o.names is not None:
            names.update(load_names(o.names))
        info.named = {str(k): v for k, v in sorted(names.items())}
        info.enhanced = int(a["enhanced"].sum())
        info.persons = int(pid.max() + 1) if n and pid.max() >= 0 else 0
        classified = np.all(np.isfinite(probs), axis=1)
        arg = np.where(classified, np.nan_to_num(probs).argmax(1), 0)
        emotion = np.array([FACE_EMOTIONS[k] if c else "" for k, c in zip(arg, classified)], object)
        conf = np.where(classified, np.nan_to_num(probs).max(1), np.nan).astype(np.float32)
        quality = a["quality"]
        info.median_quality = float(np.median(quality)) if n else float("nan")
        return FaceTable(
            time=a["time"], frame=a["frame"], box=a["box"], det_conf=a["conf"], landmarks=a["lm"], person_id=pid,
            person=label_persons(pid, names, o.label_template), emotion_probs=probs, emotion=emotion,
            emotion_conf=conf, quality=quality, embedding=emb if dim else None)

    def run_video(self, path: str | Path, progress: Progress | None = None, crops_dir: Path | None = None,
                  checkpoint: Checkpoint | None = None) -> tuple[FaceTable, RunInfo]:
        """Faces of a video file; with ``checkpoint``, an interrupted run resumes where it was saved."""
        info = RunInfo()
        resumed, start = None, 0.0
        if checkpoint is not None:
            saved = checkpoint.load()
            if saved is not None:
                arrays, state, last = saved
                resumed = _Acc.from_arrays(arrays)
                for key in ("old_film", "black_and_white", "low_quality", "superres"):
                    setattr(info, key, bool(state.get(key, False)))
                if state.get("complete"):
                    info.decode = DecodeStats(**state["decode"])
                    info.seconds = dict(state.get("seconds") or info.seconds)
                    info.cuts = int(state.get("cuts", 0))
                    info.reused = True
                    log.info("%s: analysis reused from %s (only identity and labels recomputed)", path, checkpoint.path)
                    return self._finish(resumed, info), info
                start = (np.floor(last / self.options.interval + 1e-6) + 1) * self.options.interval  # next grid time
                log.info("%s: resuming after %.2f s with %d faces from %s", path, last, len(resumed.time), checkpoint.path)
        frames = sample_frames(path, self.options.interval, start=start, stats=info.decode)
        faces, info = self.run_frames(frames, info, progress, crops_dir, checkpoint, resumed)
        if checkpoint is not None:
            if self.options.keep_analysis:
                checkpoint.save(self._last_arrays, info, float(faces.time[-1]) if len(faces) else 0.0, complete=True)
            else:
                checkpoint.clear()
        return faces, info

    def run_images(self, images: list[np.ndarray], times: list[float] | None = None) -> tuple[FaceTable, RunInfo]:
        """Faces of still images (each its own 'frame'; tracking then links nothing across them)."""
        times = times if times is not None else [float(i) * 10.0 for i in range(len(images))]
        frames = [SampledFrame(time=t, index=i, image=im) for i, (t, im) in enumerate(zip(times, images))]
        return self.run_frames(frames)
