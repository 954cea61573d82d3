"""Face alignment: dlib's 68-point shape predictor, then a similarity transform onto a canonical crop.

The canonical frame puts the eye centres at (0, 0) and (1, 0) (inter-ocular distance = 1); the crop
covers x, y in [-0.65, 1.85] of that frame. The transform is a least-squares similarity fitted on
the points that do not move with expressions or speech (eye corners, nose, upper jaw), so a brow
raise or a lip-corner pull shows up as motion inside the crop, not as a shifted crop.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

import numpy as np
from reelmind.core.boxes import box_iou

log = logging.getLogger("reelmind.microexpr.align")

SHAPE_PREDICTOR = "dlib-shape-predictor-68"

#: Mean dlib-68 shape of the sample faces, eye centres at (0, 0) and (1, 0).
TEMPLATE = np.array([
    [-0.561, 0.065], [-0.562, 0.353], [-0.532, 0.634], [-0.484, 0.914], [-0.388, 1.189], [-0.233, 1.429],
    [-0.021, 1.634], [0.225, 1.79], [0.507, 1.842], [0.805, 1.806], [1.099, 1.658], [1.361, 1.468],
    [1.558, 1.223], [1.688, 0.951], [1.75, 0.653], [1.775, 0.353], [1.792, 0.043], [-0.417, -0.208],
    [-0.291, -0.353], [-0.098, -0.389], [0.099, -0.362], [0.284, -0.281], [0.65, -0.287], [0.859, -0.369],
    [1.075, -0.394], [1.292, -0.351], [1.451, -0.221], [0.472, -0.046], [0.461, 0.147], [0.451, 0.335],
    [0.441, 0.53], [0.234, 0.669], [0.345, 0.705], [0.458, 0.728], [0.58, 0.701], [0.698, 0.678],
    [-0.187, 0.005], [-0.07, -0.059], [0.072, -0.057], [0.196, 0.028], [0.063, 0.04], [-0.074, 0.042],
    [0.795, 0.026], [0.929, -0.057], [1.071, -0.057], [1.201, 0.004], [1.073, 0.04], [0.931, 0.043],
    [0.031, 1.01], [0.178, 0.93], [0.343, 0.886], [0.457, 0.916], [0.587, 0.887], [0.778, 0.925],
    [0.97, 1.009], [0.787, 1.194], [0.6, 1.279], [0.466, 1.289], [0.337, 1.276], [0.174, 1.194],
    [0.09, 1.02], [0.346, 0.985], [0.461, 0.996], [0.589, 0.982], [0.907, 1.015], [0.593, 1.13],
    [0.465, 1.145], [0.342, 1.13]], dtype=np.float64)
CROP_ORIGIN, CROP_SPAN = -0.65, 2.5  # the crop covers [origin, origin + span] on both axes
#: Points the similarity is fitted on: upper jaw, nose, eye corners (not brows, lids, lips, chin).
STABLE = np.array([0, 1, 15, 16, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 39, 42, 45])
#: Landmark groups (dlib-68 indices) of the facial regions.
REGIONS: dict[str, np.ndarray] = {
    "brows": np.arange(17, 27), "eyes": np.arange(36, 48), "nose": np.arange(27, 36), "mouth": np.arange(48, 68),
}


def face_mask(crop: int) -> np.ndarray:
    """Pixels of the canonical crop that analysis looks at: inside the face outline (jaw, and the brows
    raised by 0.2 inter-ocular distances to keep the forehead above them), shrunk 6 % towards the
    nose so the background never enters, minus the eyes (blinks are not micro-expressions)."""
    import cv2

    pts = TEMPLATE.copy()
    centre = pts[30]
    outline = np.concatenate([pts[0:17], pts[26:16:-1] + [0.0, -0.2]])
    outline = centre + (outline - centre) * 0.94
    mask = np.zeros((crop, crop), np.uint8)
    cv2.fillPoly(mask, [np.round((outline - CROP_ORIGIN) * crop / CROP_SPAN).astype(np.int32)], 1)
    return mask.astype(bool) & ~eye_mask(crop)


def eye_mask(crop: int) -> np.ndarray:
    """Pixels of the canonical crop around the eyes (lids and the skin next to them): the eye
    outlines widened 1.5x and heightened 3.2x about their centres."""
    import cv2

    mask = np.zeros((crop, crop), np.uint8)
    for eye in (slice(36, 42), slice(42, 48)):
        e = TEMPLATE[eye]
        c = e.mean(0)
        ring = (c + (e - c) * [1.5, 3.2] - CROP_ORIGIN) * crop / CROP_SPAN
        cv2.fillPoly(mask, [np.round(ring).astype(np.int32)], 1)
    return mask.astype(bool)


def canonical(crop: int) -> np.ndarray:
    """The template in crop pixels."""
    return (TEMPLATE - CROP_ORIGIN) * (crop / CROP_SPAN)


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (rotation, uniform scale, translation) mapping ``src`` onto ``dst`` (2x3)."""
    ms, md = src.mean(0), dst.mean(0)
    s, d = src - ms, dst - md
    cov = d.T @ s / len(src)
    u, sig, vt = np.linalg.svd(cov)
    sign = np.diag([1.0, np.sign(np.linalg.det(u @ vt)) or 1.0])
    rot = u @ sign @ vt
    var = (s ** 2).sum() / len(src)
    scale = float(np.trace(np.diag(sig) @ sign) / max(var, 1e-12))
    m = np.empty((2, 3))
    m[:, :2] = scale * rot
    m[:, 2] = md - scale * rot @ ms
    return m


