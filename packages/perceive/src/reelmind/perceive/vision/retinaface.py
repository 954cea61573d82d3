"""RetinaFace / SCRFD face detection from user-supplied ONNX weights (export recipe: onnx_models/).

Two output layouts are decoded in NumPy:

* RetinaFace (biubug6/Pytorch_Retinaface export): ``loc (1, N, 4)``, ``conf (1, N, 2)``,
  ``landms (1, N, 10)`` over prior boxes of steps 8/16/32 with min sizes 16,32 / 64,128 /
  256,512 and variances (0.1, 0.2); input BGR minus (104, 117, 123), NCHW.
* SCRFD (insightface): per stride 8/16/32 ``score (·, 1)``, ``bbox (·, 4)`` distances and
  optionally ``kps (·, 10)``, 2 anchors per cell; input RGB ``(x - 127.5) / 128``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from reelmind.core.errors import ConfigError

from .detection import Detections, nms

log = logging.getLogger("reelmind.perceive.vision.retinaface")

MIN_SIZES = ((16, 32), (64, 128), (256, 512))
STEPS = (8, 16, 32)
VARIANCE = (0.1, 0.2)


def prior_boxes(height: int, width: int, min_sizes=MIN_SIZES, steps=STEPS) -> np.ndarray:
    """(N, 4) priors cx, cy, w, h normalised to the image, in the order RetinaFace's heads emit them."""
    out = []
    for sizes, step in zip(min_sizes, steps):
        fh, fw = int(np.ceil(height / step)), int(np.ceil(width / step))
        ii, jj = np.meshgrid(np.arange(fh), np.arange(fw), indexing="ij")
        cx = ((jj + 0.5) * step / width).reshape(-1, 1)
        cy = ((ii + 0.5) * step / height).reshape(-1, 1)
        per = [np.column_stack([cx, cy, np.full_like(cx, s / width), np.full_like(cy, s / height)]) for s in sizes]
        out.append(np.stack(per, axis=1).reshape(-1, 4))  # (cell, anchor) order
    return np.concatenate(out).astype(np.float32)


def encode_boxes(boxes: np.ndarray, priors: np.ndarray, variance=VARIANCE) -> np.ndarray:
    """Training-time encoding of normalised x1,y1,x2,y2 boxes against priors (inverse of decode)."""
    c = (boxes[:, :2] + boxes[:, 2:]) / 2
    wh = boxes[:, 2:] - boxes[:, :2]
    return np.column_stack([(c - priors[:, :2]) / (variance[0] * priors[:, 2:]), np.log(wh / priors[:, 2:]) / variance[1]])


def decode_boxes(loc: np.ndarray, priors: np.ndarray, variance=VARIANCE) -> np.ndarray:
    """Normalised x1,y1,x2,y2 from RetinaFace's ``loc`` offsets."""
    c = priors[:, :2] + loc[:, :2] * variance[0] * priors[:, 2:]
    wh = priors[:, 2:] * np.exp(loc[:, 2:] * variance[1])
    return np.column_stack([c - wh / 2, c + wh / 2])


def decode_landmarks(landms: np.ndarray, priors: np.ndarray, variance=VARIANCE) -> np.ndarray:
    """Normalised (N, 5, 2) landmarks from RetinaFace's ``landms`` offsets."""
    p = landms.reshape(-1, 5, 2)
    return priors[:, None, :2] + p * variance[0] * priors[:, None, 2:]


def scrfd_centers(height: int, width: int, stride: int, anchors: int = 2) -> np.ndarray:
    """(fh*fw*anchors, 2) anchor centres in px for one SCRFD stride."""
    fh, fw = int(np.ceil(height / stride)), int(np.ceil(width / stride))
    yy, xx = np.mgrid[:fh, :fw]
    c = (np.stack([xx, yy], axis=-1).astype(np.float32) * stride).reshape(-1, 2)
    return np.repeat(c, anchors, axis=0) if anchors > 1 else c


def distance2bbox(centers: np.ndarray, dist: np.ndarray) -> np.ndarray:
    return np.column_stack([centers[:, 0] - dist[:, 0], centers[:, 1] - dist[:, 1], centers[:, 0] + dist[:, 2], centers[:, 1] + dist[:, 3]])


def distance2kps(centers: np.ndarray, dist: np.ndarray) -> np.ndarray:
    d = dist.reshape(len(dist), -1, 2)
    return centers[:, None, :] + d


