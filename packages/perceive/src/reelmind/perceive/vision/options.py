"""Options of the faces stage (echoed into the FaceTable's meta)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class FacesOptions:
    """How faces are sampled, detected, identified and classified.

    Paths left ``None`` use the packaged offline defaults (MTCNN ONNX, dlib, fer).
    """

    interval: float = 0.25  # seconds between sampled frames
    detector: str = "mtcnn"  # mtcnn | haar | retinaface (user weights in detector_model)
    detector_model: Path | None = None
    conf_threshold: float = 0.9  # detector confidence kept (seed: 0.9)
    min_face_size: int = 20  # px at detection resolution
    detect_max_side: int = 960  # larger frames are downscaled for detection, boxes mapped back
    embed: str = "dlib"  # dlib | onnx (ArcFace/Facenet512 user weights in embed_model) | none
    embed_model: Path | None = None
    reembed_interval: float = 1.0  # s between embeddings of one tracked face (0 = every face)
    identity_threshold: float | None = None  # cluster cut / DB match distance (None = backend's: dlib 0.5)
    reference_db: Path | None = None  # .npz (names, embeddings) or folder <name>/*.jpg
    names: Path | None = None  # JSON/YAML {3: "Scarlett"} naming person clusters
    label_template: str = "person_{n}"  # default person label ({n} = 1-based id)
    emotion: str = "fer"  # fer | facex (TFLite, ai-edge-litert) | onnx (DeepFace-compatible user weights in emotion_model) | none
    emotion_model: Path | None = None
    old_film: str = "auto"  # auto | on | off: CLAHE for black-and-white footage
    bw_threshold: float = 0.03  # colourfulness under which footage counts as black-and-white
    superres: str = "off"  # off | auto | on: Real-ESRGAN (ncnn) on small faces before embed/emotion
    superres_model: str = "realesr-animevideov3-x2"
    superres_below: int = 64  # faces smaller than this (px side) are super-resolved
    restore_model: Path | None = None  # GFPGAN-style ONNX face restorer (user weights)
    save_crops: bool = False  # write face crops under work_dir/crops
    chunk_frames: int = 16  # sampled frames processed per batch
    checkpoint_every: float = 60.0  # s of film between resumable saves (checkpoint dir; 0 = off)
    keep_analysis: bool = True  # keep the finished analysis so renaming/re-matching skips the models
    providers: str = "auto"  # ONNX Runtime providers (auto = GPU first when present)