def apply(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Points (N, 2) through a 2x3 affine matrix."""
    return pts @ m[:, :2].T + m[:, 2]


@dataclass
class Aligned:
    """One aligned face: the canonical grey crop, its landmarks in crop pixels, frame->crop matrix."""

    crop: np.ndarray  # uint8 (S, S)
    landmarks: np.ndarray  # (68, 2) float32, crop pixels
    matrix: np.ndarray  # 2x3, frame -> crop


def _load_predictor(path):
    import dlib

    return dlib.shape_predictor(str(path))


class Aligner:
    """Landmarks + canonical crop of a face given its box (one dlib predictor per process)."""

    def __init__(self, crop: int = 128) -> None:
        from reelmind.core import models

        self.crop = int(crop)
        self.model = models.resolve(SHAPE_PREDICTOR)
        self.predictor = models.load(SHAPE_PREDICTOR, _load_predictor)
        self.target = canonical(self.crop)

    def landmarks(self, gray: np.ndarray, box: np.ndarray) -> np.ndarray:
        """68 landmarks (frame pixels) of the face in ``box`` (x1, y1, x2, y2) of a grey frame."""
        import dlib

        x1, y1, x2, y2 = (int(round(float(v))) for v in box)
        shape = self.predictor(gray, dlib.rectangle(x1, y1, x2, y2))
        return np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float64)

    def align(self, gray: np.ndarray, box: np.ndarray, landmarks: np.ndarray | None = None) -> Aligned:
        """The canonical crop of the face in ``box`` (landmarks are predicted unless given)."""
        pts = self.landmarks(gray, box) if landmarks is None else landmarks
        return self.warp(gray, pts, similarity(pts[STABLE], self.target[STABLE]))

    def warp(self, gray: np.ndarray, pts: np.ndarray, m: np.ndarray) -> Aligned:
        """The canonical crop of a frame through the frame->crop similarity ``m`` (``pts``: its landmarks)."""
        import cv2

        crop = cv2.warpAffine(gray, m, (self.crop, self.crop), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return Aligned(crop, apply(m, pts).astype(np.float32), m)


PATCH = 64  # px side of the face patch whose image motion moves a followed box


def _patch(gray: np.ndarray, box: np.ndarray) -> np.ndarray:
    """The grey image inside ``box`` (clipped to the frame) at PATCH x PATCH, float32."""
    import cv2

    h, w = gray.shape[:2]
    x1, y1 = max(0, int(round(box[0]))), max(0, int(round(box[1])))
    x2, y2 = min(w, max(x1 + 2, int(round(box[2])))), min(h, max(y1 + 2, int(round(box[3]))))
    return cv2.resize(gray[y1:y2, x1:x2], (PATCH, PATCH), interpolation=cv2.INTER_AREA).astype(np.float32)


def image_shift(prev: np.ndarray, gray: np.ndarray, box: np.ndarray) -> tuple[np.ndarray, float]:
    """How far the face inside ``box`` moved from grey frame ``prev`` to ``gray`` (frame px, dx dy), and
    how well the two frames' patches at that box match once shifted (ECC's correlation coefficient,
    1 = identical): the translation that best maps the patches onto each other (OpenCV's ECC
    alignment, a fraction of a pixel); ((0, 0), 0.0) when it does not converge."""
    import cv2

    warp = np.eye(2, 3, dtype=np.float32)
    try:
        cc, warp = cv2.findTransformECC(_patch(prev, box), _patch(gray, box), warp, cv2.MOTION_TRANSLATION,
                                        (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-4), None, 3)
    except cv2.error:
        return np.zeros(2), 0.0
    return np.array([warp[0, 2] * (box[2] - box[0]) / PATCH, warp[1, 2] * (box[3] - box[1]) / PATCH]), float(cc)


class TrackAligner:
    """One track's faces aligned in time order, fitted from a box that moves with the face's image
    rather than with the faces stage's box between its samples.

    dlib's fit depends on the box it starts from, and the faces stage's boxes between its samples
    are interpolated between detections and followed (re-found) boxes, so how often the faces stage
    detects moved the landmarks and the crops (bench/RESULTS.md, microexpr round 7). Here the faces
    stage's box only anchors a track: at its first frame the face is fitted from the stage's box;
    every later frame from the previous frame's box moved by the image motion of the face inside it
    (the translation between the two frames' patches, :func:`image_shift`): a still face is fitted from
    one box, a moving one from a box that moves with its image (translation only: the box keeps the
    anchor's size). The track is anchored again when the followed box leaves the stage's box (IoU
    under ``reanchor``: the face was lost, turned or zoomed, or the box drifted), and when the image
    motion is not to be trusted (ECC's correlation coefficient under ``min_ecc``: a shot cut inside
    the faces stage's track, an occlusion; round 8 measured 0.89-1.0 within shots, 0.17-0.68 across
    the cuts of the 2-minute film). A re-anchored box is a jump of the crop (0.3-0.7 inter-ocular
    distances there), so every frame carries the number of its anchor: the channel spots each
    anchor's frames apart (an alignment segment), never across the jump. With ``smooth``, the crop
    of frame i is warped with the mean similarity of frames i - ``smooth`` .. i + ``smooth`` of its
    segment (centred; the frames wait ``smooth`` frames for it: ``push`` returns the frames that are
    ready as (time, aligned, anchor), ``flush`` the rest).
    """

    def __init__(self, aligner: Aligner, smooth: int = 0, reanchor: float = 0.5, min_ecc: float = 0.8) -> None:
        self.aligner = aligner
        self.smooth = max(0, int(smooth))
        self.reanchor = reanchor
        self.min_ecc = min_ecc
        self.box: np.ndarray | None = None  # the followed box (frame px)
        self.prev: np.ndarray | None = None  # the previous grey frame
        self.pending: deque[tuple[float, np.ndarray, np.ndarray, np.ndarray, int]] = deque()  # (t, gray, pts, m, anchor)
        self.done: deque[tuple[np.ndarray, int]] = deque(maxlen=max(1, self.smooth))  # (m, anchor) of the last warped
        self.anchors = 0  # times the track was (re-)anchored on the faces stage's box

    def push(self, t: float, gray: np.ndarray, stage_box: np.ndarray) -> list[tuple[float, Aligned, int]]:
        """Fit the face of frame time ``t`` (``stage_box``: the faces stage's box there); the frames
        whose crop is ready, in time order, with their anchor's number."""
        box = None
        if self.box is not None and self.prev is not None:
            shift, cc = image_shift(self.prev, gray, self.box)
            box = self.box + np.concatenate([shift, shift]) if cc >= self.min_ecc else None
        if box is None or box_iou(box, stage_box) < self.reanchor:
            box = np.asarray(stage_box, np.float64)
            self.anchors += 1
        self.box, self.prev = box, gray
        pts = self.aligner.landmarks(gray, box)
        m = similarity(pts[STABLE], self.aligner.target[STABLE])
        self.pending.append((t, gray, pts, m, self.anchors))
        return self._ready(final=False)

    def flush(self) -> list[tuple[float, Aligned, int]]:
        """The frames still waiting (the track ended)."""
        return self._ready(final=True)

    def _ready(self, final: bool) -> list[tuple[float, Aligned, int]]:
        out = []
        while self.pending and (final or len(self.pending) > self.smooth):
            t, gray, pts, m, anchor = self.pending[0]
            near = [p[3] for p in list(self.pending)[: self.smooth + 1] if p[4] == anchor]
            near += [d[0] for d in list(self.done)[-self.smooth:] if d[1] == anchor] if self.smooth else []
            self.pending.popleft()
            self.done.append((m, anchor))
            out.append((t, self.aligner.warp(gray, pts, np.mean(near, axis=0)), anchor))
        return out
