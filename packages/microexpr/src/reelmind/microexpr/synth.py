"""SYNTHETIC micro-expressions for tests, benchmarks and a demo data set.

Real face photos and talking-face videos from the sample media are animated by landmark-driven
warps of one action unit (:mod:`.warp`) for a given number of frames. Nothing here is a real
micro-expression: every file written says so (``synthetic`` in its name, a README, the sheet's
``Note`` column, the JSON truth).

* :func:`plant_video` writes a video with planted events and returns their exact frame intervals;
* :func:`still_clip` turns a photo into a video (sensor noise per frame, no motion);
* :func:`casme2_dataset` writes a data set in the CASME II folder layout with its annotation sheet.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from reelmind.core.errors import InputMediaError

from .warp import AUS, profile, warp

log = logging.getLogger("reelmind.microexpr.synth")

SYNTHETIC_NOTE = "SYNTHETIC: landmark-driven warp of one action unit on a real photo (reelmind.microexpr.synth), not a real micro-expression"
#: CASME II-style emotion of each planted AU (synthetic labels).
EMOTION_OF_AU = {"AU12": "happiness", "AU9": "disgust", "AU1+2": "surprise", "AU15": "sadness", "AU24": "repression",
                 "AU4": "disgust"}
#: Subjects of the synthetic data set: (media file, face nearest this point of a group photo or None).
SUBJECT_FACES = (
    ("feat/0-f1-su-ph.jpg", None), ("feat/0-f15-hao-ph.jpg", None), ("feat/15-f13-anc-ph.jpg", None),
    ("feat/45-m7-di-ph.jpg", None), ("feat/single_face.jpg", None), ("skimage/astronaut.png", None),
    ("feat/multi_face.jpg", (372, 301)), ("feat/multi_face.jpg", (730, 360)), ("feat/multi_face.jpg", (479, 270)),
)


@dataclass(frozen=True)
class Plant:
    """One planted event: ``frames`` frames of ``au`` from frame ``onset`` (0-based), peak ``amount`` IOD."""

    onset: int
    frames: int
    au: str
    amount: float = 0.08

    @property
    def offset(self) -> int:
        return self.onset + self.frames - 1

    @property
    def apex(self) -> int:
        return self.onset + int(round(0.4 * (self.frames - 1)))


# ----------------------------------------------------------------------------- faces and video I/O
_detector = None


def detect_face(gray: np.ndarray) -> np.ndarray | None:
    """Box (x1, y1, x2, y2) of the largest frontal face (dlib HOG; upsampled for small frames)."""
    import dlib

    global _detector
    if _detector is None:
        _detector = dlib.get_frontal_face_detector()
    side = min(gray.shape[:2])
    found = _detector(gray, 2 if side < 200 else 1 if side < 500 else 0)
    if not len(found):
        return None
    r = max(found, key=lambda r: r.area())
    return np.array([r.left(), r.top(), r.right(), r.bottom()], dtype=np.float64)


def landmarks_of(gray: np.ndarray, aligner=None) -> np.ndarray | None:
    from .align import Aligner

    box = detect_face(gray)
    if box is None:
        return None
    return (aligner or Aligner()).landmarks(gray, box)


def read_video(path: str | Path) -> tuple[list[np.ndarray], float]:
    """All frames (RGB) and the frame rate of a short video."""
    from reelmind.core.media import open_media

    c = open_media(path)
    with c:
        if not c.streams.video:
            raise InputMediaError(f"{path}: no video stream")
        fps = float(c.streams.video[0].average_rate or 25.0)
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)], fps


def write_video(path: str | Path, frames: list[np.ndarray], fps: float, crf: int = 18) -> Path:
    """RGB frames -> H.264 MP4 (yuv420p, even size)."""
    from fractions import Fraction

    import av

    path = Path(path)
    h, w = frames[0].shape[:2]
    h2, w2 = h - h % 2, w - w % 2
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = w2, h2, "yuv420p"
        stream.options = {"crf": str(crf), "preset": "veryfast"}
        for img in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img[:h2, :w2]), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def still_clip(image: np.ndarray, seconds: float, fps: float = 25.0, noise: float = 1.5, seed: int = 0) -> list[np.ndarray]:
    """A still photo as a video: the same frame with fresh sensor noise (std ``noise``) every frame."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * fps))
    return [np.clip(image + rng.normal(0, noise, image.shape), 0, 255).astype(np.uint8) for _ in range(n)]


# ----------------------------------------------------------------------------- planting
def plant(frames: list[np.ndarray], plants: list[Plant], landmarks: list[np.ndarray] | None = None) -> list[np.ndarray]:
    """A copy of ``frames`` (RGB) with every event warped in (landmarks per frame given, or found)."""
    import cv2

    from .align import Aligner

    aligner = Aligner() if landmarks is None else None
    out = list(frames)
    for p in plants:
        if p.au not in AUS:
            from reelmind.core.errors import ConfigError

            raise ConfigError(f"unknown action unit {p.au!r}", f"choose one of: {', '.join(AUS)}")
        intensity = profile(p.frames)
        for t in range(p.frames):
            i = p.onset + t
            if not 0 <= i < len(frames):
                raise InputMediaError(f"planted event at frame {i} is outside the clip ({len(frames)} frames)")
            lm = landmarks[i] if landmarks is not None else landmarks_of(cv2.cvtColor(frames[i], cv2.COLOR_RGB2GRAY), aligner)
            if lm is None:
                raise InputMediaError(f"frame {i}: no face to plant {p.au} on")
            out[i] = warp(out[i], lm, p.au, p.amount * float(intensity[t]))
    return out