class RetinaFaceDetector:
    """RetinaFace or SCRFD ONNX (layout read from the outputs), fixed or dynamic input size."""

    name = "retinaface"

    def __init__(self, model_path: str | Path | None = None, *, profile=None, providers="auto", conf_threshold: float = 0.9,
                 nms_threshold: float = 0.4, input_size: int = 640, threads: int | None = None) -> None:
        from reelmind.core.models import onnx, resolve

        # no path: the manifest's user-supplied entry ($REELMIND_RETINAFACE), else an error naming the export recipe
        model_path = resolve(model_path or "retinaface-mobilenet0.25").path
        self.paths = [Path(model_path)]
        self.model = onnx(model_path, profile=profile, providers=providers, task="face_detect", threads=threads)
        self.conf_threshold, self.nms_threshold = conf_threshold, nms_threshold
        sess = self.model.session
        outs = sess.get_outputs()
        shape = sess.get_inputs()[0].shape
        self.fixed = (shape[2], shape[3]) if all(isinstance(s, int) for s in shape[2:4]) else None
        self.input_size = input_size
        n = len(outs)
        if n == 3:
            self.layout = "retinaface"
        elif n in (6, 9):
            self.layout = "scrfd"
            self.with_kps = n == 9
        else:
            raise ConfigError(f"{model_path}: {n} outputs, expected 3 (RetinaFace) or 6/9 (SCRFD)")
        self.output_names = [o.name for o in outs]

    def _resize(self, image: np.ndarray) -> tuple[np.ndarray, float]:
        import cv2

        h, w = image.shape[:2]
        if self.fixed is not None:
            th, tw = self.fixed
        else:
            th = tw = None
        if th is None:
            s = min(1.0, self.input_size / max(h, w))
            nh, nw = max(32, int(round(h * s))), max(32, int(round(w * s)))
            canvas_h, canvas_w = int(np.ceil(nh / 32) * 32), int(np.ceil(nw / 32) * 32)
        else:
            s = min(th / h, tw / w)
            nh, nw = int(round(h * s)), int(round(w * s))
            canvas_h, canvas_w = th, tw
        canvas = np.zeros((canvas_h, canvas_w, 3), np.uint8)
        canvas[:nh, :nw] = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        return canvas, s

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        return [self._detect_one(im) for im in images]

    def _detect_one(self, image: np.ndarray) -> Detections:
        canvas, s = self._resize(image)
        h, w = canvas.shape[:2]
        if self.layout == "retinaface":
            x = canvas[:, :, ::-1].astype(np.float32) - np.array([104, 117, 123], np.float32)
            loc, conf, landms = self.model.run({self.model.input_names[0]: x.transpose(2, 0, 1)[None]})
            boxes, scores, lms = self.decode_retinaface(loc[0], conf[0], landms[0], h, w)
        else:
            x = (canvas.astype(np.float32) - 127.5) / 128.0
            outs = self.model.run({self.model.input_names[0]: x.transpose(2, 0, 1)[None]})
            boxes, scores, lms = self.decode_scrfd(outs, h, w)
        keep = scores >= self.conf_threshold
        boxes, scores, lms = boxes[keep], scores[keep], lms[keep]
        pick = nms(boxes, scores, self.nms_threshold)
        return Detections(boxes[pick] / s, scores[pick], lms[pick] / s)

    @staticmethod
    def decode_retinaface(loc: np.ndarray, conf: np.ndarray, landms: np.ndarray, h: int, w: int):
        priors = prior_boxes(h, w)
        if len(priors) != len(loc):
            raise ConfigError(f"RetinaFace output has {len(loc)} boxes but the priors for {w}x{h} number {len(priors)}",
                              "export with the standard mobilenet0.25/resnet50 config (steps 8/16/32)")
        scale = np.array([w, h, w, h], np.float32)
        boxes = decode_boxes(loc, priors) * scale
        lms = decode_landmarks(landms, priors) * np.array([w, h], np.float32)
        return boxes.astype(np.float32), conf[:, 1].astype(np.float32), lms.astype(np.float32)

    def decode_scrfd(self, outs: list[np.ndarray], h: int, w: int):
        k = 3
        boxes, scores, lms = [], [], []
        for i, stride in enumerate(STEPS):
            sc = outs[i].reshape(-1)
            bb = outs[i + k].reshape(-1, 4) * stride
            anchors = len(sc) // (int(np.ceil(h / stride)) * int(np.ceil(w / stride)))
            centers = scrfd_centers(h, w, stride, anchors)
            boxes.append(distance2bbox(centers, bb))
            scores.append(sc)
            if self.with_kps:
                lms.append(distance2kps(centers, outs[i + 2 * k].reshape(len(sc), -1) * stride))
            else:
                lms.append(np.full((len(sc), 5, 2), np.nan, np.float32))
        return np.concatenate(boxes).astype(np.float32), np.concatenate(scores).astype(np.float32), np.concatenate(lms).astype(np.float32)


def from_options(options, profile=None) -> RetinaFaceDetector:
    """The ``retinaface`` backend: RetinaFace/SCRFD ONNX from ``detector_model`` (or $REELMIND_RETINAFACE)."""
    from .backends import ort_threads

    return RetinaFaceDetector(options.detector_model, profile=profile, providers=options.providers,
                              conf_threshold=options.conf_threshold, threads=ort_threads(options, profile))
