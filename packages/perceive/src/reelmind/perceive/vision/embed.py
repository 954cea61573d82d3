"""Identity embeddings: dlib's 128-D ResNet (default) and ArcFace/Facenet-style ONNX (user weights)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from reelmind.core.errors import ConfigError, MissingDependencyError, MissingModelError

log = logging.getLogger("reelmind.perceive.vision.embed")

#: ArcFace's canonical 5-point template in a 112x112 crop (insightface).
ARCFACE_TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                             [41.5493, 92.3655], [70.7299, 92.2041]], np.float32)


class DlibEmbedder:
    """dlib_face_recognition_resnet_model_v1 (128-D, Euclidean distance; same person < ~0.5).

    ``runtime="onnx"`` (default) runs the ResNet in ONNX Runtime, converted once from the packaged
    .dat by :mod:`.dlib_convert` (descriptors equal to dlib's within ~4e-7, ~14x less CPU than this
    BLAS-less dlib wheel, and ONNX Runtime releases the GIL); ``runtime="dlib"`` is dlib's own forward
    pass. Both cut the same 150x150 chips with dlib (5-point shape, padding 0.25)."""

    name = "dlib-resnet-128"
    dim = 128
    metric = "euclidean"
    threshold = 0.5

    def __init__(self, runtime: str = "onnx", *, profile=None, providers="auto", threads: int | None = None) -> None:
        try:
            import dlib
        except ImportError:
            raise MissingDependencyError("dlib", "dlib-bin") from None
        from reelmind.core.models import load, onnx

        if runtime not in ("onnx", "dlib"):
            raise ConfigError(f"embed_runtime {runtime!r} is not one of: onnx, dlib", "set stages.faces.embed_runtime")
        self._dlib, self.runtime = dlib, runtime
        self.shape = load("dlib-shape-predictor-5", lambda p: dlib.shape_predictor(str(p)))
        if runtime == "dlib":
            self.net = load("dlib-resnet-face-embedding", lambda p: dlib.face_recognition_model_v1(str(p)))
        else:
            from .dlib_convert import dlib_resnet_onnx_path

            self.model = onnx(dlib_resnet_onnx_path(), profile=profile, providers=providers, task="face_embed",
                              threads=threads)

    def _shape(self, image: np.ndarray, box: np.ndarray):
        h, w = image.shape[:2]
        x1, y1, x2, y2 = np.round(box).astype(np.int64)
        rect = self._dlib.rectangle(int(max(0, x1)), int(max(0, y1)), int(min(w - 1, x2)), int(min(h - 1, y2)))
        return self.shape(image, rect)

    def _onnx(self, chips: list[np.ndarray]) -> np.ndarray:
        out = self.model.run_batched(np.stack(chips))[0]
        return np.asarray(out, np.float32).reshape(len(chips), self.dim)

    def embed(self, image: np.ndarray, boxes: np.ndarray, landmarks: np.ndarray | None = None) -> np.ndarray:
        """(n, 128) descriptors of the faces ``boxes`` in one RGB uint8 image."""
        if len(boxes) == 0:
            return np.zeros((0, self.dim), np.float32)
        img = np.ascontiguousarray(image)
        shapes = self._dlib.full_object_detections()
        for box in boxes:
            shapes.append(self._shape(img, box))
        if self.runtime == "onnx":
            return self._onnx(self._dlib.get_face_chips(img, shapes, size=150, padding=0.25))
        return np.asarray(self.net.compute_face_descriptor(img, shapes), np.float32).reshape(len(boxes), self.dim)

    def embed_many(self, jobs: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]) -> np.ndarray:
        """(n, 128) descriptors of one face per (image, box, landmarks) job, in one batch."""
        if not jobs:
            return np.zeros((0, self.dim), np.float32)
        dlib = self._dlib
        images, shapes = [], []
        for image, box, _ in jobs:
            img = np.ascontiguousarray(image)
            images.append(img)
            shapes.append(self._shape(img, box))
        if self.runtime == "onnx":
            return self._onnx([dlib.get_face_chip(im, sh, size=150, padding=0.25) for im, sh in zip(images, shapes)])
        batch = []
        for sh in shapes:
            one = dlib.full_object_detections()
            one.append(sh)
            batch.append(one)
        out = self.net.compute_face_descriptor(images, batch)
        return np.asarray([np.asarray(v[0], np.float32) for v in out], np.float32).reshape(len(jobs), self.dim)


class OnnxArcFaceEmbedder:
    """ArcFace / Facenet512-style ONNX (user-supplied): 5-point aligned RGB crop -> L2-normalised vector."""

    metric = "cosine"
    threshold = 0.6

    def __init__(self, model_path: Path | None = None, *, profile=None, providers="auto", mean: float = 127.5,
                 std: float = 127.5, threads: int | None = None) -> None:
        if model_path is None:
            raise MissingModelError("embedding backend 'onnx' needs a model file",
                                    "set stages.faces.embed_model to your ArcFace/Facenet512 .onnx (see onnx_models/)")
        from reelmind.core.models import onnx

        self.model = onnx(model_path, profile=profile, providers=providers, task="face_embed", threads=threads)
        sess = self.model.session
        shape = list(sess.get_inputs()[0].shape)
        self.nchw = shape[1] == 3
        side = shape[2] if self.nchw else shape[1]
        self.size = int(side) if isinstance(side, int) else 112
        out = sess.get_outputs()[0].shape
        self.dim = int(out[-1]) if isinstance(out[-1], int) else 512
        self.name = f"onnx:{Path(model_path).name}"
        self.mean, self.std = mean, std

    def align(self, image: np.ndarray, boxes: np.ndarray, landmarks: np.ndarray | None) -> np.ndarray:
        """(n, size, size, 3) crops aligned on the 5 landmarks (plain box crops when landmarks are NaN)."""
        import cv2

        out = np.zeros((len(boxes), self.size, self.size, 3), np.uint8)
        tmpl = ARCFACE_TEMPLATE * (self.size / 112.0)
        for k, box in enumerate(boxes):
            lm = None if landmarks is None else landmarks[k]
            if lm is not None and np.all(np.isfinite(lm)):
                m, _ = cv2.estimateAffinePartial2D(lm.astype(np.float32), tmpl, method=cv2.LMEDS)
            else:
                m = None
            if m is None:
                x1, y1, x2, y2 = box
                s = self.size / max(x2 - x1, y2 - y1, 1)
                m = np.array([[s, 0, -x1 * s], [0, s, -y1 * s]], np.float32)
            out[k] = cv2.warpAffine(image, m, (self.size, self.size), borderValue=0)
        return out

    def embed(self, image: np.ndarray, boxes: np.ndarray, landmarks: np.ndarray | None = None) -> np.ndarray:
        if len(boxes) == 0:
            return np.zeros((0, self.dim), np.float32)
        x = (self.align(image, boxes, landmarks).astype(np.float32) - self.mean) / self.std
        if self.nchw:
            x = x.transpose(0, 3, 1, 2)
        v = self.model.run_batched(np.ascontiguousarray(x), pad_to_bucket=True)[0].reshape(len(boxes), -1)  # user weights: padded as before
        return (v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)).astype(np.float32)

    def embed_many(self, jobs: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]) -> np.ndarray:
        """One vector per (image, box, landmarks) job: the aligned crops go through the model in one batch."""
        if not jobs:
            return np.zeros((0, self.dim), np.float32)
        crops = np.concatenate([self.align(im, box[None], None if lm is None else lm[None]) for im, box, lm in jobs])
        x = (crops.astype(np.float32) - self.mean) / self.std
        if self.nchw:
            x = x.transpose(0, 3, 1, 2)
        v = self.model.run_batched(np.ascontiguousarray(x), pad_to_bucket=True)[0].reshape(len(jobs), -1)  # user weights: padded as before
        return (v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def dlib_embedder(options=None, profile=None) -> DlibEmbedder:
    """The ``dlib`` backend (packaged face-recognition-models weights) on ``options.embed_runtime``."""
    from .backends import ort_threads

    if options is None:
        return DlibEmbedder()
    return DlibEmbedder(getattr(options, "embed_runtime", "onnx"), profile=profile, providers=options.providers,
                        threads=ort_threads(options, profile))


def onnx_embedder(options, profile=None) -> OnnxArcFaceEmbedder:
    """The ``onnx`` backend: ArcFace/Facenet512-style weights from ``embed_model``."""
    from .backends import ort_threads

    return OnnxArcFaceEmbedder(options.embed_model, profile=profile, providers=options.providers,
                               threads=ort_threads(options, profile))


def pairwise_distance(a: np.ndarray, b: np.ndarray, metric: str) -> np.ndarray:
    """(len(a), len(b)) distances in one batch: 'euclidean' or 'cosine' (1 - cos)."""
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32)
    if metric == "cosine":
        an = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
        bn = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
        return 1.0 - an @ bn.T
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.sqrt(np.maximum(sq, 0.0))