def plant_video(frames: list[np.ndarray], fps: float, plants: list[Plant], dst: str | Path) -> dict:
    """Write ``frames`` with ``plants`` to ``dst`` (MP4) and ``dst``.json (the exact truth)."""
    dst = Path(dst)
    write_video(dst, plant(frames, plants), fps)
    truth = {"note": SYNTHETIC_NOTE, "fps": fps, "frames": len(frames),
             "events": [{**asdict(p), "offset": p.offset, "apex": p.apex} for p in plants]}
    dst.with_suffix(".json").write_text(json.dumps(truth, indent=1))
    return truth


# ----------------------------------------------------------------------------- CASME II layout
def subject_face(name: str, near: tuple[float, float] | None, size: int = 240) -> np.ndarray:
    """A square RGB crop (``size`` px) around one face of a sample photo."""
    import cv2

    from reelmind.core.media import media_path

    img = cv2.imread(str(media_path(name)))
    if img is None:
        raise InputMediaError(f"{name}: not a readable image")
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    import dlib

    global _detector
    if _detector is None:
        _detector = dlib.get_frontal_face_detector()
    found = [np.array([r.left(), r.top(), r.right(), r.bottom()], float) for r in _detector(gray, 1)]
    if not found:
        raise InputMediaError(f"{name}: no detectable face")
    if near is not None:
        box = min(found, key=lambda b: np.hypot((b[0] + b[2]) / 2 - near[0], (b[1] + b[3]) / 2 - near[1]))
    else:
        box = max(found, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    cx, cy, side = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2, 1.7 * (box[2] - box[0])
    m = np.array([[size / side, 0, size / 2 - cx * size / side], [0, size / side, size / 2 - cy * size / side]])
    crop = cv2.warpAffine(img, m, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT)
    return cv2.cvtColor(crop, cv2.COLOR_BGR2RGB)


def casme2_dataset(out_dir: str | Path, subjects: int = 6, per_class: int = 2,
                   aus: tuple[str, ...] = ("AU12", "AU9", "AU1+2", "AU15", "AU24"), seed: int = 0,
                   amount: tuple[float, float] = (0.06, 0.12), size: int = 160) -> Path:
    """Write a SYNTHETIC data set in the CASME II layout: ``CASME2_RAW_selected/subNN/EPxx_yy/img<N>.jpg``
    and the sheet ``CASME2-coding-synthetic.xlsx`` (Subject, Filename, OnsetFrame, ApexFrame,
    OffsetFrame, Action Units, Estimated Emotion, Note). Returns the data set folder."""
    import cv2

    from .align import Aligner
    from .xlsx import write_rows

    if subjects > len(SUBJECT_FACES):
        raise ValueError(f"at most {len(SUBJECT_FACES)} synthetic subjects (one per sample face)")
    out = Path(out_dir)
    raw = out / "CASME2_RAW_selected"
    raw.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    aligner = Aligner()
    rows = [["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Action Units", "Estimated Emotion", "Note"]]
    for s in range(subjects):
        face = subject_face(*SUBJECT_FACES[s], size=size)
        lm = landmarks_of(cv2.cvtColor(face, cv2.COLOR_RGB2GRAY), aligner)
        if lm is None:
            raise InputMediaError(f"{SUBJECT_FACES[s][0]}: face not found after cropping")
        for e, au in enumerate(aus):
            for r in range(per_class):
                n = int(rng.integers(4, 9))
                pre, post = 2, 2
                first = int(rng.integers(1, 80))  # CASME II numbers frames from an arbitrary start
                amt = float(rng.uniform(*amount))
                drift = rng.normal(0, 0.4, 2)  # slow head drift, px over the clip
                clip = raw / f"sub{s + 1:02d}" / f"EP{e + 1:02d}_{r + 1:02d}"
                clip.mkdir(parents=True, exist_ok=True)
                inten = profile(n)
                total = pre + n + post
                for t in range(total):
                    level = float(inten[t - pre]) if pre <= t < pre + n else 0.0
                    img = warp(face, lm, au, amt * level)
                    shift = drift * t / total
                    img = cv2.warpAffine(img, np.array([[1, 0, shift[0]], [0, 1, shift[1]]]), (size, size),
                                         borderMode=cv2.BORDER_REFLECT)
                    img = np.clip(img + rng.normal(0, 1.2, img.shape), 0, 255).astype(np.uint8)
                    cv2.imwrite(str(clip / f"img{first + t}.jpg"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR),
                                [cv2.IMWRITE_JPEG_QUALITY, 92])
                onset = first + pre
                apex = onset + int(round(0.4 * (n - 1)))
                rows.append([f"{s + 1:02d}", clip.name, onset, apex, onset + n - 1, au.removeprefix("AU"),
                             EMOTION_OF_AU[au], SYNTHETIC_NOTE])
    write_rows(out / "CASME2-coding-synthetic.xlsx", rows)
    (out / "README_SYNTHETIC.txt").write_text(
        f"{SYNTHETIC_NOTE}.\nCASME II layout written by reelmind.microexpr.synth.casme2_dataset "
        f"(subjects={subjects}, per_class={per_class}, aus={list(aus)}, seed={seed}, amount={list(amount)}).\n"
        "Results computed on it are figures about synthetic data only.\n")
    log.info("synthetic CASME II-layout data set: %s (%d clips)", out, len(rows) - 1)
    return out
