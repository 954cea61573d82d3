"""Options of the ``faces`` and ``persons`` stages (echoed into their tables' meta)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reelmind.core.stage import file_option, runtime_option


@dataclass
class FacesOptions:
    """How faces are sampled, detected, tracked, embedded and classified (no person clustering:
    that is the ``persons`` stage). Paths left ``None`` use the packaged offline defaults
    (MTCNN ONNX, dlib, fer)."""

    interval: float = 0.25  # seconds between sampled frames
    max_frame_side: int = 1920  # larger frames (4K) are converted at this longer side; boxes stay in film pixels (0 = off)
    detector: str = "mtcnn"  # mtcnn | haar | retinaface (user weights in detector_model)
    detector_model: Path | None = file_option()
    conf_threshold: float = 0.9  # detector confidence kept (seed: 0.9)
    min_face_size: int = 20  # px at detection resolution
    tiny_faces: bool = False  # mtcnn: also search the pyramid's finest level (faces of min_face_size to min_face_size/0.709 px, ~20-28); off: larger faces only, same pyramid
    detect_max_side: int = 960  # frames are downscaled for detection to this longer side (0 = no limit) ...
    detect_short_side: int = 0  # ... and/or this shorter side (0 = no limit); boxes are mapped back to full size
    detect_every: int = 8  # full detection every N samples and at shot cuts; faces followed in between (1 = every sample; 4 until issue 18 round 4)
    follow_passes: int = 2  # mtcnn: O-Net passes that re-find a followed face from its previous box
    embed: str = "dlib"  # dlib | onnx (ArcFace/Facenet512 user weights in embed_model) | none
    embed_model: Path | None = file_option()
    embed_runtime: str = "onnx"  # dlib embeddings: onnx (dlib's ResNet converted once, ONNX Runtime) | dlib (dlib's own forward)
    reembed_interval: float = 4.0  # s after which a tracked face is embedded again (0 = every face) ...
    reembed_on_change: float = 0.8  # ... or sooner once it looks unlike at its last embedding (thumbnail correlation; 0 = off)
    emotion: str = "fer"  # fer | facex (TFLite, ai-edge-litert) | onnx (DeepFace-compatible user weights) | none
    emotion_model: Path | None = file_option()
    old_film: str = "auto"  # auto | on | off: CLAHE for black-and-white footage
    bw_threshold: float = 0.03  # colourfulness under which footage counts as black-and-white
    superres: str = "off"  # off | auto | on: Real-ESRGAN (ncnn) on small faces before embed/emotion
    superres_model: str = "realesr-animevideov3-x2"
    superres_below: int = 64  # faces smaller than this (px side) are super-resolved
    restore_model: Path | None = file_option()  # GFPGAN-style ONNX face restorer (user weights)
    segment_seconds: float = 60.0  # the film is analysed in independent segments; each is a resume point
    skip_unsampled: bool = runtime_option(True)  # leave non-reference frames between samples undecoded (same frames; False = decode all)
    chunk_frames: int = runtime_option(16)  # sampled frames per model batch (does not change results)
    providers: str = runtime_option("auto")  # ONNX Runtime providers (auto = GPU first when present)
    threads: int = runtime_option(0)  # ONNX Runtime threads per model (0 = the profile's cores minus the decoder's one)


@dataclass
class PersonsOptions:
    """Who is who: tracks clustered into person ids, named from a names file and/or a reference DB."""

    identity_threshold: float | None = None  # cluster cut / DB match distance (None = the embedder's: dlib 0.5)
    reference_db: Path | None = file_option()  # .npz (names, embeddings) or folder <name>/*.jpg
    names: Path | None = file_option()  # JSON/YAML {3: "Scarlett"} naming person clusters
    label_template: str = "person_{n}"  # default person label ({n} = 1-based id)
